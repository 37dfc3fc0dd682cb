package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

func itoa(i int) string { return strconv.Itoa(i) }

// QuotaInput sets a target.
type QuotaInput struct {
	Scope   string `json:"scope,omitempty" enum:"user,team" doc:"required when creating"`
	ScopeID string `json:"scope_id,omitempty" doc:"user or team id; required when creating"`
	Period  string `json:"period,omitempty" doc:"2026-Q4 (quarter) or 2026-11 (month); required when creating"`
	Amount  string `json:"amount" doc:"decimal CNY"`
	Version int    `json:"version,omitempty" doc:"required when updating"`
}

// canSetQuota: admins set any quota; a manager sets those of the people and
// teams below them, not their own.
func (a *App) canSetQuota(ctx context.Context, actor *store.User, scope, scopeID string) error {
	if actor.Role == store.RoleAdmin {
		return nil
	}
	v := actor.Viewer()
	ok := false
	var err error
	if scope == "user" && scopeID != actor.ID {
		ok, err = a.DB.CanActFor(ctx, v, scopeID)
	} else if scope == "team" {
		ok, err = a.DB.CanSeeTeam(ctx, v, scopeID)
	}
	if err != nil {
		return err
	}
	if !ok {
		return forbidden("only an admin or a manager above %s %s may set its quota", scope, scopeID)
	}
	return nil
}

// CreateQuota sets a quota for a person or team and period.
func (a *App) CreateQuota(ctx context.Context, actor *store.User, in QuotaInput) (*store.Quota, error) {
	var p funnel.Problems
	amt, err := funnel.ParseMoney(in.Amount)
	if err != nil {
		p.Add("amount", "%v", err)
	}
	if in.Scope != "user" && in.Scope != "team" {
		p.Add("scope", "must be user or team")
	}
	if in.ScopeID == "" {
		p.Add("scope_id", "is required")
	}
	if per, err := funnel.ParsePeriod(in.Period); err != nil || len(in.Period) == 4 {
		p.Add("period", "must be a quarter like 2026-Q4 or a month like 2026-11")
	} else {
		in.Period = per.Name
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if in.Scope == "user" {
		if _, err := a.DB.User(ctx, in.ScopeID); err != nil {
			return nil, fieldErr("scope_id", "user not found")
		}
	} else if _, err := a.DB.Team(ctx, in.ScopeID); err != nil {
		return nil, fieldErr("scope_id", "team not found")
	}
	if err := a.canSetQuota(ctx, actor, in.Scope, in.ScopeID); err != nil {
		return nil, err
	}
	q := &store.Quota{Scope: in.Scope, ScopeID: in.ScopeID, Period: in.Period, Amount: amt}
	return q, a.tx(ctx, func(tx *store.Tx) error { return tx.CreateQuota(ctx, q) })
}

// UpdateQuota changes a quota's amount.
func (a *App) UpdateQuota(ctx context.Context, actor *store.User, id string, in QuotaInput) (*store.Quota, error) {
	q, err := a.DB.Quota(ctx, actor.Viewer(), id)
	if err != nil {
		return nil, err
	}
	if q.Amount, err = funnel.ParseMoney(in.Amount); err != nil {
		return nil, fieldErr("amount", "%v", err)
	}
	if err := a.canSetQuota(ctx, actor, q.Scope, q.ScopeID); err != nil {
		return nil, err
	}
	q.Version = in.Version
	if err := a.tx(ctx, func(tx *store.Tx) error { return tx.UpdateQuota(ctx, q) }); err != nil {
		return nil, err
	}
	return a.DB.Quota(ctx, actor.Viewer(), id)
}

// DeleteQuota removes a quota.
func (a *App) DeleteQuota(ctx context.Context, actor *store.User, id string) error {
	q, err := a.DB.Quota(ctx, actor.Viewer(), id)
	if err != nil {
		return err
	}
	if err := a.canSetQuota(ctx, actor, q.Scope, q.ScopeID); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error { return tx.DeleteQuota(ctx, id) })
}

// DirectSaleInput records a small order kept out of the funnel.
type DirectSaleInput struct {
	OwnerID    string `json:"owner_id,omitempty" doc:"defaults to the caller"`
	CustomerID string `json:"customer_id,omitempty"`
	Amount     string `json:"amount" doc:"decimal CNY"`
	SoldOn     string `json:"sold_on,omitempty" doc:"YYYY-MM-DD; defaults to today"`
	Note       string `json:"note,omitempty"`
	Version    int    `json:"version,omitempty" doc:"required when updating"`
}

func (a *App) directSale(ctx context.Context, actor *store.User, in DirectSaleInput, d *store.DirectSale) error {
	var p funnel.Problems
	amt, err := funnel.ParseMoney(in.Amount)
	if err != nil {
		p.Add("amount", "%v", err)
	}
	d.Amount, d.Note = amt, strings.TrimSpace(in.Note)
	if in.OwnerID != "" {
		d.OwnerID = in.OwnerID
	}
	if in.SoldOn != "" {
		if _, err := time.Parse(time.DateOnly, in.SoldOn); err != nil {
			p.Add("sold_on", "must be a date like 2026-11-20")
		}
		d.SoldOn = in.SoldOn
	}
	if d.SoldOn == "" {
		d.SoldOn = funnel.Today(a.Now())
	}
	if in.CustomerID != "" {
		if _, err := a.DB.Customer(ctx, actor.Viewer(), in.CustomerID); err != nil {
			p.Add("customer_id", "customer not found")
		}
		d.CustomerID = in.CustomerID
	}
	if err := p.Err(); err != nil {
		return err
	}
	return mustActFor(ctx, a.DB, actor, "owner_id", d.OwnerID)
}

// CreateDirectSale records a direct sale.
func (a *App) CreateDirectSale(ctx context.Context, actor *store.User, in DirectSaleInput) (*store.DirectSale, error) {
	d := &store.DirectSale{OwnerID: actor.ID}
	if err := a.directSale(ctx, actor, in, d); err != nil {
		return nil, err
	}
	return d, a.tx(ctx, func(tx *store.Tx) error { return tx.CreateDirectSale(ctx, d) })
}

// UpdateDirectSale changes a visible direct sale.
func (a *App) UpdateDirectSale(ctx context.Context, actor *store.User, id string, in DirectSaleInput) (*store.DirectSale, error) {
	d, err := a.DB.DirectSale(ctx, actor.Viewer(), id)
	if err != nil {
		return nil, err
	}
	if err := a.directSale(ctx, actor, in, d); err != nil {
		return nil, err
	}
	d.Version = in.Version
	if err := a.tx(ctx, func(tx *store.Tx) error { return tx.UpdateDirectSale(ctx, d) }); err != nil {
		return nil, err
	}
	return a.DB.DirectSale(ctx, actor.Viewer(), id)
}

// DeleteDirectSale removes a visible direct sale.
func (a *App) DeleteDirectSale(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error { return tx.DeleteDirectSale(ctx, actor.Viewer(), id) })
}
