package web

import (
	"net/http"
	"time"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

type dashboardData struct {
	Scope    *scope
	Funnel   *app.Funnel
	Forecast *app.Forecast
	Periods  []string
	Top      []card
	Chart    chartData
	// Weekly progress (销售进展), conversion by stage, risky deals and the
	// team side by side (dashboard_more.go).
	Progress   *app.Progress
	Conversion *funnel.ConversionReport
	Risky      []card
	Team       []teamRow
}

// chartData is what dashboard.js draws; labels are translated here so the
// script holds no words of its own.
type chartData struct {
	English    bool          `json:"english"`
	Funnel     []chartPoint  `json:"funnel"`
	Bars       []chartPoint  `json:"bars"`
	Labels     chartLabels   `json:"labels"`
	Progress   progressChart `json:"progress"`
	Conversion []chartPoint  `json:"conversion"`
	Team       teamChart     `json:"team"`
}

type chartPoint struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Count    int64   `json:"count"`
	Weighted float64 `json:"weighted"`
	Text     string  `json:"text"`
}

type chartLabels struct {
	Count    string `json:"count"`
	Amount   string `json:"amount"`
	Weighted string `json:"weighted"`
	// Progress and conversion charts.
	Forecast   string `json:"forecast"`
	Sales      string `json:"sales"`
	Progress   string `json:"progress"`
	Target     string `json:"target"`
	Conversion string `json:"conversion"`
	Entered    string `json:"entered"`
	Advanced   string `json:"advanced"`
	Dwell      string `json:"dwell"`
}

// dashboard is the manager's view: the funnel (app.Funnel) and the forecast
// against quota for a quarter (app.Forecast), with the top deals.
func (s *server) dashboard(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	sc, err := s.scopeOf(ctx, r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := s.locale(r, u)
	d := dashboardData{Scope: sc, Periods: quarters(s.app.Now())}
	period := r.URL.Query().Get("period")
	if period == "" {
		period = d.Periods[1]
	}
	if d.Funnel, err = s.app.Funnel(ctx, u, sc.report()); err != nil {
		s.fail(w, r, err)
		return
	}
	fs := sc.report()
	fs.PipelineID = "" // the forecast spans every pipeline (SPEC §5)
	if d.Forecast, err = s.app.Forecast(ctx, u, period, fs); err != nil {
		s.fail(w, r, err)
		return
	}
	f := sc.filter()
	f.SortByWeighted, f.Limit = true, 8
	opps, _, err := s.app.DB.Opportunities(ctx, u.Viewer(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Top, err = s.cards(ctx, opps, sc.Pipelines); err != nil {
		s.fail(w, r, err)
		return
	}
	c := chartData{English: l.English(), Labels: chartLabels{Count: l.T("board.count"), Amount: l.T("board.amount"), Weighted: l.T("board.weighted")}}
	for _, st := range d.Funnel.Stages {
		// The funnel's widths follow the number of deals, its labels the money.
		c.Funnel = append(c.Funnel, chartPoint{Name: l.Name(st.Name, st.NameEN), Value: float64(st.Count), Count: st.Count,
			Weighted: l.Yuan(st.WeightedAmount), Text: l.Money(st.Amount)})
	}
	fc := d.Forecast
	for _, b := range []struct {
		key string
		m   funnel.Money
	}{{"dash.quota", fc.Quota}, {"dash.achieved", fc.Achieved}, {"dash.forecast", fc.Forecast}, {"dash.gap", fc.Gap}} {
		c.Bars = append(c.Bars, chartPoint{Name: l.T(b.key), Value: l.Yuan(b.m), Text: l.Money(b.m)})
	}
	d.Chart = c
	if err := s.dashboardMore(ctx, u, sc, period, l, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", "", "dashboard", d)
}

// quarters offers the previous, the current and the next quarter.
func quarters(now time.Time) []string {
	now = now.In(funnel.CompanyZone)
	now = time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, funnel.CompanyZone) // no month-end overflow
	return []string{funnel.QuarterOf(now.AddDate(0, -3, 0)), funnel.QuarterOf(now), funnel.QuarterOf(now.AddDate(0, 3, 0))}
}
