package store

import (
	"context"
	"time"
)

// RhythmState is what the rules have already written, read in a few
// queries before a run so that deals with nothing new cost no transaction.
// It may be stale by the time a deal is written (another copy of serve):
// the writes are idempotent, so staleness costs a no-op, never a duplicate.
type RhythmState struct {
	// OpenTodos: per deal, the open todos' kinds and creation instants.
	OpenTodos map[string][]OpenTodo
	// TodoKeys: kind + "|" + deal + "|" + due key of every todo.
	TodoKeys map[string]bool
	// PointKeys: rule + "|" + deal + "|" + spell of every ledger entry.
	PointKeys map[string]bool
	// Risks: per deal and rule, the stored flag.
	Risks map[string]map[string]StoredRisk
}

// OpenTodo is an open todo as the rules see it.
type OpenTodo struct {
	Kind      string
	CreatedAt time.Time
}

// StoredRisk is a stored flag as the rules compare it.
type StoredRisk struct {
	Level, Spell, Evidence string
	Since                  time.Time
}

// TodoKey and PointKey build RhythmState's keys.
func TodoKey(kind, oppID, dueKey string) string    { return kind + "|" + oppID + "|" + dueKey }
func PointKey(rule, oppID, spellKey string) string { return rule + "|" + oppID + "|" + spellKey }

// LoadRhythmState reads the rules' own records.
func (db *DB) LoadRhythmState(ctx context.Context) (*RhythmState, error) {
	st := &RhythmState{OpenTodos: map[string][]OpenTodo{}, TodoKeys: map[string]bool{}, PointKeys: map[string]bool{},
		Risks: map[string]map[string]StoredRisk{}}
	rows, err := db.r.QueryContext(ctx, `SELECT kind, opportunity_id, due_key, status, created_at FROM todos`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var kind, opp, key, status string
		var created int64
		if err := rows.Scan(&kind, &opp, &key, &status, &created); err != nil {
			rows.Close()
			return nil, err
		}
		st.TodoKeys[TodoKey(kind, opp, key)] = true
		if status == TodoOpen {
			st.OpenTodos[opp] = append(st.OpenTodos[opp], OpenTodo{Kind: kind, CreatedAt: msTime(created)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT rule, opportunity_id, spell_key FROM points`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var rule, opp, spell string
		if err := rows.Scan(&rule, &opp, &spell); err != nil {
			rows.Close()
			return nil, err
		}
		st.PointKeys[PointKey(rule, opp, spell)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT opportunity_id, rule, level, spell, evidence, since FROM risks`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var opp, rule string
		var r StoredRisk
		var since int64
		if err := rows.Scan(&opp, &rule, &r.Level, &r.Spell, &r.Evidence, &since); err != nil {
			return nil, err
		}
		r.Since = msTime(since)
		if st.Risks[opp] == nil {
			st.Risks[opp] = map[string]StoredRisk{}
		}
		st.Risks[opp][rule] = r
	}
	return st, rows.Err()
}

// StageDwellAverages returns, per stage id, the number of finished stays
// and their mean length in days, over every deal's history (a stay ends
// when the deal's next stage entry begins).
func (db *DB) StageDwellAverages(ctx context.Context) (map[string]DwellAverage, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT stage_id, COUNT(*), CAST(AVG(next_at - at) AS DOUBLE PRECISION) FROM (
		SELECT to_stage_id AS stage_id, at, LEAD(at) OVER (PARTITION BY opportunity_id ORDER BY at, id) AS next_at FROM stage_history) h
		WHERE next_at IS NOT NULL GROUP BY stage_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]DwellAverage{}
	for rows.Next() {
		var id string
		var a DwellAverage
		var ms float64
		if err := rows.Scan(&id, &a.Samples, &ms); err != nil {
			return nil, err
		}
		a.Days = ms / float64(24*time.Hour/time.Millisecond)
		out[id] = a
	}
	return out, rows.Err()
}

// DwellAverage is a stage's learned dwell.
type DwellAverage struct {
	Samples int
	Days    float64
}
