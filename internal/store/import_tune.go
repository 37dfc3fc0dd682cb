package store

import (
	"context"
	"errors"
	"strconv"
)

// importCacheKiB is the page cache of a large import's connection. With
// the default 64 MiB a 100,000-deal transaction spills dirty pages into the
// WAL again and again before it commits; 512 MiB holds them (SQLite takes
// the memory only as pages are used).
const importCacheKiB = 512 << 10

// TuneForImport readies the transaction's connection for a large write on
// SQLite and returns how to undo it after the transaction ends (the writer
// connection is shared, so the big cache must not outlive the import).
// Foreign keys are checked at commit rather than after every statement,
// which spares SQLite a statement journal per multi-row INSERT; a violation
// still fails the commit, and the import with it. PostgreSQL needs nothing.
// The transaction must be its own (DB.TxAlone): the settings would hold for
// any other action sharing it.
func (tx *Tx) TuneForImport(ctx context.Context) (restore func(), err error) {
	if tx.db.Engine != SQLite {
		return func() {}, nil
	}
	if !tx.alone {
		return nil, errors.New("TuneForImport needs a transaction of its own (DB.TxAlone)")
	}
	var prev int64
	if err := tx.tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&prev); err != nil {
		return nil, err
	}
	for _, p := range []string{`PRAGMA cache_size = -` + strconv.Itoa(importCacheKiB), `PRAGMA defer_foreign_keys = ON`} {
		if _, err := tx.tx.ExecContext(ctx, p); err != nil {
			return nil, err
		}
	}
	return func() {
		_, _ = tx.db.w.ExecContext(context.Background(), `PRAGMA cache_size = `+strconv.FormatInt(prev, 10))
	}, nil
}
