package store

import (
	"context"
	"encoding/json"

	"shangji/internal/funnel"
)

// CreatePipeline inserts a new pipeline with its stages.
func (tx *Tx) CreatePipeline(ctx context.Context, pl *Pipeline, by string) error {
	tx.wrote.pipelines = true
	pl.ID, pl.Version = tx.db.NewID(), 1
	pl.CreatedAt, pl.UpdatedAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO pipelines (id, key, name_zh, name_en, mode, is_default, health_gate, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 0, $6, 1, $7, $7)`, pl.ID, pl.Key, pl.NameZH, pl.NameEN, pl.Mode, boolInt(pl.HealthGate), tx.nowMS())
	if isUniqueViolation(err) {
		return &funnel.Error{Code: funnel.ECONFLICT, Message: "a pipeline with this key exists",
			Fields: []funnel.FieldError{{Field: "key", Message: "already taken"}}}
	} else if err != nil {
		return err
	}
	for i := range pl.Stages {
		pl.Stages[i].ID, pl.Stages[i].Position = tx.db.NewID(), i
		if err := tx.insertStage(ctx, pl.ID, pl.Stages[i]); err != nil {
			return err
		}
	}
	return tx.saveRevision(ctx, pl, by)
}

// SavePipeline writes a pipeline's settings and its whole stage list if the
// version is current. Stages are matched by key: kept ones are updated in
// place (their ids, and so every deal and history row in them, stay), new
// ones are added, and a removed one must never have held a deal. Each saved
// version is kept as a revision; stage history keeps the probability that
// held at each move, so changing one changes forecasts from now on only.
func (tx *Tx) SavePipeline(ctx context.Context, pl *Pipeline, by string) error {
	old, err := tx.Pipeline(ctx, pl.ID)
	if err != nil {
		return err
	}
	tx.wrote.pipelines = true // from here on it reads what it wrote, maybe never committed
	res, err := tx.tx.ExecContext(ctx, `UPDATE pipelines SET name_zh = $1, name_en = $2, mode = $3, health_gate = $4, version = version + 1,
		updated_at = $5 WHERE id = $6 AND version = $7`, pl.NameZH, pl.NameEN, pl.Mode, boolInt(pl.HealthGate), tx.nowMS(), pl.ID, pl.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersion(ctx, res, "pipeline", func() (any, error) { return tx.Pipeline(ctx, pl.ID) }); err != nil {
		return err
	}
	keep := map[string]bool{}
	for i := range pl.Stages {
		s := &pl.Stages[i]
		s.Position = i
		keep[s.Key] = true
		if was, ok := old.StageByKey(s.Key); ok {
			s.ID = was.ID
			if _, err := tx.tx.ExecContext(ctx, `UPDATE stages SET name_zh = $1, name_en = $2, probability = $3, kind = $4, position = $5,
				definition = $6, expected_dwell_days = $7, cadence_days = $8, indicators = $9, checklist = $10, required_fields = $11,
				required_documents = $12, updated_at = $13 WHERE id = $14`,
				s.NameZH, s.NameEN, s.Probability, string(s.Kind), s.Position, s.Definition, s.ExpectedDwellDays, s.CadenceDays,
				mustJSON(s.Indicators), mustJSON(s.Checklist), jsonList(s.RequiredFields), jsonList(s.RequiredDocuments), tx.nowMS(), s.ID); err != nil {
				return err
			}
			continue
		}
		s.ID = tx.db.NewID()
		if err := tx.insertStage(ctx, pl.ID, *s); err != nil {
			return err
		}
	}
	for _, s := range old.Stages {
		if keep[s.Key] {
			continue
		}
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM opportunities WHERE stage_id = $1)
			+ (SELECT COUNT(*) FROM stage_history WHERE to_stage_id = $1 OR from_stage_id = $1)`, s.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &funnel.Error{Code: funnel.ECONFLICT, Message: "stage " + s.Key + " has held opportunities; it cannot be removed (rename it instead)",
				Fields: []funnel.FieldError{{Field: "stages", Message: "stage " + s.Key + " is in use"}}}
		}
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM stages WHERE id = $1`, s.ID); err != nil {
			return err
		}
	}
	pl.Version++
	return tx.saveRevision(ctx, pl, by)
}

func (tx *Tx) saveRevision(ctx context.Context, pl *Pipeline, by string) error {
	b, err := json.Marshal(pl)
	if err != nil {
		return err
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO pipeline_revisions (pipeline_id, version, body, by_user_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		pl.ID, pl.Version, string(b), by, tx.nowMS())
	return err
}
