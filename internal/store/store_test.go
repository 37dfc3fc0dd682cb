package store_test

import (
	"context"
	"testing"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestPresetsOnBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A second start must not duplicate anything.
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.EnsurePresets(ctx) }); err != nil {
			t.Fatal(err)
		}
		pls, err := db.Pipelines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pls) != 3 {
			t.Fatalf("pipelines = %d, want 3", len(pls))
		}
		if pls[0].Key != funnel.DefaultPreset || !pls[0].IsDefault {
			t.Fatalf("first pipeline = %s default=%v, want sop-5 default", pls[0].Key, pls[0].IsDefault)
		}
		want := map[string]int{"discovery": 10, "needs_confirmed": 30, "proposal": 60, "closing": 80, "won": 100, "lost": 0}
		for _, s := range pls[0].Stages {
			if want[s.Key] != s.Probability {
				t.Errorf("stage %s probability %d, want %d", s.Key, s.Probability, want[s.Key])
			}
		}
	})
}
