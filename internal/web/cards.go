package web

import (
	"context"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// card is an opportunity as the board and the lists show it: with the names
// of its customer and owner and the risk flags a rep must act on.
type card struct {
	*store.Opportunity
	Customer, Owner string
	StageInfo       store.Stage
	// Risk flags (SPEC §6) computed from what is stored today; the health
	// score arrives with the stage-discipline work.
	Overdue, NoNextStep, Stalled bool
	DwellDays                    int
}

// Risky tells whether any flag is up.
func (c card) Risky() bool { return c.Overdue || c.NoNextStep || c.Stalled || c.HealthFlagged }

// HealthLevel colours the cached health score: "" when none was computed yet
// (no input recorded), else good, warn or bad by the decision it led to.
func (c card) HealthLevel() string {
	switch c.HealthDecision {
	case string(funnel.AutoAdvance):
		return "good"
	case string(funnel.NeedsApproval):
		return "warn"
	case string(funnel.Regress):
		return "bad"
	}
	return ""
}

func (s *server) cards(ctx context.Context, opps []*store.Opportunity, pls []*store.Pipeline) ([]card, error) {
	var custIDs, userIDs []string
	for _, o := range opps {
		custIDs = append(custIDs, o.CustomerID)
		userIDs = append(userIDs, o.OwnerID)
	}
	cust, err := s.app.DB.CustomerNames(ctx, custIDs)
	if err != nil {
		return nil, err
	}
	users, err := s.app.DB.UserNames(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	now := s.app.Now()
	out := make([]card, len(opps))
	for i, o := range opps {
		c := card{Opportunity: o, Customer: cust[o.CustomerID], Owner: users[o.OwnerID]}
		for _, pl := range pls {
			if st, ok := pl.StageByID(o.StageID); ok {
				c.StageInfo = st
			}
		}
		c.DwellDays = int(now.Sub(o.StageEnteredAt) / (24 * time.Hour))
		if o.Status == funnel.StatusOpen {
			c.Overdue = o.NextContactAt != nil && o.NextContactAt.Before(now)
			c.NoNextStep = o.NextContactAt == nil
			// Stage-dwell risk: 1.5 × the expected dwell (SPEC §6) until the
			// learned average is available.
			if d := c.StageInfo.ExpectedDwellDays; d > 0 && float64(c.DwellDays) > 1.5*float64(d) {
				c.Stalled = true
			}
		}
		out[i] = c
	}
	return out, nil
}
