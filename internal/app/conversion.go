package app

import (
	"context"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// HighValueThreshold is the amount above which a deal counts as high value
// (SPEC §8: 50万 by default).
var HighValueThreshold = funnel.HighValue

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
// given) into a conversion accumulator: from the totals kept per owner and
// month when the scope allows (no industry or region), else deal by deal
// from stage history.
func (a *App) cohort(ctx context.Context, actor *store.User, period string, s ReportScope) (*funnel.Conversion, error) {
	pl, from, to, err := a.cohortBounds(ctx, period, &s)
	if err != nil {
		return nil, err
	}
	c := funnel.NewConversion(funnelStages(pl), HighValueThreshold)
	if ok, err := a.cohortFromCells(ctx, actor, pl, from, to, s, c); err != nil || ok {
		return c, err
	}
	return a.cohortFromHistory(ctx, actor, pl, from, to, s)
}

// cohortFromHistory reads the cohort deal by deal from stage history.
func (a *App) cohortFromHistory(ctx context.Context, actor *store.User, pl *store.Pipeline, from, to time.Time, s ReportScope) (*funnel.Conversion, error) {
	c := funnel.NewConversion(funnelStages(pl), HighValueThreshold)
	index := stagePositions(pl)
	err := a.DB.Cohort(ctx, actor.Viewer(), s.filter(), from, to, func(p store.CohortPath) error {
		c.Add(dealPath(index, p))
		return nil
	})
	return c, err
}

// keptPending is how many logged changes a report folds into the kept
// conversion totals before reading them. Beyond it (a bulk load, or stages
// reordered in a pipeline of many deals) the report reads stage history
// instead while the background job catches up.
const keptPending = 20_000

// cohortFromCells fills c from the kept totals; false when too much is
// pending for that. Deals shared with the viewer whose owner is out of view
// are not in the totals (they are kept per owner) and are added one by one.
func (a *App) cohortFromCells(ctx context.Context, actor *store.User, pl *store.Pipeline, from, to time.Time, s ReportScope, c *funnel.Conversion) (bool, error) {
	scope, ok, err := a.keptScope(ctx, pl, from, to, s)
	if err != nil || !ok {
		return false, err
	}
	v := actor.Viewer()
	cells, err := a.DB.ConversionCells(ctx, v, scope)
	if err != nil {
		return false, err
	}
	shared := funnel.NewConversion(funnelStages(pl), HighValueThreshold)
	index := stagePositions(pl)
	if err := a.DB.SharedCohort(ctx, v, s.filter(), from, to, func(p store.CohortPath) error {
		shared.Add(dealPath(index, p))
		return nil
	}); err != nil {
		return false, err
	}
	t := cells.Totals
	t.Stages = make([]funnel.StageCount, len(pl.Stages))
	for i, st := range pl.Stages {
		t.Stages[i] = cells.Stages[st.ID]
	}
	c.AddTotals(t)
	c.AddTotals(shared.Totals())
	for i, st := range pl.Stages {
		if st.Kind != funnel.StageOpen {
			continue
		}
		med, err := funnel.MedianDwell(cells.Days[st.ID], shared.Samples(i), func(day int64, offset, limit int) ([]time.Duration, error) {
			return a.DB.ConversionDwell(ctx, v, scope, st.ID, day, offset, limit)
		})
		if err != nil {
			return false, err
		}
		c.SetMedian(i, med)
	}
	return true, nil
}

// keptScope is the scope of the kept totals for a cohort, once what is
// pending is folded; false when the totals cannot answer (an industry or
// region filter, or too much pending).
func (a *App) keptScope(ctx context.Context, pl *store.Pipeline, from, to time.Time, s ReportScope) (store.ConversionScope, bool, error) {
	scope := store.ConversionScope{PipelineID: pl.ID, OwnerID: s.OwnerID, TeamID: s.TeamID}
	if s.Industry != "" || s.Region != "" {
		return scope, false, nil
	}
	pending, err := a.DB.PendingConversion(ctx, keptPending)
	if err != nil || pending > keptPending {
		return scope, false, err
	}
	if pending > 0 {
		if _, err := a.DB.FoldAllConversion(ctx, keptPending); err != nil {
			return scope, false, err
		}
	}
	if !from.IsZero() {
		scope.FromMonth, scope.ToMonth = store.CohortMonth(from), store.CohortMonth(to)
	}
	return scope, true, nil
}

// dealPath places a cohort deal's visits among the stages (index: stagePositions) (-1: a stage not
// of pl, left from another pipeline).
func dealPath(index map[string]int, p store.CohortPath) funnel.DealPath {
	for i, id := range p.StageIDs {
		if at, ok := index[id]; ok {
			p.Visits[i].Stage = at
		} else {
			p.Visits[i].Stage = -1
		}
	}
	return p.DealPath
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
