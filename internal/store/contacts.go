package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Decision-chain roles of a contact (seed 002 决策链图谱).
const (
	RoleDecisionMaker = "decision_maker"
	RoleInfluencer    = "influencer"
	RoleUser          = "user"
)

// ValidContactRole reports whether r is a decision-chain role.
func ValidContactRole(r string) bool {
	return r == RoleDecisionMaker || r == RoleInfluencer || r == RoleUser
}

// Contact is a person at a customer, with their place in the decision chain.
type Contact struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	Name       string    `json:"name"`
	Title      string    `json:"title"`
	Phone      string    `json:"phone"`
	Email      string    `json:"email"`
	WeComID    string    `json:"wecom_id"`
	Role       string    `json:"role"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

const contactCols = `k.id, k.customer_id, k.name, k.title, k.phone, k.email, k.wecom_id, k.role, k.version, k.created_at, k.updated_at`

func scanContact(row interface{ Scan(...any) error }) (*Contact, error) {
	var k Contact
	var c, u int64
	err := row.Scan(&k.ID, &k.CustomerID, &k.Name, &k.Title, &k.Phone, &k.Email, &k.WeComID, &k.Role, &k.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("contact")
	} else if err != nil {
		return nil, err
	}
	k.CreatedAt, k.UpdatedAt = msTime(c), msTime(u)
	return &k, nil
}

// CreateContact inserts k; the caller has checked the customer is visible.
func (tx *Tx) CreateContact(ctx context.Context, k *Contact) error {
	k.ID, k.Version = tx.db.NewID(), 1
	k.CreatedAt, k.UpdatedAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO contacts (id, customer_id, name, title, phone, email, wecom_id, role, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)`,
		k.ID, k.CustomerID, k.Name, k.Title, k.Phone, k.Email, k.WeComID, k.Role, tx.nowMS())
	return err
}

// UpdateContact writes k if its version is current.
func (tx *Tx) UpdateContact(ctx context.Context, k *Contact) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE contacts SET name = $1, title = $2, phone = $3, email = $4, wecom_id = $5, role = $6,
		version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
		k.Name, k.Title, k.Phone, k.Email, k.WeComID, k.Role, tx.nowMS(), k.ID, k.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "contact", func() (any, error) { return tx.Contact(ctx, System, k.ID) })
}

// DeleteContact removes a contact the viewer may see.
func (tx *Tx) DeleteContact(ctx context.Context, v Viewer, id string) error {
	if _, err := tx.Contact(ctx, v, id); err != nil {
		return err
	}
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = $1`, id)
	return err
}

// Contact returns a contact whose customer the viewer may see.
func (db *DB) Contact(ctx context.Context, v Viewer, id string) (*Contact, error) {
	return db.contact(ctx, db.r, v, id)
}

// Contact reads inside the transaction.
func (tx *Tx) Contact(ctx context.Context, v Viewer, id string) (*Contact, error) {
	return tx.db.contact(ctx, tx.tx, v, id)
}

func (db *DB) contact(ctx context.Context, q querier, v Viewer, id string) (*Contact, error) {
	var p params
	where := "k.id = " + p.add(id) + " AND " + v.visibleCustomer(&p)
	return scanContact(q.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE `+where, p...))
}

// ContactFilter selects contacts to list.
type ContactFilter struct {
	CustomerID string
	Role       string
	Page
}

// Contacts lists the contacts the viewer may see, by id.
func (db *DB) Contacts(ctx context.Context, v Viewer, f ContactFilter) ([]*Contact, string, error) {
	var p params
	where := v.visibleCustomer(&p)
	if f.CustomerID != "" {
		where += " AND k.customer_id = " + p.add(f.CustomerID)
	}
	if f.Role != "" {
		where += " AND k.role = " + p.add(f.Role)
	}
	where += f.after(&p, "k.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+contactCols+` FROM contacts k JOIN customers c ON c.id = k.customer_id
		WHERE `+where+` ORDER BY k.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanContact, f.Page, func(k *Contact) string { return k.ID })
}
