package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// DirectSale is a small order kept out of the funnel (seed 003): it counts as
// sales achieved, never in the forecast.
type DirectSale struct {
	ID         string       `json:"id"`
	OwnerID    string       `json:"owner_id"`
	CustomerID string       `json:"customer_id,omitempty"`
	Amount     funnel.Money `json:"amount"`
	SoldOn     string       `json:"sold_on"`
	Note       string       `json:"note"`
	Version    int          `json:"version"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

const directSaleCols = `d.id, d.owner_id, COALESCE(d.customer_id, ''), d.amount_fen, d.sold_on, d.note, d.version, d.created_at, d.updated_at`

func scanDirectSale(row interface{ Scan(...any) error }) (*DirectSale, error) {
	var d DirectSale
	var c, u int64
	err := row.Scan(&d.ID, &d.OwnerID, &d.CustomerID, &d.Amount, &d.SoldOn, &d.Note, &d.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("direct sale")
	} else if err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = msTime(c), msTime(u)
	return &d, nil
}

// CreateDirectSale inserts d.
func (tx *Tx) CreateDirectSale(ctx context.Context, d *DirectSale) error {
	d.ID, d.Version = tx.db.NewID(), 1
	d.CreatedAt, d.UpdatedAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO direct_sales (id, owner_id, customer_id, amount_fen, sold_on, note, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)`, d.ID, d.OwnerID, nullStr(d.CustomerID), int64(d.Amount), d.SoldOn, d.Note, tx.nowMS())
	return err
}

// UpdateDirectSale writes d if its version is current.
func (tx *Tx) UpdateDirectSale(ctx context.Context, d *DirectSale) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE direct_sales SET owner_id = $1, customer_id = $2, amount_fen = $3, sold_on = $4, note = $5,
		version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`,
		d.OwnerID, nullStr(d.CustomerID), int64(d.Amount), d.SoldOn, d.Note, tx.nowMS(), d.ID, d.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "direct sale", func() (any, error) { return tx.db.directSale(ctx, tx.tx, System, d.ID) })
}

// DeleteDirectSale removes a direct sale the viewer may see.
func (tx *Tx) DeleteDirectSale(ctx context.Context, v Viewer, id string) error {
	if _, err := tx.db.directSale(ctx, tx.tx, v, id); err != nil {
		return err
	}
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM direct_sales WHERE id = $1`, id)
	return err
}

// DirectSale returns a direct sale the viewer may see.
func (db *DB) DirectSale(ctx context.Context, v Viewer, id string) (*DirectSale, error) {
	return db.directSale(ctx, db.r, v, id)
}

func (db *DB) directSale(ctx context.Context, q querier, v Viewer, id string) (*DirectSale, error) {
	var p params
	where := "d.id = " + p.add(id) + " AND " + v.visibleOwner(&p, "d.owner_id")
	return scanDirectSale(q.QueryRowContext(ctx, `SELECT `+directSaleCols+` FROM direct_sales d WHERE `+where, p...))
}

// DirectSaleFilter selects direct sales to list.
type DirectSaleFilter struct {
	OwnerID  string
	From, To string // sold_on, [From, To)
	Page
}

// DirectSales lists what the viewer may see, by id.
func (db *DB) DirectSales(ctx context.Context, v Viewer, f DirectSaleFilter) ([]*DirectSale, string, error) {
	var p params
	where := v.visibleOwner(&p, "d.owner_id")
	if f.OwnerID != "" {
		where += " AND d.owner_id = " + p.add(f.OwnerID)
	}
	if f.From != "" {
		where += " AND d.sold_on >= " + p.add(f.From)
	}
	if f.To != "" {
		where += " AND d.sold_on < " + p.add(f.To)
	}
	where += f.after(&p, "d.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+directSaleCols+` FROM direct_sales d WHERE `+where+` ORDER BY d.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanDirectSale, f.Page, func(d *DirectSale) string { return d.ID })
}
