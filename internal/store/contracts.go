package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// Payment kinds: a line of the payment plan 回款计划 (date = due date) or
// money received 回款 (date = received date).
const (
	PaymentPlan    = "plan"
	PaymentReceipt = "receipt"
)

// Contract is signed on a won opportunity (SPEC §2 合同). Received,
// outstanding and overdue are derived from its payments at read time, by the
// store's clock in the company calendar.
type Contract struct {
	ID            string       `json:"id"`
	OpportunityID string       `json:"opportunity_id"`
	CustomerID    string       `json:"customer_id"`
	Number        string       `json:"number"`
	SignedOn      string       `json:"signed_on"`
	Amount        funnel.Money `json:"amount"`
	Currency      string       `json:"currency"`
	Note          string       `json:"note"`
	CreatedBy     string       `json:"created_by"`
	Version       int          `json:"version"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`

	Planned     funnel.Money `json:"planned" doc:"sum of the payment plan lines"`
	Received    funnel.Money `json:"received" doc:"sum of the receipts"`
	Outstanding funnel.Money `json:"outstanding" doc:"amount − received, never below zero"`
	Overdue     funnel.Money `json:"overdue" doc:"plan lines due before today not covered by receipts (receipts pay lines in due order)"`
	Invoiced    funnel.Money `json:"invoiced" doc:"sum of the invoices"`
}

const contractCols = `k.id, k.opportunity_id, k.customer_id, k.number, k.signed_on, k.amount_fen, k.currency, k.note, k.created_by,
	k.version, k.created_at, k.updated_at,
	COALESCE((SELECT SUM(pp.amount_fen) FROM payments pp WHERE pp.contract_id = k.id AND pp.kind = 'plan'), 0),
	COALESCE((SELECT SUM(pd.amount_fen) FROM payments pd WHERE pd.contract_id = k.id AND pd.kind = 'plan' AND pd.on_date < $1), 0),
	COALESCE((SELECT SUM(pr.amount_fen) FROM payments pr WHERE pr.contract_id = k.id AND pr.kind = 'receipt'), 0),
	COALESCE((SELECT SUM(i.amount_fen) FROM invoices i WHERE i.contract_id = k.id), 0)`

func scanContract(row interface{ Scan(...any) error }) (*Contract, error) {
	var k Contract
	var due funnel.Money
	var c, u int64
	err := row.Scan(&k.ID, &k.OpportunityID, &k.CustomerID, &k.Number, &k.SignedOn, &k.Amount, &k.Currency, &k.Note, &k.CreatedBy,
		&k.Version, &c, &u, &k.Planned, &due, &k.Received, &k.Invoiced)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("contract")
	} else if err != nil {
		return nil, err
	}
	k.Outstanding = funnel.Outstanding(k.Amount, k.Received)
	k.Overdue = funnel.Overdue(due, k.Received)
	k.CreatedAt, k.UpdatedAt = msTime(c), msTime(u)
	return &k, nil
}

// today is the company-calendar date of t: a plan line due today is not yet overdue.
func today(t time.Time) string { return t.In(funnel.CompanyZone).Format(time.DateOnly) }

// visibleContract joins a contract (alias k) to its opportunity (alias o):
// a contract is seen by whoever sees its deal.
func (v Viewer) visibleContract(p *params) string {
	return `EXISTS (SELECT 1 FROM opportunities o WHERE o.id = k.opportunity_id AND ` + v.visibleOpportunity(p) + `)`
}

func duplicateNumber(what, id string) error {
	return &funnel.Error{Code: funnel.ECONFLICT, Message: "a " + what + " with this number exists: " + id, ExistingID: id,
		Fields: []funnel.FieldError{{Field: "number", Message: "duplicate of " + what + " " + id}}}
}

