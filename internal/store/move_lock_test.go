package store_test

import (
	"context"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestMoveWaitingForAMoveIsAConflict: a move that waits for the lock of a
// deal another transaction is moving to another stage must, once that one
// commits, find the deal changed (409), not missing (404). On PostgreSQL
// the row was locked together with its stage, and the recheck after the
// wait matched the new stage id against the old stage row. (SQLite has one
// writer: the second move simply runs after the first.)
func TestMoveWaitingForAMoveIsAConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGCWorld(t, db)
		ctx := context.Background()
		var d *store.Opportunity
		if err := db.Tx(ctx, func(tx *store.Tx) error { var err error; d, err = w.create(ctx, tx, "被抢的商机"); return err }); err != nil {
			t.Fatal(err)
		}
		moved, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.MoveStage(ctx, d.ID, store.Move{To: w.pl.Stages[1], Version: d.Version, By: w.rep.ID, Via: store.ViaManual})
				close(moved)
				<-release
				return err
			})
		}()
		<-moved
		second := make(chan error, 1)
		go func() {
			second <- db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.MoveStage(ctx, d.ID, store.Move{To: w.pl.Stages[2], Version: d.Version, By: w.rep.ID, Via: store.ViaManual})
				return err
			})
		}()
		if db.Engine == store.Postgres { // let the second move wait for the row
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				var n int
				if err := db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the second move never waited for the first")
				}
			}
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if err := <-second; funnel.ErrorCode(err) != funnel.ECONFLICT {
			t.Errorf("the move that waited: %v (%s), want a conflict", err, funnel.ErrorCode(err))
		}
	})
}
