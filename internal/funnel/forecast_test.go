package funnel_test

import (
	"testing"
	"time"

	"shangji/internal/funnel"
)

func TestParsePeriod(t *testing.T) {
	for _, tt := range []struct {
		in          string
		first, end  string // FirstDay, EndDay (the day after the last)
		contains    []string
		notContains []string
	}{
		{"2026-Q1", "2026-01-01", "2026-04-01", []string{"2026-01-01", "2026-03-31"}, []string{"2025-12-31", "2026-04-01"}},
		{"2026-Q2", "2026-04-01", "2026-07-01", []string{"2026-06-30"}, []string{"2026-07-01"}},
		{"2026-Q3", "2026-07-01", "2026-10-01", nil, nil},
		{"2026-Q4", "2026-10-01", "2027-01-01", []string{"2026-12-31"}, []string{"2027-01-01", "2026-09-30"}},
		{"2026-01", "2026-01-01", "2026-02-01", []string{"2026-01-31"}, []string{"2026-02-01"}},
		{"2024-02", "2024-02-01", "2024-03-01", []string{"2024-02-29"}, []string{"2024-03-01"}},
		{"2026-12", "2026-12-01", "2027-01-01", []string{"2026-12-31"}, []string{"2027-01-01"}},
		{"2026", "2026-01-01", "2027-01-01", []string{"2026-01-01", "2026-12-31"}, []string{"2025-12-31", "2027-01-01"}},
		{"9999-11", "9999-11-01", "9999-12-01", []string{"9999-11-30"}, []string{"9999-12-01"}},
	} {
		t.Run(tt.in, func(t *testing.T) {
			p, err := funnel.ParsePeriod(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.in || p.FirstDay() != tt.first || p.EndDay() != tt.end {
				t.Fatalf("ParsePeriod(%q) = %s [%s, %s), want [%s, %s)", tt.in, p.Name, p.FirstDay(), p.EndDay(), tt.first, tt.end)
			}
			for _, d := range tt.contains {
				if !p.Contains(d) {
					t.Errorf("%s should contain %s", tt.in, d)
				}
			}
			for _, d := range tt.notContains {
				if p.Contains(d) {
					t.Errorf("%s should not contain %s", tt.in, d)
				}
			}
		})
	}
}

func TestParsePeriodRefuses(t *testing.T) {
	for _, s := range []string{
		"", "2026-Q0", "2026-Q5", "2026-q4", "2026Q4", "2026-00", "2026-13", "2026-1",
		"26", "20260", "2026-", "2026-11-01", " 2026", "Q4-2026", "2026-W01",
		"9999", "9999-Q4", "9999-12", // would end in the year 10000
	} {
		if p, err := funnel.ParsePeriod(s); err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", s, p)
		}
	}
}

func TestQuarterOf(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2026-Q1"},
		{time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), "2026-Q1"},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "2026-Q2"},
		{time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "2026-Q4"},
		{time.Date(999, 5, 1, 0, 0, 0, 0, time.UTC), "0999-Q2"}, // names have four-digit years, as ParsePeriod reads them
	} {
		if got := funnel.QuarterOf(tt.t); got != tt.want {
			t.Errorf("QuarterOf(%s) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestDiagnose(t *testing.T) {
	w := funnel.Wan
	for _, tt := range []struct {
		name                        string
		forecast, quota, won, early funnel.Money
		remaining, gap              funnel.Money
		share                       string
		want                        funnel.Diagnosis
	}{
		{"ForecastCoversRemaining", w(600), w(1000), w(400), w(500), w(600), 0, "0.8333", funnel.OnTrack},
		{"ForecastExceedsRemaining", w(900), w(1000), w(400), 0, w(600), 0, "0", funnel.OnTrack},
		{"ShortAndLateHeavy", w(300), w(1000), w(400), w(100), w(600), w(300), "0.3333", funnel.NeedsNewOpportunities},
		{"ShortAndEarlyHeavy", w(300), w(1000), w(400), w(200), w(600), w(300), "0.6667", funnel.NeedsConversion},
		// Exactly half early is not "most of the forecast".
		{"ShortHalfEarly", w(300), w(1000), 0, w(150), w(1000), w(700), "0.5", funnel.NeedsNewOpportunities},
		{"NoForecast", 0, w(1000), 0, 0, w(1000), w(1000), "0", funnel.NeedsNewOpportunities},
		// Won more than the quota: nothing remains, never a negative remainder.
		{"QuotaBeaten", w(50), w(1000), w(1200), w(50), 0, 0, "1", funnel.OnTrack},
		{"NoQuota", 0, 0, 0, 0, 0, 0, "0", funnel.OnTrack},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := funnel.Diagnose(tt.forecast, tt.quota, tt.won, tt.early)
			if g.Diagnosis != tt.want {
				t.Errorf("Diagnosis = %s, want %s", g.Diagnosis, tt.want)
			}
			if g.RemainingQuota != tt.remaining || g.Gap != tt.gap {
				t.Errorf("remaining %s gap %s, want %s and %s", g.RemainingQuota, g.Gap, tt.remaining, tt.gap)
			}
			if g.RemainingQuota < 0 || g.Gap < 0 {
				t.Errorf("negative remaining %s or gap %s", g.RemainingQuota, g.Gap)
			}
			if g.EarlyShare.String() != tt.share {
				t.Errorf("EarlyShare = %s, want %s", g.EarlyShare, tt.share)
			}
			if g.Forecast != tt.forecast || g.Quota != tt.quota || g.Achieved != tt.won {
				t.Errorf("inputs not echoed: %+v", g)
			}
		})
	}
}
