package store

import (
	"context"
	"time"

	"shangji/internal/funnel"
)

// ConversionScope is what the kept conversion totals can be summed over: one
// pipeline, the owners in view (one owner, a team's subtree, or everyone the
// viewer sees) and months of creation [FromMonth, ToMonth) as yyyymm (0: all).
type ConversionScope struct {
	PipelineID         string
	OwnerID, TeamID    string
	FromMonth, ToMonth int
}

// ConversionCells are a scope's kept totals, by stage id.
type ConversionCells struct {
	Totals funnel.ConversionTotals // Stages left empty; see Stages
	Stages map[string]funnel.StageCount
	Days   map[string][]funnel.DayCount // stays per whole day of dwell, ascending
}

// where is the condition on cells aliased c for s as the viewer sees it:
// the deals owned by someone in view. Deals shared with the viewer whose
// owner is not in view are not in it (SharedCohort streams those).
func (s ConversionScope) where(p *params, v Viewer) string {
	w := "c.pipeline_id = " + p.add(s.PipelineID) + " AND " + v.visibleOwner(p, "c.owner_id")
	if s.OwnerID != "" {
		w += " AND c.owner_id = " + p.add(s.OwnerID)
	}
	if s.TeamID != "" {
		w += " AND c.owner_id IN (" + teamMembers(p.add(s.TeamID)) + ")"
	}
	if s.FromMonth != 0 {
		w += " AND c.month >= " + p.add(s.FromMonth) + " AND c.month < " + p.add(s.ToMonth)
	}
	return w
}

// ConversionCells sums the kept totals of scope s. Fold what is pending
// first (FoldConversion) for an exact answer.
func (db *DB) ConversionCells(ctx context.Context, v Viewer, s ConversionScope) (*ConversionCells, error) {
	out := &ConversionCells{Totals: funnel.NewConversionTotals(0), Stages: map[string]funnel.StageCount{},
		Days: map[string][]funnel.DayCount{}}
	var p params
	where := s.where(&p, v)
	t := &out.Totals
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(deals), 0), COALESCE(SUM(won), 0), COALESCE(SUM(lost), 0),
		COALESCE(SUM(high), 0), COALESCE(SUM(dm), 0), COALESCE(SUM(cycles), 0), COALESCE(SUM(cycle_ms), 0)
		FROM conv_deal_cells c WHERE `+where, p...).Scan(&t.Deals, &t.Won, &t.Lost, &t.High, &t.DM, &t.Cycles, &t.CycleMS); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT reason, SUM(deals) FROM conv_loss_cells c WHERE `+where+` GROUP BY reason`, p...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var reason string
		var n int
		if err := rows.Scan(&reason, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if n != 0 {
			t.Losses[reason] = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT stage_id, SUM(entered), SUM(advanced), SUM(closed_reached), SUM(won_reached),
		SUM(stays), SUM(dwell_ms) FROM conv_stage_cells c WHERE `+where+` GROUP BY stage_id`, p...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var c funnel.StageCount
		if err := rows.Scan(&id, &c.Entered, &c.Advanced, &c.ClosedReached, &c.WonReached, &c.Stays, &c.DwellMS); err != nil {
			rows.Close()
			return nil, err
		}
		out.Stages[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT stage_id, day, SUM(stays) FROM conv_dwell_days c WHERE `+where+`
		GROUP BY stage_id, day ORDER BY stage_id, day`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var d funnel.DayCount
		if err := rows.Scan(&id, &d.Day, &d.Stays); err != nil {
			return nil, err
		}
		if d.Stays != 0 {
			out.Days[id] = append(out.Days[id], d)
		}
	}
	return out, rows.Err()
}

// ConversionDwell returns the exact lengths of the scope's stays in stage
// that lasted day whole days, shortest first, from offset: where a median
// lies, once the day counts have said which day.
func (db *DB) ConversionDwell(ctx context.Context, v Viewer, s ConversionScope, stageID string, day int64, offset, limit int) ([]time.Duration, error) {
	var p params
	where := s.where(&p, v) + " AND c.stage_id = " + p.add(stageID) + " AND c.day = " + p.add(day)
	rows, err := db.r.QueryContext(ctx, `SELECT c.dwell_ms FROM conv_stays c WHERE `+where+`
		ORDER BY c.dwell_ms LIMIT `+p.add(limit)+` OFFSET `+p.add(offset), p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var ms int64
		if err := rows.Scan(&ms); err != nil {
			return nil, err
		}
		out = append(out, time.Duration(ms)*time.Millisecond)
	}
	return out, rows.Err()
}

// OwnerConversion is one owner's share of the kept totals: deals, won, and
// entries into and moves past open stages, all stages together.
type OwnerConversion struct {
	Deals, Won, Entered, Advanced int
}

// ConversionByOwner sums the kept totals of scope s per owner (the rep
// profiles). Shared deals of owners out of view are not in it, as for
// ConversionCells.
func (db *DB) ConversionByOwner(ctx context.Context, v Viewer, s ConversionScope) (map[string]*OwnerConversion, error) {
	out := map[string]*OwnerConversion{}
	of := func(id string) *OwnerConversion {
		if out[id] == nil {
			out[id] = &OwnerConversion{}
		}
		return out[id]
	}
	var p params
	where := s.where(&p, v)
	rows, err := db.r.QueryContext(ctx, `SELECT owner_id, SUM(deals), SUM(won) FROM conv_deal_cells c WHERE `+where+` GROUP BY owner_id`, p...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var deals, won int
		if err := rows.Scan(&id, &deals, &won); err != nil {
			rows.Close()
			return nil, err
		}
		if deals != 0 {
			o := of(id)
			o.Deals, o.Won = deals, won
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT owner_id, SUM(entered), SUM(advanced) FROM conv_stage_cells c WHERE `+where+` GROUP BY owner_id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var entered, advanced int
		if err := rows.Scan(&id, &entered, &advanced); err != nil {
			return nil, err
		}
		if o := out[id]; o != nil {
			o.Entered, o.Advanced = entered, advanced
		}
	}
	return out, rows.Err()
}
