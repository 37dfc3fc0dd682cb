package app

import (
	"context"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// DecisionInput approves or rejects a pending stage move.
type DecisionInput struct {
	Comment string `json:"comment,omitempty" doc:"required when rejecting"`
	Version int    `json:"version" doc:"the approval's version"`
}

// DecideApproval approves (the deal moves, via approval) or rejects a pending
// stage move. The approver, anyone above them, or an admin decides; gates are
// checked again, since documents may have been removed meanwhile.
func (a *App) DecideApproval(ctx context.Context, actor *store.User, id string, approve bool, in DecisionInput) (*store.Approval, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	if !approve && in.Comment == "" {
		return nil, fieldErr("comment", "is required when rejecting: tell the rep what is missing")
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		ap, err := tx.Approval(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if ap.Status != store.ApprovalPending {
			return funnel.Errorf(funnel.ECONFLICT, "this approval was already %s", ap.Status)
		}
		if !a.mayApprove(ctx, tx, actor, ap.ApproverID) {
			return forbidden("only the owner's manager, someone above them or an admin may decide")
		}
		status := store.ApprovalRejected
		if approve {
			status = store.ApprovalApproved
		}
		if err := tx.DecideApproval(ctx, id, in.Version, status, in.Comment, actor.ID); err != nil {
			return err
		}
		if !approve {
			return nil
		}
		o, err := tx.Opportunity(ctx, store.System, ap.OpportunityID)
		if err != nil {
			return err
		}
		pl, err := tx.Pipeline(ctx, o.PipelineID)
		if err != nil {
			return err
		}
		to, _ := pl.StageByID(ap.ToStageID)
		if o.StageID != ap.FromStageID {
			return funnel.Errorf(funnel.ECONFLICT, "the opportunity has left stage %s since the request", ap.From)
		}
		// The approver stands in for the health rule, not for the gates.
		_, err = a.applyRules(ctx, tx, actor, o, pl, store.Move{To: to, Version: o.Version, By: actor.ID, Via: store.ViaApproval, Comment: in.Comment})
		if err != nil {
			return err
		}
		return a.refreshHealth(ctx, tx, o.ID, actor.ID)
	})
	if err != nil {
		return nil, err
	}
	var ap *store.Approval
	err = a.tx(ctx, func(tx *store.Tx) error {
		ap, err = tx.Approval(ctx, actor.Viewer(), id)
		return err
	})
	return ap, err
}
