package app

import (
	"context"
	"regexp"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// PipelineInput creates or changes a pipeline; on update nil fields stay.
type PipelineInput struct {
	Key        string        `json:"key,omitempty" doc:"required when creating; fixed after"`
	NameZH     *string       `json:"name_zh,omitempty"`
	NameEN     *string       `json:"name_en,omitempty"`
	Mode       *string       `json:"mode,omitempty" enum:"manual,indicators,checklist"`
	HealthGate *bool         `json:"health_gate,omitempty"`
	Stages     *[]StageInput `json:"stages,omitempty" doc:"the whole ordered list: open stages, then won and lost; stages are matched by key"`
	Version    int           `json:"version,omitempty" doc:"required when updating"`
}

// StageInput is one stage as an admin sends it. id and position are
// accepted so a client can send back what it read; stages are matched by key
// and ordered by the list.
type StageInput struct {
	funnel.Stage
	ID       string `json:"id,omitempty" doc:"ignored"`
	Position int    `json:"position,omitempty" doc:"ignored"`
}

var keyRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// MaxOpenStages bounds a pipeline; seed 001 advises at most six.
const MaxOpenStages = 10

func (in PipelineInput) apply(pl *store.Pipeline) error {
	setStr(&pl.NameZH, in.NameZH)
	setStr(&pl.NameEN, in.NameEN)
	setStr(&pl.Mode, in.Mode)
	if in.HealthGate != nil {
		pl.HealthGate = *in.HealthGate
	}
	var p funnel.Problems
	if pl.NameZH == "" {
		p.Add("name_zh", "is required")
	}
	if pl.NameEN == "" {
		pl.NameEN = pl.NameZH
	}
	if !funnel.ValidMode(pl.Mode) {
		p.Add("mode", "must be manual, indicators or checklist")
	}
	if in.Stages != nil {
		pl.Stages = pl.Stages[:0]
		for _, s := range *in.Stages {
			pl.Stages = append(pl.Stages, store.Stage{Stage: s.Stage})
		}
		validStages(pl.Stages, &p)
	}
	return p.Err()
}

// validStages checks a stage list: keys, names, probabilities, open stages
// first then exactly one won (100) and one lost (0), known gate fields and
// document types, indicator keys unique across the pipeline.
func validStages(stages []store.Stage, p *funnel.Problems) {
	keys, items := map[string]bool{}, map[string]bool{}
	open, won, lost := 0, 0, 0
	for i, s := range stages {
		f := "stages[" + itoa(i) + "]."
		s.NameZH = strings.TrimSpace(s.NameZH)
		if !keyRe.MatchString(s.Key) {
			p.Add(f+"key", "must be lower-case letters, digits, _ or -, starting with a letter")
		} else if keys[s.Key] {
			p.Add(f+"key", "%q appears twice", s.Key)
		}
		keys[s.Key] = true
		if s.NameZH == "" {
			p.Add(f+"name_zh", "is required")
		}
		if s.Probability < 0 || s.Probability > 100 {
			p.Add(f+"probability", "must be between 0 and 100")
		}
		switch s.Kind {
		case funnel.StageOpen:
			open++
			if won+lost > 0 {
				p.Add(f+"kind", "open stages come before won and lost")
			}
		case funnel.StageWon:
			won++
			if s.Probability != 100 {
				p.Add(f+"probability", "a won stage has probability 100")
			}
		case funnel.StageLost:
			lost++
			if s.Probability != 0 {
				p.Add(f+"probability", "a lost stage has probability 0")
			}
		default:
			p.Add(f+"kind", "must be open, won or lost")
		}
		for j, k := range s.RequiredFields {
			if _, ok := funnel.GateFields[k]; !ok {
				p.Add(f+"required_fields["+itoa(j)+"]", "unknown field %q", k)
			}
		}
		for j, k := range s.RequiredDocuments {
			if _, ok := funnel.DocumentTypes[k]; !ok {
				p.Add(f+"required_documents["+itoa(j)+"]", "unknown document type %q", k)
			}
		}
		for j, in := range append(append([]funnel.Indicator{}, s.Indicators...), s.Checklist...) {
			if in.Key == "" || strings.TrimSpace(in.ZH) == "" {
				p.Add(f+"indicators["+itoa(j)+"]", "needs a key and a Chinese label")
			}
		}
		for _, in := range s.Indicators {
			if items["i:"+in.Key] {
				p.Add(f+"indicators", "indicator %q appears twice in the pipeline", in.Key)
			}
			items["i:"+in.Key] = true
		}
		for _, in := range s.Checklist {
			if items["c:"+in.Key] {
				p.Add(f+"checklist", "checklist item %q appears twice in the pipeline", in.Key)
			}
			items["c:"+in.Key] = true
		}
	}
	if open == 0 || open > MaxOpenStages {
		p.Add("stages", "need 1 to %d open stages (seed 001 advises at most 6)", MaxOpenStages)
	}
	if won != 1 || lost != 1 {
		p.Add("stages", "need exactly one won and one lost stage")
	}
}

// CreatePipeline adds a pipeline (admin only).
func (a *App) CreatePipeline(ctx context.Context, actor *store.User, in PipelineInput) (*store.Pipeline, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	pl := &store.Pipeline{Key: strings.TrimSpace(in.Key), Mode: funnel.ModeManual}
	err := in.apply(pl)
	var p funnel.Problems
	if !keyRe.MatchString(pl.Key) {
		p.Add("key", "must be lower-case letters, digits, _ or -, starting with a letter")
	}
	if in.Stages == nil {
		p.Add("stages", "is required")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if err := a.tx(ctx, func(tx *store.Tx) error { return tx.CreatePipeline(ctx, pl, actor.ID) }); err != nil {
		return nil, err
	}
	return a.DB.Pipeline(ctx, pl.ID)
}

// UpdatePipeline changes a pipeline's names, mode, health gate or stages
// (admin only).
func (a *App) UpdatePipeline(ctx context.Context, actor *store.User, id string, in PipelineInput) (*store.Pipeline, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		pl, err := tx.Pipeline(ctx, id)
		if err != nil {
			return err
		}
		if in.Key != "" && in.Key != pl.Key {
			return fieldErr("key", "cannot change")
		}
		if err := in.apply(pl); err != nil {
			return err
		}
		pl.Version = in.Version
		return tx.SavePipeline(ctx, pl, actor.ID)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.Pipeline(ctx, id)
}