// CreateContract inserts k; a number already used is a 409 naming the
// contract that holds it.
func (tx *Tx) CreateContract(ctx context.Context, k *Contract) error {
	k.ID, k.Version = tx.db.NewID(), 1
	k.CreatedAt, k.UpdatedAt = tx.now, tx.now
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO contracts (id, opportunity_id, customer_id, number, signed_on, amount_fen, currency, note,
		created_by, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) ON CONFLICT (number) DO NOTHING`,
		k.ID, k.OpportunityID, k.CustomerID, k.Number, k.SignedOn, k.Amount, k.Currency, k.Note, k.CreatedBy, tx.nowMS())
	if err != nil {
		return err
	}
	return tx.insertedOrDuplicateNumber(ctx, res, "contracts", "contract", k.Number)
}

func (tx *Tx) insertedOrDuplicateNumber(ctx context.Context, res sql.Result, table, what, number string) error {
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	var id string
	if err := tx.tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE number = $1`, number).Scan(&id); err != nil {
		return err
	}
	return duplicateNumber(what, id)
}

// numberTaken refuses a number another row of table holds.
func (tx *Tx) numberTaken(ctx context.Context, table, what, number, id string) error {
	var other string
	err := tx.tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE number = $1 AND id <> $2`, number, id).Scan(&other)
	if err == nil {
		return duplicateNumber(what, other)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// UpdateContract writes k if its version is current.
func (tx *Tx) UpdateContract(ctx context.Context, k *Contract) error {
	if err := tx.numberTaken(ctx, "contracts", "contract", k.Number, k.ID); err != nil {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE contracts SET number = $1, signed_on = $2, amount_fen = $3, note = $4,
		version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7`,
		k.Number, k.SignedOn, k.Amount, k.Note, tx.nowMS(), k.ID, k.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "contract", func() (any, error) { return tx.Contract(ctx, System, k.ID) })
}

// DeleteContract removes a contract with its plan lines; the caller has
// checked it holds no receipts or invoices.
func (tx *Tx) DeleteContract(ctx context.Context, id string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM contracts WHERE id = $1`, id)
	return err
}

// Contract returns a contract the viewer may see.
func (db *DB) Contract(ctx context.Context, v Viewer, id string) (*Contract, error) {
	return db.contract(ctx, db.r, v, id, "", db.Now())
}

// Contract reads inside the transaction, locking the row on PostgreSQL: plan
// and receipt totals are checked against the amount under this lock.
func (tx *Tx) Contract(ctx context.Context, v Viewer, id string) (*Contract, error) {
	return tx.db.contract(ctx, tx.tx, v, id, tx.db.forUpdateOf("k"), tx.now)
}

func (db *DB) contract(ctx context.Context, q querier, v Viewer, id, lock string, now time.Time) (*Contract, error) {
	p := params{today(now)}
	where := "k.id = " + p.add(id) + " AND " + v.visibleContract(&p)
	return scanContract(q.QueryRowContext(ctx, `SELECT `+contractCols+` FROM contracts k WHERE `+where+lock, p...))
}

// ContractFilter selects contracts to list.
type ContractFilter struct {
	OpportunityID string
	CustomerID    string
	Page
}

// Contracts lists the contracts the viewer may see, by id.
func (db *DB) Contracts(ctx context.Context, v Viewer, f ContractFilter) ([]*Contract, string, error) {
	p := params{today(db.Now())}
	where := v.visibleContract(&p)
	if f.OpportunityID != "" {
		where += " AND k.opportunity_id = " + p.add(f.OpportunityID)
	}
	if f.CustomerID != "" {
		where += " AND k.customer_id = " + p.add(f.CustomerID)
	}
	where += f.after(&p, "k.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+contractCols+` FROM contracts k WHERE `+where+` ORDER BY k.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanContract, f.Page, func(k *Contract) string { return k.ID })
}

