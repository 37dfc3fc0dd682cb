package funnel_test

import (
	"strconv"
	"testing"
	"time"

	"shangji/internal/funnel"
)

func TestConversionCountsSkippedStagesAndDwell(t *testing.T) {
	stages := funnel.Presets()[1].Stages // sop-5: discovery, needs_confirmed, proposal, closing, won, lost
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
	c := funnel.NewConversion(stages, funnel.Wan(50))
	// Won, walking every stage: dwell 2, 4, 6, 8 days.
	c.Add(funnel.DealPath{CreatedAt: day(0), Status: funnel.StatusWon, Amount: funnel.Wan(100), DMContacted: true,
		Visits: []funnel.Visit{{0, day(0)}, {1, day(2)}, {2, day(6)}, {3, day(12)}, {4, day(20)}}})
	// Skipped needs_confirmed (discovery → proposal), then lost from proposal.
	c.Add(funnel.DealPath{CreatedAt: day(0), Status: funnel.StatusLost, LossReason: "competitor_price", Amount: funnel.Wan(30),
		Visits: []funnel.Visit{{0, day(0)}, {2, day(4)}, {5, day(10)}}})
	// Moved back: discovery → needs_confirmed → discovery, still open.
	c.Add(funnel.DealPath{CreatedAt: day(0), Status: funnel.StatusOpen, Amount: funnel.Wan(50),
		Visits: []funnel.Visit{{0, day(0)}, {1, day(1)}, {0, day(3)}}})
	// Open in discovery only.
	c.Add(funnel.DealPath{CreatedAt: day(0), Status: funnel.StatusOpen, Amount: funnel.Wan(10), Visits: []funnel.Visit{{0, day(0)}}})

	r := c.Report()
	if r.Deals != 4 || r.Won != 1 || r.Lost != 1 || r.Open != 2 || r.WinRate.String() != "25" {
		t.Fatalf("totals = %d deals %d won %d lost %d open, win rate %s", r.Deals, r.Won, r.Lost, r.Open, r.WinRate)
	}
	want := []struct {
		key               string
		entered, advanced int
		conv, avg, median string
	}{
		{"discovery", 4, 3, "75", "2.33", "2"},       // stays 2, 4 and 1; the return to it is still open
		{"needs_confirmed", 3, 2, "66.67", "3", "3"}, // entered by skip too; stays 4 and 2
		{"proposal", 2, 1, "50", "6", "6"},           // stays 6 (won deal) and 6 (lost deal)
		{"closing", 1, 1, "100", "8", "8"},
	}
	for i, w := range want {
		s := r.Stages[i]
		if s.Key != w.key || s.Entered != w.entered || s.Advanced != w.advanced || s.Conversion.String() != w.conv ||
			s.AvgDwellDays.String() != w.avg || s.MedianDwellDays.String() != w.median {
			t.Errorf("stage %s: entered %d advanced %d conversion %s avg %s median %s; want %+v",
				s.Key, s.Entered, s.Advanced, s.Conversion, s.AvgDwellDays, s.MedianDwellDays, w)
		}
	}
	if r.AvgCycleDays.String() != "20" || r.HighValueShare.String() != "25" || r.DecisionChainCover.String() != "25" {
		t.Errorf("cycle %s high-value %s coverage %s", r.AvgCycleDays, r.HighValueShare, r.DecisionChainCover)
	}
	if r.LossReasons["competitor_price"].String() != "100" {
		t.Errorf("loss reasons %v", r.LossReasons)
	}
}

func TestCalibration(t *testing.T) {
	stages := funnel.Presets()[1].Stages // sop-5
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := funnel.NewConversion(stages, funnel.Wan(50))
	// Two won through every stage, one lost at needs_confirmed, one lost at
	// closing, one still open at proposal (not closed: not in the sample).
	for range 2 {
		c.Add(funnel.DealPath{CreatedAt: at, Status: funnel.StatusWon, Visits: []funnel.Visit{{0, at}, {4, at}}})
	}
	c.Add(funnel.DealPath{CreatedAt: at, Status: funnel.StatusLost, Visits: []funnel.Visit{{0, at}, {1, at}, {5, at}}})
	c.Add(funnel.DealPath{CreatedAt: at, Status: funnel.StatusLost, Visits: []funnel.Visit{{0, at}, {3, at}, {5, at}}})
	c.Add(funnel.DealPath{CreatedAt: at, Status: funnel.StatusOpen, Visits: []funnel.Visit{{0, at}, {2, at}}})
	want := map[string][2]string{ // empirical, sample
		"discovery": {"50", "4"}, "needs_confirmed": {"50", "4"}, "proposal": {"66.67", "3"}, "closing": {"66.67", "3"},
	}
	for _, s := range c.Calibration() {
		if got := [2]string{s.Empirical.String(), strconv.Itoa(s.Sample)}; got != want[s.Key] {
			t.Errorf("%s: empirical %s over %d, want %v (configured %d)", s.Key, s.Empirical, s.Sample, want[s.Key], s.Configured)
		}
	}
}
