package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Outcomes of a stage-move request.
const (
	OutcomeMoved             = "moved"
	OutcomeApprovalRequested = "approval_requested"
	OutcomeBlocked           = "blocked"   // derived moves only: a gate or the health score stops it
	OutcomeUnchanged         = "unchanged" // derived moves only: the stage stays
)

// MoveResult says what became of a stage move.
type MoveResult struct {
	Outcome     string             `json:"outcome" enum:"moved,approval_requested,blocked,unchanged"`
	Opportunity *store.Opportunity `json:"opportunity"`
	Approval    *store.Approval    `json:"approval,omitempty"`
	Missing     []funnel.Missing   `json:"missing,omitempty"`
	Health      *HealthReport      `json:"health,omitempty"`
}

// MoveStage moves a visible opportunity to another stage of its pipeline,
// under the stage rules (SPEC §3–4):
//   - backwards: always, recorded;
//   - lost: with a loss reason;
//   - forwards: every gate on the way must be met (else EINVALID with Missing);
//     into an open stage of a health-gated pipeline the health score decides:
//     above 80 it moves, 60–80 it waits for the owner's manager (unless the
//     mover may approve it), below 60 it is refused with the explanation;
//   - won: gates only; sets amount and close date.
func (a *App) MoveStage(ctx context.Context, actor *store.User, id string, in StageMoveInput) (*MoveResult, error) {
	var out *MoveResult
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if o.Version != in.Version {
			return &funnel.Error{Code: funnel.ECONFLICT, Message: "opportunity was changed by someone else since you loaded it: reload and retry", Current: o}
		}
		pl, err := tx.Pipeline(ctx, o.PipelineID)
		if err != nil {
			return err
		}
		to, ok := pl.StageByKey(in.To)
		if !ok {
			return fieldErr("to", "pipeline %s has no stage %q", pl.Key, in.To)
		}
		if to.ID == o.StageID {
			return fieldErr("to", "the opportunity is already in stage %q", in.To)
		}
		m, err := moveOf(in, to, actor.ID)
		if err != nil {
			return err
		}
		out, err = a.applyRules(ctx, tx, actor, o, pl, m)
		if err != nil {
			return err
		}
		return a.refreshHealth(ctx, tx, o.ID, actor.ID)
	})
	if err != nil {
		return nil, err
	}
	if out.Outcome == OutcomeMoved {
		out.Opportunity, err = a.DB.Opportunity(ctx, actor.Viewer(), id)
	}
	return out, err
}

// moveOf validates what a move carries besides its target.
func moveOf(in StageMoveInput, to store.Stage, by string) (store.Move, error) {
	m := store.Move{To: to, Version: in.Version, By: by, Via: store.ViaManual, Comment: strings.TrimSpace(in.Comment), ClosedOn: in.ClosedOn}
	var p funnel.Problems
	if to.Kind == funnel.StageLost {
		if !validLossReason(in.LossReason) {
			p.Add("loss_reason", "is required when a deal is lost: one of %s", strings.Join(LossReasons, ", "))
		}
		m.LossReason = in.LossReason
	}
	if in.Amount != "" {
		amt, err := funnel.ParseMoney(in.Amount)
		if err != nil {
			p.Add("amount", "%v", err)
		}
		m.Amount = &amt
	}
	if in.ClosedOn != "" {
		if _, err := time.Parse(time.DateOnly, in.ClosedOn); err != nil {
			p.Add("closed_on", "must be a date like 2026-12-31")
		}
	}
	return m, p.Err()
}

