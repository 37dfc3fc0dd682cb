package funnel

import "github.com/shopspring/decimal"

// TargetPlan is seed 004's probability paradigm worked backwards: revenue =
// leads × conversion × average order value, so a remaining target tells how
// many deals, opportunities and follow-ups it takes.
type TargetPlan struct {
	Remaining           Money           `json:"remaining"`
	WinRate             decimal.Decimal `json:"win_rate" doc:"percent of closed deals won (history)"`
	AvgOrderValue       Money           `json:"avg_order_value"`
	ActivitiesPerWin    decimal.Decimal `json:"activities_per_win" doc:"follow-ups logged per won deal (history)"`
	NeededWins          int64           `json:"needed_wins"`
	NeededOpportunities int64           `json:"needed_opportunities"`
	NeededActivities    int64           `json:"needed_activities"`
	WorkingDaysLeft     int             `json:"working_days_left"`
	ActivitiesPerDay    decimal.Decimal `json:"activities_per_day"`
}

// PlanTarget derives the plan from history: won and lost counts, the won
// amount, and the activities logged on won deals. Without history (no win)
// the plan cannot be derived and the needs stay zero.
func PlanTarget(remaining Money, won, lost int64, wonAmount Money, activitiesOnWon int64, workingDaysLeft int) TargetPlan {
	p := TargetPlan{Remaining: remaining, WorkingDaysLeft: workingDaysLeft, WinRate: decimal.Zero, ActivitiesPerWin: decimal.Zero, ActivitiesPerDay: decimal.Zero}
	if won == 0 {
		return p
	}
	p.WinRate = decimal.NewFromInt(won*100).DivRound(decimal.NewFromInt(won+lost), 2)
	p.AvgOrderValue = Money(wonAmount.Decimal().Shift(2).DivRound(decimal.NewFromInt(won), 0).IntPart())
	p.ActivitiesPerWin = decimal.NewFromInt(activitiesOnWon).DivRound(decimal.NewFromInt(won), 2)
	if remaining <= 0 || p.AvgOrderValue <= 0 {
		return p
	}
	wins := ceil(remaining.Decimal().Div(p.AvgOrderValue.Decimal()))
	p.NeededWins = wins
	// opportunities = wins / (won / (won + lost)), rounded up
	p.NeededOpportunities = ceil(decimal.NewFromInt(wins * (won + lost)).Div(decimal.NewFromInt(won)))
	p.NeededActivities = ceil(decimal.NewFromInt(activitiesOnWon * wins).Div(decimal.NewFromInt(won)))
	if workingDaysLeft > 0 {
		p.ActivitiesPerDay = decimal.NewFromInt(p.NeededActivities).DivRound(decimal.NewFromInt(int64(workingDaysLeft)), 1)
	}
	return p
}

func ceil(d decimal.Decimal) int64 { return d.Ceil().IntPart() }

// Coverage is seed 004's behaviour paradigm over a named-account list.
type Coverage struct {
	Accounts    int             `json:"accounts"`
	Touched     int             `json:"touched" doc:"accounts with a follow-up in the period"`
	Penetrated  int             `json:"penetrated" doc:"accounts with an opportunity or a win"`
	Coverage    decimal.Decimal `json:"coverage" doc:"touched / accounts, percent"`
	Penetration decimal.Decimal `json:"penetration" doc:"penetrated / accounts, percent"`
}

// CoverageOf computes coverage and penetration.
func CoverageOf(accounts, touched, penetrated int) Coverage {
	return Coverage{Accounts: accounts, Touched: touched, Penetrated: penetrated,
		Coverage: pct(touched, accounts), Penetration: pct(penetrated, accounts)}
}
