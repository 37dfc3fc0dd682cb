package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// Stage is a stored pipeline stage.
type Stage struct {
	ID string `json:"id"`
	funnel.Stage
	Position int `json:"position"`
}

// Pipeline is an ordered list of stages; open stages first, then won and lost.
type Pipeline struct {
	ID        string `json:"id"`
	Key       string `json:"key"`
	NameZH    string `json:"name_zh"`
	NameEN    string `json:"name_en"`
	Mode      string `json:"mode"` // manual, indicators or checklist (SPEC §3)
	IsDefault bool   `json:"is_default"`
	// HealthGate makes forward moves into open stages obey the health score.
	HealthGate bool      `json:"health_gate"`
	Stages     []Stage   `json:"stages"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// StageByKey finds a stage of p.
func (p *Pipeline) StageByKey(key string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.Key == key {
			return s, true
		}
	}
	return Stage{}, false
}

// StageByID finds a stage of p.
func (p *Pipeline) StageByID(id string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

// FirstOpen is where new opportunities start.
func (p *Pipeline) FirstOpen() Stage {
	for _, s := range p.Stages {
		if s.Kind == funnel.StageOpen {
			return s
		}
	}
	return p.Stages[0]
}

// EnsurePresets creates the preset pipelines that do not exist yet; the
// default preset is marked default when no pipeline is. Safe to call at every
// start, from several copies at once.
func (tx *Tx) EnsurePresets(ctx context.Context) error {
	tx.wrote.pipelines = true
	var haveDefault int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pipelines WHERE is_default = 1`).Scan(&haveDefault); err != nil {
		return err
	}
	for _, pr := range funnel.Presets() {
		id := tx.db.NewID()
		isDefault := haveDefault == 0 && pr.Key == funnel.DefaultPreset
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO pipelines (id, key, name_zh, name_en, mode, is_default, health_gate, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'manual', $5, $6, 1, $7, $7) ON CONFLICT (key) DO NOTHING`,
			id, pr.Key, pr.NameZH, pr.NameEN, boolInt(isDefault), boolInt(pr.HealthGate), tx.nowMS())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		for i, s := range pr.Stages {
			if err := tx.insertStage(ctx, id, Stage{ID: tx.db.NewID(), Stage: s, Position: i}); err != nil {
				return err
			}
		}
	}
	return nil
}

// FunnelStages are the pipeline's stages as the funnel rules see them, in
// order.
func (pl *Pipeline) FunnelStages() []funnel.Stage {
	out := make([]funnel.Stage, len(pl.Stages))
	for i, s := range pl.Stages {
		out[i] = s.Stage
	}
	return out
}

// stageIndex finds a stage's position among pl.Stages by id; -1 for a stage
// that is not the pipeline's (history left from another pipeline).
func (pl *Pipeline) stageIndex() func(id string) int {
	index := make(map[string]int, len(pl.Stages))
	for i, s := range pl.Stages {
		index[s.ID] = i
	}
	return func(id string) int {
		if i, ok := index[id]; ok {
			return i
		}
		return -1
	}
}

// Pipelines returns every pipeline with its stages, default first.
func (db *DB) Pipelines(ctx context.Context) ([]*Pipeline, error) { return db.pipelines(ctx, db.r, "") }

// Pipeline returns one pipeline by id.
func (db *DB) Pipeline(ctx context.Context, id string) (*Pipeline, error) {
	return one(db.pipelines(ctx, db.r, id))
}

// DefaultPipeline is the one new opportunities use when none is named: the
// oldest marked default, else the oldest. (Asked as "no pipeline comes
// before it": ORDER BY … LIMIT 1 set up a sort for every new deal.)
func (tx *Tx) DefaultPipeline(ctx context.Context) (*Pipeline, error) {
	var id string
	var version int
	err := tx.tx.QueryRowContext(ctx, `SELECT p.id, p.version FROM pipelines p WHERE NOT EXISTS (SELECT 1 FROM pipelines q
		WHERE q.is_default > p.is_default OR (q.is_default = p.is_default AND q.created_at < p.created_at)) LIMIT 1`).Scan(&id, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("pipeline")
	} else if err != nil {
		return nil, err
	}
	return tx.cachedPipeline(ctx, id, version)
}

// Pipeline reads inside the transaction (the stages from the cache when the
// version matches, pipeline_cache.go).
func (tx *Tx) Pipeline(ctx context.Context, id string) (*Pipeline, error) {
	var version int
	err := tx.tx.QueryRowContext(ctx, `SELECT version FROM pipelines WHERE id = $1`, id).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("pipeline")
	} else if err != nil {
		return nil, err
	}
	return tx.cachedPipeline(ctx, id, version)
}

// cachedPipeline reads pipeline id unless its version is cached.
func (tx *Tx) cachedPipeline(ctx context.Context, id string, version int) (*Pipeline, error) {
	if !tx.wrote.pipelines {
		if pl := tx.db.pipelineCache.get(id, version); pl != nil {
			return pl, nil
		}
	}
	pl, err := one(tx.db.pipelines(ctx, tx.tx, id))
	if err == nil && !tx.wrote.pipelines {
		tx.db.pipelineCache.put(pl)
	}
	return pl, err
}

func one(ps []*Pipeline, err error) (*Pipeline, error) {
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, notFound("pipeline")
	}
	return ps[0], nil
}

func (db *DB) pipelines(ctx context.Context, q querier, id string) ([]*Pipeline, error) {
	var p params
	where := "1=1"
	if id != "" {
		where = "p.id = " + p.add(id)
	}
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.key, p.name_zh, p.name_en, p.mode, p.is_default, p.health_gate, p.version, p.created_at, p.updated_at,
		s.id, s.key, s.name_zh, s.name_en, s.probability, s.kind, s.position, s.definition, s.expected_dwell_days,
		s.cadence_days, s.indicators, s.checklist, s.required_fields, s.required_documents
		FROM pipelines p JOIN stages s ON s.pipeline_id = p.id WHERE `+where+`
		ORDER BY p.is_default DESC, p.created_at, p.id, s.position`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Pipeline
	for rows.Next() {
		var pl Pipeline
		var s Stage
		var def, gate int
		var c, u int64
		var inds, check, fields, docs string
		if err := rows.Scan(&pl.ID, &pl.Key, &pl.NameZH, &pl.NameEN, &pl.Mode, &def, &gate, &pl.Version, &c, &u,
			&s.ID, &s.Key, &s.NameZH, &s.NameEN, &s.Probability, &s.Kind, &s.Position, &s.Definition, &s.ExpectedDwellDays,
			&s.CadenceDays, &inds, &check, &fields, &docs); err != nil {
			return nil, err
		}
		if err := unmarshalAll([]string{inds, check, fields, docs}, &s.Indicators, &s.Checklist, &s.RequiredFields, &s.RequiredDocuments); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != pl.ID {
			pl.IsDefault, pl.HealthGate = def == 1, gate == 1
			pl.CreatedAt, pl.UpdatedAt = msTime(c), msTime(u)
			out = append(out, &pl)
		}
		last := out[len(out)-1]
		last.Stages = append(last.Stages, s)
	}
	return out, rows.Err()
}

func (tx *Tx) insertStage(ctx context.Context, pipelineID string, s Stage) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO stages (id, pipeline_id, key, name_zh, name_en, probability, kind, position, definition,
		expected_dwell_days, cadence_days, indicators, checklist, required_fields, required_documents, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`,
		s.ID, pipelineID, s.Key, s.NameZH, s.NameEN, s.Probability, string(s.Kind), s.Position, s.Definition,
		s.ExpectedDwellDays, s.CadenceDays, mustJSON(s.Indicators), mustJSON(s.Checklist), jsonList(s.RequiredFields),
		jsonList(s.RequiredDocuments), tx.nowMS())
	return err
}

func mustJSON[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// unmarshalAll decodes JSON columns into their fields, pairwise.
func unmarshalAll(src []string, dst ...any) error {
	for i, s := range src {
		if err := json.Unmarshal([]byte(s), dst[i]); err != nil {
			return err
		}
	}
	return nil
}
