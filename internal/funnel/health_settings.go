package funnel

import "github.com/shopspring/decimal"

// HealthSettings are the weights and thresholds of the health score. Admins
// change them; DefaultHealthSettings is seed 002's model. Whole numbers keep
// every score exact and easy to type in a settings form.
type HealthSettings struct {
	// Points of each dimension; they add up to 100.
	NeedWeight   int `json:"need_weight"`
	ChainWeight  int `json:"chain_weight"`
	BudgetWeight int `json:"budget_weight"` // also caps the budget fact points

	// Shares of ChainWeight per role, in percent; they add up to 100.
	DecisionMakerShare int `json:"decision_maker_share"`
	InfluencerShare    int `json:"influencer_share"`
	UserShare          int `json:"user_share"`

	// Points per evidenced budget fact.
	AmountStatedPoints int `json:"amount_stated_points"`
	ApprovedPoints     int `json:"approved_points"`
	InAnnualPlanPoints int `json:"in_annual_plan_points"`

	// A total below RegressBelow goes back one stage; above AutoAbove it
	// advances by itself; from RegressBelow to AutoAbove, both included, the
	// move needs a manager's approval.
	RegressBelow int `json:"regress_below"`
	AutoAbove    int `json:"auto_above"`
}

// DefaultHealthSettings returns SPEC §4's defaults: 40/30/30 points, the
// chain split 50/30/20 (15/9/6 points), budget facts 10/15/5, thresholds 60
// and 80.
func DefaultHealthSettings() HealthSettings {
	return HealthSettings{
		NeedWeight: 40, ChainWeight: 30, BudgetWeight: 30,
		DecisionMakerShare: 50, InfluencerShare: 30, UserShare: 20,
		AmountStatedPoints: 10, ApprovedPoints: 15, InAnnualPlanPoints: 5,
		RegressBelow: 60, AutoAbove: 80,
	}
}

// Validate refuses settings that would make scores meaningless, naming each
// bad field.
func (s HealthSettings) Validate() error {
	var p Problems
	for _, f := range []struct {
		name string
		v    int
	}{
		{"need_weight", s.NeedWeight}, {"chain_weight", s.ChainWeight}, {"budget_weight", s.BudgetWeight},
		{"decision_maker_share", s.DecisionMakerShare}, {"influencer_share", s.InfluencerShare}, {"user_share", s.UserShare},
		{"amount_stated_points", s.AmountStatedPoints}, {"approved_points", s.ApprovedPoints}, {"in_annual_plan_points", s.InAnnualPlanPoints},
		{"regress_below", s.RegressBelow}, {"auto_above", s.AutoAbove},
	} {
		if f.v < 0 || f.v > 100 {
			p.Add(f.name, "must be between 0 and 100, got %d", f.v)
		}
	}
	if sum := s.NeedWeight + s.ChainWeight + s.BudgetWeight; sum != 100 {
		p.Add("need_weight", "need, chain and budget weights must add up to 100, got %d", sum)
	}
	if sum := s.DecisionMakerShare + s.InfluencerShare + s.UserShare; sum != 100 {
		p.Add("decision_maker_share", "role shares must add up to 100, got %d", sum)
	}
	if s.RegressBelow > s.AutoAbove {
		p.Add("regress_below", "must not be above auto_above (%d)", s.AutoAbove)
	}
	return p.Err()
}

// Decide maps a total to what happens to the next stage move.
func (s HealthSettings) Decide(total decimal.Decimal) HealthDecision {
	switch {
	case total.LessThan(decimal.NewFromInt(int64(s.RegressBelow))):
		return Regress
	case total.GreaterThan(decimal.NewFromInt(int64(s.AutoAbove))):
		return AutoAdvance
	}
	return NeedsApproval
}
