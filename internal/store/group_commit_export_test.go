package store

import (
	"context"
	"database/sql"
)

// WritersQueued is how many write actions wait for SQLite's writer (always
// 0 on PostgreSQL).
func (db *DB) WritersQueued() int {
	if db.group == nil {
		return 0
	}
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return len(db.group.queue)
}

// ExecInAction runs a test's own statement in tx.
func (tx *Tx) ExecInAction(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, q, args...)
}
