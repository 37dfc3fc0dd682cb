package web

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Pipelines and stages: names, order, probability, expected dwell, cadence,
// entry indicators or checklist items, and the gate (required fields and
// documents). Every change goes through app.UpdatePipeline with the whole
// stage list and the version the admin saw, so two admins editing at once
// get a conflict instead of losing a change.

type labelled struct{ Key, ZH, EN string }

type stageView struct {
	store.Stage
	IndicatorsText, ChecklistText string
	First, Last                   bool // among the open stages: no move up / down
}

// Requires tells whether the gate asks for field or document k.
func (v stageView) Requires(k string) bool {
	return slices.Contains(v.RequiredFields, k) || slices.Contains(v.RequiredDocuments, k)
}

type pipelineSettings struct {
	settingsPage
	Pipelines  []*store.Pipeline
	Current    *store.Pipeline
	Stages     []stageView
	Modes      []string
	GateFields []labelled
	DocTypes   []docType
	Open       string // the stage whose editor stays open
	// NewPipeline keeps the create form's values after a refusal.
	NewKey, NewNameZH, NewNameEN string
}

func gateFields() []labelled {
	var out []labelled
	for k, v := range funnel.GateFields {
		out = append(out, labelled{Key: k, ZH: v[0], EN: v[1]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func indicatorText(ins []funnel.Indicator) string {
	var b strings.Builder
	for _, in := range ins {
		b.WriteString(in.Key + " | " + in.ZH + " | " + in.EN + "\n")
	}
	return b.String()
}

// parseIndicators reads one indicator a line: "key | 中文 | English", or
// without the key ("中文 | English"), which keeps the key of an existing item
// with the same Chinese label or makes one from the stage's key.
func parseIndicators(text, stageKey string, old []funnel.Indicator) []funnel.Indicator {
	var out []funnel.Indicator
	used := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		parts := strings.Split(line, "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) == 1 && parts[0] == "" {
			continue
		}
		var in funnel.Indicator
		switch len(parts) {
		case 1:
			in.ZH = parts[0]
		case 2:
			in.ZH, in.EN = parts[0], parts[1]
		default:
			in.Key, in.ZH, in.EN = parts[0], parts[1], strings.Join(parts[2:], "|")
		}
		if in.Key == "" {
			for _, o := range old {
				if o.ZH == in.ZH && !used[o.Key] {
					in.Key = o.Key
					break
				}
			}
		}
		for n := len(out) + 1; in.Key == "" || used[in.Key]; n++ {
			in.Key = stageKey + "_" + strconv.Itoa(n)
		}
		used[in.Key] = true
		out = append(out, in)
	}
	return out
}

func (s *server) pipelineSettingsData(r *http.Request, id string) (*pipelineSettings, error) {
	ctx := r.Context()
	d := &pipelineSettings{settingsPage: newSettingsPage(r, "pipelines"),
		Modes: []string{funnel.ModeManual, funnel.ModeIndicators, funnel.ModeChecklist}, GateFields: gateFields(), DocTypes: sortedDocTypes()}
	var err error
	if d.Pipelines, err = s.app.DB.Pipelines(ctx); err != nil {
		return nil, err
	}
	for _, pl := range d.Pipelines {
		if pl.ID == id || (id == "" && d.Current == nil && pl.IsDefault) {
			d.Current = pl
		}
	}
	if id != "" && d.Current == nil {
		return nil, funnel.Errorf(funnel.ENOTFOUND, "pipeline not found")
	}
	if d.Current == nil && len(d.Pipelines) > 0 {
		d.Current = d.Pipelines[0]
	}
	d.Open = r.URL.Query().Get("stage")
	d.setStages()
	return d, nil
}

// setStages builds the stage editors from Current.
func (d *pipelineSettings) setStages() {
	d.Stages = nil
	if d.Current == nil {
		return
	}
	open := 0
	for _, st := range d.Current.Stages {
		if st.Kind == funnel.StageOpen {
			open++
		}
	}
	for i, st := range d.Current.Stages {
		d.Stages = append(d.Stages, stageView{Stage: st, IndicatorsText: indicatorText(st.Indicators), ChecklistText: indicatorText(st.Checklist),
			First: i == 0, Last: i == open-1})
	}
}

func (s *server) pipelineSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.pipelineSettingsData(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings_pipelines", "", "settings", d)
}

// pipelineRefused shows the pipeline again with the form's problems: an
// invalid change keeps what the admin typed (changed), a conflict shows the
// pipeline as it now is.
func (s *server) pipelineRefused(w http.ResponseWriter, r *http.Request, u *store.User, id, form string, changed *store.Pipeline, err error) {
	status, ok := formRefused(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	d, derr := s.pipelineSettingsData(r, id)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	keep := changed != nil && !isStale(err)
	if key, isStage := strings.CutPrefix(form, "stage-"); keep && isStage {
		// A refused removal shows the stage where it was.
		keep = slices.ContainsFunc(changed.Stages, func(st store.Stage) bool { return st.Key == key })
	}
	if keep {
		d.Current = changed
		d.setStages()
	}
	d.Conflict = isStale(err)
	d.Problems[form] = s.settingsProblems(r, u, err)
	if strings.HasPrefix(form, "stage-") {
		d.Open = strings.TrimPrefix(form, "stage-")
	}
	s.render(w, r, status, "settings_pipelines", "", "settings", d)
}

// changeStages applies edit to a copy of the pipeline's stages and saves the
// whole list with the version from the form.
func (s *server) changeStages(w http.ResponseWriter, r *http.Request, u *store.User, form string, edit func(pl *store.Pipeline, stages []store.Stage) ([]store.Stage, error), back string) {
	id := r.PathValue("id")
	pl, err := s.app.DB.Pipeline(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	version, _ := strconv.Atoi(r.FormValue("version"))
	stages, err := edit(pl, slices.Clone(pl.Stages))
	changed := *pl
	changed.Version = version
	if err == nil {
		changed.Stages = stages
		in := app.PipelineInput{Stages: new([]app.StageInput), Version: version}
		for _, st := range stages {
			*in.Stages = append(*in.Stages, app.StageInput{Stage: st.Stage})
		}
		_, err = s.app.UpdatePipeline(r.Context(), u, id, in)
	}
	if err != nil {
		s.pipelineRefused(w, r, u, id, form, &changed, err)
		return
	}
	savedRedirect(w, r, back, "pipeline")
}

func pipelinePath(id string) string { return "/settings/pipelines/" + id }

// savePipeline changes a pipeline's names, derivation mode and health gate.
func (s *server) savePipeline(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.FormValue("version"))
	gate := r.FormValue("health_gate") == "on"
	in := app.PipelineInput{NameZH: ptr(r.FormValue("name_zh")), NameEN: ptr(r.FormValue("name_en")), Mode: ptr(r.FormValue("mode")),
		HealthGate: &gate, Version: version}
	if _, err := s.app.UpdatePipeline(r.Context(), u, id, in); err != nil {
		var changed *store.Pipeline
		if pl, perr := s.app.DB.Pipeline(r.Context(), id); perr == nil {
			pl.NameZH, pl.NameEN, pl.Mode, pl.HealthGate, pl.Version = *in.NameZH, *in.NameEN, *in.Mode, gate, version
			changed = pl
		}
		s.pipelineRefused(w, r, u, id, "pipeline", changed, err)
		return
	}
	savedRedirect(w, r, pipelinePath(id), "pipeline")
}

func ptr(s string) *string { s = strings.TrimSpace(s); return &s }

// saveStage changes one stage: names, probability, dwell, cadence,
// indicators and checklist items, and the gate.
func (s *server) saveStage(w http.ResponseWriter, r *http.Request, u *store.User) {
	key := r.PathValue("key")
	id := r.PathValue("id")
	s.changeStages(w, r, u, "stage-"+key, func(pl *store.Pipeline, stages []store.Stage) ([]store.Stage, error) {
		i := slices.IndexFunc(stages, func(st store.Stage) bool { return st.Key == key })
		if i < 0 {
			return nil, funnel.Errorf(funnel.ENOTFOUND, "stage not found")
		}
		var p funnel.Problems
		st := stages[i]
		st.NameZH = strings.TrimSpace(r.FormValue("name_zh"))
		st.NameEN = strings.TrimSpace(r.FormValue("name_en"))
		st.Definition = strings.TrimSpace(r.FormValue("definition"))
		if st.Kind == funnel.StageOpen {
			st.Probability = formInt(r, "probability", &p)
		}
		st.ExpectedDwellDays = formInt(r, "expected_dwell_days", &p)
		st.CadenceDays = formInt(r, "cadence_days", &p)
		if st.ExpectedDwellDays < 0 {
			p.Add("expected_dwell_days", "must not be negative")
		}
		if st.CadenceDays < 0 {
			p.Add("cadence_days", "must not be negative")
		}
		st.Indicators = parseIndicators(r.FormValue("indicators"), key, st.Indicators)
		st.Checklist = parseIndicators(r.FormValue("checklist"), key+"_c", st.Checklist)
		st.RequiredFields = r.PostForm["required_fields"]
		st.RequiredDocuments = r.PostForm["required_documents"]
		stages[i] = st
		return stages, p.Err()
	}, pipelinePath(id)+"?stage="+key)
}

// addStage inserts an open stage after the last open one.
func (s *server) addStage(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	s.changeStages(w, r, u, "add", func(pl *store.Pipeline, stages []store.Stage) ([]store.Stage, error) {
		var p funnel.Problems
		st := store.Stage{Stage: funnel.Stage{Key: strings.TrimSpace(r.FormValue("key")), NameZH: strings.TrimSpace(r.FormValue("name_zh")),
			NameEN: strings.TrimSpace(r.FormValue("name_en")), Kind: funnel.StageOpen, Probability: formInt(r, "probability", &p)}}
		at := slices.IndexFunc(stages, func(s store.Stage) bool { return s.Kind != funnel.StageOpen })
		if at < 0 {
			at = len(stages)
		}
		return slices.Insert(stages, at, st), p.Err()
	}, pipelinePath(id))
}

// moveStageOrder moves an open stage up or down among the open stages.
func (s *server) moveStageOrder(w http.ResponseWriter, r *http.Request, u *store.User) {
	key := r.PathValue("key")
	id := r.PathValue("id")
	s.changeStages(w, r, u, "stage-"+key, func(pl *store.Pipeline, stages []store.Stage) ([]store.Stage, error) {
		i := slices.IndexFunc(stages, func(st store.Stage) bool { return st.Key == key })
		j := i + 1
		if r.FormValue("dir") == "up" {
			j = i - 1
		}
		if i < 0 || j < 0 || j >= len(stages) || stages[i].Kind != funnel.StageOpen || stages[j].Kind != funnel.StageOpen {
			return stages, nil // nothing to swap with: a stale button
		}
		stages[i], stages[j] = stages[j], stages[i]
		return stages, nil
	}, pipelinePath(id))
}

// createPipeline adds a pipeline with the stages of an existing one, to be
// renamed and changed from there.
func (s *server) createPipeline(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	in := app.PipelineInput{Key: strings.TrimSpace(r.FormValue("key")), NameZH: ptr(r.FormValue("name_zh")), NameEN: ptr(r.FormValue("name_en"))}
	from, err := s.app.DB.Pipeline(ctx, r.FormValue("copy_from"))
	if err == nil {
		list := []app.StageInput{}
		for _, st := range from.Stages {
			list = append(list, app.StageInput{Stage: st.Stage})
		}
		in.Stages, in.Mode = &list, &from.Mode
		var pl *store.Pipeline
		if pl, err = s.app.CreatePipeline(ctx, u, in); err == nil {
			savedRedirect(w, r, pipelinePath(pl.ID), "pipeline_created")
			return
		}
	}
	status, ok := formRefused(err)
	if !ok && funnel.ErrorCode(err) != funnel.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	if !ok {
		status = http.StatusUnprocessableEntity
	}
	d, derr := s.pipelineSettingsData(r, "")
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	d.NewKey, d.NewNameZH, d.NewNameEN = in.Key, *in.NameZH, *in.NameEN
	d.Problems["new"] = s.settingsProblems(r, u, err)
	s.render(w, r, status, "settings_pipelines", "", "settings", d)
}

// removeStage takes an open stage out of the pipeline; the store refuses a
// stage that has ever held a deal (rename it instead).
func (s *server) removeStage(w http.ResponseWriter, r *http.Request, u *store.User) {
	key := r.PathValue("key")
	id := r.PathValue("id")
	s.changeStages(w, r, u, "stage-"+key, func(pl *store.Pipeline, stages []store.Stage) ([]store.Stage, error) {
		return slices.DeleteFunc(stages, func(st store.Stage) bool { return st.Key == key && st.Kind == funnel.StageOpen }), nil
	}, pipelinePath(id))
}
