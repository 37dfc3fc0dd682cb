package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// countIndexes counts the indexes of tables, unique and primary ones
// included, as q (the database or a transaction) sees them.
func countIndexes(t *testing.T, e store.Engine, q interface {
	QueryRowForTest(context.Context, string, ...any) *sql.Row
}, tables string) int {
	t.Helper()
	s := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN (` + tables + `)`
	if e == store.Postgres {
		s = `SELECT COUNT(*) FROM pg_indexes WHERE tablename IN (` + tables + `) AND schemaname = current_schema()`
	}
	var n int
	if err := q.QueryRowForTest(context.Background(), s).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A bulk load sets the secondary indexes aside and keeps the unique ones;
// whether it commits or rolls back, every index is there afterwards.
func TestDeferIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const tables = `'opportunities', 'stage_history'`
		before := countIndexes(t, db.Engine, db, tables)
		if before < 4 {
			t.Fatalf("only %d indexes to begin with", before)
		}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			rebuild, err := tx.DeferIndexes(ctx, "opportunities", "stage_history")
			if err != nil {
				return err
			}
			// The primary keys and the opportunity number's uniqueness stay.
			if n := countIndexes(t, db.Engine, tx, tables); n < 2 || n >= before-5 {
				t.Errorf("while deferred: %d indexes of %d", n, before)
			}
			return rebuild(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := countIndexes(t, db.Engine, db, tables); n != before {
			t.Errorf("after a committed load: %d indexes, want %d", n, before)
		}
		refused := errors.New("refused")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.DeferIndexes(ctx, "opportunities", "stage_history"); err != nil {
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatal(err)
		}
		if n := countIndexes(t, db.Engine, db, tables); n != before {
			t.Errorf("after a rolled-back load: %d indexes, want %d", n, before)
		}
	})
}

// On PostgreSQL a table that holds rows keeps its indexes: dropping one
// would lock out every reader until the load commits.
func TestDeferIndexesKeepsReadersOnPostgres(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const tables = `'teams'`
		before := countIndexes(t, db.Engine, db, tables)
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateTeam(ctx, &store.Team{Name: "华东区"}); err != nil {
				return err
			}
			rebuild, err := tx.DeferIndexes(ctx, "teams")
			if err != nil {
				return err
			}
			n, want := countIndexes(t, db.Engine, tx, tables), before
			if db.Engine == store.SQLite {
				want = before - 2 // teams_path, teams_manager
			}
			if n != want {
				t.Errorf("while deferred: %d indexes, want %d", n, want)
			}
			return rebuild(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
