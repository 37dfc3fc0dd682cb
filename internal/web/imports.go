package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/importer"
	"shangji/internal/store"
)

// The import screen (admin only): upload a CSV or XLSX file for a kind,
// optionally map its columns, check it (a dry run: every row that would
// fail, with row, column and reason, and the duplicates), then confirm, which
// validates again and writes all rows or none.
//
// Nothing is kept on the server between the two steps, so any copy of serve
// can answer either: the confirmation sends the file again (the page keeps
// it selected) with the fingerprint of what was checked, and a file or
// mapping that changed in between is checked again instead of written.

// maxImportUpload matches the API's limit on an uploaded sheet.
const maxImportUpload = 64 << 20

// maxShown bounds the problems and duplicates listed on the page.
const maxShown = 300

type importColumn struct {
	Header string
	Bound  string // the field the header matched by itself (or by the override)
	// BoundZH, BoundEN name the bound field as the file's headers would.
	BoundZH, BoundEN string
	Override         string // the admin's choice: "" automatic, "-" ignore, or a field
}

type importField struct {
	Key, ZH, EN string
	Required    bool
}

type importData struct {
	Kinds  []importer.Kind
	Kind   string
	Sheet  string
	Fields []importField
	// Pipelines offered for opportunities that name none; Pipeline is the choice.
	Pipelines []*store.Pipeline
	Pipeline  string
	// Result of the last step; nil before the first check.
	Result *importResult
}

type importResult struct {
	FileName      string
	DryRun        bool
	Written       bool
	Rows          int
	Created       int
	Unchanged     int
	Problems      []importer.CellError
	MoreProblems  int
	Duplicates    []importDuplicate
	MoreDups      int
	Ignored       []string
	Columns       []importColumn
	Stages        []stageChoice // stage names the pipeline lacks, and the admin's choices
	Checked       string        // fingerprint of a clean dry run: the confirm button's ticket
	Changed       bool          // confirmation refused: the file or mapping changed since the check
	Seconds       float64
	Refused       bool // problems found; nothing written
	FileProblem   string
	CanConfirm    bool
	ConfirmedRows int
}

type importDuplicate struct {
	Row      int
	Key      string
	Existing string
}

func importFields(k importer.Kind) []importField {
	var out []importField
	for _, f := range importer.Fields(k) {
		out = append(out, importField{Key: f.Key, ZH: f.ZH[0], EN: f.EN[0], Required: f.Required})
	}
	return out
}

func (s *server) imports(w http.ResponseWriter, r *http.Request, u *store.User) {
	kind := importer.Customers
	if k, ok := importer.ParseKind(r.URL.Query().Get("kind")); ok {
		kind = k
	}
	pls, err := s.app.DB.Pipelines(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "imports", "", "imports", importData{Kinds: importer.Kinds, Kind: string(kind), Fields: importFields(kind), Pipelines: pls})
}

// importUpload is one submission of the import form.
type importUpload struct {
	kind     importer.Kind
	name     string
	content  []byte
	sheet    string
	mapping  *importer.Mapping
	columns  []importColumn // overrides from the form
	stages   []stageChoice  // stage names mapped in the form
	confirm  bool
	checked  string
	mapError string
}

func (s *server) readImportForm(w http.ResponseWriter, r *http.Request) (*importUpload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportUpload+2<<20)
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, funnel.Errorf(funnel.EINVALID, "too_big")
		}
		return nil, funnel.Errorf(funnel.EINVALID, "no_file")
	}
	up := &importUpload{sheet: strings.TrimSpace(r.FormValue("sheet")), confirm: r.FormValue("step") == "import", checked: r.FormValue("checked")}
	var ok bool
	if up.kind, ok = importer.ParseKind(r.FormValue("kind")); !ok {
		up.kind = importer.Customers
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		return up, funnel.Errorf(funnel.EINVALID, "no_file")
	}
	defer f.Close()
	up.name = fh.Filename
	if up.content, err = io.ReadAll(io.LimitReader(f, maxImportUpload+1)); err != nil {
		return up, err
	}
	if len(up.content) > maxImportUpload {
		return up, funnel.Errorf(funnel.EINVALID, "too_big")
	}
	// The mapping: a mapping file, or JSON pasted, then the column choices.
	raw := strings.TrimSpace(r.FormValue("mapping"))
	if mf, _, err := r.FormFile("mapping_file"); err == nil {
		b, _ := io.ReadAll(io.LimitReader(mf, 1<<20))
		mf.Close()
		if len(bytes.TrimSpace(b)) > 0 {
			raw = string(b)
		}
	}
	up.mapping = &importer.Mapping{}
	if raw != "" {
		if up.mapping, err = importer.LoadMapping(strings.NewReader(raw), up.kind); err != nil {
			up.mapError = err.Error()
			up.mapping = &importer.Mapping{}
		}
	}
	if pl := strings.TrimSpace(r.FormValue("pipeline")); pl != "" && up.kind == importer.Opportunities {
		up.mapping.Pipeline = pl
	}
	headers, choices := r.MultipartForm.Value["col_header"], r.MultipartForm.Value["col_field"]
	for i, h := range headers {
		if i < len(choices) && choices[i] != "" {
			if up.mapping.Columns == nil {
				up.mapping.Columns = map[string]string{}
			}
			up.mapping.Columns[h] = choices[i]
			up.columns = append(up.columns, importColumn{Header: h, Override: choices[i]})
		}
	}
	froms, tos := r.MultipartForm.Value["stage_from"], r.MultipartForm.Value["stage_to"]
	pls := r.MultipartForm.Value["stage_pipeline"]
	for i, from := range froms {
		if i >= len(tos) || i >= len(pls) {
			break
		}
		up.stages = append(up.stages, stageChoice{From: from, Pipeline: pls[i], To: tos[i]})
		if tos[i] != "" {
			if up.mapping.Stages == nil {
				up.mapping.Stages = map[string]string{}
			}
			up.mapping.Stages[from] = tos[i]
		}
	}
	return up, nil
}

