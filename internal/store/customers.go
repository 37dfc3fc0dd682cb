package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// Customer is a company we sell to; its legal name is unique after
// normalisation (funnel.NormalizeCustomerName).
type Customer struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Industry  string    `json:"industry"`
	Region    string    `json:"region"`
	Address   string    `json:"address"`
	Size      string    `json:"size"`
	OwnerID   string    `json:"owner_id"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const customerCols = `c.id, c.name, c.industry, c.region, c.address, c.size, c.owner_id, c.version, c.created_at, c.updated_at`

func scanCustomer(row interface{ Scan(...any) error }) (*Customer, error) {
	var c Customer
	var cr, up int64
	err := row.Scan(&c.ID, &c.Name, &c.Industry, &c.Region, &c.Address, &c.Size, &c.OwnerID, &c.Version, &cr, &up)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("customer")
	} else if err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = msTime(cr), msTime(up)
	return &c, nil
}

// duplicateCustomer is the 409 for a name that normalises to an existing one;
// it names the existing customer so the user can open it instead.
func (tx *Tx) duplicateCustomer(ctx context.Context, key string) error {
	var id string
	if err := tx.tx.QueryRowContext(ctx, `SELECT id FROM customers WHERE name_key = $1`, key).Scan(&id); err != nil {
		return err
	}
	return &funnel.Error{Code: funnel.ECONFLICT, Message: "a customer with this name exists: " + id, ExistingID: id,
		Fields: []funnel.FieldError{{Field: "name", Message: "duplicate of customer " + id}}}
}

// CreateCustomer inserts c.
func (tx *Tx) CreateCustomer(ctx context.Context, c *Customer) error {
	c.ID, c.Version = tx.db.NewID(), 1
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	key := funnel.NormalizeCustomerName(c.Name)
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO customers (id, name, name_key, industry, region, address, size, owner_id, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) ON CONFLICT (name_key) DO NOTHING`,
		c.ID, c.Name, key, c.Industry, c.Region, c.Address, c.Size, c.OwnerID, tx.nowMS())
	if err != nil {
		return err
	}
	return tx.insertedOrDuplicate(ctx, c.ID, key)
}

// insertedOrDuplicate checks whether the row with id landed; if the name key
// collided instead, it reports the duplicate.
func (tx *Tx) insertedOrDuplicate(ctx context.Context, id, key string) error {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return tx.duplicateCustomer(ctx, key)
	}
	return nil
}

// UpdateCustomer writes c if its version is current.
func (tx *Tx) UpdateCustomer(ctx context.Context, c *Customer) error {
	key := funnel.NormalizeCustomerName(c.Name)
	var other string
	err := tx.tx.QueryRowContext(ctx, `SELECT id FROM customers WHERE name_key = $1 AND id <> $2`, key, c.ID).Scan(&other)
	if err == nil {
		return tx.duplicateCustomer(ctx, key)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE customers SET name = $1, name_key = $2, industry = $3, region = $4, address = $5, size = $6,
		owner_id = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10`,
		c.Name, key, c.Industry, c.Region, c.Address, c.Size, c.OwnerID, tx.nowMS(), c.ID, c.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "customer", func() (any, error) { return tx.Customer(ctx, System, c.ID) })
}

// DeleteCustomer removes a customer with no opportunities (their history
// must stay), together with its contacts and activities.
func (tx *Tx) DeleteCustomer(ctx context.Context, v Viewer, id string) error {
	if _, err := tx.Customer(ctx, v, id); err != nil {
		return err
	}
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities WHERE customer_id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return funnel.Errorf(funnel.ECONFLICT, "customer has %d opportunities; close them as lost instead of deleting the customer", n)
	}
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM customers WHERE id = $1`, id)
	return err
}

// Customer returns a customer the viewer may see.
func (db *DB) Customer(ctx context.Context, v Viewer, id string) (*Customer, error) {
	return db.customer(ctx, db.r, v, id)
}

// Customer reads inside the transaction.
func (tx *Tx) Customer(ctx context.Context, v Viewer, id string) (*Customer, error) {
	return tx.db.customer(ctx, tx.tx, v, id)
}

func (db *DB) customer(ctx context.Context, q querier, v Viewer, id string) (*Customer, error) {
	// The customer by id first: its owner and an admin see it without the
	// visibility rule's subqueries (on SQLite, with sampled statistics, a
	// statement is planned anew for every id it is given, and the rule's
	// statement is the costly one to plan).
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers c WHERE c.id = $1`, id))
	if err != nil || v.Admin || c.OwnerID == v.UserID {
		return c, err
	}
	var p params
	where := "c.id = " + p.add(id) + " AND " + v.visibleCustomer(&p)
	return scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers c WHERE `+where, p...))
}

// CustomerFilter selects customers to list.
type CustomerFilter struct {
	Query    string // part of the name
	OwnerID  string
	Industry string
	Region   string
	Page
}

// Customers lists the customers the viewer may see, by id.
func (db *DB) Customers(ctx context.Context, v Viewer, f CustomerFilter) ([]*Customer, string, error) {
	var p params
	where := v.visibleCustomer(&p)
	if f.Query != "" {
		where += " AND c.name_key LIKE " + p.add("%"+funnel.NormalizeCustomerName(f.Query)+"%")
	}
	if f.OwnerID != "" {
		where += " AND c.owner_id = " + p.add(f.OwnerID)
	}
	if f.Industry != "" {
		where += " AND c.industry = " + p.add(f.Industry)
	}
	if f.Region != "" {
		where += " AND c.region = " + p.add(f.Region)
	}
	where += f.after(&p, "c.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+customerCols+` FROM customers c WHERE `+where+` ORDER BY c.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanCustomer, f.Page, func(c *Customer) string { return c.ID })
}
