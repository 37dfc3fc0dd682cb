package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// ActivityInput logs a follow-up.
type ActivityInput struct {
	OpportunityID string   `json:"opportunity_id,omitempty" doc:"the deal followed up; or give customer_id alone"`
	CustomerID    string   `json:"customer_id,omitempty"`
	Kind          string   `json:"kind" enum:"call,email,visit,meeting,demo,wecom"`
	Direction     string   `json:"direction,omitempty" enum:"outbound,inbound" doc:"inbound for a customer's reply; default outbound"`
	OccurredAt    string   `json:"occurred_at,omitempty" doc:"RFC 3339; defaults to now"`
	ContactIDs    []string `json:"contact_ids,omitempty" doc:"contacts of the customer involved"`
	Note          string   `json:"note,omitempty"`
	NextStep      string   `json:"next_step,omitempty"`
}

// LogActivity records a follow-up on a visible opportunity or customer and
// moves the opportunity's last contact time.
func (a *App) LogActivity(ctx context.Context, actor *store.User, in ActivityInput) (*store.Activity, error) {
	act := &store.Activity{Kind: in.Kind, Direction: in.Direction, Note: strings.TrimSpace(in.Note),
		NextStep: strings.TrimSpace(in.NextStep), CreatedBy: actor.ID, ContactIDs: cleanList(in.ContactIDs)}
	var p funnel.Problems
	if !slices.Contains(store.ActivityKinds, act.Kind) {
		p.Add("kind", "must be one of %s", strings.Join(store.ActivityKinds, ", "))
	}
	if act.Direction == "" {
		act.Direction = "outbound"
	} else if !slices.Contains(store.ActivityDirections, act.Direction) {
		p.Add("direction", "must be outbound or inbound")
	}
	act.OccurredAt = a.Now()
	if in.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339, in.OccurredAt)
		if err != nil {
			p.Add("occurred_at", "must be an RFC 3339 time like 2026-11-20T10:00:00+08:00")
		} else if t.After(a.Now().Add(24 * time.Hour)) {
			p.Add("occurred_at", "is in the future; plan it as the next contact time instead")
		}
		act.OccurredAt = t.UTC()
	}
	if in.OpportunityID == "" && in.CustomerID == "" {
		p.Add("opportunity_id", "give opportunity_id or customer_id")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		if in.OpportunityID != "" {
			o, err := tx.Opportunity(ctx, actor.Viewer(), in.OpportunityID)
			if err != nil {
				return fieldErr("opportunity_id", "opportunity not found")
			}
			if in.CustomerID != "" && in.CustomerID != o.CustomerID {
				return fieldErr("customer_id", "is not the opportunity's customer")
			}
			act.OpportunityID, act.CustomerID = o.ID, o.CustomerID
		} else {
			if _, err := tx.Customer(ctx, actor.Viewer(), in.CustomerID); err != nil {
				return fieldErr("customer_id", "customer not found")
			}
			act.CustomerID = in.CustomerID
		}
		known, err := tx.ContactsOfCustomer(ctx, act.CustomerID, act.ContactIDs)
		if err != nil {
			return err
		}
		var p funnel.Problems
		for i, id := range act.ContactIDs {
			if !known[id] {
				p.Add("contact_ids["+itoa(i)+"]", "contact %s is not a contact of this customer", id)
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if err := tx.LogActivity(ctx, act); err != nil {
			return err
		}
		if act.OpportunityID == "" || len(act.ContactIDs) == 0 {
			return nil
		}
		return a.refreshHealth(ctx, tx, act.OpportunityID, actor.ID) // the decision chain may have grown
	})
	return act, err
}

// DeleteActivity removes a visible activity.
func (a *App) DeleteActivity(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		act, err := tx.DeleteActivity(ctx, actor.Viewer(), id)
		if err != nil || act.OpportunityID == "" {
			return err
		}
		return a.refreshHealth(ctx, tx, act.OpportunityID, actor.ID)
	})
}