// stageChoice is a stage name used in the file that the pipeline lacks,
// with the stage the admin maps it to.
type stageChoice struct {
	From, Pipeline, To string
	Options            []store.Stage
}

// unknownStage reads the import's refusal of a stage name.
var unknownStage = regexp.MustCompile(`^no stage ("(?:[^"\\]|\\.)*") in pipeline (\S+)`)

// stageChoices lists the stage names to map: those chosen before, then
// those the check refused, each with its pipeline's stages to pick from.
func (s *server) stageChoices(ctx context.Context, up *importUpload, problems []importer.CellError) []stageChoice {
	out := append([]stageChoice{}, up.stages...)
	seen := map[string]bool{}
	for _, c := range out {
		seen[c.Pipeline+"\x00"+c.From] = true
	}
	for _, p := range problems {
		m := unknownStage.FindStringSubmatch(p.Message)
		if m == nil {
			continue
		}
		from, err := strconv.Unquote(m[1])
		if err != nil || seen[m[2]+"\x00"+from] {
			continue
		}
		seen[m[2]+"\x00"+from] = true
		out = append(out, stageChoice{From: from, Pipeline: m[2]})
	}
	if len(out) == 0 {
		return nil
	}
	pls, err := s.app.DB.Pipelines(ctx)
	if err != nil {
		return nil
	}
	for i := range out {
		for _, pl := range pls {
			if pl.Key == out[i].Pipeline {
				out[i].Options = pl.Stages
			}
		}
	}
	return out
}

