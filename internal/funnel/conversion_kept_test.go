package funnel

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The median from stays counted per day (plus a few given one by one) is
// the median of all of them, whatever the split.
func TestMedianDwellFromDayCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		n := r.IntN(40)
		var counted, extra []time.Duration
		for range n {
			// Stays from minutes to a few weeks, many on the same days.
			d := time.Duration(r.IntN(20))*24*time.Hour + time.Duration(r.IntN(5))*time.Hour + time.Duration(r.IntN(3))*time.Millisecond
			if r.IntN(4) == 0 {
				extra = append(extra, d)
			} else {
				counted = append(counted, d)
			}
		}
		slices.Sort(counted)
		days := []DayCount{}
		for _, d := range counted {
			if len(days) > 0 && days[len(days)-1].Day == DwellDay(d) {
				days[len(days)-1].Stays++
			} else {
				days = append(days, DayCount{Day: DwellDay(d), Stays: 1})
			}
		}
		asked := 0
		at := func(day int64, offset, limit int) ([]time.Duration, error) {
			var in []time.Duration
			for _, d := range counted {
				if DwellDay(d) == day {
					in = append(in, d)
				}
			}
			asked += limit
			return in[offset:min(len(in), offset+limit)], nil
		}
		got, err := MedianDwell(days, extra, at)
		if err != nil {
			t.Fatal(err)
		}
		if want := median(append(slices.Clone(counted), extra...)); got != want {
			t.Fatalf("round %d: median %v, want %v (counted %v, extra %v)", round, got, want, counted, extra)
		}
		if asked > 2*(len(extra)+1) {
			t.Fatalf("round %d: asked for %d stays with %d extra", round, asked, len(extra))
		}
	}
}

// Contributions add up to what the deal-by-deal accumulator counts.
func TestContributionsAddUp(t *testing.T) {
	stages := []Stage{{Key: "a", Kind: StageOpen}, {Key: "b", Kind: StageOpen}, {Key: "c", Kind: StageOpen},
		{Key: "won", Kind: StageWon}, {Key: "lost", Kind: StageLost}}
	day := func(n int) time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n) }
	deals := []DealPath{
		{CreatedAt: day(0), Visits: []Visit{{0, day(0)}, {2, day(5)}, {3, day(9)}}, Status: StatusWon, Amount: Wan(80), DMContacted: true},
		{CreatedAt: day(1), Visits: []Visit{{0, day(1)}, {1, day(4)}, {0, day(6)}, {4, day(10)}}, Status: StatusLost, LossReason: "price"},
		{CreatedAt: day(2), Visits: []Visit{{0, day(2)}, {-1, day(3)}, {1, day(7)}}, Status: StatusOpen, Amount: Wan(10)},
	}
	each := NewConversion(stages, HighValue)
	sum := NewConversion(stages, HighValue)
	for _, d := range deals {
		each.Add(d)
		sum.AddTotals(Contribute(stages, HighValue, d).ConversionTotals)
	}
	a, b := each.Totals(), sum.Totals()
	if a.Deals != 3 || a.Won != 1 || a.Lost != 1 || a.High != 1 || a.DM != 1 || a.Cycles != 1 || a.CycleMS != (9*24*time.Hour).Milliseconds() {
		t.Fatalf("totals %+v", a)
	}
	// a: entered and left by all three (every one reached b or beyond); b:
	// skipped by the won deal's jump yet entered and advanced, entered by the
	// other two (the visit to an unknown stage counts for nothing).
	if got := a.Stages[0]; got.Entered != 3 || got.Advanced != 3 || got.Stays != 4 {
		t.Fatalf("stage a %+v", got)
	}
	if got := a.Stages[1]; got.Entered != 3 || got.Advanced != 1 || got.Stays != 1 {
		t.Fatalf("stage b %+v", got)
	}
	if a.Losses["price"] != 1 || b.Losses["price"] != 1 {
		t.Fatalf("losses %v %v", a.Losses, b.Losses)
	}
	ra, rb := each.Report(), sum.Report()
	for i := range ra.Stages {
		if ra.Stages[i].Entered != rb.Stages[i].Entered || !ra.Stages[i].AvgDwellDays.Equal(rb.Stages[i].AvgDwellDays) {
			t.Fatalf("stage %d: %+v vs %+v", i, ra.Stages[i], rb.Stages[i])
		}
	}
}
