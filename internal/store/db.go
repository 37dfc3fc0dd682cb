// Package store keeps Shangji's records in SQLite (embedded, the default) or
// PostgreSQL (several app copies share one). All SQL lives here, written once
// for both engines: $n placeholders, ON CONFLICT … RETURNING, integer instants.
// Visibility is part of every query that reads records for a user.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers "sqlite"

	"shangji/internal/funnel"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Engine names the database behind a DB.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is the store. Writes go through one writer pool and reads through
// another: on SQLite the writer has one connection (SQLite has one writer
// anyway, and queuing in Go beats busy-waiting in the driver); on PostgreSQL
// both are the same pool.
type DB struct {
	Engine Engine
	w, r   *sql.DB
	// Now is the clock; tests move it to exercise time rules.
	Now func() time.Time
	// NewID makes record ids (UUIDv7: sortable, safe to expose).
	NewID func() string

	group         *groupCommit   // SQLite's writer, shared by queued actions (and by copies of the DB)
	pipelineCache *pipelineCache // shared by copies of the DB
}

// Open connects to dsn: "sqlite:PATH" (or a bare path) or "postgres://…".
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: func() time.Time { return time.Now().UTC() }, NewID: newID, pipelineCache: &pipelineCache{}}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.Engine = Postgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		pool.SetMaxOpenConns(20)
		pool.SetMaxIdleConns(20)
		db.w, db.r = pool, pool
	default:
		db.Engine = SQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("empty SQLite path in %q", dsn)
		}
		// The pragmas that make SQLite a good server database, in one place.
		conn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-65536)&_txlock=immediate"
		// The writer keeps its statement journals in memory: every action
		// that shares a transaction (group_commit.go) runs in a savepoint,
		// whose copies of the pages it changes went to a temporary file.
		w, err := sql.Open("sqlite", conn+"&_pragma=temp_store(memory)")
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", conn)
		if err != nil {
			return nil, err
		}
		r.SetMaxOpenConns(8)
		db.w, db.r = w, r
		db.group = &groupCommit{w: w}
	}
	if err := db.r.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database does not answer: %w", err)
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.stmts.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the database answers (for /healthz).
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// Migrate applies pending migrations. On PostgreSQL a session lock lets
// several copies start at once; the first migrates, the others wait.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	engine, err := db.engineMigrations()
	if err != nil {
		return err
	}
	if len(engine) > 0 {
		opts = append(opts, goose.WithGoMigrations(engine...))
	}
	p, err := goose.NewProvider(dialect, db.w, sub, opts...)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		slog.Debug("migration applied", "version", r.Source.Version, "took", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Tx runs fn in one write transaction: everything a user action changes is
// committed together or not at all. On SQLite, actions that queue for the
// writer share a COMMIT, each in a savepoint of its own (group_commit.go).
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.Engine == SQLite {
		return db.groupTx(ctx, fn, false)
	}
	return db.soloTx(ctx, fn)
}

// TxAlone is Tx for a large write that tunes the connection for itself (an
// import, a demo load; see TuneForImport): on SQLite no other action shares
// its transaction — the settings would apply to them too, and a savepoint
// would copy every page it changes.
func (db *DB) TxAlone(ctx context.Context, fn func(tx *Tx) error) error {
	if db.Engine == SQLite {
		return db.groupTx(ctx, fn, true)
	}
	return db.soloTx(ctx, fn)
}

func (db *DB) soloTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{tx: txConn{Tx: sqltx}, db: db, alone: true, now: db.Now().UTC().Truncate(time.Millisecond), wrote: &wrote{}}
	returned := false
	defer func() {
		if !returned { // fn panicked: give back the connection and the locks
			_ = sqltx.Rollback()
		}
	}()
	err = fn(tx)
	returned = true
	if err != nil {
		_ = sqltx.Rollback()
		return err
	}
	return sqltx.Commit()
}

// Tx is a write transaction; its clock reading is taken once so every row a
// user action writes carries the same instant.
type Tx struct {
	tx    txConn
	db    *DB
	alone bool // no other action shares the transaction (TxAlone, PostgreSQL)
	now   time.Time
	wrote *wrote // what the transaction wrote so far, all its actions together
}

// wrote notes writes that change how a transaction may read.
type wrote struct {
	// pipelines: it wrote a pipeline, which it must not cache as it reads
	// it back (pipeline_cache.go) — that version may never be committed.
	pipelines bool
}

// Now is the instant of the transaction.
func (tx *Tx) Now() time.Time { return tx.now }

func (tx *Tx) nowMS() int64 { return tx.now.UnixMilli() }

// querier is what reads need: the reader pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// forUpdate locks the rows a read-modify-write reads, on PostgreSQL. SQLite
// needs nothing: an IMMEDIATE transaction already holds the write lock.
func (db *DB) forUpdate() string {
	if db.Engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// isUniqueViolation recognises a unique-constraint failure on either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// notFound is the error for a record that is missing or not visible: the two
// must look the same so nothing leaks across teams.
func notFound(what string) error { return funnel.Errorf(funnel.ENOTFOUND, "%s not found", what) }

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMS(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := msTime(n.Int64)
	return &t
}

func msOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}
