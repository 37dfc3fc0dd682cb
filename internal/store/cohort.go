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
	var p params
	where := f.where(&p, v)
	if !from.IsZero() {
		where += " AND o.created_at >= " + p.add(from.UnixMilli()) + " AND o.created_at < " + p.add(to.UnixMilli())
	}
	// Whether a decision maker was contacted is found once for the whole
	// cohort (the deals of the same selection that have such a follow-up)
	// and joined: as a correlated EXISTS it ran for every history row, five
	// times a deal, and was two thirds of the query's time.
	rows, err := db.r.QueryContext(ctx, `SELECT o.id, o.owner_id, o.created_at, o.status, o.amount_fen, o.loss_reason,
		dm.opportunity_id IS NOT NULL, h.to_stage_id, h.at
		FROM opportunities o JOIN stage_history h ON h.opportunity_id = o.id
		LEFT JOIN (SELECT DISTINCT a.opportunity_id FROM opportunities o JOIN activities a ON a.opportunity_id = o.id
			JOIN activity_contacts ac ON ac.activity_id = a.id JOIN contacts k ON k.id = ac.contact_id
			WHERE k.role = 'decision_maker' AND `+where+`) dm ON dm.opportunity_id = o.id
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
