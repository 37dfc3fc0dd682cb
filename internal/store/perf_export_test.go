package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// QueryRowForTest reads inside the transaction, to see what it has changed.
func (tx *Tx) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// MigrateKept brings a kept benchmark data set up to date. Unlike Migrate it
// also applies migrations numbered below the newest one the set has: one
// added by a change merged later than the set was migrated.
func (db *DB) MigrateKept(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	// The engine-specific migrations too (funnel_cells' triggers), as
	// Migrate applies them.
	engine, err := db.engineMigrations()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db.w, sub, goose.WithAllowOutofOrder(true), goose.WithGoMigrations(engine...))
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
