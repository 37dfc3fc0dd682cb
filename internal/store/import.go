package store

import (
	"context"
	"strings"
)

// Lookups for imports: an import validates thousands of rows against the
// database before writing any, so these read whole sets in a few queries
// instead of one query per row. They run inside the import's transaction, so
// what was validated is what gets written.

// importBatch bounds the keys of one IN (…) list.
const importBatch = 500

// ImportKeys returns, of keys, those already imported for kind, with the id
// of the record each became.
func (tx *Tx) ImportKeys(ctx context.Context, kind string, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for start := 0; start < len(keys); start += importBatch {
		chunk := keys[start:min(start+importBatch, len(keys))]
		var p params
		p.add(kind)
		marks := make([]string, len(chunk))
		for i, k := range chunk {
			marks[i] = p.add(k)
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT key, record_id FROM import_keys WHERE kind = $1 AND key IN (`+strings.Join(marks, ", ")+`)`, p...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k, id string
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ImportKey pairs a source row's key with the record it became.
type ImportKey struct{ Key, RecordID string }

// AddImportKeys remembers which record each key became.
func (tx *Tx) AddImportKeys(ctx context.Context, kind string, ks []ImportKey) error {
	now := tx.nowMS()
	return tx.bulkInsert(ctx, `INSERT INTO import_keys (kind, key, record_id, created_at) VALUES `, 4, len(ks),
		func(i int, a []any) []any { return append(a, kind, ks[i].Key, ks[i].RecordID, now) })
}

// pairs runs a two-column query and returns the first column → second.
func (tx *Tx) pairs(ctx context.Context, q string, args ...any) (map[string]string, error) {
	rows, err := tx.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// CustomerKeys maps every customer's normalised name to its id. Imports
// resolve customers by name; a company has thousands, not millions.
func (tx *Tx) CustomerKeys(ctx context.Context) (map[string]string, error) {
	return tx.pairs(ctx, `SELECT name_key, id FROM customers`)
}

// UserKeys maps every user's lower-cased email and name to the user, so an
// import may name owners either way. A name two users share maps to "" (ambiguous).
func (tx *Tx) UserKeys(ctx context.Context) (map[string]*User, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT `+userColsOf("u.")+` FROM users u`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out[strings.ToLower(u.Email)] = u
		name := strings.ToLower(strings.TrimSpace(u.Name))
		if prev, ok := out[name]; ok && prev != nil && prev.ID != u.ID {
			out[name] = nil
		} else if !ok {
			out[name] = u
		}
	}
	return out, rows.Err()
}

// TeamKeys maps team names to ids (the first by id when a name repeats).
func (tx *Tx) TeamKeys(ctx context.Context) (map[string]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT name, id FROM teams ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// OpportunityNumbers returns, of numbers, those in use, with their ids.
func (tx *Tx) OpportunityNumbers(ctx context.Context, numbers []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(numbers); start += importBatch {
		chunk := numbers[start:min(start+importBatch, len(numbers))]
		var p params
		marks := make([]string, len(chunk))
		for i, k := range chunk {
			marks[i] = p.add(k)
		}
		m, err := tx.pairs(ctx, `SELECT number, id FROM opportunities WHERE number IN (`+strings.Join(marks, ", ")+`)`, p...)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// ContactKeys maps "customer id|lower-case name" to contact ids. The key is
// built in Go: SQLite's LOWER folds ASCII only.
func (tx *Tx) ContactKeys(ctx context.Context) (map[string]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT customer_id, name, id FROM contacts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, n, id string
		if err := rows.Scan(&c, &n, &id); err != nil {
			return nil, err
		}
		out[ContactKey(c, n)] = id
	}
	return out, rows.Err()
}

// ContactKey is a contact's natural key: its customer and its name.
func ContactKey(customerID, name string) string {
	return customerID + "|" + strings.ToLower(strings.TrimSpace(name))
}

// AllPipelines lists every pipeline with its stages, read in the transaction.
func (tx *Tx) AllPipelines(ctx context.Context) ([]*Pipeline, error) {
	return tx.db.pipelines(ctx, tx.tx, "")
}

// RefreshLastContact sets the last contact time of the given opportunities
// from their activities, after a bulk load of activities.
func (tx *Tx) RefreshLastContact(ctx context.Context, oppIDs []string) error {
	for start := 0; start < len(oppIDs); start += importBatch {
		chunk := oppIDs[start:min(start+importBatch, len(oppIDs))]
		var p params
		marks := make([]string, len(chunk))
		for i, id := range chunk {
			marks[i] = p.add(id)
		}
		_, err := tx.tx.ExecContext(ctx, `UPDATE opportunities SET last_contact_at =
			(SELECT MAX(a.occurred_at) FROM activities a WHERE a.opportunity_id = opportunities.id)
			WHERE id IN (`+strings.Join(marks, ", ")+`)`, p...)
		if err != nil {
			return err
		}
	}
	return nil
}

// CustomerOwners maps customer ids to their owners' ids.
func (tx *Tx) CustomerOwners(ctx context.Context) (map[string]string, error) {
	return tx.pairs(ctx, `SELECT id, owner_id FROM customers`)
}

// ActivityIDs returns, of ids, those that are ids of stored activities. An
// export writes an activity's own id as its external id when it came from
// no other system, so re-importing the export recognises it.
func (tx *Tx) ActivityIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += importBatch {
		chunk := ids[start:min(start+importBatch, len(ids))]
		var p params
		marks := make([]string, len(chunk))
		for i, id := range chunk {
			marks[i] = p.add(id)
		}
		m, err := tx.pairs(ctx, `SELECT id, id FROM activities WHERE id IN (`+strings.Join(marks, ", ")+`)`, p...)
		if err != nil {
			return nil, err
		}
		for k := range m {
			out[k] = true
		}
	}
	return out, nil
}

// CustomerRegions maps customer ids to their region codes.
func (tx *Tx) CustomerRegions(ctx context.Context) (map[string]string, error) {
	return tx.pairs(ctx, `SELECT id, region FROM customers`)
}

// TeamRegions maps user ids to their team's region code.
func (tx *Tx) TeamRegions(ctx context.Context) (map[string]string, error) {
	return tx.pairs(ctx, `SELECT u.id, t.region FROM users u JOIN teams t ON t.id = u.team_id`)
}

// RaiseNumberSequence makes the (year, region) counter at least last, so
// a deal imported with its number (2024-SH-042) is never given that number
// again by the next deal created in Shangji.
func (tx *Tx) RaiseNumberSequence(ctx context.Context, year int, region string, last int64) error {
	greatest := "GREATEST"
	if tx.db.Engine == SQLite {
		greatest = "MAX" // SQLite's scalar MAX of its arguments
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO number_sequences (year, region, last) VALUES ($1, $2, $3)
		ON CONFLICT (year, region) DO UPDATE SET last = `+greatest+`(number_sequences.last, excluded.last)`, year, region, last)
	return err
}
