package app

import (
	"context"
	"slices"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// TicksInput sets which indicators (mode A) or checklist items (mode B) hold.
type TicksInput struct {
	Ticked  []string `json:"ticked" doc:"indicator or checklist keys of the opportunity's pipeline"`
	Version int      `json:"version"`
}

// SetTicks saves the ticked items and, in the indicators and checklist modes,
// derives the stage from them and moves the deal there under the same gate
// and health rules as a manual move. A derived move that a gate or the health
// score stops does not undo the ticks: the outcome says "blocked" and why.
func (a *App) SetTicks(ctx context.Context, actor *store.User, id string, in TicksInput) (*MoveResult, error) {
	var out *MoveResult
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		pl, err := tx.Pipeline(ctx, o.PipelineID)
		if err != nil {
			return err
		}
		ticked := cleanList(in.Ticked)
		var p funnel.Problems
		for i, k := range ticked {
			if !pipelineHasItem(pl, k) {
				p.Add("ticked["+itoa(i)+"]", "pipeline %s has no indicator or checklist item %q", pl.Key, k)
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if err := tx.SetTicked(ctx, id, ticked, in.Version, actor.ID); err != nil {
			return err
		}
		if o, err = tx.Opportunity(ctx, store.System, id); err != nil {
			return err
		}
		out = &MoveResult{Outcome: OutcomeUnchanged, Opportunity: o}
		target, via, ok := derivedStage(pl, ticked)
		if !ok || o.Status != funnel.StatusOpen || pl.Stages[target].ID == o.StageID {
			return nil
		}
		// A deal waiting for an approval keeps waiting: the ticks are saved,
		// the derived move is blocked until the manager decides.
		if waiting, err := tx.PendingApproval(ctx, id); err != nil {
			return err
		} else if waiting != nil {
			out.Outcome, out.Approval = OutcomeBlocked, waiting
			return nil
		}
		m := store.Move{To: pl.Stages[target], Version: o.Version, By: actor.ID, Via: via}
		res, err := a.applyRules(ctx, tx, actor, o, pl, m)
		if e, refused := err.(*funnel.Error); refused && e.Code == funnel.EINVALID {
			out.Outcome, out.Missing = OutcomeBlocked, e.Missing
			if hr, ok := e.Health.(*HealthReport); ok {
				out.Health = hr
			}
			return nil
		} else if err != nil {
			return err
		}
		out = res
		return a.refreshHealth(ctx, tx, id, actor.ID)
	})
	return out, err
}

// derivedStage applies the pipeline's mode (SPEC §3) to the ticked items.
func derivedStage(pl *store.Pipeline, ticked []string) (int, string, bool) {
	switch pl.Mode {
	case funnel.ModeIndicators:
		i, ok := funnel.StageFromIndicators(funnelStages(pl), ticked)
		return i, store.ViaIndicator, ok
	case funnel.ModeChecklist:
		i, ok := funnel.StageFromChecklist(funnelStages(pl), ticked)
		return i, store.ViaChecklist, ok
	}
	return 0, "", false
}

func pipelineHasItem(pl *store.Pipeline, key string) bool {
	for _, s := range pl.Stages {
		has := func(in funnel.Indicator) bool { return in.Key == key }
		if slices.ContainsFunc(s.Indicators, has) || slices.ContainsFunc(s.Checklist, has) {
			return true
		}
	}
	return false
}
