package funnel

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// HighValue is the amount above which a deal counts as high value in
// conversion reports (SPEC §8: 50万). It is fixed: the reports' kept totals
// count deals against it (docs/conversion.md).
var HighValue = Wan(50)

// Visit is one entry of a deal into a stage, from the stage history.
type Visit struct {
	Stage int // index into the pipeline's stages
	At    time.Time
}

// DealPath is what conversion needs to know of one deal of a cohort.
type DealPath struct {
	CreatedAt   time.Time
	Visits      []Visit // oldest first; the first is the stage it was created in
	Status      string
	Amount      Money
	LossReason  string
	DMContacted bool // its decision maker was reached (SPEC §8 decision-chain coverage)
}

// StageCount is what a cohort's deals add up to in one stage.
type StageCount struct {
	Entered, Advanced int
	// For calibration: closed deals that reached the stage, and of those the won.
	ClosedReached, WonReached int
	Stays                     int   // finished stays (dwell samples)
	DwellMS                   int64 // their total length, in milliseconds
}

// ConversionTotals are a cohort's counts. They add up: the totals of two
// disjoint cohorts summed are the totals of their union, which is what lets
// them be kept per owner and month of creation and summed for any scope.
type ConversionTotals struct {
	Deals, Won, Lost int
	High, DM         int // above the high-value threshold; decision maker reached
	Cycles           int // won deals with a created → won cycle
	CycleMS          int64
	Losses           map[string]int // lost deals by reason
	Stages           []StageCount   // by position in the pipeline
}

// NewConversionTotals is an empty count over n stages.
func NewConversionTotals(n int) ConversionTotals {
	return ConversionTotals{Losses: map[string]int{}, Stages: make([]StageCount, n)}
}

// Add adds o's counts to t (o may have fewer stages, never more).
func (t *ConversionTotals) Add(o ConversionTotals) {
	t.Deals, t.Won, t.Lost, t.High, t.DM = t.Deals+o.Deals, t.Won+o.Won, t.Lost+o.Lost, t.High+o.High, t.DM+o.DM
	t.Cycles, t.CycleMS = t.Cycles+o.Cycles, t.CycleMS+o.CycleMS
	for r, n := range o.Losses {
		t.Losses[r] += n
	}
	for i, s := range o.Stages {
		c := &t.Stages[i]
		c.Entered, c.Advanced = c.Entered+s.Entered, c.Advanced+s.Advanced
		c.ClosedReached, c.WonReached = c.ClosedReached+s.ClosedReached, c.WonReached+s.WonReached
		c.Stays, c.DwellMS = c.Stays+s.Stays, c.DwellMS+s.DwellMS
	}
}

// Stay is one finished stay of a deal in an open stage.
type Stay struct {
	Stage int
	Dwell time.Duration
}

// Contribution is what one deal adds to its cohort: its counts, and its
// stays one by one (medians need every sample, not just their sum).
type Contribution struct {
	ConversionTotals
	Stays []Stay
}

// Contribute says what deal d adds to a cohort over stages (SPEC §8, seeds
// 000 and 002).
//
// Skipped stages: a deal that reaches a later stage has passed every open
// stage before it, so it counts as having entered and advanced from each of
// them — a jump from discovery to proposal converts needs-confirmed too. It
// has no dwell time in a stage it skipped, so dwell averages only count real
// stays. A won deal has passed every open stage. A move back counts the
// stage as entered once; conversion uses the furthest stage reached. Visits
// to a stage that is not the pipeline's (Stage < 0: left from another
// pipeline) are left out.
func Contribute(stages []Stage, highValue Money, d DealPath) Contribution {
	c := Contribution{ConversionTotals: NewConversionTotals(len(stages))}
	t := &c.ConversionTotals
	t.Deals = 1
	if d.Amount > highValue {
		t.High = 1
	}
	if d.DMContacted {
		t.DM = 1
	}
	furthest := -1 // furthest open stage reached
	for i, v := range d.Visits {
		if v.Stage < 0 || v.Stage >= len(stages) || stages[v.Stage].Kind != StageOpen {
			continue
		}
		furthest = max(furthest, v.Stage)
		if i+1 < len(d.Visits) {
			dwell := d.Visits[i+1].At.Sub(v.At)
			c.Stays = append(c.Stays, Stay{Stage: v.Stage, Dwell: dwell})
			t.Stages[v.Stage].Stays++
			t.Stages[v.Stage].DwellMS += dwell.Milliseconds()
		}
	}
	switch d.Status {
	case StatusWon:
		t.Won = 1
		furthest = len(stages) // passed every open stage
		if n := len(d.Visits); n > 0 {
			t.Cycles, t.CycleMS = 1, d.Visits[n-1].At.Sub(d.CreatedAt).Milliseconds()
		}
	case StatusLost:
		t.Lost = 1
		reason := d.LossReason
		if reason == "" {
			reason = "other"
		}
		t.Losses[reason] = 1
	}
	for i, s := range stages {
		if s.Kind != StageOpen || i > furthest {
			continue
		}
		st := &t.Stages[i]
		st.Entered = 1
		if i < furthest {
			st.Advanced = 1
		}
		if d.Status == StatusWon || d.Status == StatusLost {
			st.ClosedReached = 1
			if d.Status == StatusWon {
				st.WonReached = 1
			}
		}
	}
	return c
}

