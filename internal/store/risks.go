package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Risk flags (issue 5) are stored, not computed on read: the rules job
// writes the flags that hold now (one row per deal and rule) and removes
// them when the condition ends. Reading a deal adds its flags with one
// small query (loadRisks); `?risk=high` is an EXISTS on the same table.

// RaiseRisk records that r holds on the deal. spell names the occurrence of
// the condition (a dwell risk's stage entry, a slow reply's question):
// raised is true when the deal had no flag of the rule or one of another
// spell, and the caller then announces it. The same spell only refreshes
// its level, since, evidence and advice (a learned average that moves the
// since is no new risk).
func (tx *Tx) RaiseRisk(ctx context.Context, oppID string, r funnel.RiskFlag, spell string) (raised bool, err error) {
	advice, _ := json.Marshal(r.Advice)
	if r.Advice == nil {
		advice = []byte("[]")
	}
	var old string
	err = tx.tx.QueryRowContext(ctx, `SELECT spell FROM risks WHERE opportunity_id = $1 AND rule = $2`+tx.db.forUpdate(), oppID, r.Rule).Scan(&old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO risks (opportunity_id, rule, level, since, evidence, advice, spell, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (opportunity_id, rule) DO NOTHING`,
			oppID, r.Rule, r.Level, r.Since.UnixMilli(), r.Evidence, string(advice), spell, tx.nowMS())
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n > 0, err
	case err != nil:
		return false, err
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE risks SET level = $1, since = $2, evidence = $3, advice = $4, spell = $5
		WHERE opportunity_id = $6 AND rule = $7`, r.Level, r.Since.UnixMilli(), r.Evidence, string(advice), spell, oppID, r.Rule)
	return err == nil && old != spell, err
}

// ClearRisk removes the deal's flag of the rule, if any.
func (tx *Tx) ClearRisk(ctx context.Context, oppID, rule string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM risks WHERE opportunity_id = $1 AND rule = $2`, oppID, rule)
	return err
}

// loadRisks fills the Risks of opps.
func (db *DB) loadRisks(ctx context.Context, q querier, opps []*Opportunity) error {
	if len(opps) == 0 {
		return nil
	}
	var p params
	byID := make(map[string]*Opportunity, len(opps))
	marks := make([]string, len(opps))
	for i, o := range opps {
		byID[o.ID] = o
		o.Risks = []funnel.RiskFlag{}
		marks[i] = p.add(o.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT opportunity_id, rule, level, since, evidence, advice FROM risks
		WHERE opportunity_id IN (`+strings.Join(marks, ",")+`) ORDER BY opportunity_id, rule`, p...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var oid, advice string
		var r funnel.RiskFlag
		var since int64
		if err := rows.Scan(&oid, &r.Rule, &r.Level, &since, &r.Evidence, &advice); err != nil {
			return err
		}
		r.Since = msTime(since)
		_ = json.Unmarshal([]byte(advice), &r.Advice)
		if r.Advice == nil {
			r.Advice = []string{}
		}
		byID[oid].Risks = append(byID[oid].Risks, r)
	}
	return rows.Err()
}

// riskWhere is the OpportunityFilter condition for deals with a flag of the level.
func riskWhere(p *params, level string) string {
	return " AND EXISTS (SELECT 1 FROM risks rk WHERE rk.opportunity_id = o.id AND rk.level = " + p.add(level) + ")"
}

// RhythmDeal is a deal with what the rhythm rules read.
type RhythmDeal struct {
	ID, OwnerID, PipelineID, StageID, Stage, Name, Number string
	StageEnteredAt, UpdatedAt                             time.Time
	LastContactAt, NextContactAt                          *time.Time
	Amount                                                funnel.Money
	HealthScore                                           float64 // 0 until computed
	Status, ClosedOn                                      string
	Archived                                              bool // success points or loss analysis filed (closed deals)
}

// OpenDealsForRhythm lists every open deal (the rules job's input).
func (db *DB) OpenDealsForRhythm(ctx context.Context) ([]RhythmDeal, error) {
	return db.rhythmDeals(ctx, `o.status = 'open'`)
}

