package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// Group commit (SQLite: actions that queue for the writer share one
// transaction, each in a savepoint). These tests make actions queue behind a
// holder for certain, then check that each still behaves as its own
// transaction: a failing or panicking one leaves nothing behind and gets its
// own error, the others are committed, and deal numbers stay gap-free. They
// run on PostgreSQL too, where every action has its own transaction and the
// outcome must be the same.

type gcWorld struct {
	db   *store.DB
	rep  *store.User
	cust *store.Customer
	pl   *store.Pipeline
	year int
}

func newGCWorld(t *testing.T, db *store.DB) *gcWorld {
	t.Helper()
	ctx := context.Background()
	w := &gcWorld{db: db, year: db.Now().In(funnel.CompanyZone).Year()}
	err := db.Tx(ctx, func(tx *store.Tx) error {
		w.rep = &store.User{Email: "gc@example.com", Name: "批量", Role: store.RoleRep}
		if err := tx.CreateUser(ctx, w.rep); err != nil {
			return err
		}
		w.cust = &store.Customer{Name: "批量客户", OwnerID: w.rep.ID}
		return tx.CreateCustomer(ctx, w.cust)
	})
	if err != nil {
		t.Fatal(err)
	}
	pls, err := db.Pipelines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.pl = pls[0] // the default comes first
	return w
}

// create writes a deal in tx and returns it (its ID is set even if the
// action fails later).
func (w *gcWorld) create(ctx context.Context, tx *store.Tx, name string) (*store.Opportunity, error) {
	o := &store.Opportunity{Name: name, CustomerID: w.cust.ID, OwnerID: w.rep.ID, PipelineID: w.pl.ID,
		StageID: w.pl.FirstOpen().ID, Amount: funnel.Wan(1), ExpectedCloseDate: "2026-12-31", Region: "GC"}
	return o, tx.CreateOpportunity(ctx, o, w.pl, w.rep.ID)
}

// exists reports whether the deal was committed.
func (w *gcWorld) exists(t *testing.T, id string) bool {
	t.Helper()
	_, err := w.db.Opportunity(context.Background(), store.System, id)
	if err != nil && funnel.ErrorCode(err) != funnel.ENOTFOUND {
		t.Fatal(err)
	}
	return err == nil
}

// numbers checks that the committed deals ids hold the numbers 1…len(ids)
// of the year in region GC.
func (w *gcWorld) numbers(t *testing.T, what string, ids []string) {
	t.Helper()
	var got, want []string
	for i, id := range ids {
		o, err := w.db.Opportunity(context.Background(), store.System, id)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o.Number)
		want = append(want, fmt.Sprintf("%d-GC-%03d", w.year, i+1))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s: numbers %v, want %v", what, got, want)
	}
}

// hold starts an action that holds the writer until release is called;
// result gives its error. fn, if not nil, runs in it first.
func hold(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) (release func(), result <-chan error) {
	t.Helper()
	rel, started, res := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		res <- db.Tx(context.Background(), func(tx *store.Tx) error {
			close(started)
			<-rel
			if fn != nil {
				return fn(tx)
			}
			return nil
		})
	}()
	<-started
	return sync.OnceFunc(func() { close(rel) }), res
}

// waitQueued waits until n actions wait for SQLite's writer; on PostgreSQL
// nothing queues in the process and it returns at once.
func waitQueued(t *testing.T, db *store.DB, n int) {
	t.Helper()
	if db.Engine != store.SQLite {
		return
	}
	for deadline := time.Now().Add(20 * time.Second); db.WritersQueued() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d actions queued for the writer, want %d", db.WritersQueued(), n)
		}
	}
}

var errRefused = errors.New("refused")

