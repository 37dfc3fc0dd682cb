package funnel

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// WeeksPerQuarter is seed 003's count: a quarter has thirteen weeks, so each
// week should move 1/13 of the quota (7.69%; the seed rounds it up to 7.8%).
// The target stays 1/13 even in a quarter that WeeksOf splits into fourteen
// weeks, because its two partial weeks make about one.
const WeeksPerQuarter = 13

// WeekEnd is where a scope stands at the end of a week (seed 003).
type WeekEnd struct {
	Week     int   `json:"week"`     // 0 is the start of the quarter
	Forecast Money `json:"forecast"` // F: the open weighted forecast
	Sales    Money `json:"sales"`    // S: won + direct sales so far this quarter
}

// WeekProgress is one week's 销售进展: how much of the quota moved from
// forecast towards sales, or was newly found, during the week.
type WeekProgress struct {
	Week int `json:"week"`
	// Moved is (F_w + S_w) − (F_w−1 + S_w−1); negative when deals were lost,
	// shrank or slipped out of the quarter.
	Moved    Money           `json:"moved"`
	Percent  decimal.Decimal `json:"percent"` // Moved / Q in percent, two decimals
	Target   decimal.Decimal `json:"target"`  // 100 / WeeksPerQuarter, two decimals
	OnTarget bool            `json:"on_target"`
}

// WeeklyProgress computes seed 003's weekly progress for each week after the
// first entry of ends, against the quarter quota: ends must hold consecutive
// weeks, so pass week 0 (the quarter's start: its forecast, no sales) to get
// week 1. OnTarget compares the two-decimal figures a rep sees, so "7.69%
// against 7.69%" is never called short.
func WeeklyProgress(quota Money, ends []WeekEnd) ([]WeekProgress, error) {
	var p Problems
	if quota <= 0 {
		p.Add("quota", "must be more than zero")
	}
	for i, e := range ends {
		if i > 0 && e.Week != ends[i-1].Week+1 {
			p.Add(fmt.Sprintf("weeks[%d].week", i), "must be %d, the week after the one before", ends[i-1].Week+1)
		}
		if e.Forecast < 0 {
			p.Add(fmt.Sprintf("weeks[%d].forecast", i), "must not be negative")
		}
		if e.Sales < 0 {
			p.Add(fmt.Sprintf("weeks[%d].sales", i), "must not be negative")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	q := decimal.NewFromInt(int64(quota))
	target := decimal.NewFromInt(100).DivRound(decimal.NewFromInt(WeeksPerQuarter), 2)
	out := make([]WeekProgress, 0, max(len(ends)-1, 0))
	for i := 1; i < len(ends); i++ {
		moved := (ends[i].Forecast + ends[i].Sales) - (ends[i-1].Forecast + ends[i-1].Sales)
		pct := decimal.NewFromInt(int64(moved)).Shift(2).DivRound(q, 2)
		out = append(out, WeekProgress{
			Week: ends[i].Week, Moved: moved, Percent: pct, Target: target,
			OnTarget: pct.GreaterThanOrEqual(target),
		})
	}
	return out, nil
}

// SalesWeek is one week of a period's weekly cadence.
type SalesWeek struct {
	Number   int    `json:"number"`    // 1-based within the period
	FirstDay string `json:"first_day"` // ISO date in the company calendar
	LastDay  string `json:"last_day"`  // a Sunday, or the period's last day
	// Closes is the instant the week is over: midnight after LastDay in
	// CompanyZone, when its snapshot is due.
	Closes time.Time `json:"closes"`
}

// WeeksOf splits a period into weeks ending on Sunday in the company
// calendar (Asia/Shanghai by default). Weeks run Monday to Sunday as Chinese
// offices count them, and in seed 003 Monday is when last week's figures are
// reported. The first and last weeks are cut at the period's edges rather
// than borrowed from the neighbouring quarter, so every day counts in exactly
// one quarter: a quarter has 13 weeks, or 14 when it does not start on a
// Monday and end on a Sunday.
func WeeksOf(p Period) []SalesWeek {
	var weeks []SalesWeek
	for first := p.Start; first.Before(p.End); {
		// Sunday is 0 in time.Weekday: days left until it, this week.
		last := first.AddDate(0, 0, (7-int(first.Weekday()))%7)
		if !last.Before(p.End) {
			last = p.End.AddDate(0, 0, -1)
		}
		next := last.AddDate(0, 0, 1)
		weeks = append(weeks, SalesWeek{
			Number:   len(weeks) + 1,
			FirstDay: first.Format(time.DateOnly),
			LastDay:  last.Format(time.DateOnly),
			Closes:   time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, CompanyZone),
		})
		first = next
	}
	return weeks
}

// LastClosedWeek is the latest sales week that has closed by now (the
// week a weekly snapshot should exist for): weeks end on Sundays and at
// quarter ends, in the company calendar.
func LastClosedWeek(now time.Time) SalesWeek {
	local := now.In(CompanyZone)
	q, _ := ParsePeriod(QuarterOf(local))
	prev, _ := ParsePeriod(QuarterOf(q.Start.AddDate(0, 0, -1)))
	weeks := append(WeeksOf(prev), WeeksOf(q)...)
	last := weeks[0]
	for _, w := range weeks {
		if !w.Closes.After(now) {
			last = w
		}
	}
	return last
}
