package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/importer"
	"shangji/internal/store"
)

// Downloads through the session (the API's GET /api/v1/exports/{kind} wants
// a bearer token): the lists and the funnel from app.Export, and the
// dashboard's progress, conversion and team reports built here from the
// same report use cases the charts draw, in the reader's language.

// dashboardReports are the downloads this file builds itself.
var dashboardReports = []string{"progress", "conversion", "team"}

func (s *server) download(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	kind := r.PathValue("kind")
	format := importer.CSV
	if r.URL.Query().Get("format") == "xlsx" {
		format = importer.XLSX
	}
	l := s.locale(r, u)
	var t *app.ExportTable
	var err error
	switch {
	case slices.Contains(dashboardReports, kind):
		t, err = s.reportTable(ctx, r, u, kind, l)
	case slices.Contains(app.ExportKinds, kind):
		lang := "zh-CN"
		if l.English() {
			lang = "en"
		}
		t, err = s.app.Export(ctx, u, kind, lang)
	default:
		err = funnel.Errorf(funnel.ENOTFOUND, "no such download")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := importer.WriteExport(&b, format, t, l.English()); err != nil {
		s.fail(w, r, err)
		return
	}
	ct := "text/csv; charset=utf-8"
	if format == importer.XLSX {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	name := fmt.Sprintf("%s-%s.%s", kind, funnel.Today(s.app.Now()), format)
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b.Bytes())
}

// reportTable is one of the dashboard's reports as rows; the columns are
// named in the reader's language (the importer keeps unknown keys as headers).
func (s *server) reportTable(ctx context.Context, r *http.Request, u *store.User, kind string, l Locale) (*app.ExportTable, error) {
	sc, err := s.scopeOf(ctx, r, u)
	if err != nil {
		return nil, err
	}
	t := &app.ExportTable{Kind: kind, Rows: [][]string{}}
	yuan := func(m funnel.Money) string { return m.Decimal().StringFixed(2) }
	switch kind {
	case "progress":
		fs := sc.report()
		fs.PipelineID = ""
		period := r.URL.Query().Get("period")
		if period == "" {
			period = quarters(s.app.Now())[1]
		}
		p, err := s.app.Progress(ctx, u, period, fs)
		if err != nil {
			return nil, err
		}
		t.Fields = []string{l.T("dash.week"), l.T("dash.week_end"), l.T("dash.f"), l.T("dash.s"), l.T("dash.progress_pct"), l.T("dash.target")}
		for _, w := range p.Weeks {
			f, pr := "", ""
			if w.Forecast != nil {
				f = yuan(*w.Forecast)
			}
			if w.Progress != nil {
				pr = strconv.FormatFloat(*w.Progress, 'f', 2, 64)
			}
			t.Rows = append(t.Rows, []string{strconv.Itoa(w.Week), w.WeekEnd, f, yuan(w.Sales), pr, strconv.FormatFloat(w.Target, 'f', 2, 64)})
		}
	case "conversion":
		c, err := s.app.Conversion(ctx, u, "", sc.report())
		if err != nil {
			return nil, err
		}
		names := map[string]string{}
		if sc.Current != nil {
			for _, st := range sc.Current.Stages {
				names[st.Key] = l.StageName(st.Stage)
			}
		}
		t.Fields = []string{l.T("list.stage"), l.T("dash.entered"), l.T("dash.advanced"), l.T("dash.conversion_pct"), l.T("dash.dwell")}
		for _, st := range c.Stages {
			t.Rows = append(t.Rows, []string{names[st.Key], strconv.Itoa(st.Entered), strconv.Itoa(st.Advanced), st.Conversion.StringFixed(2), st.AvgDwellDays.StringFixed(1)})
		}
	case "team":
		var d dashboardData
		if err := s.team(ctx, u, sc, l, &d); err != nil {
			return nil, err
		}
		t.Fields = []string{l.T("card.owner"), l.T("board.count"), l.T("board.amount"), l.T("board.weighted"), l.T("dash.opened"), l.T("dash.won"),
			l.T("dash.win_rate"), l.T("dash.conversion_pct"), l.T("dash.profile")}
		for _, m := range d.Team {
			prof := ""
			if m.Profile != "" {
				prof = l.T("profile." + m.Profile)
			}
			t.Rows = append(t.Rows, []string{m.Name, strconv.FormatInt(m.Deals, 10), yuan(m.Amount), yuan(m.Weighted), strconv.Itoa(m.Opened),
				strconv.Itoa(m.Won), strconv.FormatFloat(m.WinRate, 'f', 2, 64), strconv.FormatFloat(m.Conversion, 'f', 2, 64), prof})
		}
	}
	return t, nil
}
