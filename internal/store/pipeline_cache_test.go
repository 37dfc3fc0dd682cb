package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// The pipeline cache keeps committed versions only. A pipeline edit that is
// rolled back must not leave its version behind: the next edit commits the
// same version number with other stages, and that is what reads must see —
// also when the edit shared a SQLite transaction (group commit) with the
// action that read it back, and the shared COMMIT failed.
func TestPipelineCacheKeepsCommittedVersionsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGCWorld(t, db)
		ctx := context.Background()
		probability := func() int {
			t.Helper()
			var p int
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				pl, err := tx.Pipeline(ctx, w.pl.ID)
				if err == nil {
					p = pl.Stages[0].Probability
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return p
		}
		// edit sets the first stage's probability in tx, reading the
		// pipeline back afterwards.
		edit := func(ctx context.Context, tx *store.Tx, p int) error {
			pl, err := tx.Pipeline(ctx, w.pl.ID)
			if err != nil {
				return err
			}
			pl.Stages[0].Probability = p
			if err := tx.SavePipeline(ctx, pl, w.rep.ID); err != nil {
				return err
			}
			back, err := tx.Pipeline(ctx, w.pl.ID)
			if err == nil && back.Stages[0].Probability != p {
				t.Errorf("read back in its own transaction: %d, want %d", back.Stages[0].Probability, p)
			}
			return err
		}
		before := probability() // cached now

		if err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := edit(ctx, tx, 11); err != nil {
				return err
			}
			return errRefused
		}); !errors.Is(err, errRefused) {
			t.Fatal(err)
		}
		if p := probability(); p != before {
			t.Errorf("after a rolled-back edit: %d, want %d", p, before)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return edit(ctx, tx, 22) }); err != nil {
			t.Fatal(err)
		}
		if p := probability(); p != 22 {
			t.Errorf("after the edit that took the same version: %d, want 22", p)
		}

		if db.Engine != store.SQLite {
			return
		}
		// One batch: an edit, a read of it, and an action whose foreign key
		// fails the shared COMMIT.
		release, holderDone := hold(t, db, nil)
		errs := make([]error, 3)
		var wg sync.WaitGroup
		for i, fn := range []func(tx *store.Tx) error{
			func(tx *store.Tx) error { return edit(ctx, tx, 33) },
			func(tx *store.Tx) error { _, err := tx.Pipeline(ctx, w.pl.ID); return err },
			func(tx *store.Tx) error {
				if _, err := tx.ExecInAction(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
					return err
				}
				_, err := tx.ExecInAction(ctx, `INSERT INTO opportunity_collaborators (opportunity_id, user_id) VALUES ('no deal', 'nobody')`)
				return err
			},
		} {
			wg.Go(func() { errs[i] = db.Tx(ctx, fn) })
			waitQueued(t, db, i+1)
		}
		release()
		wg.Wait()
		<-holderDone
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
				t.Fatalf("action %d of the failed batch: %v", i, err)
			}
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return edit(ctx, tx, 44) }); err != nil {
			t.Fatal(err)
		}
		if p := probability(); p != 44 {
			t.Errorf("after a failed shared commit and a new edit of the same version: %d, want 44", p)
		}
	})
}
