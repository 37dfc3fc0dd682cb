package app

import (
	"context"
	"encoding/json"
	"strconv"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Outbound events (issue 5 item 7): queued in the outbox in the transaction
// of the change, for the company channels subscribed to them, so other
// systems can follow the funnel. Each has a dedupe key naming the fact, so
// a retried use case or rule never announces it twice.
const (
	EventOpportunityCreated = "opportunity.created"
	EventStageChanged       = "opportunity.stage_changed"
	EventWon                = "opportunity.won"
	EventLost               = "opportunity.lost"
	EventRiskRaised         = "risk.raised"
)

func enqueueEvent(ctx context.Context, tx *store.Tx, event, key, subject string, data any) error {
	_, err := tx.EnqueueNotification(ctx, store.Notice{Event: event, Key: event + ":" + key, Subject: subject, Body: subject, Payload: data})
	return err
}

// opportunityCreatedEvent announces a new deal as it was committed: o is the
// deal as the transaction wrote it (store.CreateOpportunity leaves it as a
// read would return it, the health score included); the opener's warnings
// are theirs alone.
func opportunityCreatedEvent(ctx context.Context, tx *store.Tx, o *store.Opportunity) error {
	return enqueueEvent(ctx, tx, EventOpportunityCreated, o.ID, "新商机 "+o.Number+" "+o.Name, createdPayload{o})
}

// createdPayload is opportunity.created's data, built only if a channel
// takes the event.
type createdPayload struct{ o *store.Opportunity }

func (p createdPayload) MarshalJSON() ([]byte, error) {
	committed := *p.o
	committed.Warnings = nil
	return json.Marshal(map[string]any{"opportunity": &committed})
}

// stageEvents announces a move: stage_changed always, won or lost when the
// move closed the deal. via says how it moved (manual, indicator, checklist,
// approval, rule). The key carries the deal's version after the move.
func stageEvents(ctx context.Context, tx *store.Tx, from, via string, o *store.Opportunity) error {
	key := o.ID + ":" + strconv.Itoa(o.Version)
	data := map[string]any{"from": from, "to": o.Stage, "via": via, "opportunity": o}
	if err := enqueueEvent(ctx, tx, EventStageChanged, key, "商机 "+o.Number+" 阶段变更 "+from+" → "+o.Stage, data); err != nil {
		return err
	}
	switch o.Status {
	case funnel.StatusWon:
		return enqueueEvent(ctx, tx, EventWon, key, "商机 "+o.Number+" 赢单", data)
	case funnel.StatusLost:
		return enqueueEvent(ctx, tx, EventLost, key, "商机 "+o.Number+" 输单", data)
	}
	return nil
}

// riskRaisedEvent announces a new risk spell (the key names the spell).
func riskRaisedEvent(ctx context.Context, tx *store.Tx, d store.RhythmDeal, r funnel.RiskFlag, spell string) error {
	key := d.ID + ":" + r.Rule + ":" + spell
	return enqueueEvent(ctx, tx, EventRiskRaised, key, "商机 "+d.Number+" 风险："+r.Rule,
		map[string]any{"opportunity_id": d.ID, "number": d.Number, "name": d.Name, "owner_id": d.OwnerID, "risk": r})
}