// Conversion accumulates a cohort's funnel conversion and velocity: deal by
// deal (Add), or from totals kept elsewhere (AddTotals, with the medians
// given by SetMedian).
type Conversion struct {
	stages    []Stage
	highValue Money
	totals    ConversionTotals
	samples   [][]time.Duration // each stage's dwell samples, from Add
	medians   map[int]time.Duration
}

// NewConversion starts a cohort over a pipeline's stages; deals above
// highValue count toward the high-value share.
func NewConversion(stages []Stage, highValue Money) *Conversion {
	return &Conversion{stages: stages, highValue: highValue, totals: NewConversionTotals(len(stages)),
		samples: make([][]time.Duration, len(stages)), medians: map[int]time.Duration{}}
}

// Add counts one deal.
func (c *Conversion) Add(d DealPath) {
	k := Contribute(c.stages, c.highValue, d)
	c.totals.Add(k.ConversionTotals)
	for _, s := range k.Stays {
		c.samples[s.Stage] = append(c.samples[s.Stage], s.Dwell)
	}
}

// AddTotals counts deals already summed up.
func (c *Conversion) AddTotals(t ConversionTotals) { c.totals.Add(t) }

// SetMedian gives stage i's median dwell, when the samples are not here.
func (c *Conversion) SetMedian(i int, d time.Duration) { c.medians[i] = d }

// Samples are stage i's dwell samples from Add.
func (c *Conversion) Samples(i int) []time.Duration { return c.samples[i] }

// Totals are the counts so far.
func (c *Conversion) Totals() ConversionTotals { return c.totals }

// StageConversion is one stage's row.
type StageConversion struct {
	Key             string          `json:"key"`
	Name            string          `json:"name"`
	Entered         int             `json:"entered"`
	Advanced        int             `json:"advanced"`
	Conversion      decimal.Decimal `json:"conversion"` // percent
	AvgDwellDays    decimal.Decimal `json:"avg_dwell_days"`
	MedianDwellDays decimal.Decimal `json:"median_dwell_days"`
	Stays           int             `json:"stays"` // dwell samples
}

// ConversionReport is the cohort's result.
type ConversionReport struct {
	Deals              int                        `json:"deals"`
	Won                int                        `json:"won"`
	Lost               int                        `json:"lost"`
	Open               int                        `json:"open"`
	WinRate            decimal.Decimal            `json:"win_rate"` // percent of the cohort won
	Stages             []StageConversion          `json:"stages"`
	AvgCycleDays       decimal.Decimal            `json:"avg_cycle_days"` // created → won
	HighValueShare     decimal.Decimal            `json:"high_value_share"`
	DecisionChainCover decimal.Decimal            `json:"decision_chain_coverage"`
	LossReasons        map[string]decimal.Decimal `json:"loss_reasons"` // percent of lost deals
}

// Report computes the percentages and durations, rounded to two decimals.
func (c *Conversion) Report() ConversionReport {
	t := c.totals
	r := ConversionReport{Deals: t.Deals, Won: t.Won, Lost: t.Lost, Open: t.Deals - t.Won - t.Lost,
		WinRate: pct(t.Won, t.Deals), HighValueShare: pct(t.High, t.Deals), DecisionChainCover: pct(t.DM, t.Deals),
		AvgCycleDays: days(meanMS(t.CycleMS, t.Cycles)), Stages: []StageConversion{}, LossReasons: map[string]decimal.Decimal{}}
	for i, s := range c.stages {
		if s.Kind != StageOpen {
			continue
		}
		st := t.Stages[i]
		med, ok := c.medians[i]
		if !ok {
			med = median(c.samples[i])
		}
		r.Stages = append(r.Stages, StageConversion{Key: s.Key, Name: s.NameZH, Entered: st.Entered, Advanced: st.Advanced,
			Conversion: pct(st.Advanced, st.Entered), AvgDwellDays: days(meanMS(st.DwellMS, st.Stays)),
			MedianDwellDays: days(med), Stays: st.Stays})
	}
	for reason, n := range t.Losses {
		r.LossReasons[reason] = pct(n, t.Lost)
	}
	return r
}

