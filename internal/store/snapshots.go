package store

import (
	"context"
	"database/sql"
	"errors"

	"shangji/internal/funnel"
)

// TakeSnapshot records every open opportunity as of now under weekEnd. It is
// idempotent: a week already taken is left as it was (the first taking is the
// week's truth), so a repeated or concurrent run changes nothing. It reports
// whether this call took it.
func (tx *Tx) TakeSnapshot(ctx context.Context, weekEnd string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO snapshot_weeks (week_end, taken_at, deals) VALUES ($1, $2, 0) ON CONFLICT (week_end) DO NOTHING`,
		weekEnd, tx.nowMS())
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	res, err = tx.tx.ExecContext(ctx, `INSERT INTO snapshots (week_end, opportunity_id, owner_id, pipeline_id, stage_id, amount_fen, probability, expected_close_date, taken_at)
		SELECT $1, o.id, o.owner_id, o.pipeline_id, o.stage_id, o.amount_fen, s.probability, o.expected_close_date, $2
		FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE o.status = 'open'
		ON CONFLICT (week_end, opportunity_id) DO NOTHING`, weekEnd, tx.nowMS())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	_, err = tx.tx.ExecContext(ctx, `UPDATE snapshot_weeks SET deals = $1 WHERE week_end = $2`, n, weekEnd)
	return true, err
}

// SnapshotTaken reports whether the week ending weekEnd was taken.
func (db *DB) SnapshotTaken(ctx context.Context, weekEnd string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT deals FROM snapshot_weeks WHERE week_end = $1`, weekEnd).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// SnapshotForecast is the forecast as it stood at the end of a week: the
// weighted amounts (probability then) of the deals open then whose expected
// close date fell in [closeFrom, closeTo), for the deals f selects (as they
// are now: owner, team, pipeline, …) and the viewer sees.
func (db *DB) SnapshotForecast(ctx context.Context, v Viewer, f OpportunityFilter, weekEnd, closeFrom, closeTo string) (funnel.Money, error) {
	f.Status, f.CloseFrom, f.CloseTo = "", "", ""
	var p params
	where := "sn.week_end = " + p.add(weekEnd) + " AND sn.expected_close_date >= " + p.add(closeFrom) +
		" AND sn.expected_close_date < " + p.add(closeTo) + " AND " + f.where(&p, v)
	var w funnel.WeightedSum
	var raw int64
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(sn.amount_fen * sn.probability), 0) FROM snapshots sn
		JOIN opportunities o ON o.id = sn.opportunity_id WHERE `+where, p...).Scan(&raw)
	w.AddRaw(raw)
	return w.Money(), err
}

// LatestSnapshotOnOrBefore returns the last week taken on or before day, or "".
func (db *DB) LatestSnapshotOnOrBefore(ctx context.Context, day string) (string, error) {
	var w string
	err := db.r.QueryRowContext(ctx, `SELECT week_end FROM snapshot_weeks WHERE week_end <= $1 ORDER BY week_end DESC LIMIT 1`, day).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return w, err
}
