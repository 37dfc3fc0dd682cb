package app

import (
	"context"
	"errors"
	"math"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Lifecycle is the life of one deal (SPEC §7): its stages with how long it
// stayed in each, its follow-ups, how its score moved, its documents, how it
// ended, and the contracts and payments that came of it.
type Lifecycle struct {
	Opportunity  *store.Opportunity  `json:"opportunity"`
	Stages       []StageSpell        `json:"stages" doc:"every stage visit, oldest first"`
	Activities   []*store.Activity   `json:"activities"`
	ScoreHistory []ScorePoint        `json:"score_history" doc:"probability and amount at every stage move (stage history keeps them)"`
	Health       HealthNow           `json:"health"`
	HealthTrail  []store.HealthPoint `json:"health_history" doc:"every change of the health score or its decision, oldest first"`
	Documents    []*store.Document   `json:"documents"`
	Outcome      Outcome             `json:"outcome"`
	Contracts    []ContractRecord    `json:"contracts"`
}

// StageSpell is one stay in a stage.
type StageSpell struct {
	Stage           string       `json:"stage"`
	StageID         string       `json:"stage_id"`
	EnteredAt       time.Time    `json:"entered_at"`
	LeftAt          *time.Time   `json:"left_at" doc:"null while the deal is still there"`
	DurationSeconds int64        `json:"duration_seconds" doc:"to left_at, or to now for the current stage of an open deal; 0 for a won or lost stage"`
	DurationDays    float64      `json:"duration_days" doc:"duration_seconds in days, one decimal"`
	Via             string       `json:"via"`
	ByUserID        string       `json:"by_user_id"`
	Probability     int          `json:"probability"`
	Amount          funnel.Money `json:"amount"`
}

// ScorePoint is the deal's probability and amount from a moment on.
type ScorePoint struct {
	At          time.Time    `json:"at"`
	Stage       string       `json:"stage"`
	Probability int          `json:"probability"`
	Amount      funnel.Money `json:"amount"`
}

// HealthNow is the deal's current health score (SPEC §4).
type HealthNow struct {
	Score    float64 `json:"score"`
	Decision string  `json:"decision"`
	Flagged  bool    `json:"flagged"`
}

// Outcome is how the deal ended, with its archive once filed.
type Outcome struct {
	Status     string             `json:"status" enum:"open,won,lost"`
	ClosedOn   string             `json:"closed_on,omitempty"`
	LossReason string             `json:"loss_reason,omitempty"`
	Archive    *store.DealArchive `json:"archive,omitempty" doc:"success points or the loss analysis form, once filed"`
}

// ContractRecord is a contract with its payments and invoices.
type ContractRecord struct {
	*store.Contract
	Payments []*store.Payment `json:"payments"`
	Invoices []*store.Invoice `json:"invoices"`
}

// Lifecycle assembles the lifecycle report of a visible deal.
func (a *App) Lifecycle(ctx context.Context, actor *store.User, id string) (*Lifecycle, error) {
	v := actor.Viewer()
	o, err := a.DB.Opportunity(ctx, v, id)
	if err != nil {
		return nil, err
	}
	lc := &Lifecycle{Opportunity: o, Stages: []StageSpell{}, ScoreHistory: []ScorePoint{}, Contracts: []ContractRecord{},
		Health:  HealthNow{Score: o.HealthScore, Decision: o.HealthDecision, Flagged: o.HealthFlagged},
		Outcome: Outcome{Status: o.Status, ClosedOn: o.ClosedOn, LossReason: o.LossReason}}
	moves, err := a.DB.StageHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	for i, m := range moves {
		s := StageSpell{Stage: m.To, StageID: m.ToStageID, EnteredAt: m.At, Via: m.Via, ByUserID: m.ByUserID, Probability: m.Probability, Amount: m.Amount}
		end := now
		if i+1 < len(moves) {
			left := moves[i+1].At
			s.LeftAt, end = &left, left
		} else if o.Status != funnel.StatusOpen {
			end = m.At // a won or lost deal does not dwell in its outcome
		}
		s.DurationSeconds = int64(end.Sub(m.At) / time.Second)
		s.DurationDays = math.Round(end.Sub(m.At).Hours()/24*10) / 10
		lc.Stages = append(lc.Stages, s)
		lc.ScoreHistory = append(lc.ScoreHistory, ScorePoint{At: m.At, Stage: m.To, Probability: m.Probability, Amount: m.Amount})
	}
	if lc.Activities, err = allPages(func(pg store.Page) ([]*store.Activity, string, error) {
		return a.DB.Activities(ctx, v, store.ActivityFilter{OpportunityID: id, Page: pg})
	}); err != nil {
		return nil, err
	}
	if lc.HealthTrail, err = a.DB.HealthHistory(ctx, id); err != nil {
		return nil, err
	}
	if lc.Documents, err = a.DB.Documents(ctx, id); err != nil {
		return nil, err
	}
	if ar, err := a.DB.Archive(ctx, id); err == nil {
		lc.Outcome.Archive = ar
	} else if !isNotFound(err) {
		return nil, err
	}
	contracts, err := allPages(func(pg store.Page) ([]*store.Contract, string, error) {
		return a.DB.Contracts(ctx, v, store.ContractFilter{OpportunityID: id, Page: pg})
	})
	if err != nil {
		return nil, err
	}
	for _, k := range contracts {
		r := ContractRecord{Contract: k}
		if r.Payments, err = allPages(func(pg store.Page) ([]*store.Payment, string, error) {
			return a.DB.Payments(ctx, v, store.PaymentFilter{ContractID: k.ID, Page: pg})
		}); err != nil {
			return nil, err
		}
		if r.Invoices, err = allPages(func(pg store.Page) ([]*store.Invoice, string, error) {
			return a.DB.Invoices(ctx, v, k.ID, pg)
		}); err != nil {
			return nil, err
		}
		lc.Contracts = append(lc.Contracts, r)
	}
	return lc, nil
}

// allPages reads a whole keyset-paginated list.
func allPages[T any](page func(store.Page) ([]T, string, error)) ([]T, error) {
	out := []T{}
	pg := store.Page{Limit: store.MaxLimit}
	for {
		items, next, err := page(pg)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		pg.Cursor = next
	}
}

func isNotFound(err error) bool {
	var fe *funnel.Error
	return errors.As(err, &fe) && fe.Code == funnel.ENOTFOUND
}
