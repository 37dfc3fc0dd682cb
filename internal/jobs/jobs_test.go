package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/demo"
	"shangji/internal/funnel"
	"shangji/internal/jobs"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// Two schedulers ticking against one database, with the clock moved across
// week ends, take each week's snapshot exactly once.
func TestWeeklySnapshotOncePerWeek(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, funnel.CompanyZone) // a Friday
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		a, b := app.New(db, nil), app.New(db, nil)
		tickBoth := func() {
			var wg sync.WaitGroup
			for _, x := range []*app.App{a, b} {
				wg.Add(1)
				go func() { defer wg.Done(); jobs.Tick(ctx, x, jobs.All()) }()
			}
			wg.Wait()
		}
		weeks := func() []string {
			var out []string
			for _, w := range []string{"2026-11-15", "2026-11-22", "2026-11-29"} {
				if ok, err := db.SnapshotTaken(ctx, w); err != nil {
					t.Fatal(err)
				} else if ok {
					out = append(out, w)
				}
			}
			return out
		}
		tickBoth()
		tickBoth()
		if got := weeks(); len(got) != 1 || got[0] != "2026-11-15" {
			t.Fatalf("on Friday the last closed week is the one ending 15 Nov; taken: %v", got)
		}
		mu.Lock()
		now = time.Date(2026, 11, 23, 0, 5, 0, 0, funnel.CompanyZone) // just after Sunday 22 Nov ended
		mu.Unlock()
		tickBoth()
		tickBoth()
		if got := weeks(); len(got) != 2 || got[1] != "2026-11-22" {
			t.Fatalf("after Sunday: taken %v", got)
		}
	})
}

// Two schedulers folding the same logged changes at once count each deal
// once in the kept conversion totals.
func TestFoldConversionTwoSchedulers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db, demo.Options{Seed: 5, Opportunities: 200}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PendingConversion(ctx, 0); err != nil || n == 0 {
			t.Fatalf("the demo load logged nothing to fold (%d, %v)", n, err)
		}
		var wg sync.WaitGroup
		for _, x := range []*app.App{app.New(db, nil), app.New(db, nil)} {
			wg.Add(1)
			go func() { defer wg.Done(); jobs.Tick(ctx, x, jobs.Named("fold-conversion")) }()
		}
		wg.Wait()
		if n, err := db.PendingConversion(ctx, 0); err != nil || n != 0 {
			t.Fatalf("%d changes left after both folded (%v)", n, err)
		}
		pipelines, err := db.Pipelines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, pl := range pipelines {
			c, err := db.ConversionCells(ctx, store.System, store.ConversionScope{PipelineID: pl.ID})
			if err != nil {
				t.Fatal(err)
			}
			total += c.Totals.Deals
		}
		if total != 200 {
			t.Fatalf("the kept totals count %d deals, want the 200 loaded", total)
		}
	})
}
