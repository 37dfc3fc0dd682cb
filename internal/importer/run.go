package importer

import (
	"context"
	"errors"
	"io"
	"strings"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/importer/sheet"
	"shangji/internal/store"
)

// Options steer one import.
type Options struct {
	DryRun  bool
	Mapping *Mapping
	// Progress hears rows read and rows written (phase "read" or "write").
	Progress func(phase string, done, total int)
}

// Report is an import's outcome with problems named by the file's own
// column headers.
type Report struct {
	*app.ImportResult
	Problems []CellError `json:"problems"`
	Ignored  []string    `json:"ignored_columns"`
}

// Import reads every row of t, then hands them to the app, which validates
// all and writes all or none. A file that cannot be read past some row is
// refused with that row's error. The error is non-nil whenever nothing was
// written for a reason other than a dry run.
func Import(ctx context.Context, a *app.App, actor *store.User, k Kind, t Table, opt Options) (*Report, error) {
	m := opt.Mapping
	if m == nil {
		m = &Mapping{}
	}
	b, err := sheet.BindTable(k, t, m)
	if err != nil {
		return nil, err
	}
	rep := &Report{Ignored: b.Ignored, Problems: []CellError{}}
	var rows []app.ImportRow
	for {
		r, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		rec, cerr := b.Record(r)
		if cerr != nil {
			rep.Problems = append(rep.Problems, *cerr)
			continue
		}
		rows = append(rows, app.ImportRow{Line: rec.Line, Fields: rec.Fields})
		if opt.Progress != nil && len(rows)%10000 == 0 {
			opt.Progress("read", len(rows), 0)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if len(rows) == 0 && len(rep.Problems) == 0 {
		// A header and nothing under it is most often the wrong sheet or a
		// file saved before the rows were pasted: say so rather than
		// "imported 0".
		rep.ImportResult = &app.ImportResult{Kind: string(k), DryRun: opt.DryRun}
		rep.Problems = append(rep.Problems, CellError{Row: 2, Message: "no rows under the header: nothing to import"})
		return rep, funnel.Errorf(funnel.EINVALID, "the file has a header but no rows")
	}
	if len(rep.Problems) > 0 {
		// Rows that do not even line up with the header: report them alone,
		// validating the rest against the database would only add noise.
		rep.ImportResult = &app.ImportResult{Kind: string(k), DryRun: opt.DryRun, Rows: len(rows) + len(rep.Problems)}
		return rep, funnel.Errorf(funnel.EINVALID, "%d row(s) do not fit the header; nothing was written", len(rep.Problems))
	}
	res, err := a.Import(ctx, actor, string(k), rows, app.ImportOptions{
		DryRun: opt.DryRun, Stages: m.Stages, Pipeline: m.Pipeline, EmailDomain: m.EmailDomain,
		Progress: func(done, total int) {
			if opt.Progress != nil {
				opt.Progress("write", done, total)
			}
		},
	})
	if res == nil {
		return nil, err
	}
	rep.ImportResult = res
	var names func(key string) []string
	for _, p := range res.Problems {
		col := ""
		if p.Field != "" {
			col = b.Column(p.Field)
		}
		if key, ok := strings.CutPrefix(p.Field, EnteredPrefix); ok && col == p.Field {
			// The app names a history problem by stage key; the file's
			// column may name the stage in Chinese, English or its own words.
			if names == nil {
				names = stageNames(ctx, a, m)
			}
			if h := b.EnteredColumn(names(key)...); h != "" {
				col = h
			}
		}
		rep.Problems = append(rep.Problems, CellError{Row: p.Row, Column: col, Message: p.Message})
	}
	return rep, err
}

// stageNames lists what a file may call a stage: its key, its names in
// every pipeline, and the names the mapping file maps to it.
func stageNames(ctx context.Context, a *app.App, m *Mapping) func(key string) []string {
	pls, _ := a.DB.Pipelines(ctx) // without them the key alone still matches
	return func(key string) []string {
		out := []string{key}
		for _, pl := range pls {
			for _, st := range pl.Stages {
				if st.Key == key {
					out = append(out, st.NameZH, st.NameEN)
				}
			}
		}
		for name, k := range m.Stages {
			if k == key {
				out = append(out, name)
			}
		}
		return out
	}
}