// fingerprint names exactly what a dry run checked: the kind, the sheet,
// the mapping and the file's bytes.
func (up *importUpload) fingerprint() string {
	h := sha256.New()
	m, _ := json.Marshal(up.mapping)
	for _, part := range [][]byte{[]byte(up.kind), []byte(up.sheet), m, up.content} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// columnsOf matches the file's header like the import will, for the
// column table the admin can override.
func columnsOf(up *importUpload, t importer.Table) []importColumn {
	over := map[string]string{}
	for _, c := range up.columns {
		over[c.Header] = c.Override
	}
	bound := map[string]string{}
	if b, err := importer.Bind(up.kind, t.Header(), up.mapping); err == nil {
		for _, f := range b.Fields() {
			bound[b.Column(f)] = f
		}
	}
	var out []importColumn
	for _, h := range t.Header() {
		if strings.TrimSpace(h) == "" {
			continue
		}
		c := importColumn{Header: h, Bound: bound[h], Override: over[h]}
		for _, f := range importer.Fields(up.kind) {
			if f.Key == c.Bound {
				c.BoundZH, c.BoundEN = f.ZH[0], f.EN[0]
			}
		}
		if c.BoundZH == "" {
			c.BoundZH, c.BoundEN = c.Bound, c.Bound // a stage-history column: entered:<stage>
		}
		out = append(out, c)
	}
	return out
}

// runImport checks or writes the upload; progress hears rows read and written.
func (s *server) runImport(ctx context.Context, u *store.User, l Locale, up *importUpload, progress func(phase string, done, total int)) *importResult {
	start := time.Now()
	res := &importResult{FileName: up.name, DryRun: true}
	if up.mapError != "" {
		res.FileProblem = l.T("imports.bad_mapping", up.mapError)
		return res
	}
	fp := up.fingerprint()
	if up.confirm && up.checked != fp {
		up.confirm, res.Changed = false, true
	}
	res.DryRun = !up.confirm
	format, err := importer.FormatOf(up.name)
	if err != nil {
		format = importer.CSV
		if bytes.HasPrefix(up.content, []byte("PK\x03\x04")) {
			format = importer.XLSX
		}
	}
	t, err := importer.Open(bytes.NewReader(up.content), format, up.sheet)
	if err != nil {
		res.FileProblem = cellText(err)
		return res
	}
	defer t.Close()
	res.Columns = columnsOf(up, t)
	rep, err := importer.Import(ctx, s.app, u, up.kind, t, importer.Options{DryRun: res.DryRun, Mapping: up.mapping, Progress: progress})
	res.Seconds = time.Since(start).Seconds()
	var ce *importer.CellError
	switch {
	case rep != nil:
		res.Ignored = rep.Ignored
		if rep.ImportResult != nil {
			res.Rows, res.Created, res.Unchanged, res.Written = rep.Rows, rep.Created, rep.Unchanged, rep.Written
			for i, d := range rep.Duplicates {
				if i >= maxShown {
					res.MoreDups = len(rep.Duplicates) - maxShown
					break
				}
				res.Duplicates = append(res.Duplicates, importDuplicate{Row: d.Row, Key: d.Key, Existing: d.ExistingID})
			}
		}
		res.Problems = rep.Problems
		if up.kind == importer.Opportunities {
			res.Stages = s.stageChoices(ctx, up, rep.Problems)
		}
		if len(res.Problems) > maxShown {
			res.MoreProblems, res.Problems = len(res.Problems)-maxShown, res.Problems[:maxShown]
		}
		res.Refused = len(rep.Problems) > 0
		if err != nil && !res.Refused {
			slog.Error("import", "kind", up.kind, "err", err)
			res.FileProblem = l.T("error.internal")
		}
	case errors.As(err, &ce):
		res.FileProblem = ce.Error()
	case err != nil:
		slog.Error("import", "kind", up.kind, "err", err)
		res.FileProblem = l.T("error.internal")
	}
	if res.DryRun && !res.Refused && res.FileProblem == "" {
		res.Checked, res.CanConfirm = fp, true
	}
	return res
}

func cellText(err error) string {
	var ce *importer.CellError
	if errors.As(err, &ce) {
		return ce.Error()
	}
	return err.Error()
}

// importStatus is the answer's status: refused imports are 422.
func (res *importResult) status() int {
	if res.Refused || res.FileProblem != "" {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// postImport answers the import form. A page sends it as a form and gets
// the page back; the page's script sends X-Shangji-Progress and reads a
// stream of progress lines, the last of which carries the report's HTML.
func (s *server) postImport(w http.ResponseWriter, r *http.Request, u *store.User) {
	l := s.locale(r, u)
	up, err := s.readImportForm(w, r)
	d := importData{Kinds: importer.Kinds, Kind: string(importer.Customers)}
	if up != nil {
		d.Kind, d.Sheet = string(up.kind), up.sheet
		if up.mapping != nil {
			d.Pipeline = up.mapping.Pipeline
		}
	}
	var perr error
	if d.Pipelines, perr = s.app.DB.Pipelines(r.Context()); perr != nil {
		s.fail(w, r, perr)
		return
	}
	d.Fields = importFields(importer.Kind(d.Kind))
	streaming := r.Header.Get("X-Shangji-Progress") == "1"
	if err != nil {
		var fe *funnel.Error
		if !errors.As(err, &fe) {
			s.fail(w, r, err)
			return
		}
		d.Result = &importResult{FileProblem: l.T("imports." + fe.Message)}
		s.answerImport(w, r, d, streaming, nil)
		return
	}
	var send func(phase string, done, total int)
	var mu sync.Mutex
	if streaming {
		w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Accel-Buffering", "no") // nginx: pass each line on at once
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		var last time.Time
		var lastPhase string
		send = func(phase string, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			// A new phase always shows; within one, a few lines a second.
			if phase == lastPhase && time.Since(last) < 150*time.Millisecond && done != total {
				return
			}
			last, lastPhase = time.Now(), phase
			b, _ := json.Marshal(map[string]any{"phase": phase, "done": done, "total": total})
			_, _ = w.Write(append(b, '\n'))
			_ = rc.Flush()
		}
		send("check", 0, 0)
	}
	d.Result = s.runImport(r.Context(), u, l, up, send)
	s.answerImport(w, r, d, streaming, &mu)
}

func (s *server) answerImport(w http.ResponseWriter, r *http.Request, d importData, streaming bool, mu *sync.Mutex) {
	if !streaming {
		s.render(w, r, d.Result.status(), "imports", "", "imports", d)
		return
	}
	var buf bytes.Buffer
	if err := s.renderBlock(&buf, r, "imports", "import_result", "imports", d); err != nil {
		slog.Error("render", "page", "imports", "err", err)
	}
	if mu != nil {
		mu.Lock()
		defer mu.Unlock()
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
		w.WriteHeader(http.StatusOK)
	}
	b, _ := json.Marshal(map[string]any{"status": d.Result.status(), "html": buf.String()})
	_, _ = w.Write(append(b, '\n'))
}

// renderBlock executes one block of a page into out (a fragment inside
// another answer, such as the import's progress stream).
func (s *server) renderBlock(out io.Writer, r *http.Request, page, block, nav string, data any) error {
	u, _ := app.UserFrom(r.Context())
	v := view{L: s.locale(r, u), User: u, Nav: nav, Data: data, Path: r.URL.RequestURI(), Page: page}
	return s.pages[page].ExecuteTemplate(out, block, v)
}
