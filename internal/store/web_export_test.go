package store

import (
	"context"
	"database/sql"
)

// QueryRowForTest lets black-box tests look at what is stored at rest.
func (db *DB) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, q, args...)
}
