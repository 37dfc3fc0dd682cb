package app

import (
	"context"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// HighValueThreshold is the amount above which a deal counts as high value
// (SPEC §8: 50万 by default).
var HighValueThreshold = funnel.Wan(50)

// Conversion reports a cohort's win rate, per-stage conversion and dwell,
// cycle, high-value share, decision-chain coverage and loss reasons, from
// stage history. The cohort is the pipeline's deals in scope, created in the
// period when one is given.
func (a *App) Conversion(ctx context.Context, actor *store.User, period string, s ReportScope) (*funnel.ConversionReport, error) {
	c, err := a.cohort(ctx, actor, period, s)
	if err != nil {
		return nil, err
	}
	r := c.Report()
	return &r, nil
}

// Calibration is, per stage, the configured probability beside the share of
// the cohort's closed deals that reached the stage and were won (seed 000).
type Calibration struct {
	Stages []funnel.StageCalibration `json:"stages"`
}

// Calibration reports the empirical win rate behind each stage's probability.
func (a *App) Calibration(ctx context.Context, actor *store.User, period string, s ReportScope) (*Calibration, error) {
	c, err := a.cohort(ctx, actor, period, s)
	if err != nil {
		return nil, err
	}
	return &Calibration{Stages: c.Calibration()}, nil
}

// cohort reads the scope's deals of one pipeline (created in the period, if
// given) with their stage history into a conversion accumulator.
func (a *App) cohort(ctx context.Context, actor *store.User, period string, s ReportScope) (*funnel.Conversion, error) {
	pl, from, to, err := a.cohortBounds(ctx, period, &s)
	if err != nil {
		return nil, err
	}
	index := stagePositions(pl)
	c := funnel.NewConversion(funnelStages(pl), HighValueThreshold)
	err = a.DB.Cohort(ctx, actor.Viewer(), s.filter(), from, to, func(p store.CohortPath) error {
		for i, id := range p.StageIDs {
			p.Visits[i].Stage = index[id]
		}
		c.Add(p.DealPath)
		return nil
	})
	return c, err
}

// cohortBounds resolves a cohort's pipeline (into s) and creation period.
func (a *App) cohortBounds(ctx context.Context, period string, s *ReportScope) (pl *store.Pipeline, from, to time.Time, err error) {
	if period != "" {
		per, err := funnel.ParsePeriod(period)
		if err != nil {
			return nil, from, to, fieldErr("period", "%v", err)
		}
		from = time.Date(per.Start.Year(), per.Start.Month(), per.Start.Day(), 0, 0, 0, 0, funnel.CompanyZone)
		to = time.Date(per.End.Year(), per.End.Month(), per.End.Day(), 0, 0, 0, 0, funnel.CompanyZone)
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		var err error
		pl, err = a.pipelineFor(ctx, tx, &s.PipelineID)
		return err
	})
	if err == nil {
		s.PipelineID = pl.ID
	}
	return pl, from, to, err
}

func stagePositions(pl *store.Pipeline) map[string]int {
	index := map[string]int{}
	for i, st := range pl.Stages {
		index[st.ID] = i
	}
	return index
}
