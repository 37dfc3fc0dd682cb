package store

import (
	"context"
	"time"
)

// PointEntry is one row of the discipline points ledger.
type PointEntry struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	OpportunityID string    `json:"opportunity_id"`
	Rule          string    `json:"rule"`
	SpellKey      string    `json:"spell_key"`
	Delta         int       `json:"delta"`
	Reason        string    `json:"reason"`
	At            time.Time `json:"at"`
}

// AddPoints appends e to the ledger unless (rule, deal, spell) is there;
// added says whether this call wrote it.
func (tx *Tx) AddPoints(ctx context.Context, e *PointEntry) (added bool, err error) {
	e.ID, e.At = tx.db.NewID(), tx.now
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO points (id, user_id, opportunity_id, rule, spell_key, delta, reason, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (rule, opportunity_id, spell_key) DO NOTHING`,
		e.ID, e.UserID, e.OpportunityID, e.Rule, e.SpellKey, e.Delta, e.Reason, tx.nowMS())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Points lists a user's ledger, oldest first.
func (db *DB) Points(ctx context.Context, userID string) ([]PointEntry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, user_id, opportunity_id, rule, spell_key, delta, reason, at FROM points
		WHERE user_id = $1 ORDER BY at, id`, userID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (PointEntry, error) {
		var e PointEntry
		var at int64
		err := r.Scan(&e.ID, &e.UserID, &e.OpportunityID, &e.Rule, &e.SpellKey, &e.Delta, &e.Reason, &at)
		e.At = msTime(at)
		return e, err
	})
}
