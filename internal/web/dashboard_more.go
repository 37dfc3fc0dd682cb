package web

import (
	"context"
	"slices"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// The dashboard's second half: weekly progress through the quarter (seed
// 003 销售进展, app.Progress), conversion by stage (app.Conversion), the
// risky deals and the team side by side (app.RepProfiles beside each
// owner's funnel, app.FunnelBy grouped by owner).

// teamRow is one member of the team: their open funnel and their profile.
type teamRow struct {
	OwnerID, Name    string
	Deals            int64
	Amount, Weighted funnel.Money
	Opened, Won      int
	WinRate          float64
	Conversion       float64
	Profile          string
}

// progressChart is the quarter week by week: F and S as bars, the week's
// progress against the 1/13 target as lines. Nil values are weeks with no
// snapshot (no forecast then).
type progressChart struct {
	Weeks    []string   `json:"weeks"`
	Forecast []*float64 `json:"forecast"`
	Sales    []float64  `json:"sales"`
	Progress []*float64 `json:"progress"`
	Target   float64    `json:"target"`
}

// teamChart stacks each member's weighted open amount by stage.
type teamChart struct {
	Owners []string      `json:"owners"`
	Series []stageSeries `json:"series"`
}

type stageSeries struct {
	Name string    `json:"name"`
	Data []float64 `json:"data"`
}

// riskyShown is how many risky deals the dashboard lists; riskyScan how many
// of the most valuable open deals it looks through when no flag is stored.
const riskyShown, riskyScan = 8, 300

// riskyDeals are the most valuable open deals with a risk flag the rules
// stored (high first, then medium); before the rules job has flagged
// anything, those with a flag computed on the card (overdue follow-up,
// stalled in stage, health below the line).
func (s *server) riskyDeals(ctx context.Context, u *store.User, sc *scope) ([]card, error) {
	var opps []*store.Opportunity
	for _, level := range []string{funnel.RiskHigh, funnel.RiskMedium} {
		f := sc.filter()
		f.SortByWeighted, f.Limit, f.Risk = true, riskyShown, level
		got, _, err := s.app.DB.Opportunities(ctx, u.Viewer(), f)
		if err != nil {
			return nil, err
		}
		for _, o := range got {
			if len(opps) < riskyShown && !slices.ContainsFunc(opps, func(x *store.Opportunity) bool { return x.ID == o.ID }) {
				opps = append(opps, o)
			}
		}
	}
	if len(opps) > 0 {
		return s.cards(ctx, opps, sc.Pipelines)
	}
	f := sc.filter()
	f.SortByWeighted, f.Limit = true, riskyScan
	all, _, err := s.app.DB.Opportunities(ctx, u.Viewer(), f)
	if err != nil {
		return nil, err
	}
	cs, err := s.cards(ctx, all, sc.Pipelines)
	if err != nil {
		return nil, err
	}
	var out []card
	for _, c := range cs {
		if (c.Overdue || c.Stalled || c.HealthFlagged) && len(out) < riskyShown {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *server) dashboardMore(ctx context.Context, u *store.User, sc *scope, period string, l Locale, d *dashboardData) error {
	c := &d.Chart
	c.Labels.Forecast, c.Labels.Sales, c.Labels.Progress, c.Labels.Target = l.T("dash.f"), l.T("dash.s"), l.T("dash.progress_pct"), l.T("dash.target")
	c.Labels.Conversion, c.Labels.Entered, c.Labels.Advanced, c.Labels.Dwell = l.T("dash.conversion_pct"), l.T("dash.entered"), l.T("dash.advanced"), l.T("dash.dwell")

	fs := sc.report()
	fs.PipelineID = "" // progress, like the forecast, spans every pipeline
	var err error
	if d.Progress, err = s.app.Progress(ctx, u, period, fs); err != nil {
		return err
	}
	pc := progressChart{Weeks: []string{}, Forecast: []*float64{}, Sales: []float64{}, Progress: []*float64{}}
	for _, w := range d.Progress.Weeks {
		name := l.T("dash.week_n", w.Week)
		if w.Week == 0 {
			name = l.T("dash.week_start")
		}
		pc.Weeks = append(pc.Weeks, name)
		var f *float64
		if w.Forecast != nil {
			v := l.Yuan(*w.Forecast)
			f = &v
		}
		pc.Forecast, pc.Sales, pc.Progress = append(pc.Forecast, f), append(pc.Sales, l.Yuan(w.Sales)), append(pc.Progress, w.Progress)
		pc.Target = w.Target
	}
	c.Progress = pc

	if d.Conversion, err = s.app.Conversion(ctx, u, "", sc.report()); err != nil {
		return err
	}
	names := map[string]string{}
	if sc.Current != nil {
		for _, st := range sc.Current.Stages {
			names[st.Key] = l.StageName(st.Stage)
		}
	}
	for _, st := range d.Conversion.Stages {
		n := names[st.Key]
		if n == "" {
			n = st.Name
		}
		c.Conversion = append(c.Conversion, chartPoint{Name: n, Value: st.Conversion.InexactFloat64(), Count: int64(st.Entered),
			Weighted: float64(st.Advanced), Text: st.AvgDwellDays.StringFixed(1)})
	}

	if d.Risky, err = s.riskyDeals(ctx, u, sc); err != nil {
		return err
	}

	if err := s.team(ctx, u, sc, l, d); err != nil {
		return err
	}
	return nil
}

// team puts each owner's open funnel beside their opener/converter profile.
func (s *server) team(ctx context.Context, u *store.User, sc *scope, l Locale, d *dashboardData) error {
	byOwner, err := s.app.FunnelBy(ctx, u, app.FunnelQuery{ReportScope: sc.report(), GroupBy: "owner"})
	if err != nil {
		return err
	}
	prof, err := s.app.RepProfiles(ctx, u, "", sc.report())
	if err != nil {
		return err
	}
	rows, at := []teamRow{}, map[string]int{}
	for _, g := range byOwner.Groups {
		at[g.Key] = len(rows)
		rows = append(rows, teamRow{OwnerID: g.Key, Name: g.Label, Deals: g.Total.Count, Amount: g.Total.Amount, Weighted: g.Total.WeightedAmount})
	}
	for _, p := range prof.Reps {
		i, ok := at[p.OwnerID]
		if !ok {
			at[p.OwnerID] = len(rows)
			rows = append(rows, teamRow{OwnerID: p.OwnerID, Name: p.Name})
			i = len(rows) - 1
		}
		r := &rows[i]
		r.Opened, r.Won, r.WinRate, r.Conversion, r.Profile = p.Opened, p.Won, p.WinRate, p.Conversion, p.Profile
	}
	d.Team = rows
	tc := teamChart{Owners: []string{}, Series: []stageSeries{}}
	for _, st := range byOwner.Stages {
		tc.Series = append(tc.Series, stageSeries{Name: l.Name(st.Name, st.NameEN), Data: []float64{}})
	}
	for _, g := range byOwner.Groups {
		tc.Owners = append(tc.Owners, g.Label)
		for i := range tc.Series {
			if i < len(g.Stages) {
				tc.Series[i].Data = append(tc.Series[i].Data, l.Yuan(g.Stages[i].WeightedAmount))
			}
		}
	}
	d.Chart.Team = tc
	return nil
}
