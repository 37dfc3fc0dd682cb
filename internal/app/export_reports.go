package app

import (
	"context"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Reports as tables (issue 4 item 11): each report use case's result laid
// out as rows under column keys, which package importer names in Chinese or
// English and writes as CSV or XLSX. The figures are the report's own, as
// text: money as decimals to the fen, percentages 0–100 with two decimals.

// ReportKinds are the reports ExportReport lays out.
var ReportKinds = []string{"funnel", "forecast", "conversion", "progress", "accuracy", "calibration", "reps", "targets", "rollup"}

// ReportQuery is every report's parameters in one: each report reads the
// ones it takes, as its own endpoint does.
type ReportQuery struct {
	ReportScope
	Period   string `query:"period" doc:"the report's period: 2026-Q4, 2026-11 or 2026. forecast, progress, targets and rollup default to the current quarter; funnel, conversion, calibration and reps to all deals"`
	PeriodBy string `query:"period_by" enum:"close,created," doc:"funnel: the period is of the expected close date (default) or of creation"`
	GroupBy  string `query:"group_by" enum:"owner,team,industry,region,pipeline," doc:"funnel: one block of stages per group"`
	Product  string `query:"product" doc:"funnel: only deals with this product line"`
	Months   int    `query:"months" minimum:"0" maximum:"24" doc:"accuracy: how many past months; default 6"`
}

// ExportReport runs report kind for actor (scoped by what they may see) and
// lays it out as a table.
func (a *App) ExportReport(ctx context.Context, actor *store.User, kind, lang string, q ReportQuery) (*ExportTable, error) {
	en := lang == "en"
	t := &ExportTable{Kind: kind, Rows: [][]string{}}
	period := q.Period
	if period == "" {
		period = funnel.QuarterOf(a.Now())
	}
	var err error
	switch kind {
	case "funnel":
		var f *Funnel
		if f, err = a.FunnelBy(ctx, actor, FunnelQuery{ReportScope: q.ReportScope, GroupBy: q.GroupBy, Period: q.Period, PeriodBy: q.PeriodBy, Product: q.Product}); err == nil {
			funnelTable(t, f, en)
		}
	case "forecast":
		var f *Forecast
		if f, err = a.Forecast(ctx, actor, period, q.ReportScope); err == nil {
			forecastTable(t, f)
		}
	case "conversion":
		var c *funnel.ConversionReport
		if c, err = a.Conversion(ctx, actor, q.Period, q.ReportScope); err == nil {
			err = a.conversionTable(ctx, t, c, q.PipelineID, en)
		}
	case "progress":
		var p *Progress
		if p, err = a.Progress(ctx, actor, period, q.ReportScope); err == nil {
			progressTable(t, p, en)
		}
	case "accuracy":
		var acc *Accuracy
		if acc, err = a.Accuracy(ctx, actor, q.Months, q.ReportScope); err == nil {
			accuracyTable(t, acc, en)
		}
	case "calibration":
		var c *Calibration
		if c, err = a.Calibration(ctx, actor, q.Period, q.ReportScope); err == nil {
			err = a.calibrationTable(ctx, t, c, q.PipelineID, en)
		}
	case "reps":
		var r *RepProfiles
		if r, err = a.RepProfiles(ctx, actor, q.Period, q.ReportScope); err == nil {
			repsTable(t, r, en)
		}
	case "targets":
		var tg *Targets
		if tg, err = a.Targets(ctx, actor, period, q.ReportScope); err == nil {
			targetsTable(t, tg)
		}
	case "rollup":
		var r *Rollup
		if r, err = a.Rollup(ctx, actor, period, q.TeamID); err == nil {
			rollupTable(t, r, en)
		}
	default:
		return nil, fieldErr("kind", "unknown report %q: use %s", kind, strings.Join(ReportKinds, ", "))
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func yuan(m funnel.Money) string { return m.String() }

func yuanOrEmpty(m *funnel.Money) string {
	if m == nil {
		return ""
	}
	return m.String()
}

func percentOrEmpty(v *float64) string {
	if v == nil {
		return ""
	}
	return formatPercent(*v)
}

func fixed(d decimal.Decimal) string { return d.StringFixed(2) }

func num[N int | int64](n N) string { return strconv.FormatInt(int64(n), 10) }

func yesNo(b *bool, en bool) string {
	switch {
	case b == nil:
		return ""
	case en && *b:
		return "yes"
	case en:
		return "no"
	case *b:
		return "是"
	}
	return "否"
}

// label picks the Chinese or English of a row label.
func label(zh, enText string, en bool) string {
	if en {
		return enText
	}
	return zh
}

func funnelTable(t *ExportTable, f *Funnel, en bool) {
	t.Fields = []string{"stage", "probability", "count", "amount", "weighted_amount", "forecast_share"}
	block := func(prefix []string, stages []FunnelStage, total Totals) {
		for _, s := range stages {
			name := s.Name
			if en {
				name = s.NameEN
			}
			t.Rows = append(t.Rows, append(prefix, name, strconv.Itoa(s.Probability), num(s.Count), yuan(s.Amount), yuan(s.WeightedAmount), formatPercent(s.ForecastShare)))
		}
		t.Rows = append(t.Rows, append(prefix, label("合计", "Total", en), "", num(total.Count), yuan(total.Amount), yuan(total.WeightedAmount), "100.00"))
	}
	if len(f.Groups) == 0 {
		block(nil, f.Stages, f.Total)
		return
	}
	t.Fields = append([]string{"group"}, t.Fields...)
	for _, g := range f.Groups {
		block([]string{g.Label}, g.Stages, g.Total)
	}
}

func forecastTable(t *ExportTable, f *Forecast) {
	t.Fields = []string{"period", "scope", "forecast", "quota", "achieved", "won", "direct_sales", "remaining_quota", "gap", "coverage", "early_share", "diagnosis", "method"}
	t.Rows = append(t.Rows, []string{f.Period, f.Scope, yuan(f.Forecast), yuan(f.Quota), yuan(f.Achieved), yuan(f.Won), yuan(f.DirectSales),
		yuan(f.RemainingQuota), yuan(f.Gap), formatPercent(f.Coverage), formatPercent(f.EarlyShare), string(f.Diagnosis), f.Method})
}

// stageLabels names the stages of the report's pipeline in the language.
func (a *App) stageLabels(ctx context.Context, pipelineID string, en bool) (map[string]string, error) {
	pl, err := a.reportPipeline(ctx, pipelineID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range pl.Stages {
		out[s.Key] = label(s.NameZH, s.NameEN, en)
	}
	return out, nil
}

func (a *App) reportPipeline(ctx context.Context, id string) (pl *store.Pipeline, err error) {
	err = a.tx(ctx, func(tx *store.Tx) error {
		pl, err = a.pipelineFor(ctx, tx, &id)
		return err
	})
	return pl, err
}

// conversionTable: one row per open stage, then the whole cycle as one
// more "stage" — deals entered, won advanced, the win rate as its
// conversion and the average days from creation to a win as its dwell.
func (a *App) conversionTable(ctx context.Context, t *ExportTable, c *funnel.ConversionReport, pipelineID string, en bool) error {
	names, err := a.stageLabels(ctx, pipelineID, en)
	if err != nil {
		return err
	}
	t.Fields = []string{"stage", "entered", "advanced", "conversion", "avg_dwell_days", "median_dwell_days", "stays"}
	for _, s := range c.Stages {
		t.Rows = append(t.Rows, []string{names[s.Key], num(s.Entered), num(s.Advanced), fixed(s.Conversion), fixed(s.AvgDwellDays), fixed(s.MedianDwellDays), num(s.Stays)})
	}
	t.Rows = append(t.Rows, []string{label("全程(创建→赢单)", "Whole cycle (created → won)", en), num(c.Deals), num(c.Won), fixed(c.WinRate), fixed(c.AvgCycleDays), "", num(c.Won)})
	return nil
}

func progressTable(t *ExportTable, p *Progress, en bool) {
	t.Fields = []string{"week", "week_end", "quota", "forecast", "sales", "progress", "target", "on_target", "live"}
	for _, w := range p.Weeks {
		live := w.Live
		t.Rows = append(t.Rows, []string{strconv.Itoa(w.Week), w.WeekEnd, yuan(p.Quota), yuanOrEmpty(w.Forecast), yuan(w.Sales),
			percentOrEmpty(w.Progress), formatPercent(w.Target), yesNo(w.OnTarget, en), yesNo(&live, en)})
	}
}

func accuracyTable(t *ExportTable, acc *Accuracy, en bool) {
	t.Fields = []string{"month", "snapshot_week", "forecast", "won", "error_pct", "within_5"}
	for _, m := range acc.Months {
		t.Rows = append(t.Rows, []string{m.Month, m.SnapshotWeek, yuanOrEmpty(m.Forecast), yuan(m.Won), percentOrEmpty(m.ErrorPct), yesNo(m.Within5, en)})
	}
}

func (a *App) calibrationTable(ctx context.Context, t *ExportTable, c *Calibration, pipelineID string, en bool) error {
	names, err := a.stageLabels(ctx, pipelineID, en)
	if err != nil {
		return err
	}
	t.Fields = []string{"stage", "configured", "empirical", "sample"}
	for _, s := range c.Stages {
		t.Rows = append(t.Rows, []string{names[s.Key], strconv.Itoa(s.Configured), fixed(s.Empirical), num(s.Sample)})
	}
	return nil
}

func repsTable(t *ExportTable, r *RepProfiles, en bool) {
	t.Fields = []string{"rep", "opened", "won_deals", "win_rate", "conversion", "profile"}
	for _, p := range r.Reps {
		t.Rows = append(t.Rows, []string{p.Name, num(p.Opened), num(p.Won), formatPercent(p.WinRate), formatPercent(p.Conversion), p.Profile})
	}
	t.Rows = append(t.Rows, []string{label("中位数", "Median", en), strconv.FormatFloat(r.MedianOpened, 'f', -1, 64), "", "", formatPercent(r.MedianConversion), ""})
}

func targetsTable(t *ExportTable, tg *Targets) {
	p, b := tg.Probability, tg.Behaviour
	t.Fields = []string{"period", "scope", "quota", "achieved", "remaining_quota", "win_rate", "avg_order_value", "activities_per_win",
		"needed_wins", "needed_opportunities", "needed_activities", "working_days_left", "activities_per_day",
		"actual_opportunities", "actual_activities", "named_accounts", "touched", "penetrated", "coverage", "penetration"}
	t.Rows = append(t.Rows, []string{tg.Period, tg.Scope, yuan(tg.Quota), yuan(tg.Achieved), yuan(p.Remaining), fixed(p.WinRate), yuan(p.AvgOrderValue),
		fixed(p.ActivitiesPerWin), num(p.NeededWins), num(p.NeededOpportunities), num(p.NeededActivities), strconv.Itoa(p.WorkingDaysLeft),
		fixed(p.ActivitiesPerDay), num(tg.Actual.Opportunities), num(tg.Actual.Activities), strconv.Itoa(b.Accounts), strconv.Itoa(b.Touched),
		strconv.Itoa(b.Penetrated), fixed(b.Coverage), fixed(b.Penetration)})
}

// rollupTable: the team's own line first, then each sub-team and member,
// live beside submitted.
func rollupTable(t *ExportTable, r *Rollup, en bool) {
	t.Fields = []string{"kind", "name", "live", "submitted", "submitted_at", "comment"}
	row := func(kind, name string, live funnel.Money, s *store.Submission) {
		sub := []string{"", "", ""}
		if s != nil {
			sub = []string{yuan(s.Amount), s.SubmittedAt.In(funnel.CompanyZone).Format("2006-01-02 15:04"), s.Comment}
		}
		t.Rows = append(t.Rows, append([]string{kind, name, yuan(live)}, sub...))
	}
	row(label("本团队", "this team", en), r.TeamName, r.Live, r.Submitted)
	for _, x := range r.Rows {
		row(label(map[string]string{"team": "下级团队", "user": "成员"}[x.Kind], x.Kind, en), x.Name, x.Live, x.Submitted)
	}
}
