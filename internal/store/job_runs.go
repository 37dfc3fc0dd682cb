package store

import (
	"context"
	"time"
)

// ClaimJobSlot claims the period starting at slot for the job: true for the
// one caller that inserted (job, slot), false for every other copy of serve
// (and for a second tick in the same period). The claim commits at once, so
// a job that then fails waits for the next period; the rules it runs are
// idempotent and catch up then.
func (db *DB) ClaimJobSlot(ctx context.Context, job string, slot time.Time) (bool, error) {
	var claimed bool
	err := db.Tx(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO job_runs (job, slot, started_at) VALUES ($1, $2, $3)
			ON CONFLICT (job, slot) DO NOTHING`, job, slot.UnixMilli(), tx.nowMS())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n > 0
		return err
	})
	return claimed, err
}
