package app

import (
	"context"
	"slices"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Health settings: the score's weights and thresholds (funnel.HealthSettings)
// and what a score below the lower threshold does.
type HealthSettings struct {
	funnel.HealthSettings
	// RegressAction is "flag" (mark the deal, default) or "move_back" (move
	// it back one stage). Flag is the default because inputs arrive one by one
	// during normal data entry: moving a deal back at every partial save would
	// bounce it between stages; admins who want seed 002's strict rule pick
	// move_back.
	RegressAction string `json:"regress_action" enum:"flag,move_back"`
}

const settingHealth = "health"

// settingReader is the store or a transaction.
type settingReader interface {
	Setting(ctx context.Context, key string, v any) (bool, error)
}

// HealthSettings returns the saved settings or the defaults.
func (a *App) HealthSettings(ctx context.Context) (HealthSettings, error) {
	return healthSettings(ctx, a.DB)
}

func healthSettings(ctx context.Context, r settingReader) (HealthSettings, error) {
	s := HealthSettings{HealthSettings: funnel.DefaultHealthSettings(), RegressAction: "flag"}
	_, err := r.Setting(ctx, settingHealth, &s)
	return s, err
}

// SaveHealthSettings changes the weights and thresholds (admin only).
func (a *App) SaveHealthSettings(ctx context.Context, actor *store.User, s HealthSettings) (HealthSettings, error) {
	if err := requireAdmin(actor); err != nil {
		return s, err
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	if s.RegressAction != "flag" && s.RegressAction != "move_back" {
		return s, fieldErr("regress_action", "must be flag or move_back")
	}
	return s, a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveSetting(ctx, settingHealth, s); err != nil {
			return err
		}
		// The cached scores on boards and lists follow the new weights at
		// once. Flags follow too, but no deal is moved back here: a move is a
		// rep-visible event that belongs to a change of the deal's own
		// inputs, not to an admin editing weights.
		ids, err := tx.ScoredOpenDeals(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.cacheHealth(ctx, tx, id, actor.ID, s, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// HealthReport is the health score of one opportunity, as the API shows it.
type HealthReport struct {
	Total         float64               `json:"total"`
	NeedMatch     float64               `json:"need_match"`
	DecisionChain float64               `json:"decision_chain"`
	Budget        float64               `json:"budget"`
	Decision      funnel.HealthDecision `json:"decision" enum:"auto_advance,needs_approval,regress"`
	Explain       []ExplainLine         `json:"explain"`
}

// ExplainLine is one point gained or missing, in words a rep understands.
type ExplainLine struct {
	Key    string  `json:"key"`
	Points float64 `json:"points"`
	Text   string  `json:"text"`
	TextEN string  `json:"text_en"`
}

func report(h funnel.Health) *HealthReport {
	r := &HealthReport{Total: h.Total.InexactFloat64(), NeedMatch: h.NeedMatch.InexactFloat64(),
		DecisionChain: h.DecisionChain.InexactFloat64(), Budget: h.Budget.InexactFloat64(), Decision: h.Decision, Explain: []ExplainLine{}}
	for _, l := range h.Explain {
		r.Explain = append(r.Explain, ExplainLine{Key: l.Key, Points: l.Points.InexactFloat64(), Text: l.ZH, TextEN: l.EN})
	}
	return r
}

// healthOf computes an opportunity's health from its inputs: the need scores
// on the deal, the roles reached by its activities, its evidenced budget facts
// (explained for a person, or the bare figures to keep).
func (a *App) healthOf(ctx context.Context, tx *store.Tx, o *store.Opportunity, s HealthSettings, explain bool) (funnel.Health, error) {
	roles, err := tx.ContactedRoles(ctx, o.ID)
	if err != nil {
		return funnel.Health{}, err
	}
	facts, err := tx.BudgetFacts(ctx, o.ID)
	if err != nil {
		return funnel.Health{}, err
	}
	return healthFrom(o, roles, facts, s, explain)
}

// healthFrom scores o's need scores with the roles reached and the budget
// facts given.
func healthFrom(o *store.Opportunity, roles []string, facts []store.BudgetFact, s HealthSettings, explain bool) (funnel.Health, error) {
	in := funnel.HealthInput{NeedScores: o.NeedScores}
	if len(in.NeedScores) == 0 {
		in.NeedScores = make([]int, funnel.NeedItems) // form not filled yet: nothing matched
	}
	for _, r := range roles {
		in.Contacted = append(in.Contacted, funnel.DecisionRole(r))
	}
	for _, f := range facts {
		in.Budget = append(in.Budget, funnel.BudgetClaim{Fact: funnel.BudgetFact(f.Kind),
			Evidenced: f.EvidenceActivityID != "" || f.EvidenceDocumentID != ""})
	}
	if !explain {
		return funnel.HealthTotals(in, s.HealthSettings)
	}
	return funnel.HealthScore(in, s.HealthSettings)
}

// Health returns the health score of a visible opportunity.
func (a *App) Health(ctx context.Context, actor *store.User, id string) (*HealthReport, error) {
	var h funnel.Health
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		s, err := healthSettings(ctx, tx)
		if err != nil {
			return err
		}
		h, err = a.healthOf(ctx, tx, o, s, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return report(h), nil
}

// refreshHealth recomputes and caches an opportunity's health after one of
// its inputs changed, and applies the regress action to an open deal of a
// health-gated pipeline that fell below the lower threshold.
func (a *App) refreshHealth(ctx context.Context, tx *store.Tx, oppID, by string) error {
	s, err := healthSettings(ctx, tx)
	if err != nil {
		return err
	}
	return a.cacheHealth(ctx, tx, oppID, by, s, true)
}

// scoreNewDeal scores a deal about to be created, from what is in memory:
// its need scores, and no roles reached or budget facts (no activity or fact
// can refer to a deal that does not exist yet). It sets o's health fields,
// which store.CreateOpportunity writes with the deal — the same rule as
// refreshHealth, without writing the deal twice or reading it back. A deal
// created in a later stage of a health-gated pipeline may have to move back
// at once: then after, to run once the deal is written, does it.
func (a *App) scoreNewDeal(ctx context.Context, tx *store.Tx, o *store.Opportunity, pl *store.Pipeline, st store.Stage, by string) (after func() error, err error) {
	s, err := healthSettings(ctx, tx)
	if err != nil {
		return nil, err
	}
	h, err := healthFrom(o, nil, nil, s, false)
	if err != nil {
		return nil, err
	}
	i, flag, moveBack := regression(pl, st.ID, st.Kind == funnel.StageOpen, h, s, true)
	o.HealthScore, o.HealthDecision, o.HealthFlagged = float64(h.Total.Shift(1).IntPart())/10, string(h.Decision), flag
	if !moveBack {
		return func() error { return nil }, nil
	}
	return func() error { return a.moveBack(ctx, tx, o, pl, i, h, by, s) }, nil
}

// cacheHealth recomputes and caches the score; mayMove allows the
// move_back regress action (else a regressing deal is only flagged).
func (a *App) cacheHealth(ctx context.Context, tx *store.Tx, oppID, by string, s HealthSettings, mayMove bool) error {
	o, err := tx.Opportunity(ctx, store.System, oppID)
	if err != nil {
		return err
	}
	h, err := a.healthOf(ctx, tx, o, s, false)
	if err != nil {
		return err
	}
	pl, err := tx.Pipeline(ctx, o.PipelineID)
	if err != nil {
		return err
	}
	i, flag, moveBack := regression(pl, o.StageID, o.Status == funnel.StatusOpen, h, s, mayMove)
	if err := tx.SetHealth(ctx, o.ID, h.Total.Shift(1).IntPart(), string(h.Decision), flag); err != nil {
		return err
	}
	if !moveBack {
		return nil
	}
	return a.moveBack(ctx, tx, o, pl, i, h, by, s)
}

// regression applies the regress rule to a deal in stage stageID of pl
// (open: the stage is an open one): it is flagged, or moved back when
// mayMove and the setting says so; i is the stage's place in pl.
func regression(pl *store.Pipeline, stageID string, open bool, h funnel.Health, s HealthSettings, mayMove bool) (i int, flag, moveBack bool) {
	// Only a deal past the first stage can regress: there is nowhere to go
	// back to from the first, and a new deal starts with nothing filled in.
	i = slices.IndexFunc(pl.Stages, func(st store.Stage) bool { return st.ID == stageID })
	regress := h.Decision == funnel.Regress && pl.HealthGate && open && i > 0 && stageID != pl.FirstOpen().ID
	moveBack = regress && mayMove && s.RegressAction == "move_back"
	return i, regress && !moveBack, moveBack
}

// moveBack moves o from stage i of pl to the one before, as the health rule,
// and leaves o as it then is.
func (a *App) moveBack(ctx context.Context, tx *store.Tx, o *store.Opportunity, pl *store.Pipeline, i int, h funnel.Health, by string, s HealthSettings) error {
	if err := tx.CancelPendingApprovals(ctx, o.ID, by); err != nil { // what it waited for no longer applies
		return err
	}
	moved, err := tx.MoveStage(ctx, o.ID, store.Move{To: pl.Stages[i-1], Version: o.Version, By: by, Via: store.ViaRule,
		Comment: "health " + h.Total.StringFixed(1) + " below " + itoa(s.RegressBelow)})
	if err != nil {
		return err
	}
	if err := stageEvents(ctx, tx, o.Stage, store.ViaRule, moved); err != nil {
		return err
	}
	warnings := o.Warnings
	*o = *moved
	o.Warnings = warnings
	return nil
}