// Payment is a payment plan line or a receipt of a contract.
type Payment struct {
	ID         string       `json:"id"`
	ContractID string       `json:"contract_id"`
	Kind       string       `json:"kind" enum:"plan,receipt"`
	Date       string       `json:"date" doc:"plan: the due date; receipt: the received date"`
	Amount     funnel.Money `json:"amount"`
	Note       string       `json:"note"`
	CreatedBy  string       `json:"created_by"`
	Version    int          `json:"version"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

const paymentCols = `y.id, y.contract_id, y.kind, y.on_date, y.amount_fen, y.note, y.created_by, y.version, y.created_at, y.updated_at`

func scanPayment(row interface{ Scan(...any) error }) (*Payment, error) {
	var y Payment
	var c, u int64
	err := row.Scan(&y.ID, &y.ContractID, &y.Kind, &y.Date, &y.Amount, &y.Note, &y.CreatedBy, &y.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("payment")
	} else if err != nil {
		return nil, err
	}
	y.CreatedAt, y.UpdatedAt = msTime(c), msTime(u)
	return &y, nil
}

// visibleChild is the condition on a row (alias alias) of a contract the viewer sees.
func (v Viewer) visibleChild(p *params, alias string) string {
	return `EXISTS (SELECT 1 FROM contracts k WHERE k.id = ` + alias + `.contract_id AND ` + v.visibleContract(p) + `)`
}

// CreatePayment inserts y; the caller has checked the contract.
func (tx *Tx) CreatePayment(ctx context.Context, y *Payment) error {
	y.ID, y.Version = tx.db.NewID(), 1
	y.CreatedAt, y.UpdatedAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO payments (id, contract_id, kind, on_date, amount_fen, note, created_by, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)`, y.ID, y.ContractID, y.Kind, y.Date, y.Amount, y.Note, y.CreatedBy, tx.nowMS())
	return err
}

// UpdatePayment writes y (not its contract or kind) if its version is current.
func (tx *Tx) UpdatePayment(ctx context.Context, y *Payment) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE payments SET on_date = $1, amount_fen = $2, note = $3, version = version + 1, updated_at = $4
		WHERE id = $5 AND version = $6`, y.Date, y.Amount, y.Note, tx.nowMS(), y.ID, y.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "payment", func() (any, error) { return tx.Payment(ctx, System, y.ID) })
}

// DeletePayment removes a payment.
func (tx *Tx) DeletePayment(ctx context.Context, id string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM payments WHERE id = $1`, id)
	return err
}

// PaymentTotal sums a contract's payments of one kind, leaving out one row
// (the one being changed; "" for none).
func (tx *Tx) PaymentTotal(ctx context.Context, contractID, kind, except string) (funnel.Money, error) {
	var m funnel.Money
	err := tx.tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM payments WHERE contract_id = $1 AND kind = $2 AND id <> $3`,
		contractID, kind, except).Scan(&m)
	return m, err
}

// Payment returns a payment the viewer may see.
func (db *DB) Payment(ctx context.Context, v Viewer, id string) (*Payment, error) {
	return db.payment(ctx, db.r, v, id)
}

// Payment reads inside the transaction.
func (tx *Tx) Payment(ctx context.Context, v Viewer, id string) (*Payment, error) {
	return tx.db.payment(ctx, tx.tx, v, id)
}

func (db *DB) payment(ctx context.Context, q querier, v Viewer, id string) (*Payment, error) {
	var p params
	where := "y.id = " + p.add(id) + " AND " + v.visibleChild(&p, "y")
	return scanPayment(q.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM payments y WHERE `+where, p...))
}

// PaymentFilter selects payments to list.
type PaymentFilter struct {
	ContractID string
	Kind       string
	Page
}

