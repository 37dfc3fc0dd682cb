package app

import (
	"context"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// AccuracyMonth is one month of the forecast backtest.
type AccuracyMonth struct {
	Month        string        `json:"month"`
	SnapshotWeek string        `json:"snapshot_week" doc:"the snapshot the forecast is read from: the last taken at least 30 days before the month's end; empty when none"`
	Forecast     *funnel.Money `json:"forecast" doc:"Σ weighted amount of the deals in that snapshot expected to close in the month"`
	Won          funnel.Money  `json:"won" doc:"won deals closed in the month"`
	ErrorPct     *float64      `json:"error_pct" doc:"(forecast − won) / won × 100; null without a forecast or with nothing won"`
	Within5      *bool         `json:"within_5" doc:"seed 002's aim: within ±5%"`
}

// Accuracy is the backtest of a scope's forecasts.
type Accuracy struct {
	Scope   string          `json:"scope"`
	ScopeID string          `json:"scope_id,omitempty"`
	Months  []AccuracyMonth `json:"months"`
}

// Accuracy backtests the forecast (seed 002 aims for ±5% thirty days ahead):
// for each of the last n full months, the forecast as it stood 30 days
// before the month's end — read from the weekly snapshot — against what was
// won that month.
func (a *App) Accuracy(ctx context.Context, actor *store.User, months int, s ReportScope) (*Accuracy, error) {
	if months <= 0 || months > 24 {
		months = 6
	}
	var scope Forecast
	if err := a.resolveScope(ctx, actor, &s, &scope); err != nil {
		return nil, err
	}
	out := &Accuracy{Scope: scope.Scope, ScopeID: scope.ScopeID, Months: []AccuracyMonth{}}
	today := a.Now().In(funnel.CompanyZone)
	thisMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := months; i >= 1; i-- {
		start := thisMonth.AddDate(0, -i, 0)
		end := start.AddDate(0, 1, 0)
		m := AccuracyMonth{Month: start.Format("2006-01")}
		won, _, err := a.DB.Achieved(ctx, actor.Viewer(), s.filter(), start.Format(time.DateOnly), end.Format(time.DateOnly))
		if err != nil {
			return nil, err
		}
		m.Won = won
		week, err := a.DB.LatestSnapshotOnOrBefore(ctx, end.AddDate(0, 0, -31).Format(time.DateOnly))
		if err != nil {
			return nil, err
		}
		if week != "" {
			f, err := a.DB.SnapshotForecast(ctx, actor.Viewer(), s.filter(), week, start.Format(time.DateOnly), end.Format(time.DateOnly))
			if err != nil {
				return nil, err
			}
			m.SnapshotWeek, m.Forecast = week, &f
			if won > 0 {
				e := (f - won).Decimal().Shift(2).DivRound(won.Decimal(), 2).InexactFloat64()
				in := e >= -5 && e <= 5
				m.ErrorPct, m.Within5 = &e, &in
			}
		}
		out.Months = append(out.Months, m)
	}
	return out, nil
}
