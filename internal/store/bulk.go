package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Bulk loading, for the demo company and imports: many rows per INSERT,
// written with the timestamps the records carry rather than the
// transaction's clock, so a loader can write history dated in the past.
// These methods write the same columns as their one-row counterparts and
// trust the caller for consistency (stage and status agree, last contact
// matches the activities, …); they do no visibility or gate checks.

// Rows per INSERT statement. PostgreSQL takes many rows per statement, up
// to its 16-bit bind-variable count: one round trip per batch instead of per
// row. SQLite takes one: there is no round trip to save, and a multi-row
// INSERT inside a transaction that may abort half-way (every table here has
// keys and foreign keys) keeps a statement journal so it can undo itself
// alone; past 64 KiB that journal goes to a temporary file, and those writes
// cost a third of a large load. A prepared one-row INSERT needs no journal.
const (
	postgresMaxVars = 65535
	postgresMaxRows = 500
)

// At returns a view of tx whose clock reads t. Everything it writes shares
// the transaction; only the instants stamped on new rows change. Loaders use
// it to create users, quotas or direct sales dated in the past.
func (tx *Tx) At(t time.Time) *Tx {
	c := *tx
	c.now = t.UTC().Truncate(time.Millisecond)
	return &c
}

// rowsPerStatement is how many rows of cols columns one INSERT carries.
func (db *DB) rowsPerStatement(cols int) int {
	if db.Engine == Postgres {
		return max(1, min(postgresMaxRows, postgresMaxVars/cols))
	}
	return 1
}

