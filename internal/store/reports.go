package store

import (
	"context"

	"shangji/internal/funnel"
)

// StageTotal is the count and amount of open deals in one stage.
type StageTotal struct {
	StageID string
	Count   int64
	Amount  funnel.Money
}

// StageTotals aggregates open opportunities matching f by stage, in SQL; the
// caller weighs each stage by its probability exactly, in Go. f's paging and
// sorting are ignored. A funnel of a pipeline, owner or team is summed from
// funnel_cells (funnel_cells.go); any other filter reads the deals.
func (db *DB) StageTotals(ctx context.Context, v Viewer, f OpportunityFilter) (map[string]StageTotal, error) {
	f.Status = funnel.StatusOpen
	var p params
	if f.cellsAnswer() {
		return db.stageTotals(ctx, cellStageTotals(&p, v, f), p)
	}
	return db.stageTotals(ctx, dealStageTotals(&p, v, f), p)
}

// dealStageTotals is StageTotals' query over the deals themselves.
func dealStageTotals(p *params, v Viewer, f OpportunityFilter) string {
	if v.Admin {
		return `SELECT o.stage_id, COUNT(*), COALESCE(SUM(o.amount_fen), 0) FROM opportunities o
			WHERE ` + f.where(p, v) + ` GROUP BY o.stage_id`
	}
	return visibleStageTotals(p, v, f)
}

func (db *DB) stageTotals(ctx context.Context, q string, p params) (map[string]StageTotal, error) {
	rows, err := db.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]StageTotal{}
	for rows.Next() {
		var st StageTotal
		if err := rows.Scan(&st.StageID, &st.Count, &st.Amount); err != nil {
			return nil, err
		}
		out[st.StageID] = st
	}
	return out, rows.Err()
}

// visibleStageTotals is StageTotals' query for a viewer who is not an
// admin, with the same result. Visibility is "owned by the viewer or their
// subtree, or shared with the viewer": as one condition ORed with a
// correlated EXISTS, no index serves it, and a rep's funnel checked every
// open deal of the company. Split into deals of the visible owners (found
// through the owner index, which covers the funnel's columns) plus deals
// shared with the viewer whose owner is not one of them, each part reads
// only its own deals. CROSS JOIN keeps SQLite from starting at the pipeline
// (the demo data has few owners, and the statistics make owners look
// unselective); PostgreSQL plans it like any join.
func visibleStageTotals(p *params, v Viewer, f OpportunityFilter) string {
	filters := f.where(p, Viewer{Admin: true})
	u := p.add(v.UserID)
	owners := `SELECT CAST(` + u + ` AS TEXT) AS id UNION ` + subtreeOwners(u)
	return `SELECT stage_id, CAST(SUM(n) AS BIGINT), COALESCE(SUM(amount), 0) FROM (
		SELECT o.stage_id, COUNT(*) AS n, SUM(o.amount_fen) AS amount FROM (` + owners + `) w CROSS JOIN opportunities o
			WHERE o.owner_id = w.id AND ` + filters + ` GROUP BY o.stage_id
		UNION ALL
		SELECT o.stage_id, COUNT(*), SUM(o.amount_fen) FROM opportunity_collaborators oc CROSS JOIN opportunities o
			WHERE oc.user_id = ` + u + ` AND o.id = oc.opportunity_id AND o.owner_id NOT IN (` + owners + `) AND ` + filters + `
			GROUP BY o.stage_id) t
		GROUP BY stage_id`
}

// Achieved is the sales achieved in [from, to): won opportunities by close
// date plus direct sales by sale date, for the owners f selects (its owner
// and team filters; the other filters apply to won deals only).
func (db *DB) Achieved(ctx context.Context, v Viewer, f OpportunityFilter, from, to string) (won, direct funnel.Money, err error) {
	f.Status = funnel.StatusWon
	f.CloseFrom, f.CloseTo = "", ""
	var p params
	where := f.where(&p, v) + " AND o.closed_on >= " + p.add(from) + " AND o.closed_on < " + p.add(to)
	if err = db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(o.amount_fen), 0) FROM opportunities o WHERE `+where, p...).Scan(&won); err != nil {
		return
	}
	var q params
	dw := v.visibleOwner(&q, "d.owner_id") + " AND d.sold_on >= " + q.add(from) + " AND d.sold_on < " + q.add(to)
	if f.OwnerID != "" {
		dw += " AND d.owner_id = " + q.add(f.OwnerID)
	}
	if f.TeamID != "" {
		dw += " AND d.owner_id IN (" + teamMembers(q.add(f.TeamID)) + ")"
	}
	err = db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(d.amount_fen), 0) FROM direct_sales d WHERE `+dw, q...).Scan(&direct)
	return
}
