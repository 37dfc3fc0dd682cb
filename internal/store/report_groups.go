package store

import (
	"context"

	"shangji/internal/funnel"
)

// Report groupings: the column a funnel is split by.
var groupColumns = map[string]string{
	"owner":    "o.owner_id",
	"team":     "COALESCE((SELECT gu.team_id FROM users gu WHERE gu.id = o.owner_id), '')",
	"industry": "o.industry",
	"region":   "o.region",
	"pipeline": "o.pipeline_id",
}

// ValidGroup reports whether g is a funnel grouping.
func ValidGroup(g string) bool { _, ok := groupColumns[g]; return ok }

// GroupTotal is a StageTotal within one group.
type GroupTotal struct {
	Group string
	StageTotal
}

// GroupedStageTotals aggregates open opportunities by group and stage.
func (db *DB) GroupedStageTotals(ctx context.Context, v Viewer, f OpportunityFilter, group string) ([]GroupTotal, error) {
	col, ok := groupColumns[group]
	if !ok {
		return nil, funnel.Errorf(funnel.EINVALID, "unknown grouping %q", group)
	}
	f.Status = funnel.StatusOpen
	var p params
	where := f.where(&p, v)
	rows, err := db.r.QueryContext(ctx, `SELECT `+col+`, o.stage_id, COUNT(*), COALESCE(SUM(o.amount_fen), 0) FROM opportunities o
		WHERE `+where+` GROUP BY 1, 2 ORDER BY 1`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GroupTotal
	for rows.Next() {
		var g GroupTotal
		if err := rows.Scan(&g.Group, &g.StageID, &g.Count, &g.Amount); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// CompetitionTotal is the amount of open deals in one stage with a given
// number of competitors.
type CompetitionTotal struct {
	StageID     string
	Competitors int
	Amount      funnel.Money
}

// CompetitionTotals aggregates open opportunities by stage and number of
// competitors, for the stage × competition forecast.
func (db *DB) CompetitionTotals(ctx context.Context, v Viewer, f OpportunityFilter) ([]CompetitionTotal, error) {
	f.Status = funnel.StatusOpen
	var p params
	where := f.where(&p, v)
	rows, err := db.r.QueryContext(ctx, `SELECT o.stage_id, o.competitor_count, COALESCE(SUM(o.amount_fen), 0) FROM opportunities o
		WHERE `+where+` GROUP BY o.stage_id, o.competitor_count`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CompetitionTotal
	for rows.Next() {
		var c CompetitionTotal
		if err := rows.Scan(&c.StageID, &c.Competitors, &c.Amount); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
