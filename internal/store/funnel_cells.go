package store

import "shangji/internal/funnel"

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
