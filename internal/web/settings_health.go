package web

import (
	"net/http"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Health scoring (SPEC §4): the weights of its three parts, the chain's
// split by role, the points of each budget fact, the two thresholds and
// what a score below the lower one does.

type healthSettingsData struct {
	settingsPage
	S app.HealthSettings
	// Stamp is the fingerprint of the settings as saved when the page was made.
	Stamp string
	// Fields in form order: the weights, the chain split, budget points, thresholds.
	Groups [][]healthField
}

type healthField struct {
	Name  string
	Value int
}

func healthGroups(s app.HealthSettings) [][]healthField {
	return [][]healthField{
		{{"need_weight", s.NeedWeight}, {"chain_weight", s.ChainWeight}, {"budget_weight", s.BudgetWeight}},
		{{"decision_maker_share", s.DecisionMakerShare}, {"influencer_share", s.InfluencerShare}, {"user_share", s.UserShare}},
		{{"amount_stated_points", s.AmountStatedPoints}, {"approved_points", s.ApprovedPoints}, {"in_annual_plan_points", s.InAnnualPlanPoints}},
		{{"regress_below", s.RegressBelow}, {"auto_above", s.AutoAbove}},
	}
}

func (s *server) healthSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	hs, err := s.app.HealthSettings(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings_health", "", "settings", healthSettingsData{settingsPage: newSettingsPage(r, "health"), S: hs, Groups: healthGroups(hs), Stamp: stamp(hs)})
}

func (s *server) saveHealthSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	var p funnel.Problems
	in := app.HealthSettings{RegressAction: r.FormValue("regress_action"), HealthSettings: funnel.HealthSettings{
		NeedWeight: formInt(r, "need_weight", &p), ChainWeight: formInt(r, "chain_weight", &p), BudgetWeight: formInt(r, "budget_weight", &p),
		DecisionMakerShare: formInt(r, "decision_maker_share", &p), InfluencerShare: formInt(r, "influencer_share", &p), UserShare: formInt(r, "user_share", &p),
		AmountStatedPoints: formInt(r, "amount_stated_points", &p), ApprovedPoints: formInt(r, "approved_points", &p), InAnnualPlanPoints: formInt(r, "in_annual_plan_points", &p),
		RegressBelow: formInt(r, "regress_below", &p), AutoAbove: formInt(r, "auto_above", &p)}}
	err := p.Err()
	cur, cerr := s.app.HealthSettings(r.Context())
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	if err == nil && r.FormValue("stamp") != stamp(cur) {
		err = errStale
	}
	if err == nil {
		_, err = s.app.SaveHealthSettings(r.Context(), u, in)
	}
	if err != nil {
		status, ok := formRefused(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		d := healthSettingsData{settingsPage: newSettingsPage(r, "health"), S: in, Groups: healthGroups(in), Stamp: r.FormValue("stamp")}
		if isStale(err) {
			d.S, d.Groups, d.Stamp, d.Conflict = cur, healthGroups(cur), stamp(cur), true
		}
		d.Problems["health"] = s.settingsProblems(r, u, err)
		s.render(w, r, status, "settings_health", "", "settings", d)
		return
	}
	savedRedirect(w, r, "/settings/health", "health")
}
