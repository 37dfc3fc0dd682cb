package store

import (
	"context"
	"database/sql"
)

// QueryRowForTest reads inside the transaction, to see what it has changed.
func (tx *Tx) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, q, args...)
}
