package store

import (
	"context"
	"database/sql"
)

// StageTotalsFromDeals is StageTotals answered from the deals themselves,
// as it was before funnel_cells, for tests to compare the two.
func (db *DB) StageTotalsFromDeals(ctx context.Context, v Viewer, f OpportunityFilter) (map[string]StageTotal, error) {
	f.Status = "open"
	var p params
	return db.stageTotals(ctx, dealStageTotals(&p, v, f), p)
}

// CellsAnswer reports whether StageTotals reads funnel_cells for f.
func (f OpportunityFilter) CellsAnswer() bool {
	f.Status = "open"
	return f.cellsAnswer()
}

// ExecForTest writes what no store method writes (a deal moved to another
// pipeline, a deal deleted), in its own transaction.
func (db *DB) ExecForTest(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.w.ExecContext(ctx, q, args...)
}

// ExecForTest writes inside the transaction.
func (tx *Tx) ExecForTest(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, q, args...)
}

// QueryForTest reads rows outside any transaction.
func (db *DB) QueryForTest(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, q, args...)
}
