package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"shangji/internal/app"
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
