package funnel

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

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

// Conversion accumulates a cohort's funnel conversion and velocity from stage
// history (SPEC §8, seeds 000 and 002).
//
// Skipped stages: a deal that reaches a later stage has passed every open
// stage before it, so it counts as having entered and advanced from each of
// them — a jump from discovery to proposal converts needs-confirmed too. It
// has no dwell time in a stage it skipped, so dwell averages only count real
// stays. A won deal has passed every open stage. A move back counts the
// stage as entered once; conversion uses the furthest stage reached.
type Conversion struct {
	stages    []Stage
	highValue Money
	total     int
	won, lost int
	entered   []int
	advanced  []int
	dwell     [][]time.Duration
	cycles    []time.Duration
	high, dm  int
	losses    map[string]int
	// For calibration: closed deals that reached each stage, and of those the won.
	closedReached, wonReached []int
}

// NewConversion starts a cohort over a pipeline's stages; deals above
// highValue count toward the high-value share.
func NewConversion(stages []Stage, highValue Money) *Conversion {
	return &Conversion{stages: stages, highValue: highValue, entered: make([]int, len(stages)),
		advanced: make([]int, len(stages)), dwell: make([][]time.Duration, len(stages)), losses: map[string]int{},
		closedReached: make([]int, len(stages)), wonReached: make([]int, len(stages))}
}

// Add counts one deal.
func (c *Conversion) Add(d DealPath) {
	c.total++
	if d.Amount > c.highValue {
		c.high++
	}
	if d.DMContacted {
		c.dm++
	}
	furthest := -1 // furthest open stage reached
	for i, v := range d.Visits {
		if v.Stage < 0 || v.Stage >= len(c.stages) {
			continue
		}
		if c.stages[v.Stage].Kind == StageOpen {
			furthest = max(furthest, v.Stage)
			if i+1 < len(d.Visits) {
				c.dwell[v.Stage] = append(c.dwell[v.Stage], d.Visits[i+1].At.Sub(v.At))
			}
		}
	}
	switch d.Status {
	case StatusWon:
		c.won++
		furthest = len(c.stages) // passed every open stage
		if n := len(d.Visits); n > 0 {
			c.cycles = append(c.cycles, d.Visits[n-1].At.Sub(d.CreatedAt))
		}
	case StatusLost:
		c.lost++
		reason := d.LossReason
		if reason == "" {
			reason = "other"
		}
		c.losses[reason]++
	}
	for i, s := range c.stages {
		if s.Kind != StageOpen || i > furthest {
			continue
		}
		c.entered[i]++
		if i < furthest {
			c.advanced[i]++
		}
		if d.Status == StatusWon || d.Status == StatusLost {
			c.closedReached[i]++
			if d.Status == StatusWon {
				c.wonReached[i]++
			}
		}
	}
}

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
	r := ConversionReport{Deals: c.total, Won: c.won, Lost: c.lost, Open: c.total - c.won - c.lost,
		WinRate: pct(c.won, c.total), HighValueShare: pct(c.high, c.total), DecisionChainCover: pct(c.dm, c.total),
		AvgCycleDays: days(mean(c.cycles)), Stages: []StageConversion{}, LossReasons: map[string]decimal.Decimal{}}
	for i, s := range c.stages {
		if s.Kind != StageOpen {
			continue
		}
		r.Stages = append(r.Stages, StageConversion{Key: s.Key, Name: s.NameZH, Entered: c.entered[i], Advanced: c.advanced[i],
			Conversion: pct(c.advanced[i], c.entered[i]), AvgDwellDays: days(mean(c.dwell[i])),
			MedianDwellDays: days(median(c.dwell[i])), Stays: len(c.dwell[i])})
	}
	for reason, n := range c.losses {
		r.LossReasons[reason] = pct(n, c.lost)
	}
	return r
}

func pct(n, of int) decimal.Decimal {
	if of == 0 {
		return decimal.Zero
	}
	return decimal.NewFromInt(int64(n)*100).DivRound(decimal.NewFromInt(int64(of)), 2)
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
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
			out = append(out, StageCalibration{Key: s.Key, Name: s.NameZH, Configured: s.Probability,
				Empirical: pct(c.wonReached[i], c.closedReached[i]), Sample: c.closedReached[i]})
		}
	}
	return out
}
