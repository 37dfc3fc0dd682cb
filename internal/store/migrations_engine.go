package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

// Most migrations are one SQL file for both engines. A few cannot be: a
// trigger is a BEGIN … END block on SQLite and a PL/pgSQL function on
// PostgreSQL. Those live in migrations/engine as a pair of files,
// NNNNN_name.sqlite.sql and NNNNN_name.postgres.sql, and run as goose Go
// migrations under the shared version numbers, so each database records them
// in the same history as the rest.
//
//go:embed migrations/engine
var engineMigrationFiles embed.FS

// engineMigrations returns this engine's half of every engine-specific
// migration, each run in the migration's transaction.
func (db *DB) engineMigrations() ([]*goose.Migration, error) {
	names, err := fs.Glob(engineMigrationFiles, "migrations/engine/*."+string(db.Engine)+".sql")
	if err != nil {
		return nil, err
	}
	var out []*goose.Migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/engine/")
		version, err := strconv.ParseInt(strings.SplitN(base, "_", 2)[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("migration %s: no version number: %w", name, err)
		}
		script, err := engineMigrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		up := &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(script)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			return nil
		}}
		out = append(out, goose.NewGoMigration(version, up, nil))
	}
	return out, nil
}
