package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// Quota is a sales target of a person or a team for a period.
type Quota struct {
	ID        string       `json:"id"`
	Scope     string       `json:"scope"` // "user" or "team"
	ScopeID   string       `json:"scope_id"`
	Period    string       `json:"period"` // "2026-Q4" or "2026-11"
	Amount    funnel.Money `json:"amount"`
	Version   int          `json:"version"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

const quotaCols = `q.id, q.scope, q.scope_id, q.period, q.amount_fen, q.version, q.created_at, q.updated_at`

func scanQuota(row interface{ Scan(...any) error }) (*Quota, error) {
	var q Quota
	var c, u int64
	err := row.Scan(&q.ID, &q.Scope, &q.ScopeID, &q.Period, &q.Amount, &q.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("quota")
	} else if err != nil {
		return nil, err
	}
	q.CreatedAt, q.UpdatedAt = msTime(c), msTime(u)
	return &q, nil
}

// CreateQuota inserts q; one quota per scope and period.
func (tx *Tx) CreateQuota(ctx context.Context, q *Quota) error {
	q.ID, q.Version = tx.db.NewID(), 1
	q.CreatedAt, q.UpdatedAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO quotas (id, scope, scope_id, period, amount_fen, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 1, $6, $6)`, q.ID, q.Scope, q.ScopeID, q.Period, int64(q.Amount), tx.nowMS())
	if isUniqueViolation(err) {
		return &funnel.Error{Code: funnel.ECONFLICT, Message: "a quota for this scope and period exists",
			Fields: []funnel.FieldError{{Field: "period", Message: "already has a quota"}}}
	}
	return err
}

// UpdateQuota changes the amount if the version is current.
func (tx *Tx) UpdateQuota(ctx context.Context, q *Quota) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE quotas SET amount_fen = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4`,
		int64(q.Amount), tx.nowMS(), q.ID, q.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "quota", func() (any, error) { return tx.db.quota(ctx, tx.tx, System, q.ID) })
}

// DeleteQuota removes a quota.
func (tx *Tx) DeleteQuota(ctx context.Context, id string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM quotas WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("quota")
	}
	return nil
}

// visibleQuota: quotas of oneself and of one's subtree (people and teams).
func (v Viewer) visibleQuota(p *params) string {
	if v.Admin {
		return "1=1"
	}
	u := p.add(v.UserID)
	return `((q.scope = 'user' AND (q.scope_id = ` + u + ` OR q.scope_id IN (` + subtreeOwners(u) + `)))
		OR (q.scope = 'team' AND (q.scope_id IN (SELECT qt.id FROM teams qt JOIN teams qm ON qt.path LIKE qm.path || '%' WHERE qm.manager_id = ` + u + `)
			OR q.scope_id IN (SELECT team_id FROM users WHERE id = ` + u + `))))`
}

// Quota returns a quota the viewer may see.
func (db *DB) Quota(ctx context.Context, v Viewer, id string) (*Quota, error) {
	return db.quota(ctx, db.r, v, id)
}

func (db *DB) quota(ctx context.Context, q querier, v Viewer, id string) (*Quota, error) {
	var p params
	where := "q.id = " + p.add(id) + " AND " + v.visibleQuota(&p)
	return scanQuota(q.QueryRowContext(ctx, `SELECT `+quotaCols+` FROM quotas q WHERE `+where, p...))
}

// QuotaFilter selects quotas to list.
type QuotaFilter struct {
	Scope   string
	ScopeID string
	Period  string
	Page
}

// Quotas lists the quotas the viewer may see, by id.
func (db *DB) Quotas(ctx context.Context, v Viewer, f QuotaFilter) ([]*Quota, string, error) {
	var p params
	where := v.visibleQuota(&p)
	if f.Scope != "" {
		where += " AND q.scope = " + p.add(f.Scope)
	}
	if f.ScopeID != "" {
		where += " AND q.scope_id = " + p.add(f.ScopeID)
	}
	if f.Period != "" {
		where += " AND q.period = " + p.add(f.Period)
	}
	where += f.after(&p, "q.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+quotaCols+` FROM quotas q WHERE `+where+` ORDER BY q.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanQuota, f.Page, func(q *Quota) string { return q.ID })
}

// QuotaAmount is the quota of one scope for one period (0 when none is set).
func (db *DB) QuotaAmount(ctx context.Context, scope, scopeID, period string) (funnel.Money, error) {
	var m funnel.Money
	err := db.r.QueryRowContext(ctx, `SELECT amount_fen FROM quotas WHERE scope = $1 AND scope_id = $2 AND period = $3`, scope, scopeID, period).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return m, err
}

// TopTeamsQuota sums the quotas of the top-level teams for a period: the
// company's quota.
func (db *DB) TopTeamsQuota(ctx context.Context, period string) (funnel.Money, error) {
	var m funnel.Money
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(q.amount_fen), 0) FROM quotas q JOIN teams t ON t.id = q.scope_id
		WHERE q.scope = 'team' AND t.parent_id IS NULL AND q.period = $1`, period).Scan(&m)
	return m, err
}