// TestGroupCommitKeepsActionsApart: 90 actions queue behind a holder (so on
// SQLite they share two batches: 64 actions at most per commit); every fifth
// fails after writing its deal, every seventh panics. The failing ones get
// exactly their own error or panic back, nothing of theirs is committed, the
// others are, and the committed deals' numbers are 1…n without a gap (a
// rolled-back action gives its number back).
func TestGroupCommitKeepsActionsApart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGCWorld(t, db)
		ctx := context.Background()
		var held *store.Opportunity
		release, holderDone := hold(t, db, func(tx *store.Tx) error {
			var err error
			held, err = w.create(ctx, tx, "holder")
			return err
		})

		const n = 90
		type outcome struct {
			id    string
			err   error
			panic any
		}
		out := make([]outcome, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				defer func() { out[i].panic = recover() }()
				out[i].err = db.Tx(ctx, func(tx *store.Tx) error {
					o, err := w.create(ctx, tx, fmt.Sprintf("action %d", i))
					if err != nil {
						return err
					}
					out[i].id = o.ID
					switch {
					case i%5 == 1:
						return fmt.Errorf("action %d: %w", i, errRefused)
					case i%7 == 3:
						panic(fmt.Sprintf("action %d panics", i))
					}
					return nil
				})
			})
		}
		waitQueued(t, db, n)
		release()
		wg.Wait()
		if err := <-holderDone; err != nil {
			t.Fatal(err)
		}

		kept := []string{held.ID}
		for i, o := range out {
			switch {
			case i%5 == 1:
				if o.err == nil || !errors.Is(o.err, errRefused) || o.err.Error() != fmt.Sprintf("action %d: refused", i) || o.panic != nil {
					t.Errorf("action %d: error %v, panic %v; want its own refusal", i, o.err, o.panic)
				}
			case i%7 == 3:
				if o.panic != fmt.Sprintf("action %d panics", i) || o.err != nil {
					t.Errorf("action %d: panic %v, error %v; want its own panic", i, o.panic, o.err)
				}
			default:
				if o.err != nil || o.panic != nil {
					t.Errorf("action %d: error %v, panic %v", i, o.err, o.panic)
				}
				kept = append(kept, o.id)
			}
			if o.id == "" {
				t.Fatalf("action %d did not run", i)
			}
			if got, want := w.exists(t, o.id), o.err == nil && o.panic == nil; got != want {
				t.Errorf("action %d (error %v, panic %v): deal committed = %v", i, o.err, o.panic, got)
			}
		}
		w.numbers(t, "after 90 actions", kept)

		// The writer is free again.
		if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := w.create(ctx, tx, "after"); return err }); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGroupCommitFirstActionFails: the first action of a batch has no
// savepoint; when it fails the whole transaction is rolled back, and the
// actions queued behind it begin a new one.
func TestGroupCommitFirstActionFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGCWorld(t, db)
		ctx := context.Background()
		var held *store.Opportunity
		release, holderDone := hold(t, db, func(tx *store.Tx) error {
			var err error
			if held, err = w.create(ctx, tx, "holder"); err != nil {
				return err
			}
			return errRefused
		})
		ids := make([]string, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				errs[i] = db.Tx(ctx, func(tx *store.Tx) error {
					o, err := w.create(ctx, tx, fmt.Sprintf("queued %d", i))
					ids[i] = o.ID
					return err
				})
			})
		}
		waitQueued(t, db, 2)
		release()
		wg.Wait()
		if err := <-holderDone; !errors.Is(err, errRefused) {
			t.Errorf("holder: %v, want its refusal", err)
		}
		if w.exists(t, held.ID) {
			t.Error("the refused first action's deal was committed")
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("queued %d: %v", i, err)
			}
		}
		w.numbers(t, "after a refused first action", ids)
	})
}

// TestGroupCommitContextEnds: an action whose context ends while it waits for
// the writer leaves without running; one whose context ends in the middle of
// a long write (SQLite would answer an interrupt by rolling back the whole
// shared transaction) loses its own writes only, and the actions before and
// after it in the batch are committed.
func TestGroupCommitContextEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGCWorld(t, db)
		ctx := context.Background()

		t.Run("while queued", func(t *testing.T) {
			if db.Engine != store.SQLite {
				t.Skip("nothing queues in the process on PostgreSQL")
			}
			release, holderDone := hold(t, db, nil)
			wctx, cancel := context.WithCancel(ctx)
			ran := false
			res := make(chan error, 1)
			go func() {
				res <- db.Tx(wctx, func(tx *store.Tx) error { ran = true; return nil })
			}()
			waitQueued(t, db, 1)
			cancel()
			if err := <-res; !errors.Is(err, context.Canceled) || ran {
				t.Errorf("cancelled while queued: %v, ran %v; want context.Canceled without running", err, ran)
			}
			if db.WritersQueued() != 0 {
				t.Errorf("%d still queued", db.WritersQueued())
			}
			release()
			if err := <-holderDone; err != nil {
				t.Fatal(err)
			}
		})

		t.Run("during a long write", func(t *testing.T) {
			release, holderDone := hold(t, db, nil)
			bctx, cancel := context.WithCancel(ctx)
			defer cancel()
			ids := make([]string, 3)
			errs := make([]error, 3)
			long := make(chan struct{})
			var wg sync.WaitGroup
			for i, actx := range []context.Context{ctx, bctx, ctx} {
				wg.Go(func() {
					errs[i] = db.Tx(actx, func(tx *store.Tx) error {
						o, err := w.create(actx, tx, fmt.Sprintf("long %d", i))
						if err != nil {
							return err
						}
						ids[i] = o.ID
						if i != 1 {
							return nil
						}
						close(long)
						// A write that takes a while: its context ends midway.
						if _, err := tx.ExecInAction(actx, `UPDATE opportunities SET name = name WHERE id = (
							WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
							SELECT CAST(MAX(x) AS TEXT) FROM c)`); err != nil {
							return err
						}
						_, err = w.create(actx, tx, "after the long write")
						return err
					})
				})
				waitQueued(t, db, i+1) // queued in this order
			}
			go func() {
				<-long
				time.Sleep(20 * time.Millisecond)
				cancel()
			}()
			release()
			wg.Wait()
			if err := <-holderDone; err != nil {
				t.Fatal(err)
			}
			if errs[1] == nil || (db.Engine == store.SQLite && !errors.Is(errs[1], context.Canceled)) {
				t.Errorf("cancelled during its write: %v, want context.Canceled", errs[1])
			}
			if w.exists(t, ids[1]) {
				t.Error("the cancelled action's deal was committed")
			}
			for _, i := range []int{0, 2} {
				if errs[i] != nil || !w.exists(t, ids[i]) {
					t.Errorf("action %d around the cancelled one: %v, committed %v", i, errs[i], w.exists(t, ids[i]))
				}
			}
		})
	})
}