func pct(n, of int) decimal.Decimal {
	if of == 0 {
		return decimal.Zero
	}
	return decimal.NewFromInt(int64(n)*100).DivRound(decimal.NewFromInt(int64(of)), 2)
}

// meanMS is the mean of n durations that add up to sum milliseconds, to the
// nanosecond (rounded down). The sum stays in milliseconds: a million deals'
// stays of a month each overflow a sum in nanoseconds.
func meanMS(sum int64, n int) time.Duration {
	if n == 0 {
		return 0
	}
	q, r := sum/int64(n), sum%int64(n)
	return time.Duration(q)*time.Millisecond + time.Duration(r)*time.Millisecond/time.Duration(n)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func days(d time.Duration) decimal.Decimal {
	return decimal.NewFromInt(int64(d/time.Second)).DivRound(decimal.NewFromInt(86400), 2)
}

// StageCalibration sets a stage's configured probability beside what history
// says (seed 000: make each stage's probability as accurate as possible).
type StageCalibration struct {
	Key        string          `json:"key"`
	Name       string          `json:"name"`
	Configured int             `json:"configured"` // percent
	Empirical  decimal.Decimal `json:"empirical"`  // percent of closed deals that reached the stage and were won
	Sample     int             `json:"sample"`     // closed deals that reached the stage
}

// Calibration lists, per open stage, the empirical win rate of the cohort's
// closed deals that reached it.
func (c *Conversion) Calibration() []StageCalibration {
	out := []StageCalibration{}
	for i, s := range c.stages {
		if s.Kind == StageOpen {
			st := c.totals.Stages[i]
			out = append(out, StageCalibration{Key: s.Key, Name: s.NameZH, Configured: s.Probability,
				Empirical: pct(st.WonReached, st.ClosedReached), Sample: st.ClosedReached})
		}
	}
	return out
}

// DwellDay is the whole number of days a stay lasted: kept totals count
// stays per day, which says in which day a median lies.
func DwellDay(d time.Duration) int64 { return int64(d / (24 * time.Hour)) }

// DayCount is how many stays lasted a whole number of days.
type DayCount struct {
	Day   int64
	Stays int
}

// MedianDwell is the median of the stays counted in days (ascending by day)
// together with extra stays given one by one. at returns the counted stays'
// exact lengths within one day, ascending, from offset: only a window the
// size of the extra stays is ever asked for.
func MedianDwell(days []DayCount, extra []time.Duration, at func(day int64, offset, limit int) ([]time.Duration, error)) (time.Duration, error) {
	extra = slices.Clone(extra)
	slices.Sort(extra)
	n := len(extra)
	for _, d := range days {
		n += d.Stays
	}
	if n == 0 {
		return 0, nil
	}
	lo, err := kthDwell(days, extra, at, (n-1)/2)
	if err != nil || n%2 == 1 {
		return lo, err
	}
	hi, err := kthDwell(days, extra, at, n/2)
	return (lo + hi) / 2, err
}

// kthDwell is the k-th shortest stay (from 0).
func kthDwell(days []DayCount, extra []time.Duration, at func(day int64, offset, limit int) ([]time.Duration, error), k int) (time.Duration, error) {
	counted := map[int64]int{}
	var order []int64
	for _, d := range days {
		counted[d.Day] += d.Stays
		order = append(order, d.Day)
	}
	for _, e := range extra {
		if _, ok := counted[DwellDay(e)]; !ok {
			counted[DwellDay(e)] = 0
			order = append(order, DwellDay(e))
		}
	}
	slices.Sort(order)
	order = slices.Compact(order)
	before := 0
	for _, day := range order {
		var inDay []time.Duration
		for _, e := range extra {
			if DwellDay(e) == day {
				inDay = append(inDay, e)
			}
		}
		here := counted[day] + len(inDay)
		if k >= before+here {
			before += here
			continue
		}
		// The r-th of the counted stays A and the extra ones E of this day:
		// at least r+1-|E| of the r+1 shortest are from A, so A's first
		// r-|E| are among them and the answer is within A[lo..r] ∪ E.
		r := k - before
		lo := max(0, r-len(inDay))
		var window []time.Duration
		if counted[day] > 0 {
			var err error
			if window, err = at(day, lo, r-lo+1); err != nil {
				return 0, err
			}
		}
		merged := append(window, inDay...)
		if r-lo >= len(merged) {
			return 0, fmt.Errorf("day %d holds %d counted stays, %d found from %d", day, counted[day], len(window), lo)
		}
		slices.Sort(merged)
		return merged[r-lo], nil
	}
	return 0, fmt.Errorf("stay %d of %d not found", k, before)
}
