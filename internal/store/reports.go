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
// sorting are ignored.
func (db *DB) StageTotals(ctx context.Context, v Viewer, f OpportunityFilter) (map[string]StageTotal, error) {
	f.Status = funnel.StatusOpen
	var p params
	where := f.where(&p, v)
	rows, err := db.r.QueryContext(ctx, `SELECT o.stage_id, COUNT(*), COALESCE(SUM(o.amount_fen), 0) FROM opportunities o
		WHERE `+where+` GROUP BY o.stage_id`, p...)
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
