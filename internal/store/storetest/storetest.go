// Package storetest opens real databases for tests: a fresh SQLite file
// always, and a fresh PostgreSQL schema when SHANGJI_TEST_POSTGRES holds a
// server URL. No fake stands in for either.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"shangji/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL test server's URL.
const EnvPostgres = "SHANGJI_TEST_POSTGRES"

// Engines lists the engines this run tests on.
func Engines() []store.Engine {
	if os.Getenv(EnvPostgres) != "" {
		return []store.Engine{store.SQLite, store.Postgres}
	}
	return []store.Engine{store.SQLite}
}

// Each runs fn as a subtest once per engine, each with a fresh, migrated
// database holding the preset pipelines.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, Open(t, e)) })
	}
}

// Open returns a fresh migrated database on engine e, closed when t ends.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := DSN(t, e)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.EnsurePresets(ctx) }); err != nil {
		t.Fatalf("presets: %v", err)
	}
	return db
}

// DSN makes a fresh empty database for e and returns its DSN: a new SQLite
// file, or a new schema on the PostgreSQL test server (dropped at the end).
func DSN(t testing.TB, e store.Engine) string {
	t.Helper()
	if e == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "shangji.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema on %s: %v", base, err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
