package app

import (
	"context"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Targets shows a scope's quota in seed 004's paradigms: probability (what
// the remaining quota takes, planned from history, beside the actuals) and
// behaviour (coverage and penetration of the named-account list). The
// project paradigm lives on each large deal (…/milestones).
type Targets struct {
	Period      string            `json:"period"`
	Scope       string            `json:"scope"`
	ScopeID     string            `json:"scope_id,omitempty"`
	Quota       funnel.Money      `json:"quota"`
	Achieved    funnel.Money      `json:"achieved"`
	Probability funnel.TargetPlan `json:"probability"`
	Actual      struct {
		Opportunities int64 `json:"opportunities" doc:"deals created in the period"`
		Activities    int64 `json:"activities" doc:"follow-ups logged in the period"`
	} `json:"actual"`
	Behaviour funnel.Coverage `json:"behaviour"`
}

// Targets computes the paradigms for a scope and period.
func (a *App) Targets(ctx context.Context, actor *store.User, period string, s ReportScope) (*Targets, error) {
	fc, err := a.Forecast(ctx, actor, period, s) // resolves and checks the scope
	if err != nil {
		return nil, err
	}
	switch fc.Scope {
	case "user":
		s.OwnerID = fc.ScopeID
	case "team":
		s.TeamID = fc.ScopeID
	}
	per, _ := funnel.ParsePeriod(period)
	from := time.Date(per.Start.Year(), per.Start.Month(), per.Start.Day(), 0, 0, 0, 0, funnel.CompanyZone)
	to := time.Date(per.End.Year(), per.End.Month(), per.End.Day(), 0, 0, 0, 0, funnel.CompanyZone)
	out := &Targets{Period: fc.Period, Scope: fc.Scope, ScopeID: fc.ScopeID, Quota: fc.Quota, Achieved: fc.Achieved}
	won, lost, wonAmount, acts, err := a.DB.ClosedStats(ctx, actor.Viewer(), s.filter())
	if err != nil {
		return nil, err
	}
	now := a.Now()
	daysLeft := 0
	if now.Before(to) {
		daysLeft = funnel.WorkingDaysBetween(now, to.AddDate(0, 0, -1))
	}
	out.Probability = funnel.PlanTarget(fc.RemainingQuota, won, lost, wonAmount, acts, daysLeft)
	if out.Actual.Opportunities, out.Actual.Activities, err = a.DB.ActivityCounts(ctx, actor.Viewer(), s.filter(), from, to); err != nil {
		return nil, err
	}
	if fc.Scope != "company" {
		n, touched, pen, err := a.DB.CoverageCounts(ctx, fc.Scope, fc.ScopeID, from, to)
		if err != nil {
			return nil, err
		}
		out.Behaviour = funnel.CoverageOf(n, touched, pen)
	} else {
		out.Behaviour = funnel.CoverageOf(0, 0, 0)
	}
	return out, nil
}

// NamedAccountInput puts a customer on (or takes it off) a named-account list.
type NamedAccountInput struct {
	Scope      string `json:"scope" enum:"user,team"`
	ScopeID    string `json:"scope_id"`
	CustomerID string `json:"customer_id"`
}

// SetNamedAccount adds (or removes) a visible customer to a scope's list; the
// scope's manager (or an admin) keeps the list, as with quotas.
func (a *App) SetNamedAccount(ctx context.Context, actor *store.User, in NamedAccountInput, add bool) error {
	if in.Scope != "user" && in.Scope != "team" {
		return fieldErr("scope", "must be user or team")
	}
	if err := a.canSetQuota(ctx, actor, in.Scope, in.ScopeID); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Customer(ctx, actor.Viewer(), in.CustomerID); err != nil {
			return fieldErr("customer_id", "customer not found")
		}
		if add {
			return tx.AddNamedAccount(ctx, in.Scope, in.ScopeID, in.CustomerID)
		}
		return tx.RemoveNamedAccount(ctx, in.Scope, in.ScopeID, in.CustomerID)
	})
}

// MilestoneInput creates or changes a milestone; on update nil fields stay.
type MilestoneInput struct {
	Name    *string `json:"name,omitempty"`
	OwnerID *string `json:"owner_id,omitempty" doc:"default the deal's owner"`
	DueOn   *string `json:"due_on,omitempty" doc:"YYYY-MM-DD"`
	DoneOn  *string `json:"done_on,omitempty" doc:"YYYY-MM-DD; empty string reopens"`
	Version int     `json:"version,omitempty" doc:"required when updating"`
}

func (in MilestoneInput) apply(m *store.Milestone) error {
	setStr(&m.Name, in.Name)
	setStr(&m.OwnerID, in.OwnerID)
	setStr(&m.DueOn, in.DueOn)
	setStr(&m.DoneOn, in.DoneOn)
	var p funnel.Problems
	if strings.TrimSpace(m.Name) == "" {
		p.Add("name", "is required")
	}
	if _, err := time.Parse(time.DateOnly, m.DueOn); err != nil {
		p.Add("due_on", "must be a date like 2026-12-31")
	}
	if m.DoneOn != "" {
		if _, err := time.Parse(time.DateOnly, m.DoneOn); err != nil {
			p.Add("done_on", "must be a date like 2026-12-31")
		}
	}
	return p.Err()
}

// AddMilestone plans a milestone on a visible opportunity.
func (a *App) AddMilestone(ctx context.Context, actor *store.User, oppID string, in MilestoneInput) (*store.Milestone, error) {
	m := &store.Milestone{OpportunityID: oppID}
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, actor.Viewer(), oppID)
		if err != nil {
			return err
		}
		m.OwnerID = o.OwnerID
		if err := in.apply(m); err != nil {
			return err
		}
		if _, err := tx.User(ctx, m.OwnerID); err != nil {
			return fieldErr("owner_id", "user not found")
		}
		return tx.CreateMilestone(ctx, m)
	})
	a.markSlip(m)
	return m, err
}

// UpdateMilestone changes a milestone of a visible opportunity.
func (a *App) UpdateMilestone(ctx context.Context, actor *store.User, id string, in MilestoneInput) (*store.Milestone, error) {
	var m *store.Milestone
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.Milestone(ctx, id); err != nil {
			return err
		}
		if _, err := tx.Opportunity(ctx, actor.Viewer(), m.OpportunityID); err != nil {
			return notFoundErr("milestone")
		}
		if err := in.apply(m); err != nil {
			return err
		}
		m.Version = in.Version
		return tx.UpdateMilestone(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	err = a.tx(ctx, func(tx *store.Tx) error { m, err = tx.Milestone(ctx, id); return err })
	a.markSlip(m)
	return m, err
}

// Milestones lists a visible opportunity's milestones with their slips.
func (a *App) Milestones(ctx context.Context, actor *store.User, oppID string) ([]*store.Milestone, error) {
	if _, err := a.DB.Opportunity(ctx, actor.Viewer(), oppID); err != nil {
		return nil, err
	}
	ms, err := a.DB.Milestones(ctx, oppID)
	for _, m := range ms {
		a.markSlip(m)
	}
	return ms, err
}

// markSlip: past due and not done, or done after its due date.
func (a *App) markSlip(m *store.Milestone) {
	if m == nil {
		return
	}
	today := funnel.Today(a.Now())
	m.Slipped = (m.DoneOn == "" && m.DueOn < today) || (m.DoneOn != "" && m.DoneOn > m.DueOn)
}

func notFoundErr(what string) error { return funnel.Errorf(funnel.ENOTFOUND, "%s not found", what) }
