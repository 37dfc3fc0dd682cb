package app

import (
	"context"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// WeekRow is one week of the quarter's progress (seed 003 销售进展).
type WeekRow struct {
	Week     int           `json:"week" doc:"0 is the quarter's start, then 1…13 (14)"`
	WeekEnd  string        `json:"week_end"`
	Forecast *funnel.Money `json:"forecast" doc:"F at the week's end, from its snapshot; null when none was taken"`
	Sales    funnel.Money  `json:"sales" doc:"S: won + direct sales of the quarter up to the week's end"`
	Progress *float64      `json:"progress" doc:"((F+S) − (F+S of the week before)) / quota, percent; null when a forecast is missing"`
	Target   float64       `json:"target" doc:"1/13 of the quarter, percent"`
	OnTarget *bool         `json:"on_target"`
	Live     bool          `json:"live" doc:"the current week: live figures, not yet a snapshot"`
}

// Progress is a scope's weekly progress through a quarter.
type Progress struct {
	Period  string       `json:"period"`
	Scope   string       `json:"scope"`
	ScopeID string       `json:"scope_id,omitempty"`
	Quota   funnel.Money `json:"quota"`
	Weeks   []WeekRow    `json:"weeks"`
}

// Progress reads each closed week's forecast from its snapshot and the sales
// achieved up to its end, and measures each week's move against the quota
// (SPEC §5: ((F_w + S_w) − (F_w−1 + S_w−1)) / Q, target 1/13 a week). The
// current week shows live figures.
func (a *App) Progress(ctx context.Context, actor *store.User, period string, s ReportScope) (*Progress, error) {
	per, err := funnel.ParsePeriod(period)
	if err != nil || per.End.Sub(per.Start) > 93*24*time.Hour || per.End.Sub(per.Start) < 89*24*time.Hour {
		return nil, fieldErr("period", "must be a quarter like 2026-Q4")
	}
	live, err := a.Forecast(ctx, actor, period, s) // resolves and checks the scope, and gives today's figures
	if err != nil {
		return nil, err
	}
	switch live.Scope {
	case "user":
		s.OwnerID = live.ScopeID
	case "team":
		s.TeamID = live.ScopeID
	}
	out := &Progress{Period: per.Name, Scope: live.Scope, ScopeID: live.ScopeID, Quota: live.Quota, Weeks: []WeekRow{}}
	now := a.Now()
	weeks := append([]funnel.SalesWeek{{Number: 0, LastDay: per.Start.AddDate(0, 0, -1).Format(time.DateOnly),
		Closes: time.Date(per.Start.Year(), per.Start.Month(), per.Start.Day(), 0, 0, 0, 0, funnel.CompanyZone)}}, funnel.WeeksOf(per)...)
	target := 100.0 / funnel.WeeksPerQuarter
	for _, w := range weeks {
		row := WeekRow{Week: w.Number, WeekEnd: w.LastDay, Target: roundPct(target)}
		if w.Closes.After(now) {
			if w.Number > 0 && w.FirstDay <= funnel.Today(now) {
				f := live.Forecast
				row.Forecast, row.Sales, row.Live = &f, live.Achieved, true
				out.Weeks = append(out.Weeks, a.withProgress(out, row))
			}
			break
		}
		if w.Number > 0 {
			won, direct, err := a.DB.Achieved(ctx, actor.Viewer(), s.filter(), per.FirstDay(), w.Closes.Format(time.DateOnly))
			if err != nil {
				return nil, err
			}
			row.Sales = won + direct
		}
		taken, err := a.DB.SnapshotTaken(ctx, w.LastDay)
		if err != nil {
			return nil, err
		}
		if taken {
			f, err := a.DB.SnapshotForecast(ctx, actor.Viewer(), s.filter(), w.LastDay, per.FirstDay(), per.EndDay())
			if err != nil {
				return nil, err
			}
			row.Forecast = &f
		}
		out.Weeks = append(out.Weeks, a.withProgress(out, row))
	}
	return out, nil
}

// withProgress computes the row's move from the row before it.
func (a *App) withProgress(p *Progress, row WeekRow) WeekRow {
	if len(p.Weeks) == 0 || row.Forecast == nil || p.Quota <= 0 {
		return row
	}
	prev := p.Weeks[len(p.Weeks)-1]
	if prev.Forecast == nil {
		return row
	}
	res, err := funnel.WeeklyProgress(p.Quota, []funnel.WeekEnd{
		{Week: prev.Week, Forecast: *prev.Forecast, Sales: prev.Sales},
		{Week: row.Week, Forecast: *row.Forecast, Sales: row.Sales},
	})
	if err != nil || len(res) != 1 {
		return row
	}
	pct, on := res[0].Percent.InexactFloat64(), res[0].OnTarget
	row.Progress, row.OnTarget = &pct, &on
	return row
}

func roundPct(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// TakeSnapshot records the last closed week's snapshot if it is missing
// (the scheduled job and `shangji snapshot` call this); weekEnd overrides the
// week. It returns the week and whether this call took it.
func (a *App) TakeSnapshot(ctx context.Context, weekEnd string) (string, bool, error) {
	if weekEnd == "" {
		weekEnd = funnel.LastClosedWeek(a.Now()).LastDay
	} else if _, err := time.Parse(time.DateOnly, weekEnd); err != nil {
		return "", false, fieldErr("week_end", "must be a date like 2026-11-22")
	}
	var took bool
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		took, err = tx.TakeSnapshot(ctx, weekEnd)
		return err
	})
	return weekEnd, took, err
}
