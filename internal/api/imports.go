package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/importer"
	"shangji/internal/store"
)

// maxImportSize bounds an uploaded sheet: 100,000 deals are about 15 MiB
// of CSV; an XLSX is smaller still.
const maxImportSize = 64 << 20

// importInput is a file to import, sent as the raw request body.
type importInput struct {
	Kind    string `path:"kind" enum:"users,customers,contacts,opportunities,activities"`
	DryRun  bool   `query:"dry_run" doc:"validate every row and report; write nothing"`
	Sheet   string `query:"sheet" doc:"XLSX sheet to read (default: the first)"`
	Format  string `query:"format" enum:"csv,xlsx" doc:"default: XLSX when the body is a zip archive, else CSV"`
	Mapping string `query:"mapping" doc:"a mapping file's JSON (columns, values, defaults, stages, pipeline; see docs/import.md)"`
	RawBody []byte `contentType:"application/octet-stream"`
}

// ImportRefused is the 422 of an import that wrote nothing: a Problem whose
// problems name the row and the column (as headed in the file) of each.
type ImportRefused struct {
	*Problem
	Problems []importer.CellError `json:"problems"`
	Report   *importer.Report     `json:"report,omitempty"`
}

// exportInput picks what to download: a list, or a report with the
// parameters its own endpoint takes.
type exportInput struct {
	Kind   string `path:"kind" enum:"customers,contacts,opportunities,activities,funnel,forecast,conversion,progress,accuracy,calibration,reps,targets,rollup"`
	Format string `query:"format" enum:"csv,xlsx" default:"csv"`
	Lang   string `query:"lang" enum:"zh,en" default:"zh" doc:"headers and values in Chinese or English; lists import back from either"`
	app.ReportQuery
}

// registerImports: uploading a sheet is admin-only, like the CLI (an import
// creates users and writes for every owner). Downloading is for everyone:
// the issue puts a download button on every list, and an export holds what
// the person's lists show — the same visibility filter, nothing more.
func (h handlers) registerImports(api huma.API) {
	tags := []string{"import and export"}
	huma.Register(api, huma.Operation{OperationID: "importFile", Method: http.MethodPost, Path: "/api/v1/imports/{kind}", Tags: tags,
		Summary: "Import a CSV or XLSX file (admin): all rows or none",
		Description: "The request body is the file. Every row is validated first; with problems (or dry_run) nothing is written. " +
			"422 lists each problem with its row and column; 200 reports what was created and what was already there.",
		DefaultStatus: http.StatusOK, MaxBodyBytes: maxImportSize, Errors: []int{401, 403, 413, 422}},
		func(ctx context.Context, in *importInput) (*body[*importer.Report], error) {
			u, err := app.UserFrom(ctx)
			if err != nil {
				return nil, problemOf(err)
			}
			if u.Role != store.RoleAdmin {
				return nil, problemOf(funnel.Errorf(funnel.EFORBIDDEN, "only an admin imports files"))
			}
			rep, err := h.importFile(ctx, u, in)
			if err != nil {
				return nil, err
			}
			return &body[*importer.Report]{Body: rep}, nil
		})
	route(api, huma.Operation{OperationID: "exportFile", Method: http.MethodGet, Path: "/api/v1/exports/{kind}", Tags: tags,
		Summary: "Download a list or a report as CSV or XLSX",
		Description: "What the caller can see. Lists carry the headers import reads: the file imports back unchanged. " +
			"Reports (funnel, forecast, conversion, progress, accuracy, calibration, reps, targets, rollup) take the parameters of " +
			"GET /api/v1/reports/{kind} and give its figures as rows: money to the fen, percentages 0–100 with two decimals. " +
			"CSV is UTF-8 with a byte-order mark and CRLF, and a cell a spreadsheet would run as a formula starts with an apostrophe."},
		func(ctx context.Context, u *store.User, in *exportInput) (*fileOut, error) {
			export := h.app.Export
			if slices.Contains(app.ReportKinds, in.Kind) {
				export = func(ctx context.Context, u *store.User, kind, lang string) (*app.ExportTable, error) {
					return h.app.ExportReport(ctx, u, kind, lang, in.ReportQuery)
				}
			}
			t, err := export(ctx, u, in.Kind, in.Lang)
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			if err := importer.WriteExport(&b, importer.Format(in.Format), t, in.Lang == "en"); err != nil {
				return nil, err
			}
			ct := "text/csv; charset=utf-8"
			if in.Format == "xlsx" {
				ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			}
			name := fmt.Sprintf("%s-%s.%s", in.Kind, funnel.Today(h.app.Now()), in.Format)
			return &fileOut{Status: http.StatusOK, ContentType: ct, Disposition: "attachment; filename=" + strconv.Quote(name),
				Length: strconv.Itoa(b.Len()), Sniff: "nosniff", Body: b.Bytes()}, nil
		})
	linkReportExports(api)
}

// linkReportExports points each report's operation at its download, so the
// OpenAPI document says where every report's CSV is.
func linkReportExports(api huma.API) {
	for _, kind := range app.ReportKinds {
		if item := api.OpenAPI().Paths["/api/v1/reports/"+kind]; item != nil && item.Get != nil {
			item.Get.Description = strings.TrimSpace(item.Get.Description + " As CSV or XLSX: GET /api/v1/exports/" + kind +
				" with the same parameters (format=csv|xlsx, lang=zh|en).")
		}
	}
}

// importFile reads the body and imports it; every refusal becomes a 422
// carrying the row-precise problems.
func (h handlers) importFile(ctx context.Context, u *store.User, in *importInput) (*importer.Report, error) {
	kind, _ := importer.ParseKind(in.Kind) // the path's enum admits only kinds
	var m *importer.Mapping
	if in.Mapping != "" {
		var err error
		if m, err = importer.LoadMapping(strings.NewReader(in.Mapping), kind); err != nil {
			return nil, refused(nil, importer.CellError{Column: "mapping", Message: err.Error()})
		}
	}
	format := importer.Format(in.Format)
	if format == "" {
		format = importer.CSV
		if bytes.HasPrefix(in.RawBody, []byte("PK\x03\x04")) {
			format = importer.XLSX
		}
	}
	t, err := importer.Open(bytes.NewReader(in.RawBody), format, in.Sheet)
	if err != nil {
		return nil, refused(nil, asCellError(err))
	}
	defer t.Close()
	rep, err := importer.Import(ctx, h.app, u, kind, t, importer.Options{DryRun: in.DryRun, Mapping: m})
	var fe *funnel.Error
	var ce *importer.CellError
	switch {
	case err == nil:
		return rep, nil
	case rep != nil && errors.As(err, &fe) && fe.Code == funnel.EINVALID:
		return nil, refused(rep, rep.Problems...)
	case errors.As(err, &ce):
		return nil, refused(nil, *ce) // the file itself: its header or a row that cannot be read
	}
	return nil, problemOf(err)
}

func asCellError(err error) importer.CellError {
	var ce *importer.CellError
	if errors.As(err, &ce) {
		return *ce
	}
	return importer.CellError{Message: err.Error()}
}

func refused(rep *importer.Report, ps ...importer.CellError) *ImportRefused {
	p := &Problem{Title: http.StatusText(422), Status: 422, Detail: fmt.Sprintf("%d problem(s); nothing was written", len(ps))}
	for _, c := range ps {
		p.Errors = append(p.Errors, funnel.FieldError{Field: c.Column, Message: c.Error()})
	}
	if ps == nil {
		ps = []importer.CellError{}
	}
	return &ImportRefused{Problem: p, Problems: ps, Report: rep}
}
