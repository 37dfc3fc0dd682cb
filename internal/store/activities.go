package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Activity kinds and directions (SPEC §2).
var (
	ActivityKinds      = []string{"call", "email", "visit", "meeting", "demo", "wecom"}
	ActivityDirections = []string{"outbound", "inbound"}
)

// Activity is one follow-up: a call, visit, meeting … with the contacts
// involved. Logging one moves the opportunity's last contact time.
type Activity struct {
	ID            string    `json:"id"`
	OpportunityID string    `json:"opportunity_id,omitempty"`
	CustomerID    string    `json:"customer_id"`
	Kind          string    `json:"kind"`
	Direction     string    `json:"direction"`
	OccurredAt    time.Time `json:"occurred_at"`
	ContactIDs    []string  `json:"contact_ids"`
	Note          string    `json:"note"`
	NextStep      string    `json:"next_step"`
	CreatedBy     string    `json:"created_by"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

const activityCols = `a.id, COALESCE(a.opportunity_id, ''), a.customer_id, a.kind, a.direction, a.occurred_at, a.note, a.next_step,
	a.created_by, a.version, a.created_at, a.updated_at`

func scanActivity(row interface{ Scan(...any) error }) (*Activity, error) {
	var a Activity
	var at, c, u int64
	err := row.Scan(&a.ID, &a.OpportunityID, &a.CustomerID, &a.Kind, &a.Direction, &at, &a.Note, &a.NextStep, &a.CreatedBy, &a.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("activity")
	} else if err != nil {
		return nil, err
	}
	a.ContactIDs = []string{}
	a.OccurredAt, a.CreatedAt, a.UpdatedAt = msTime(at), msTime(c), msTime(u)
	return &a, nil
}

// LogActivity inserts a and, when it belongs to an opportunity, moves the
// opportunity's last contact time forward (never back: a late-logged old call
// does not hide a newer one).
func (tx *Tx) LogActivity(ctx context.Context, a *Activity) error {
	a.ID, a.Version = tx.db.NewID(), 1
	a.CreatedAt, a.UpdatedAt = tx.now, tx.now
	if a.ContactIDs == nil {
		a.ContactIDs = []string{}
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO activities (id, opportunity_id, customer_id, kind, direction, occurred_at, note, next_step, created_by, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)`,
		a.ID, nullStr(a.OpportunityID), a.CustomerID, a.Kind, a.Direction, a.OccurredAt.UnixMilli(), a.Note, a.NextStep, a.CreatedBy, tx.nowMS())
	if err != nil {
		return err
	}
	for _, k := range a.ContactIDs {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO activity_contacts (activity_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, a.ID, k); err != nil {
			return err
		}
	}
	if a.OpportunityID != "" {
		_, err = tx.tx.ExecContext(ctx, `UPDATE opportunities SET last_contact_at = $1, updated_at = $2
			WHERE id = $3 AND (last_contact_at IS NULL OR last_contact_at < $1)`, a.OccurredAt.UnixMilli(), tx.nowMS(), a.OpportunityID)
	}
	return err
}

// ContactsOfCustomer tells which of ids belong to the customer.
func (tx *Tx) ContactsOfCustomer(ctx context.Context, customerID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var p params
	c := p.add(customerID)
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = p.add(id)
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT id FROM contacts WHERE customer_id = `+c+` AND id IN (`+strings.Join(marks, ",")+`)`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// visibleActivity: an activity is visible with its opportunity, or with its
// customer when it has none.
func (v Viewer) visibleActivity(p *params) string {
	if v.Admin {
		return "1=1"
	}
	return `((a.opportunity_id IS NOT NULL AND EXISTS (SELECT 1 FROM opportunities o WHERE o.id = a.opportunity_id AND ` + v.visibleOpportunity(p) + `))
		OR (a.opportunity_id IS NULL AND EXISTS (SELECT 1 FROM customers c WHERE c.id = a.customer_id AND ` + v.visibleCustomer(p) + `)))`
}

// Activity returns an activity the viewer may see.
func (db *DB) Activity(ctx context.Context, v Viewer, id string) (*Activity, error) {
	return db.activity(ctx, db.r, v, id)
}

// Activity reads inside the transaction.
func (tx *Tx) Activity(ctx context.Context, v Viewer, id string) (*Activity, error) {
	return tx.db.activity(ctx, tx.tx, v, id)
}

func (db *DB) activity(ctx context.Context, q querier, v Viewer, id string) (*Activity, error) {
	var p params
	where := "a.id = " + p.add(id) + " AND " + v.visibleActivity(&p)
	a, err := scanActivity(q.QueryRowContext(ctx, `SELECT `+activityCols+` FROM activities a WHERE `+where, p...))
	if err != nil {
		return nil, err
	}
	return a, db.loadActivityContacts(ctx, q, []*Activity{a})
}

// ActivityFilter selects activities to list.
type ActivityFilter struct {
	OpportunityID string
	CustomerID    string
	Page
}

// Activities lists the activities the viewer may see, by id.
func (db *DB) Activities(ctx context.Context, v Viewer, f ActivityFilter) ([]*Activity, string, error) {
	var p params
	where := v.visibleActivity(&p)
	if f.OpportunityID != "" {
		where += " AND a.opportunity_id = " + p.add(f.OpportunityID)
	}
	if f.CustomerID != "" {
		where += " AND a.customer_id = " + p.add(f.CustomerID)
	}
	where += f.after(&p, "a.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+activityCols+` FROM activities a WHERE `+where+` ORDER BY a.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	items, next, err := collect(rows, scanActivity, f.Page, func(a *Activity) string { return a.ID })
	if err != nil {
		return nil, "", err
	}
	return items, next, db.loadActivityContacts(ctx, db.r, items)
}

func (db *DB) loadActivityContacts(ctx context.Context, q querier, acts []*Activity) error {
	if len(acts) == 0 {
		return nil
	}
	var p params
	byID := map[string]*Activity{}
	marks := make([]string, len(acts))
	for i, a := range acts {
		byID[a.ID] = a
		marks[i] = p.add(a.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT activity_id, contact_id FROM activity_contacts WHERE activity_id IN (`+strings.Join(marks, ",")+`) ORDER BY contact_id`, p...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var aid, cid string
		if err := rows.Scan(&aid, &cid); err != nil {
			return err
		}
		byID[aid].ContactIDs = append(byID[aid].ContactIDs, cid)
	}
	return rows.Err()
}

// DeleteActivity removes an activity the viewer may see.
func (tx *Tx) DeleteActivity(ctx context.Context, v Viewer, id string) (*Activity, error) {
	a, err := tx.db.activity(ctx, tx.tx, v, id)
	if err != nil {
		return nil, err
	}
	_, err = tx.tx.ExecContext(ctx, `DELETE FROM activities WHERE id = $1`, id)
	return a, err
}