// applyRules decides a move and carries it out: moved, or an approval filed.
// A refusal is an error: EINVALID with the gate's Missing list or the health.
func (a *App) applyRules(ctx context.Context, tx *store.Tx, actor *store.User, o *store.Opportunity, pl *store.Pipeline, m store.Move) (*MoveResult, error) {
	from := slices.IndexFunc(pl.Stages, func(s store.Stage) bool { return s.ID == o.StageID })
	to := slices.IndexFunc(pl.Stages, func(s store.Stage) bool { return s.ID == m.To.ID })
	if pl.Stages[from].Kind != funnel.StageOpen && m.To.Kind != funnel.StageLost {
		// Reopening a closed deal is a move from before the first stage: every
		// gate up to the target applies, so lost → won cannot skip the contract.
		from = -1
	}
	forward := to > from && m.To.Kind != funnel.StageLost
	if forward {
		facts, err := a.gateFacts(ctx, tx, o)
		if err != nil {
			return nil, err
		}
		if missing := funnel.CheckGates(funnelStages(pl), from, to, facts); len(missing) > 0 {
			return nil, &funnel.Error{Code: funnel.EINVALID, Missing: missing,
				Message: "the stage gate is not met: " + missingList(missing)}
		}
	}
	if forward && m.To.Kind == funnel.StageOpen && pl.HealthGate && m.To.ID != pl.FirstOpen().ID {
		s, err := healthSettings(ctx, tx)
		if err != nil {
			return nil, err
		}
		h, err := a.healthOf(ctx, tx, o, s, true)
		if err != nil {
			return nil, err
		}
		switch h.Decision {
		case funnel.Regress:
			return nil, &funnel.Error{Code: funnel.EINVALID, Health: report(h),
				Message: "health score " + h.Total.StringFixed(1) + " is below " + itoa(s.RegressBelow) + ": the deal is not ready to advance"}
		case funnel.NeedsApproval:
			approver, err := tx.ManagerOf(ctx, o.OwnerID)
			if err != nil {
				return nil, err
			}
			if !a.mayApprove(ctx, tx, actor, approver) {
				ap := &store.Approval{OpportunityID: o.ID, FromStageID: o.StageID, ToStageID: m.To.ID, RequestedBy: actor.ID,
					ApproverID: approver, Missing: healthGaps(h), Comment: m.Comment, From: o.Stage, To: m.To.Key}
				if err := tx.CreateApproval(ctx, ap, h.Total.Shift(1).IntPart()); err != nil {
					return nil, err
				}
				return &MoveResult{Outcome: OutcomeApprovalRequested, Opportunity: o, Approval: ap, Health: report(h)}, nil
			}
			m.Via = store.ViaApproval
		}
	}
	if err := tx.CancelPendingApprovals(ctx, o.ID, actor.ID); err != nil {
		return nil, err
	}
	moved, err := tx.MoveStage(ctx, o.ID, m)
	if err != nil {
		return nil, err
	}
	if err := stageEvents(ctx, tx, o.Stage, m.Via, moved); err != nil {
		return nil, err
	}
	return &MoveResult{Outcome: OutcomeMoved, Opportunity: moved}, nil
}

// mayApprove: the approver, anyone above them, or an admin approves by moving.
func (a *App) mayApprove(ctx context.Context, tx *store.Tx, actor *store.User, approver string) bool {
	if actor.Role == store.RoleAdmin {
		return true
	}
	if approver == "" {
		return false
	}
	ok, err := tx.CanActFor(ctx, actor.Viewer(), approver)
	return err == nil && ok
}

// gateFacts gathers what the gates look at: filled fields and live documents.
func (a *App) gateFacts(ctx context.Context, tx *store.Tx, o *store.Opportunity) (funnel.GateFacts, error) {
	var f funnel.GateFacts
	add := func(k string, ok bool) {
		if ok {
			f.Fields = append(f.Fields, k)
		}
	}
	add("amount", o.Amount > 0)
	add("expected_close_date", o.ExpectedCloseDate != "")
	add("next_contact_at", o.NextContactAt != nil)
	add("product_lines", len(o.ProductLines) > 0)
	add("competitors", len(o.Competitors) > 0)
	add("need_scores", len(o.NeedScores) == funnel.NeedItems)
	roles, err := tx.ContactedRoles(ctx, o.ID)
	if err != nil {
		return f, err
	}
	add("decision_maker", slices.Contains(roles, store.RoleDecisionMaker))
	f.Documents, err = tx.DocumentTypesOf(ctx, o.ID)
	return f, err
}

func funnelStages(pl *store.Pipeline) []funnel.Stage {
	out := make([]funnel.Stage, len(pl.Stages))
	for i, s := range pl.Stages {
		out[i] = s.Stage
	}
	return out
}

func missingList(ms []funnel.Missing) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Label
	}
	return strings.Join(parts, "、")
}

// healthGaps lists what the health score misses, for the approving manager
// ("补充材料": the materials still to supply).
func healthGaps(h funnel.Health) []funnel.Missing {
	out := []funnel.Missing{}
	for _, l := range h.Explain {
		if l.Points.IsNegative() {
			out = append(out, funnel.Missing{Kind: "health", Key: l.Key, Label: l.ZH, LabelEN: l.EN})
		}
	}
	return out
}
