package store

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"shangji/internal/funnel"
)

// funnel_cells holds the open deals' count and amount per owner, pipeline
// and stage, kept exact by triggers on opportunities in the same
// transaction as every change (migrations/engine/00110_funnel_cells.*.sql).
// A funnel that asks only for a pipeline, an owner or a team, under the
// viewer's visibility, sums those cells: a few dozen rows for a regional
// team, however many deals it holds, where the deals themselves are tens of
// thousands of index entries.

// cellsAnswer reports whether funnel_cells can answer StageTotals for f:
// open deals narrowed by nothing but pipeline, owner and team (paging and
// sorting do not change totals). A filter the cells do not know — industry,
// region, product, customer, stage, periods, risk, a search, or any field
// added later — keeps the query over the deals.
func (f OpportunityFilter) cellsAnswer() bool {
	only := OpportunityFilter{PipelineID: f.PipelineID, OwnerID: f.OwnerID, TeamID: f.TeamID, Status: funnel.StatusOpen,
		SortByWeighted: f.SortByWeighted, Page: f.Page}
	return f == only
}

// cellsWhere is f's pipeline, owner and team as a condition on funnel_cells
// c, with the cells no open deal is left in skipped.
func (f OpportunityFilter) cellsWhere(p *params) string {
	w := "c.deals > 0"
	if f.PipelineID != "" {
		w += " AND c.pipeline_id = " + p.add(f.PipelineID)
	}
	if f.OwnerID != "" {
		w += " AND c.owner_id = " + p.add(f.OwnerID)
	}
	if f.TeamID != "" {
		w += " AND c.owner_id IN (" + teamMembers(p.add(f.TeamID)) + ")"
	}
	return w
}

// cellStageTotals is StageTotals' query from funnel_cells, for a filter
// cellsAnswer accepts, with the same result as the query over the deals.
// An admin sums the cells. Anyone else sees the deals of the visible owners
// (themself and their subtree: their cells) plus the deals shared with them
// whose owner is not one of those, which the cells cannot tell apart and
// which still come from the deals, as in visibleStageTotals.
func cellStageTotals(p *params, v Viewer, f OpportunityFilter) string {
	cells := f.cellsWhere(p)
	if v.Admin {
		return `SELECT c.stage_id, CAST(SUM(c.deals) AS BIGINT), CAST(SUM(c.amount_fen) AS BIGINT) FROM funnel_cells c
			WHERE ` + cells + ` GROUP BY c.stage_id`
	}
	filters := f.where(p, Viewer{Admin: true})
	u := p.add(v.UserID)
	owners := `SELECT CAST(` + u + ` AS TEXT) AS id UNION ` + subtreeOwners(u)
	return `SELECT stage_id, CAST(SUM(n) AS BIGINT), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM (
		SELECT c.stage_id, SUM(c.deals) AS n, SUM(c.amount_fen) AS amount FROM (` + owners + `) w CROSS JOIN funnel_cells c
			WHERE c.owner_id = w.id AND ` + cells + ` GROUP BY c.stage_id
		UNION ALL
		SELECT o.stage_id, COUNT(*), SUM(o.amount_fen) FROM opportunity_collaborators oc CROSS JOIN opportunities o
			WHERE oc.user_id = ` + u + ` AND o.id = oc.opportunity_id AND o.owner_id NOT IN (` + owners + `) AND ` + filters + `
			GROUP BY o.stage_id) t
		GROUP BY stage_id`
}

// funnelCellsSetting names the transaction-local setting that tells the
// PostgreSQL INSERT trigger a bulk insert counts its own deals.
const funnelCellsSetting = "shangji.funnel_cells"

// countingCellsOnce runs insert, which writes opps with multi-row INSERTs,
// and adds opps to funnel_cells once. On PostgreSQL the INSERT trigger would
// add each statement's deals as it goes: a cell is then updated once per
// 500-row statement, and every update in one transaction leaves a version
// the next one must step over (no vacuum can remove them before the commit),
// so a load got slower with every statement — a million deals whose
// statements touch all 144 cells took 10 minutes longer. Here the trigger
// stands aside (a setting local to the transaction, reset before anything
// else is written) and the call's deals are counted with one upsert per
// cell. SQLite has no such versions: its row trigger counts as it goes.
func (tx *Tx) countingCellsOnce(ctx context.Context, opps []*Opportunity, insert func() error) error {
	if tx.db.Engine != Postgres {
		return insert()
	}
	if _, err := tx.tx.ExecContext(ctx, `SELECT set_config($1, 'bulk', true)`, funnelCellsSetting); err != nil {
		return err
	}
	err := insert()
	if _, rerr := tx.tx.ExecContext(ctx, `SELECT set_config($1, '', true)`, funnelCellsSetting); err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	return tx.addFunnelCells(ctx, opps)
}

// addFunnelCells adds the open deals of opps to their cells: one upsert per
// cell, in key order like the triggers' (so it waits for others rather than
// deadlocking with them).
func (tx *Tx) addFunnelCells(ctx context.Context, opps []*Opportunity) error {
	type cell struct{ owner, pipeline, stage string }
	type sum struct{ deals, amount int64 }
	sums := map[cell]sum{}
	for _, o := range opps {
		if o.Status != funnel.StatusOpen {
			continue
		}
		k := cell{o.OwnerID, o.PipelineID, o.StageID}
		s := sums[k]
		s.deals, s.amount = s.deals+1, s.amount+int64(o.Amount)
		sums[k] = s
	}
	keys := make([]cell, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cell) int {
		return cmp.Or(strings.Compare(a.owner, b.owner), strings.Compare(a.pipeline, b.pipeline), strings.Compare(a.stage, b.stage))
	})
	const perStatement = 1000 // 5,000 parameters
	for start := 0; start < len(keys); start += perStatement {
		chunk := keys[start:min(start+perStatement, len(keys))]
		var p params
		values := make([]string, len(chunk))
		for i, k := range chunk {
			s := sums[k]
			values[i] = "(" + p.add(k.owner) + ", " + p.add(k.pipeline) + ", " + p.add(k.stage) + ", CAST(" + p.add(s.deals) +
				" AS BIGINT), CAST(" + p.add(s.amount) + " AS BIGINT))"
		}
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO funnel_cells AS c (owner_id, pipeline_id, stage_id, deals, amount_fen)
			SELECT d.owner_id, d.pipeline_id, d.stage_id, d.deals, d.amount_fen
			FROM (VALUES `+strings.Join(values, ", ")+`) d (owner_id, pipeline_id, stage_id, deals, amount_fen)
			ORDER BY d.owner_id, d.pipeline_id, d.stage_id
			ON CONFLICT (owner_id, pipeline_id, stage_id)
			DO UPDATE SET deals = c.deals + EXCLUDED.deals, amount_fen = c.amount_fen + EXCLUDED.amount_fen`, p...)
		if err != nil {
			return err
		}
	}
	return nil
}
