package jobs_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/demo"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestRhythmAtScale times the rules over a demo company of
// SHANGJI_RHYTHM_SCALE deals (skipped without it): the first run writes,
// the second finds nothing new and should be cheap.
func TestRhythmAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SHANGJI_RHYTHM_SCALE"))
	if n == 0 {
		t.Skip("SHANGJI_RHYTHM_SCALE is not set")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db, demo.Options{Seed: 1, Opportunities: n}); err != nil {
			t.Fatal(err)
		}
		a := app.New(db, nil)
		for i := range 2 {
			start := time.Now()
			res, err := a.RunRhythm(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("run %d over %d deals: %v, %+v", i+1, n, time.Since(start), res)
		}
	})
}
