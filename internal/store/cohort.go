package store

import (
	"context"
	"time"

	"shangji/internal/funnel"
)

// CohortPath is one deal's path through its pipeline, from stage history.
type CohortPath struct {
	funnel.DealPath
	ID       string
	StageIDs []string // the stage id of each visit, oldest first
	OwnerID  string
}

// Cohort streams the deals f selects (created in [from, to) when given) with
// their stage history, one deal at a time, oldest deal first. The query
// reads history in order once; nothing is held beyond the current deal.
func (db *DB) Cohort(ctx context.Context, v Viewer, f OpportunityFilter, from, to time.Time, each func(CohortPath) error) error {
	return db.cohort(ctx, v, f, from, to, false, each)
}

// SharedCohort streams, as Cohort does, only the deals the viewer sees
// because they are shared with them while their owner is out of the
// viewer's view: what the conversion totals kept per owner leave out.
// Nothing for an admin.
func (db *DB) SharedCohort(ctx context.Context, v Viewer, f OpportunityFilter, from, to time.Time, each func(CohortPath) error) error {
	if v.Admin {
		return nil
	}
	return db.cohort(ctx, v, f, from, to, true, each)
}

func (db *DB) cohort(ctx context.Context, v Viewer, f OpportunityFilter, from, to time.Time, sharedOnly bool, each func(CohortPath) error) error {
	var p params
	pipeline := f.PipelineID
	f.PipelineID = ""
	where := f.where(&p, v)
	if pipeline != "" {
		// On SQLite the pipeline index must not drive this query: reading
		// the deals through it, SQLite then sorted every history row of the
		// pipeline (millions) to put them in id order, which reading the
		// deals by id gives for free. The unary plus keeps the condition and
		// drops the index (PostgreSQL has no such operator on text, nor the
		// need).
		col := "o.pipeline_id"
		if db.Engine == SQLite {
			col = "+o.pipeline_id"
		}
		where += " AND " + col + " = " + p.add(pipeline)
	}
	if sharedOnly {
		// Led by the viewer's shares, so only those deals are read.
		u := p.add(v.UserID)
		where += " AND o.id IN (SELECT oc.opportunity_id FROM opportunity_collaborators oc WHERE oc.user_id = " + u + ")" +
			" AND NOT " + v.visibleOwner(&p, "o.owner_id")
	}
	if !from.IsZero() {
		where += " AND o.created_at >= " + p.add(from.UnixMilli()) + " AND o.created_at < " + p.add(to.UnixMilli())
	}
	// The decision-maker check runs for every history row, not once a deal.
	// Joining the cohort's set of such deals instead halved the CPU at 100k
	// deals, but at a million SQLite 3.54 scanned the materialised set for
	// every row (no automatic index on it): kept as it is (docs/performance.md).
	rows, err := db.r.QueryContext(ctx, `SELECT o.id, o.owner_id, o.created_at, o.status, o.amount_fen, o.loss_reason,
		EXISTS (SELECT 1 FROM activities a JOIN activity_contacts ac ON ac.activity_id = a.id JOIN contacts k ON k.id = ac.contact_id
			WHERE a.opportunity_id = o.id AND k.role = 'decision_maker'),
		h.to_stage_id, h.at
		FROM opportunities o JOIN stage_history h ON h.opportunity_id = o.id
		WHERE `+where+` ORDER BY o.id, h.at, h.id`, p...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur CohortPath
	var curID string
	for rows.Next() {
		var id, stage string
		var created, at int64
		var d CohortPath
		if err := rows.Scan(&id, &d.OwnerID, &created, &d.Status, &d.Amount, &d.LossReason, &d.DMContacted, &stage, &at); err != nil {
			return err
		}
		if id != curID {
			if curID != "" {
				if err := each(cur); err != nil {
					return err
				}
			}
			curID, cur = id, d
			cur.ID = id
			cur.CreatedAt = msTime(created)
		}
		cur.StageIDs = append(cur.StageIDs, stage)
		cur.Visits = append(cur.Visits, funnel.Visit{At: msTime(at)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if curID != "" {
		return each(cur)
	}
	return nil
}
