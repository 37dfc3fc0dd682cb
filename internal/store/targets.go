package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// ClosedStats are the history a probability target is planned from: closed
// deals the filter selects, the won amount, and follow-ups on won deals.
func (db *DB) ClosedStats(ctx context.Context, v Viewer, f OpportunityFilter) (won, lost int64, wonAmount funnel.Money, activitiesOnWon int64, err error) {
	f.Status = ""
	var p params
	where := f.where(&p, v)
	err = db.r.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN o.status = 'won' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN o.status = 'lost' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN o.status = 'won' THEN o.amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN o.status = 'won' THEN (SELECT COUNT(*) FROM activities a WHERE a.opportunity_id = o.id) ELSE 0 END), 0)
		FROM opportunities o WHERE `+where, p...).Scan(&won, &lost, &wonAmount, &activitiesOnWon)
	return
}

// ActivityCounts counts the filter's deals created and follow-ups logged on them in
// [from, to): the actuals beside a plan.
func (db *DB) ActivityCounts(ctx context.Context, v Viewer, f OpportunityFilter, from, to time.Time) (created, activities int64, err error) {
	f.Status = ""
	var p params
	where := f.where(&p, v)
	a, b := p.add(from.UnixMilli()), p.add(to.UnixMilli())
	err = db.r.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN o.created_at >= `+a+` AND o.created_at < `+b+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM((SELECT COUNT(*) FROM activities x WHERE x.opportunity_id = o.id AND x.occurred_at >= `+a+` AND x.occurred_at < `+b+`)), 0)
		FROM opportunities o WHERE `+where, p...).Scan(&created, &activities)
	return
}

// AddNamedAccount puts a customer on a scope's named-account list.
func (tx *Tx) AddNamedAccount(ctx context.Context, scope, scopeID, customerID string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO named_accounts (scope, scope_id, customer_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, scope, scopeID, customerID, tx.nowMS())
	return err
}

// RemoveNamedAccount takes a customer off the list.
func (tx *Tx) RemoveNamedAccount(ctx context.Context, scope, scopeID, customerID string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM named_accounts WHERE scope = $1 AND scope_id = $2 AND customer_id = $3`, scope, scopeID, customerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("named account")
	}
	return nil
}

// NamedAccounts lists a scope's named accounts.
func (db *DB) NamedAccounts(ctx context.Context, scope, scopeID string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT customer_id FROM named_accounts WHERE scope = $1 AND scope_id = $2 ORDER BY customer_id`, scope, scopeID)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// CoverageCounts counts a scope's named accounts, those touched by a
// follow-up in [from, to), and those with an opportunity (any status).
func (db *DB) CoverageCounts(ctx context.Context, scope, scopeID string, from, to time.Time) (accounts, touched, penetrated int, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM activities a WHERE a.customer_id = n.customer_id AND a.occurred_at >= $3 AND a.occurred_at < $4) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM opportunities o WHERE o.customer_id = n.customer_id) THEN 1 ELSE 0 END), 0)
		FROM named_accounts n WHERE n.scope = $1 AND n.scope_id = $2`, scope, scopeID, from.UnixMilli(), to.UnixMilli()).Scan(&accounts, &touched, &penetrated)
	return
}

// Milestone is a step of a large deal with an owner and a due date.
type Milestone struct {
	ID            string    `json:"id"`
	OpportunityID string    `json:"opportunity_id"`
	Name          string    `json:"name"`
	OwnerID       string    `json:"owner_id"`
	DueOn         string    `json:"due_on"`
	DoneOn        string    `json:"done_on,omitempty"`
	Slipped       bool      `json:"slipped" doc:"past due and not done, or done after its due date"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

const milestoneCols = `id, opportunity_id, name, owner_id, due_on, COALESCE(done_on, ''), version, created_at, updated_at`

func scanMilestone(row interface{ Scan(...any) error }) (*Milestone, error) {
	var m Milestone
	var c, u int64
	err := row.Scan(&m.ID, &m.OpportunityID, &m.Name, &m.OwnerID, &m.DueOn, &m.DoneOn, &m.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("milestone")
	} else if err != nil {
		return nil, err
	}
	m.CreatedAt, m.UpdatedAt = msTime(c), msTime(u)
	return &m, nil
}

// CreateMilestone adds a milestone to an opportunity.
func (tx *Tx) CreateMilestone(ctx context.Context, m *Milestone) error {
	m.ID, m.Version, m.CreatedAt, m.UpdatedAt = tx.db.NewID(), 1, tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO milestones (id, opportunity_id, name, owner_id, due_on, done_on, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)`, m.ID, m.OpportunityID, m.Name, m.OwnerID, m.DueOn, nullStr(m.DoneOn), tx.nowMS())
	return err
}

// UpdateMilestone writes m if its version is current.
func (tx *Tx) UpdateMilestone(ctx context.Context, m *Milestone) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE milestones SET name = $1, owner_id = $2, due_on = $3, done_on = $4, version = version + 1,
		updated_at = $5 WHERE id = $6 AND version = $7`, m.Name, m.OwnerID, m.DueOn, nullStr(m.DoneOn), tx.nowMS(), m.ID, m.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "milestone", func() (any, error) { return tx.Milestone(ctx, m.ID) })
}

// Milestone reads one milestone (visibility is the caller's, through its deal).
func (tx *Tx) Milestone(ctx context.Context, id string) (*Milestone, error) {
	return scanMilestone(tx.tx.QueryRowContext(ctx, `SELECT `+milestoneCols+` FROM milestones WHERE id = $1`, id))
}

// Milestones lists an opportunity's milestones by due date.
func (db *DB) Milestones(ctx context.Context, oppID string) ([]*Milestone, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+milestoneCols+` FROM milestones WHERE opportunity_id = $1 ORDER BY due_on, id`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Milestone{}
	for rows.Next() {
		m, err := scanMilestone(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
