package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/store"
)

// BenchmarkConversionKept is the company's conversion and velocity report
// on the default pipeline (target: 1 s) from the totals kept per pipeline ×
// owner × month (docs/conversion.md), after folding whatever the set has
// logged (a newly generated or migrated set: every deal, timed once and
// reported on stderr). The bare SQL sums the cells the report reads (deal
// totals, stage totals and the day counts of dwell); the store's
// ConversionCells does the same through the store; the app adds the exact
// medians and the percentages. BenchmarkConversion reads all stage history
// for comparison.
func BenchmarkConversionKept(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		ctx := context.Background()
		start := time.Now()
		n, err := s.db.FoldAllConversion(ctx, 10_000)
		if err != nil {
			b.Fatal(err)
		}
		if n > 0 {
			fmt.Fprintf(os.Stderr, "%s: folded %d logged changes in %v\n", b.Name(), n, time.Since(start).Round(time.Millisecond))
		}
		layers(b,
			layer{"sql", func(ctx context.Context) (int, error) {
				total := 0
				for _, q := range []string{
					`SELECT SUM(deals), SUM(won), SUM(lost), SUM(high), SUM(dm), SUM(cycles), SUM(cycle_ms) FROM conv_deal_cells WHERE pipeline_id = $1`,
					`SELECT stage_id, SUM(entered), SUM(advanced), SUM(closed_reached), SUM(won_reached), SUM(stays), SUM(dwell_ms)
						FROM conv_stage_cells WHERE pipeline_id = $1 GROUP BY stage_id`,
					`SELECT stage_id, day, SUM(stays) FROM conv_dwell_days WHERE pipeline_id = $1 GROUP BY stage_id, day`,
				} {
					n, err := s.sqlRows(q, s.pipeline)(ctx)
					if err != nil {
						return 0, err
					}
					total += n
				}
				return total, nil
			}},
			layer{"store", func(ctx context.Context) (int, error) {
				c, err := s.db.ConversionCells(ctx, s.admin.Viewer(), store.ConversionScope{PipelineID: s.pipeline})
				if err != nil {
					return 0, err
				}
				return c.Totals.Deals, nil
			}},
			layer{"app", func(ctx context.Context) (int, error) {
				r, err := s.app.Conversion(ctx, s.admin, "", app.ReportScope{})
				if err != nil {
					return 0, err
				}
				return r.Deals, nil
			}},
		)
	})
}

// BenchmarkFoldConversion folds every deal of the set again, as after the
// migration that brought the kept totals or a reorder of the pipeline's
// stages: the worst the background job meets.
func BenchmarkFoldConversion(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			if _, err := s.raw.ExecContext(ctx, `INSERT INTO conv_log (opportunity_id) SELECT id FROM opportunities`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			n, err := s.db.FoldAllConversion(ctx, 10_000)
			if err != nil || n == 0 {
				b.Fatal(n, err)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "deals/s")
		}
	})
}
