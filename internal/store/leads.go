package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Lead statuses: converted is reached only by converting.
const (
	LeadNew       = "new"
	LeadQualified = "qualified"
	LeadConverted = "converted"
	LeadDiscarded = "discarded"
)

// Lead is fragmentary information with a potential need (SPEC §2 线索): a
// company, maybe a person, a need. Converting it creates or picks a customer
// (and a contact, an opportunity) and links the lead to them.
type Lead struct {
	ID            string     `json:"id"`
	CompanyName   string     `json:"company_name"`
	ContactName   string     `json:"contact_name"`
	Phone         string     `json:"phone"`
	Email         string     `json:"email"`
	Source        string     `json:"source"`
	Need          string     `json:"need" doc:"the potential need, as heard"`
	OwnerID       string     `json:"owner_id"`
	Status        string     `json:"status" enum:"new,qualified,converted,discarded"`
	DiscardReason string     `json:"discard_reason,omitempty"`
	CustomerID    string     `json:"customer_id,omitempty" doc:"set by converting"`
	ContactID     string     `json:"contact_id,omitempty" doc:"set by converting when a contact was created"`
	OpportunityID string     `json:"opportunity_id,omitempty" doc:"set by converting when an opportunity was opened"`
	ConvertedAt   *time.Time `json:"converted_at,omitempty"`
	Version       int        `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

const leadCols = `l.id, l.company_name, l.contact_name, l.phone, l.email, l.source, l.need, l.owner_id, l.status, l.discard_reason,
	COALESCE(l.customer_id, ''), COALESCE(l.contact_id, ''), COALESCE(l.opportunity_id, ''), l.converted_at, l.version, l.created_at, l.updated_at`

func scanLead(row interface{ Scan(...any) error }) (*Lead, error) {
	var l Lead
	var conv sql.NullInt64
	var c, u int64
	err := row.Scan(&l.ID, &l.CompanyName, &l.ContactName, &l.Phone, &l.Email, &l.Source, &l.Need, &l.OwnerID, &l.Status, &l.DiscardReason,
		&l.CustomerID, &l.ContactID, &l.OpportunityID, &conv, &l.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("lead")
	} else if err != nil {
		return nil, err
	}
	if conv.Valid {
		t := msTime(conv.Int64)
		l.ConvertedAt = &t
	}
	l.CreatedAt, l.UpdatedAt = msTime(c), msTime(u)
	return &l, nil
}

// CreateLead inserts l.
func (tx *Tx) CreateLead(ctx context.Context, l *Lead) error {
	l.ID, l.Version = tx.db.NewID(), 1
	l.CreatedAt, l.UpdatedAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO leads (id, company_name, contact_name, phone, email, source, need, owner_id, status, discard_reason,
		version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)`,
		l.ID, l.CompanyName, l.ContactName, l.Phone, l.Email, l.Source, l.Need, l.OwnerID, l.Status, l.DiscardReason, tx.nowMS())
	return err
}

// UpdateLead writes l (its links included) if its version is current.
func (tx *Tx) UpdateLead(ctx context.Context, l *Lead) error {
	var conv any
	if l.ConvertedAt != nil {
		conv = l.ConvertedAt.UnixMilli()
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE leads SET company_name = $1, contact_name = $2, phone = $3, email = $4, source = $5, need = $6,
		owner_id = $7, status = $8, discard_reason = $9, customer_id = $10, contact_id = $11, opportunity_id = $12, converted_at = $13,
		version = version + 1, updated_at = $14 WHERE id = $15 AND version = $16`,
		l.CompanyName, l.ContactName, l.Phone, l.Email, l.Source, l.Need, l.OwnerID, l.Status, l.DiscardReason,
		nullStr(l.CustomerID), nullStr(l.ContactID), nullStr(l.OpportunityID), conv, tx.nowMS(), l.ID, l.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "lead", func() (any, error) { return tx.Lead(ctx, System, l.ID) })
}

// DeleteLead removes a visible lead.
func (tx *Tx) DeleteLead(ctx context.Context, id string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM leads WHERE id = $1`, id)
	return err
}

// Lead returns a lead the viewer may see: their own or their subtree's.
func (db *DB) Lead(ctx context.Context, v Viewer, id string) (*Lead, error) {
	return db.lead(ctx, db.r, v, id, "")
}

// Lead reads inside the transaction, locking the row on PostgreSQL so two
// conversions of one lead queue up.
func (tx *Tx) Lead(ctx context.Context, v Viewer, id string) (*Lead, error) {
	return tx.db.lead(ctx, tx.tx, v, id, tx.db.forUpdate())
}

func (db *DB) lead(ctx context.Context, q querier, v Viewer, id, lock string) (*Lead, error) {
	var p params
	where := "l.id = " + p.add(id) + " AND " + v.visibleOwner(&p, "l.owner_id")
	return scanLead(q.QueryRowContext(ctx, `SELECT `+leadCols+` FROM leads l WHERE `+where+lock, p...))
}

// LeadFilter selects leads to list.
type LeadFilter struct {
	Query   string // part of the company or contact name
	OwnerID string
	Status  string
	Source  string
	Page
}

// Leads lists the leads the viewer may see, by id.
func (db *DB) Leads(ctx context.Context, v Viewer, f LeadFilter) ([]*Lead, string, error) {
	var p params
	where := v.visibleOwner(&p, "l.owner_id")
	if f.Query != "" {
		q := p.add("%" + f.Query + "%")
		where += " AND (l.company_name LIKE " + q + " OR l.contact_name LIKE " + q + ")"
	}
	if f.OwnerID != "" {
		where += " AND l.owner_id = " + p.add(f.OwnerID)
	}
	if f.Status != "" {
		where += " AND l.status = " + p.add(f.Status)
	}
	if f.Source != "" {
		where += " AND l.source = " + p.add(f.Source)
	}
	where += f.after(&p, "l.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+leadCols+` FROM leads l WHERE `+where+` ORDER BY l.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanLead, f.Page, func(l *Lead) string { return l.ID })
}
