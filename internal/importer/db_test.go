package importer_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// raw is a second, plain connection to each test database: tests check
// what was really written, not what the app says it wrote.
var raw = map[*store.DB]*sql.DB{}

// eachDB is storetest.Each with a raw connection kept beside the store.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, e)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.EnsurePresets(ctx) }); err != nil {
				t.Fatal(err)
			}
			driver, conn := "pgx", dsn
			if e == store.SQLite {
				driver, conn = "sqlite", strings.TrimPrefix(dsn, "sqlite:")
			}
			r, err := sql.Open(driver, conn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); delete(raw, db) })
			raw[db] = r
			fn(t, db)
		})
	}
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := queryRow(db, "SELECT COUNT(*) FROM "+table, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func queryRow(db *store.DB, q string, dst ...any) error {
	return raw[db].QueryRowContext(context.Background(), q).Scan(dst...)
}
