package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
)

// Exports (issue 7) read whole lists with the names an import resolves
// (customer names, owner e-mails, pipeline keys) joined in, so the app can
// write a file that imports back unchanged. They honour the viewer like
// every list: an export is a download of what the person can see.

// Export is one read-only snapshot: every list read through it agrees with
// the others, even while deals move.
type Export struct {
	tx *sql.Tx
	v  Viewer
	db *DB
}

// Export runs fn over a read-only snapshot of the database. On SQLite a
// read-only transaction begins deferred (no write lock), so an export never
// blocks writers; on PostgreSQL it is REPEATABLE READ.
func (db *DB) Export(ctx context.Context, v Viewer, fn func(e *Export) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(&Export{tx: tx, v: v, db: db})
}

// ExportCustomer is a customer with its owner's e-mail.
type ExportCustomer struct {
	Customer
	OwnerEmail string
}

// Customers lists the visible customers, oldest first.
func (e *Export) Customers(ctx context.Context) ([]ExportCustomer, error) {
	var p params
	rows, err := e.tx.QueryContext(ctx, `SELECT `+customerCols+`, COALESCE(u.email, '') FROM customers c
		LEFT JOIN users u ON u.id = c.owner_id WHERE `+e.v.visibleCustomer(&p)+` ORDER BY c.id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportCustomer
	for rows.Next() {
		var c ExportCustomer
		var cr, up int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Industry, &c.Region, &c.Address, &c.Size, &c.OwnerID, &c.Version, &cr, &up, &c.OwnerEmail); err != nil {
			return nil, err
		}
		c.CreatedAt, c.UpdatedAt = msTime(cr), msTime(up)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ExportContact is a contact with its customer's name and the external id
// it was imported with ("" when it has none).
type ExportContact struct {
	Contact
	CustomerName, ExternalID string
}

// Contacts lists the contacts of visible customers.
func (e *Export) Contacts(ctx context.Context) ([]ExportContact, error) {
	ext, err := e.importKeys(ctx, "contacts", "")
	if err != nil {
		return nil, err
	}
	var p params
	rows, err := e.tx.QueryContext(ctx, `SELECT `+contactCols+`, c.name FROM contacts k JOIN customers c ON c.id = k.customer_id
		WHERE `+e.v.visibleCustomer(&p)+` ORDER BY k.id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportContact
	for rows.Next() {
		var k ExportContact
		var cr, up int64
		if err := rows.Scan(&k.ID, &k.CustomerID, &k.Name, &k.Title, &k.Phone, &k.Email, &k.WeComID, &k.Role, &k.Version, &cr, &up, &k.CustomerName); err != nil {
			return nil, err
		}
		k.CreatedAt, k.UpdatedAt = msTime(cr), msTime(up)
		k.ExternalID = ext[k.ID]
		out = append(out, k)
	}
	return out, rows.Err()
}

// ExportOpportunity is a deal with the names an import resolves, the
// external id it was imported with ("" if none), and its stage history.
type ExportOpportunity struct {
	Opportunity
	CustomerName, OwnerEmail, ExternalID string
	// History is every stage the deal entered, oldest first.
	History []Entered
}

// Entered is a stage a deal entered and when.
type Entered struct {
	StageID string
	At      time.Time
}

// Opportunities lists the visible deals with their stage history.
func (e *Export) Opportunities(ctx context.Context) ([]ExportOpportunity, error) {
	ext, err := e.importKeys(ctx, "opportunities", "ext:")
	if err != nil {
		return nil, err
	}
	var p params
	vis := e.v.visibleOpportunity(&p)
	rows, err := e.tx.QueryContext(ctx, `SELECT o.id, o.number, o.name, o.customer_id, c.name, o.owner_id, COALESCE(u.email, ''), o.pipeline_id,
		o.stage_id, s.key, o.status, o.amount_fen, o.currency, o.expected_close_date, COALESCE(o.closed_on, ''), o.loss_reason, o.region,
		o.source, o.product_lines, o.competitors, o.created_at
		FROM opportunities o JOIN stages s ON s.id = o.stage_id JOIN customers c ON c.id = o.customer_id LEFT JOIN users u ON u.id = o.owner_id
		WHERE `+vis+` ORDER BY o.id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportOpportunity
	index := map[string]int{}
	for rows.Next() {
		var o ExportOpportunity
		var products, competitors string
		var created int64
		if err := rows.Scan(&o.ID, &o.Number, &o.Name, &o.CustomerID, &o.CustomerName, &o.OwnerID, &o.OwnerEmail, &o.PipelineID,
			&o.StageID, &o.Stage, &o.Status, &o.Amount, &o.Currency, &o.ExpectedCloseDate, &o.ClosedOn, &o.LossReason, &o.Region,
			&o.Source, &products, &competitors, &created); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(products), &o.ProductLines)
		_ = json.Unmarshal([]byte(competitors), &o.Competitors)
		o.CreatedAt = msTime(created)
		o.ExternalID = ext[o.ID]
		index[o.ID] = len(out)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	// History in one pass over the table, ordered so each deal's moves come
	// oldest first (ids are time-ordered, so they break ties of one instant).
	var hp params
	hrows, err := e.tx.QueryContext(ctx, `SELECT sh.opportunity_id, sh.to_stage_id, sh.at FROM stage_history sh
		JOIN opportunities o ON o.id = sh.opportunity_id WHERE `+e.v.visibleOpportunity(&hp)+` ORDER BY sh.at, sh.id`, hp...)
	if err != nil {
		return nil, err
	}
	defer hrows.Close()
	for hrows.Next() {
		var id, stage string
		var at int64
		if err := hrows.Scan(&id, &stage, &at); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].History = append(out[i].History, Entered{StageID: stage, At: msTime(at)})
		}
	}
	return out, hrows.Err()
}

// ExportActivity is a follow-up with its customer's name, its deal's
// number, its contacts' names, its author's e-mail and its external id.
type ExportActivity struct {
	Activity
	CustomerName, OpportunityNumber, OwnerEmail, ExternalID string
	ContactNames                                            []string
}

// Activities lists the visible follow-ups, oldest first.
func (e *Export) Activities(ctx context.Context) ([]ExportActivity, error) {
	ext, err := e.importKeys(ctx, "activities", "ext:")
	if err != nil {
		return nil, err
	}
	var p params
	rows, err := e.tx.QueryContext(ctx, `SELECT `+activityCols+`, c.name, COALESCE(o.number, ''), COALESCE(u.email, '')
		FROM activities a JOIN customers c ON c.id = a.customer_id LEFT JOIN opportunities o ON o.id = a.opportunity_id
		LEFT JOIN users u ON u.id = a.created_by WHERE `+e.v.visibleActivity(&p)+` ORDER BY a.id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportActivity
	index := map[string]int{}
	for rows.Next() {
		var x ExportActivity
		var at, c, u int64
		if err := rows.Scan(&x.ID, &x.OpportunityID, &x.CustomerID, &x.Kind, &x.Direction, &at, &x.Note, &x.NextStep, &x.CreatedBy,
			&x.Version, &c, &u, &x.CustomerName, &x.OpportunityNumber, &x.OwnerEmail); err != nil {
			return nil, err
		}
		x.OccurredAt, x.CreatedAt, x.UpdatedAt = msTime(at), msTime(c), msTime(u)
		x.ExternalID = ext[x.ID]
		index[x.ID] = len(out)
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	links, err := e.tx.QueryContext(ctx, `SELECT ac.activity_id, k.name FROM activity_contacts ac JOIN contacts k ON k.id = ac.contact_id ORDER BY ac.activity_id, k.id`)
	if err != nil {
		return nil, err
	}
	defer links.Close()
	for links.Next() {
		var id, name string
		if err := links.Scan(&id, &name); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].ContactNames = append(out[i].ContactNames, name)
		}
	}
	return out, links.Err()
}

// Pipelines lists every pipeline with its stages.
func (e *Export) Pipelines(ctx context.Context) ([]*Pipeline, error) {
	return e.db.pipelines(ctx, e.tx, "")
}

// importKeys maps record ids of kind to the external id they were imported
// with: keys starting with prefix, prefix removed ("" takes every key).
func (e *Export) importKeys(ctx context.Context, kind, prefix string) (map[string]string, error) {
	rows, err := e.tx.QueryContext(ctx, `SELECT record_id, key FROM import_keys WHERE kind = $1`, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			out[id] = rest
		}
	}
	return out, rows.Err()
}