const rhythmDealCols = `o.id, o.owner_id, o.pipeline_id, o.stage_id, s.key, o.name, o.number, o.stage_entered_at,
	o.updated_at, o.last_contact_at, o.next_contact_at, o.amount_fen, o.health_tenths, o.status, COALESCE(o.closed_on, ''),
	CASE WHEN EXISTS (SELECT 1 FROM deal_archives da WHERE da.opportunity_id = o.id) THEN 1 ELSE 0 END`

func (db *DB) rhythmDeals(ctx context.Context, where string, args ...any) ([]RhythmDeal, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+rhythmDealCols+` FROM opportunities o JOIN stages s ON s.id = o.stage_id
		WHERE `+where+` ORDER BY o.id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (RhythmDeal, error) {
		var d RhythmDeal
		var entered, upd, amount int64
		var health sql.NullInt64
		var archived int
		var last, next sql.NullInt64
		err := r.Scan(&d.ID, &d.OwnerID, &d.PipelineID, &d.StageID, &d.Stage, &d.Name, &d.Number, &entered, &upd, &last, &next,
			&amount, &health, &d.Status, &d.ClosedOn, &archived)
		d.StageEnteredAt, d.UpdatedAt, d.LastContactAt, d.NextContactAt = msTime(entered), msTime(upd), nullMS(last), nullMS(next)
		d.Amount, d.HealthScore, d.Archived = funnel.Money(amount), float64(health.Int64)/10, archived == 1
		return d, err
	})
}

// WonDealsSince lists deals won on or after the date (YYYY-MM-DD), for the
// jump-anomaly rule.
func (db *DB) WonDealsSince(ctx context.Context, day string) ([]RhythmDeal, error) {
	return db.rhythmDeals(ctx, `o.status = 'won' AND o.closed_on >= $1`, day)
}

// ClosedDealsSince lists deals won or lost on or after the date, for the
// archive rule.
func (db *DB) ClosedDealsSince(ctx context.Context, day string) ([]RhythmDeal, error) {
	return db.rhythmDeals(ctx, `o.status IN ('won', 'lost') AND o.closed_on >= $1`, day)
}

// DealTouches returns the activities logged on open deals since the
// instant, in time order per deal, as the reply rule reads them.
func (db *DB) DealTouches(ctx context.Context, since time.Time) (map[string][]funnel.Touch, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT a.opportunity_id, a.occurred_at, a.direction FROM activities a
		JOIN opportunities o ON o.id = a.opportunity_id WHERE o.status = 'open' AND a.occurred_at >= $1
		ORDER BY a.opportunity_id, a.occurred_at, a.id`, since.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]funnel.Touch{}
	for rows.Next() {
		var id, dir string
		var at int64
		if err := rows.Scan(&id, &at, &dir); err != nil {
			return nil, err
		}
		out[id] = append(out[id], funnel.Touch{At: msTime(at), Inbound: dir == "inbound"})
	}
	return out, rows.Err()
}

// StageEntries returns every deal's stage history in order, by deal id (all
// deals when ids is empty).
func (db *DB) StageEntries(ctx context.Context, ids ...string) (map[string][]funnel.StageEntry, error) {
	var p params
	where := ""
	if len(ids) > 0 {
		marks := make([]string, len(ids))
		for i, id := range ids {
			marks[i] = p.add(id)
		}
		where = " WHERE opportunity_id IN (" + strings.Join(marks, ",") + ")"
	}
	rows, err := db.r.QueryContext(ctx, `SELECT opportunity_id, to_stage_id, at FROM stage_history`+where+` ORDER BY opportunity_id, at, id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]funnel.StageEntry{}
	for rows.Next() {
		var oid, sid string
		var at int64
		if err := rows.Scan(&oid, &sid, &at); err != nil {
			return nil, err
		}
		out[oid] = append(out[oid], funnel.StageEntry{StageID: sid, At: msTime(at)})
	}
	return out, rows.Err()
}

// ClearClosedRisks removes the rule's flags from deals no longer open.
func (tx *Tx) ClearClosedRisks(ctx context.Context, rule string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM risks WHERE rule = $1 AND opportunity_id IN (SELECT id FROM opportunities WHERE status <> 'open')`, rule)
	return err
}

// ClearOpenRisks removes the rule's flags from open deals (a reopened deal
// has nothing to archive).
func (tx *Tx) ClearOpenRisks(ctx context.Context, rule string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM risks WHERE rule = $1 AND opportunity_id IN (SELECT id FROM opportunities WHERE status = 'open')`, rule)
	return err
}