// TestGroupCommitPreparedAfterCancel: the writer runs frequent statements
// prepared, bound once per shared transaction. An action whose context has
// ended before one of them must fail alone: the statement the next action
// of the batch runs must not carry its ending with it.
func TestGroupCommitPreparedAfterCancel(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := newGCWorld(t, db)
	ctx := context.Background()
	for range 4 { // often enough to be prepared, each in a batch of its own
		if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := w.create(ctx, tx, "warm"); return err }); err != nil {
			t.Fatal(err)
		}
	}
	release, holderDone := hold(t, db, nil)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	errs, ids := make([]error, 2), make([]string, 2)
	var wg sync.WaitGroup
	for i, actx := range []context.Context{cctx, ctx} {
		wg.Go(func() {
			errs[i] = db.Tx(ctx, func(tx *store.Tx) error {
				o, err := w.create(actx, tx, fmt.Sprintf("after cancel %d", i))
				ids[i] = o.ID
				return err
			})
		})
		waitQueued(t, db, i+1)
	}
	release()
	wg.Wait()
	if err := <-holderDone; err != nil {
		t.Fatal(err)
	}
	if !errors.Is(errs[0], context.Canceled) {
		t.Errorf("action with an ended context: %v, want context.Canceled", errs[0])
	}
	if errs[1] != nil || !w.exists(t, ids[1]) {
		t.Errorf("the action after it: %v", errs[1])
	}
}

// TestGroupCommitFailedCommitReachesEveryAction: when the COMMIT of a batch
// fails, every action kept in it gets the error and none of their writes
// stay. (Provoked with a foreign key checked only at commit; SQLite only —
// the store never defers one outside an import, which runs alone.)
func TestGroupCommitFailedCommitReachesEveryAction(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := newGCWorld(t, db)
	ctx := context.Background()
	var held *store.Opportunity
	release, holderDone := hold(t, db, func(tx *store.Tx) error {
		var err error
		held, err = w.create(ctx, tx, "holder")
		return err
	})
	ids := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			errs[i] = db.Tx(ctx, func(tx *store.Tx) error {
				o, err := w.create(ctx, tx, fmt.Sprintf("doomed %d", i))
				if err != nil {
					return err
				}
				ids[i] = o.ID
				if i == 1 {
					if _, err := tx.ExecInAction(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
						return err
					}
					_, err = tx.ExecInAction(ctx, `INSERT INTO opportunity_collaborators (opportunity_id, user_id) VALUES ('no deal', 'nobody')`)
				}
				return err
			})
		})
		waitQueued(t, db, i+1)
	}
	release()
	wg.Wait()
	for what, err := range map[string]error{"holder": <-holderDone, "doomed 0": errs[0], "doomed 1": errs[1]} {
		if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Errorf("%s: %v, want the failed commit's error", what, err)
		}
	}
	for _, id := range []string{held.ID, ids[0], ids[1]} {
		if w.exists(t, id) {
			t.Errorf("deal %s of a failed commit exists", id)
		}
	}
	// The writer is usable again, and numbering starts over.
	var o *store.Opportunity
	if err := db.Tx(ctx, func(tx *store.Tx) error { var err error; o, err = w.create(ctx, tx, "after"); return err }); err != nil {
		t.Fatal(err)
	}
	w.numbers(t, "after a failed commit", []string{o.ID})
}

// TestTuneForImportNeedsItsOwnTransaction: the import's connection settings
// must not reach actions that share a batch.
func TestTuneForImportNeedsItsOwnTransaction(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *store.Tx) error { _, err := tx.TuneForImport(ctx); return err })
	if err == nil {
		t.Error("TuneForImport in a shared transaction was allowed")
	}
	restore := func() {}
	err = db.TxAlone(ctx, func(tx *store.Tx) error {
		var err error
		restore, err = tx.TuneForImport(ctx)
		return err
	})
	if err != nil {
		t.Error(err)
	}
	restore()
}
