package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// SetTicked writes the ticked indicator or checklist keys if the version is
// current, and records the change.
func (tx *Tx) SetTicked(ctx context.Context, id string, ticked []string, version int, by string) error {
	before, err := tx.opportunityForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if before.Version != version {
		return conflict("opportunity", before)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE opportunities SET ticked = $1, version = version + 1, updated_at = $2 WHERE id = $3`,
		jsonList(ticked), tx.nowMS(), id); err != nil {
		return err
	}
	return tx.addChange(ctx, id, by, "ticked", jsonList(before.Ticked), jsonList(ticked))
}

// SetHealth caches the latest health score. It is derived data, so it does
// not bump the version: recomputing never makes a client's copy stale. A
// change of the score or the decision is also kept in health_history.
func (tx *Tx) SetHealth(ctx context.Context, id string, tenths int64, decision string, flagged bool) error {
	// The history row first, compared with the row as it still is: one
	// statement instead of reading the old score into Go and back.
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO health_history (id, opportunity_id, at, health_tenths, decision)
		SELECT $1, id, CAST($3 AS BIGINT), CAST($4 AS BIGINT), CAST($5 AS TEXT) FROM opportunities
		WHERE id = $2 AND (health_tenths <> CAST($4 AS BIGINT) OR health_decision <> CAST($5 AS TEXT))`,
		tx.db.NewID(), id, tx.nowMS(), tenths, decision); err != nil {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE opportunities SET health_tenths = $1, health_decision = $2, health_flagged = $3 WHERE id = $4`,
		tenths, decision, boolInt(flagged), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound("opportunity")
	}
	return nil
}

// HealthPoint is the health score from a moment on.
type HealthPoint struct {
	At       time.Time `json:"at"`
	Score    float64   `json:"score"`
	Decision string    `json:"decision"`
}

// HealthHistory lists how a deal's health score changed, oldest first.
func (db *DB) HealthHistory(ctx context.Context, oppID string) ([]HealthPoint, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at, health_tenths, decision FROM health_history WHERE opportunity_id = $1 ORDER BY at, id`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HealthPoint{}
	for rows.Next() {
		var at, tenths int64
		var p HealthPoint
		if err := rows.Scan(&at, &tenths, &p.Decision); err != nil {
			return nil, err
		}
		p.At, p.Score = msTime(at), float64(tenths)/10
		out = append(out, p)
	}
	return out, rows.Err()
}

// ScoredOpenDeals lists the open deals whose health was computed (those
// whose cached score new settings must recompute).
func (tx *Tx) ScoredOpenDeals(ctx context.Context) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT id FROM opportunities WHERE status = 'open' AND health_decision <> '' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// ContactedRoles lists the decision-chain roles reached by the activities
// logged on an opportunity (SPEC §4: computed from activity records).
func (tx *Tx) ContactedRoles(ctx context.Context, oppID string) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT DISTINCT k.role FROM activities a
		JOIN activity_contacts ac ON ac.activity_id = a.id JOIN contacts k ON k.id = ac.contact_id
		WHERE a.opportunity_id = $1 ORDER BY k.role`, oppID)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// DocumentTypesOf lists the document types attached to an opportunity.
func (tx *Tx) DocumentTypesOf(ctx context.Context, oppID string) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT DISTINCT doc_type FROM documents WHERE opportunity_id = $1 AND deleted_at IS NULL ORDER BY doc_type`, oppID)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// BudgetFact is a claim about the customer's budget with its evidence.
type BudgetFact struct {
	ID                 string    `json:"id"`
	OpportunityID      string    `json:"opportunity_id"`
	Kind               string    `json:"kind"`
	EvidenceActivityID string    `json:"evidence_activity_id,omitempty"`
	EvidenceDocumentID string    `json:"evidence_document_id,omitempty"`
	CreatedBy          string    `json:"created_by"`
	CreatedAt          time.Time `json:"created_at"`
}

// AddBudgetFact records a budget fact; one per kind and opportunity.
func (tx *Tx) AddBudgetFact(ctx context.Context, f *BudgetFact) error {
	f.ID, f.CreatedAt = tx.db.NewID(), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO budget_facts (id, opportunity_id, kind, evidence_activity_id, evidence_document_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.ID, f.OpportunityID, f.Kind, nullStr(f.EvidenceActivityID), nullStr(f.EvidenceDocumentID), f.CreatedBy, tx.nowMS())
	if isUniqueViolation(err) {
		return &funnel.Error{Code: funnel.ECONFLICT, Message: "this budget fact is recorded already; delete it first to change its evidence",
			Fields: []funnel.FieldError{{Field: "kind", Message: "already recorded"}}}
	}
	if err != nil {
		return err
	}
	return tx.addChange(ctx, f.OpportunityID, f.CreatedBy, "budget_facts", "", f.Kind)
}

// DeleteBudgetFact removes the fact of a kind from an opportunity.
func (tx *Tx) DeleteBudgetFact(ctx context.Context, oppID, kind, by string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM budget_facts WHERE opportunity_id = $1 AND kind = $2`, oppID, kind)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("budget fact")
	}
	return tx.addChange(ctx, oppID, by, "budget_facts", kind, "")
}

// BudgetFacts lists an opportunity's budget facts. Evidence that was deleted
// (activity or document gone) leaves the fact without evidence.
func (tx *Tx) BudgetFacts(ctx context.Context, oppID string) ([]BudgetFact, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT f.id, f.opportunity_id, f.kind, COALESCE(f.evidence_activity_id, ''),
		COALESCE(CASE WHEN d.deleted_at IS NULL THEN f.evidence_document_id END, ''), f.created_by, f.created_at
		FROM budget_facts f LEFT JOIN documents d ON d.id = f.evidence_document_id WHERE f.opportunity_id = $1 ORDER BY f.kind`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BudgetFact{}
	for rows.Next() {
		var f BudgetFact
		var at int64
		if err := rows.Scan(&f.ID, &f.OpportunityID, &f.Kind, &f.EvidenceActivityID, &f.EvidenceDocumentID, &f.CreatedBy, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = msTime(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Setting reads a JSON setting into v; ok is false when it was never saved.
func (db *DB) Setting(ctx context.Context, key string, v any) (ok bool, err error) {
	return setting(ctx, db.r, key, v)
}

// Setting reads inside the transaction.
func (tx *Tx) Setting(ctx context.Context, key string, v any) (ok bool, err error) {
	return setting(ctx, tx.tx, key, v)
}

func setting(ctx context.Context, q querier, key string, v any) (ok bool, err error) {
	var s string
	err = q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, json.Unmarshal([]byte(s), v)
}

// SaveSetting writes a JSON setting.
func (tx *Tx) SaveSetting(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO settings (key, value, version, updated_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = settings.version + 1, updated_at = excluded.updated_at`,
		key, string(b), tx.nowMS())
	return err
}

// DealsReaching lists the opportunities whose activities involve a contact.
func (tx *Tx) DealsReaching(ctx context.Context, contactID string) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT DISTINCT a.opportunity_id FROM activities a
		JOIN activity_contacts ac ON ac.activity_id = a.id WHERE ac.contact_id = $1 AND a.opportunity_id IS NOT NULL ORDER BY 1`, contactID)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}