// valuesList is "($1, $2), ($3, $4)" for rows × cols placeholders, or
// "(?, ?)" on SQLite, whose numbered parameters are looked up in a list
// (quadratic when there are thousands of them).
func (db *DB) valuesList(rows, cols int) string {
	var b strings.Builder
	b.Grow(rows * cols * 6)
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			if db.Engine == Postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
				n++
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// bulkInsert writes n rows with one multi-row INSERT per batch. head is
// "INSERT INTO t (a, b) VALUES "; row appends row i's cols values to args.
// Full batches share one prepared statement.
func (tx *Tx) bulkInsert(ctx context.Context, head string, cols, n int, row func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	per := tx.db.rowsPerStatement(cols)
	args := make([]any, 0, per*cols)
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			before := len(args)
			args = row(i, args)
			if len(args)-before != cols {
				return errors.New("store: bulk row has the wrong number of values")
			}
		}
		var err error
		if end-start == per {
			if full == nil {
				if full, err = tx.tx.PrepareContext(ctx, head+tx.db.valuesList(per, cols)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.tx.ExecContext(ctx, head+tx.db.valuesList(end-start, cols), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// msOr is t in unix milliseconds, or def when t is zero.
func msOr(t time.Time, def int64) int64 {
	if t.IsZero() {
		return def
	}
	return t.UnixMilli()
}

// ReserveNumbers takes n consecutive opportunity numbers of the year and
// region in one statement and returns the first sequence value; the caller
// formats first … first+n−1 with funnel.OpportunityNumber. Like NextNumber
// the counter row stays locked until the transaction ends, so numbering
// remains unique and gap-free.
func (tx *Tx) ReserveNumbers(ctx context.Context, year int, region string, n int) (int64, error) {
	if n < 1 {
		return 0, errors.New("store: reserve at least one number")
	}
	var last int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO number_sequences (year, region, last) VALUES ($1, $2, $3)
		ON CONFLICT (year, region) DO UPDATE SET last = number_sequences.last + $3 RETURNING last`, year, region, int64(n)).Scan(&last)
	if err != nil {
		return 0, err
	}
	return last - int64(n) + 1, nil
}

// BulkInsertCustomers inserts customers as given (ids, owners, timestamps);
// a zero ID is filled with a new one, zero times with the transaction's.
// A name that normalises to an existing one fails the whole call.
func (tx *Tx) BulkInsertCustomers(ctx context.Context, cs []*Customer) error {
	now := tx.nowMS()
	return tx.bulkInsert(ctx, `INSERT INTO customers (id, name, name_key, industry, region, address, size, owner_id, version, created_at, updated_at) VALUES `,
		11, len(cs), func(i int, a []any) []any {
			c := cs[i]
			fillRecord(tx, &c.ID, &c.Version)
			created := msOr(c.CreatedAt, now)
			c.CreatedAt, c.UpdatedAt = msTime(created), msTime(msOr(c.UpdatedAt, created))
			return append(a, c.ID, c.Name, funnel.NormalizeCustomerName(c.Name), c.Industry, c.Region, c.Address, c.Size, c.OwnerID,
				c.Version, created, c.UpdatedAt.UnixMilli())
		})
}

// BulkInsertContacts inserts contacts as given.
func (tx *Tx) BulkInsertContacts(ctx context.Context, ks []*Contact) error {
	now := tx.nowMS()
	return tx.bulkInsert(ctx, `INSERT INTO contacts (id, customer_id, name, title, phone, email, wecom_id, role, version, created_at, updated_at) VALUES `,
		11, len(ks), func(i int, a []any) []any {
			k := ks[i]
			fillRecord(tx, &k.ID, &k.Version)
			created := msOr(k.CreatedAt, now)
			k.CreatedAt, k.UpdatedAt = msTime(created), msTime(msOr(k.UpdatedAt, created))
			return append(a, k.ID, k.CustomerID, k.Name, k.Title, k.Phone, k.Email, k.WeComID, k.Role, k.Version, created, k.UpdatedAt.UnixMilli())
		})
}

// BulkInsertOpportunities inserts opportunities with the columns
// CreateOpportunity writes, plus their collaborators. Unlike CreateOpportunity
// it takes Number, Status, StageEnteredAt, LastContactAt and the timestamps
// from o (numbers from ReserveNumbers) and writes no stage history: add that
// with BulkInsertStageHistory.
func (tx *Tx) BulkInsertOpportunities(ctx context.Context, opps []*Opportunity) error {
	now := tx.nowMS()
	for _, o := range opps {
		if o.Number == "" || o.StageID == "" || o.Status == "" {
			return funnel.Errorf(funnel.EINVALID, "bulk opportunity %q lacks a number, stage or status", o.Name)
		}
	}
	err := tx.countingCellsOnce(ctx, opps, func() error {
		return tx.bulkInsertOpportunities(ctx, opps, now)
	})
	if err != nil {
		return err
	}
	type pair struct{ opp, user string }
	var collab []pair
	for _, o := range opps {
		for _, u := range o.CollaboratorIDs {
			collab = append(collab, pair{o.ID, u})
		}
	}
	return tx.bulkInsert(ctx, `INSERT INTO opportunity_collaborators (opportunity_id, user_id) VALUES `, 2, len(collab),
		func(i int, a []any) []any { return append(a, collab[i].opp, collab[i].user) })
}

func (tx *Tx) bulkInsertOpportunities(ctx context.Context, opps []*Opportunity, now int64) error {
	return tx.bulkInsert(ctx, `INSERT INTO opportunities (id, number, name, customer_id, owner_id, pipeline_id, stage_id, status,
		amount_fen, currency, expected_close_date, closed_on, loss_reason, region, industry, source, product_lines, competitors,
		competitor_count, last_contact_at, next_contact_at, stage_entered_at, created_by, version, created_at, updated_at) VALUES `,
		26, len(opps), func(i int, a []any) []any {
			o := opps[i]
			fillRecord(tx, &o.ID, &o.Version)
			if o.Currency == "" {
				o.Currency = "CNY"
			}
			if o.ProductLines == nil {
				o.ProductLines = []string{}
			}
			if o.Competitors == nil {
				o.Competitors = []string{}
			}
			if o.CollaboratorIDs == nil {
				o.CollaboratorIDs = []string{}
			}
			if o.CreatedBy == "" {
				o.CreatedBy = o.OwnerID
			}
			created := msOr(o.CreatedAt, now)
			o.CreatedAt = msTime(created)
			o.StageEnteredAt = msTime(msOr(o.StageEnteredAt, created))
			o.UpdatedAt = msTime(msOr(o.UpdatedAt, created))
			o.derive()
			return append(a, o.ID, o.Number, o.Name, o.CustomerID, o.OwnerID, o.PipelineID, o.StageID, o.Status,
				int64(o.Amount), o.Currency, o.ExpectedCloseDate, nullStr(o.ClosedOn), o.LossReason, o.Region, o.Industry, o.Source,
				jsonList(o.ProductLines), jsonList(o.Competitors), len(o.Competitors), msOrNil(o.LastContactAt), msOrNil(o.NextContactAt),
				o.StageEnteredAt.UnixMilli(), o.CreatedBy, o.Version, created, o.UpdatedAt.UnixMilli())
		})
}

// BulkInsertStageHistory appends stage moves as given (FromStageID empty for
// an opportunity's first row). The From/To keys are not stored.
func (tx *Tx) BulkInsertStageHistory(ctx context.Context, ms []StageMove) error {
	now := tx.nowMS()
	return tx.bulkInsert(ctx, `INSERT INTO stage_history (id, opportunity_id, from_stage_id, to_stage_id, at, by_user_id, probability, amount_fen, via, comment) VALUES `,
		10, len(ms), func(i int, a []any) []any {
			m := &ms[i]
			if m.ID == "" {
				m.ID = tx.db.NewID()
			}
			if m.Via == "" {
				m.Via = ViaImport
			}
			return append(a, m.ID, m.OpportunityID, nullStr(m.FromStageID), m.ToStageID, msOr(m.At, now), m.ByUserID,
				m.Probability, int64(m.Amount), m.Via, m.Comment)
		})
}

// BulkInsertActivities inserts activities and the contacts they involve. It
// does not touch the opportunities' last contact time: the loader sets
// LastContactAt on the opportunities it writes.
func (tx *Tx) BulkInsertActivities(ctx context.Context, as []*Activity) error {
	now := tx.nowMS()
	err := tx.bulkInsert(ctx, `INSERT INTO activities (id, opportunity_id, customer_id, kind, direction, occurred_at, note, next_step, created_by, version, created_at, updated_at) VALUES `,
		12, len(as), func(i int, a []any) []any {
			x := as[i]
			fillRecord(tx, &x.ID, &x.Version)
			if x.Direction == "" {
				x.Direction = "outbound"
			}
			if x.ContactIDs == nil {
				x.ContactIDs = []string{}
			}
			created := msOr(x.CreatedAt, msOr(x.OccurredAt, now))
			x.CreatedAt = msTime(created)
			x.UpdatedAt = msTime(msOr(x.UpdatedAt, created))
			if x.OccurredAt.IsZero() {
				x.OccurredAt = x.CreatedAt
			}
			return append(a, x.ID, nullStr(x.OpportunityID), x.CustomerID, x.Kind, x.Direction, x.OccurredAt.UnixMilli(), x.Note, x.NextStep,
				x.CreatedBy, x.Version, created, x.UpdatedAt.UnixMilli())
		})
	if err != nil {
		return err
	}
	type pair struct{ act, contact string }
	var links []pair
	for _, x := range as {
		for _, k := range x.ContactIDs {
			links = append(links, pair{x.ID, k})
		}
	}
	return tx.bulkInsert(ctx, `INSERT INTO activity_contacts (activity_id, contact_id) VALUES `, 2, len(links),
		func(i int, a []any) []any { return append(a, links[i].act, links[i].contact) })
}

// fillRecord gives a bulk record an id and a first version when it has none.
func fillRecord(tx *Tx, id *string, version *int) {
	if *id == "" {
		*id = tx.db.NewID()
	}
	if *version == 0 {
		*version = 1
	}
}

// Analyze refreshes the query planner's statistics, as a bulk load should:
// PostgreSQL plans a freshly filled table as if it were empty until
// autovacuum comes by.
func (tx *Tx) Analyze(ctx context.Context) error {
	_, err := tx.tx.ExecContext(ctx, `ANALYZE`)
	return err
}

// DeferIndexes sets aside the secondary indexes of tables for a bulk load
// and returns the function that builds them again; call it before the
// transaction commits. Rows arriving in id order append to a table, but
// each goes to a random place in indexes such as opportunities(owner_id, …):
// a 100,000-deal import rewrote most of their pages again and again, while
// building an index afterwards is one sort. Unique indexes stay: they are
// what refuses a duplicate. Both engines have transactional DDL, so a
// rollback brings the indexes back and nobody else sees a table without
// them: SQLite's readers keep their snapshot while the one writer loads.
// PostgreSQL's DROP INDEX, though, locks the table against every reader
// until the transaction ends, so there only empty tables (a fresh load, with
// nothing to read yet) lose their indexes; the others keep them.
func (tx *Tx) DeferIndexes(ctx context.Context, tables ...string) (rebuild func(context.Context) error, err error) {
	var names, defs []string
	for _, t := range tables {
		q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1
			AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name`
		if tx.db.Engine == Postgres {
			var empty bool
			if err := tx.tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&empty); err != nil {
				return nil, err
			}
			if !empty {
				continue
			}
			q = `SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
				JOIN pg_class t ON t.oid = x.indrelid
				WHERE t.relname = $1 AND t.relnamespace = current_schema()::regnamespace AND NOT x.indisunique
				ORDER BY i.relname`
		}
		rows, err := tx.tx.QueryContext(ctx, q, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names, defs = append(names, name), append(defs, def)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, name := range names {
		if _, err := tx.tx.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context) error {
		for _, def := range defs {
			if _, err := tx.tx.ExecContext(ctx, def); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
