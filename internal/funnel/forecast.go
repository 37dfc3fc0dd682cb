package funnel

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Period is a calendar span of whole days, [Start, End), named like
// "2026-Q4" (quarter), "2026-11" (month) or "2026" (year).
type Period struct {
	Name  string
	Start time.Time // first day, 00:00 UTC
	End   time.Time // day after the last day
}

var periodRe = regexp.MustCompile(`^(\d{4})(?:-Q([1-4])|-(\d{2}))?$`)

// ParsePeriod reads "2026-Q4", "2026-11" or "2026".
func ParsePeriod(s string) (Period, error) {
	m := periodRe.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("period %q is not like 2026-Q4, 2026-11 or 2026", s)
	}
	year, _ := strconv.Atoi(m[1])
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	p := Period{Name: s, Start: start, End: start.AddDate(1, 0, 0)}
	switch {
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		p.Start = time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		p.End = p.Start.AddDate(0, 3, 0)
	case m[3] != "":
		mon, _ := strconv.Atoi(m[3])
		if mon < 1 || mon > 12 {
			return Period{}, fmt.Errorf("period %q has no month %d", s, mon)
		}
		p.Start = time.Date(year, time.Month(mon), 1, 0, 0, 0, 0, time.UTC)
		p.End = p.Start.AddDate(0, 1, 0)
	}
	// Dates compare as "YYYY-MM-DD" strings (Contains, SQL), which breaks
	// once the end date needs a five-digit year.
	if p.End.Year() > 9999 {
		return Period{}, fmt.Errorf("period %q ends after the year 9999", s)
	}
	return p, nil
}

// QuarterOf names the quarter holding t, like "2026-Q4".
func QuarterOf(t time.Time) string {
	return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// FirstDay and EndDay (the day after the last) as ISO dates, the format
// dates are stored in.
func (p Period) FirstDay() string { return p.Start.Format(time.DateOnly) }
func (p Period) EndDay() string   { return p.End.Format(time.DateOnly) }

// Contains reports whether the ISO date d lies in p.
func (p Period) Contains(d string) bool { return d >= p.FirstDay() && d < p.EndDay() }

// Diagnosis says what a scope needs to reach its quota (SPEC §5 "Gap").
type Diagnosis string

const (
	OnTrack               Diagnosis = "on_track"
	NeedsNewOpportunities Diagnosis = "needs_new_opportunities"
	NeedsConversion       Diagnosis = "needs_conversion"
)

// StageForecast is one stage's part of a forecast.
type StageForecast struct {
	Stage    Stage
	Weighted Money
}

// Gap is the forecast measured against the quota of a scope and period.
type Gap struct {
	Forecast       Money
	Quota          Money
	Achieved       Money // won + direct sales
	RemainingQuota Money // quota − achieved, never below zero
	Gap            Money // remaining − forecast, never below zero
	Diagnosis      Diagnosis
	// EarlyShare is the share (0–1) of the forecast held by the first open
	// stage of the pipeline(s).
	EarlyShare decimal.Decimal
}

// Diagnose compares a forecast with the quota still to win. Seed 000 asks one
// question when the forecast falls short: open new deals, or push the ones we
// have? When the first stage holds most (over half) of the forecast, volume
// is there but it is early, so the answer is conversion; otherwise it is new
// opportunities. A forecast that covers the remaining quota is on track.
func Diagnose(forecast, quota, achieved, early Money) Gap {
	g := Gap{Forecast: forecast, Quota: quota, Achieved: achieved}
	g.RemainingQuota = max(quota-achieved, 0)
	g.Gap = max(g.RemainingQuota-forecast, 0)
	g.EarlyShare = decimal.Zero
	if forecast > 0 {
		g.EarlyShare = decimal.NewFromInt(int64(early)).DivRound(decimal.NewFromInt(int64(forecast)), 4)
	}
	switch {
	case forecast >= g.RemainingQuota:
		g.Diagnosis = OnTrack
	case g.EarlyShare.GreaterThan(decimal.New(5, -1)):
		g.Diagnosis = NeedsConversion
	default:
		g.Diagnosis = NeedsNewOpportunities
	}
	return g
}