// Payments lists the payments the viewer may see, by id.
func (db *DB) Payments(ctx context.Context, v Viewer, f PaymentFilter) ([]*Payment, string, error) {
	var p params
	where := v.visibleChild(&p, "y")
	if f.ContractID != "" {
		where += " AND y.contract_id = " + p.add(f.ContractID)
	}
	if f.Kind != "" {
		where += " AND y.kind = " + p.add(f.Kind)
	}
	where += f.after(&p, "y.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+paymentCols+` FROM payments y WHERE `+where+` ORDER BY y.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanPayment, f.Page, func(y *Payment) string { return y.ID })
}

// Invoice is an invoice 发票 issued against a contract.
type Invoice struct {
	ID         string       `json:"id"`
	ContractID string       `json:"contract_id"`
	Number     string       `json:"number"`
	IssuedOn   string       `json:"issued_on"`
	Amount     funnel.Money `json:"amount"`
	CreatedBy  string       `json:"created_by"`
	Version    int          `json:"version"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

const invoiceCols = `i.id, i.contract_id, i.number, i.issued_on, i.amount_fen, i.created_by, i.version, i.created_at, i.updated_at`

func scanInvoice(row interface{ Scan(...any) error }) (*Invoice, error) {
	var i Invoice
	var c, u int64
	err := row.Scan(&i.ID, &i.ContractID, &i.Number, &i.IssuedOn, &i.Amount, &i.CreatedBy, &i.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("invoice")
	} else if err != nil {
		return nil, err
	}
	i.CreatedAt, i.UpdatedAt = msTime(c), msTime(u)
	return &i, nil
}

// CreateInvoice inserts i; a number already used is a 409.
func (tx *Tx) CreateInvoice(ctx context.Context, i *Invoice) error {
	i.ID, i.Version = tx.db.NewID(), 1
	i.CreatedAt, i.UpdatedAt = tx.now, tx.now
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO invoices (id, contract_id, number, issued_on, amount_fen, created_by, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) ON CONFLICT (number) DO NOTHING`,
		i.ID, i.ContractID, i.Number, i.IssuedOn, i.Amount, i.CreatedBy, tx.nowMS())
	if err != nil {
		return err
	}
	return tx.insertedOrDuplicateNumber(ctx, res, "invoices", "invoice", i.Number)
}

// UpdateInvoice writes i if its version is current.
func (tx *Tx) UpdateInvoice(ctx context.Context, i *Invoice) error {
	if err := tx.numberTaken(ctx, "invoices", "invoice", i.Number, i.ID); err != nil {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE invoices SET number = $1, issued_on = $2, amount_fen = $3, version = version + 1, updated_at = $4
		WHERE id = $5 AND version = $6`, i.Number, i.IssuedOn, i.Amount, tx.nowMS(), i.ID, i.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "invoice", func() (any, error) { return tx.Invoice(ctx, System, i.ID) })
}

// DeleteInvoice removes an invoice.
func (tx *Tx) DeleteInvoice(ctx context.Context, id string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM invoices WHERE id = $1`, id)
	return err
}

// InvoiceTotal sums a contract's invoices, leaving out one ("" for none).
func (tx *Tx) InvoiceTotal(ctx context.Context, contractID, except string) (funnel.Money, error) {
	var m funnel.Money
	err := tx.tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM invoices WHERE contract_id = $1 AND id <> $2`,
		contractID, except).Scan(&m)
	return m, err
}

// Invoice reads a visible invoice inside the transaction.
func (tx *Tx) Invoice(ctx context.Context, v Viewer, id string) (*Invoice, error) {
	var p params
	where := "i.id = " + p.add(id) + " AND " + v.visibleChild(&p, "i")
	return scanInvoice(tx.tx.QueryRowContext(ctx, `SELECT `+invoiceCols+` FROM invoices i WHERE `+where, p...))
}

// Invoices lists the invoices of a contract the viewer sees, by id.
func (db *DB) Invoices(ctx context.Context, v Viewer, contractID string, pg Page) ([]*Invoice, string, error) {
	var p params
	where := "i.contract_id = " + p.add(contractID) + " AND " + v.visibleChild(&p, "i") + pg.after(&p, "i.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+invoiceCols+` FROM invoices i WHERE `+where+` ORDER BY i.id LIMIT `+pg.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanInvoice, pg, func(i *Invoice) string { return i.ID })
}
