package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// rhythmDeal creates a rep and one open deal in the default pipeline's
// first stage.
func rhythmDeal(t *testing.T, db *store.DB) (*store.User, *store.Opportunity) {
	t.Helper()
	ctx := context.Background()
	rep := mustUser(t, db, "rep@example.com")
	o := &store.Opportunity{Name: "产线改造", OwnerID: rep.ID, Amount: funnel.Wan(60), ExpectedCloseDate: "2026-12-31", Region: "SH"}
	err := db.Tx(ctx, func(tx *store.Tx) error {
		c := &store.Customer{Name: "远景机械", OwnerID: rep.ID}
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return err
		}
		pl, err := tx.DefaultPipeline(ctx)
		if err != nil {
			return err
		}
		o.CustomerID, o.PipelineID, o.StageID = c.ID, pl.ID, pl.FirstOpen().ID
		return tx.CreateOpportunity(ctx, o, pl, rep.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep, o
}

func inTx[T any](t *testing.T, db *store.DB, fn func(tx *store.Tx) (T, error)) T {
	t.Helper()
	var out T
	if err := db.Tx(context.Background(), func(tx *store.Tx) (err error) { out, err = fn(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return out
}

// A risk is raised once per spell: raising it again, with a refreshed since
// or evidence, is no new risk; another spell is; clearing removes it, and
// the deal's reads carry what holds.
func TestRisksRaiseAndClear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, o := rhythmDeal(t, db)
		t0 := time.Date(2026, 5, 15, 2, 0, 0, 0, time.UTC)
		r := funnel.RiskFlag{Rule: funnel.RuleStageDwell, Level: funnel.RiskHigh, Since: t0, Evidence: "10.5 天", Advice: []string{"建议增加高层拜访"}}
		raise := func(r funnel.RiskFlag, spell string) bool {
			return inTx(t, db, func(tx *store.Tx) (bool, error) { return tx.RaiseRisk(ctx, o.ID, r, spell) })
		}
		if !raise(r, "s1") {
			t.Fatal("first raise is a new risk")
		}
		r2 := r
		r2.Since, r2.Evidence = t0.Add(time.Hour), "11 天"
		if raise(r2, "s1") || raise(r2, "s1") {
			t.Fatal("the same spell again is no new risk")
		}
		got, err := db.Opportunity(ctx, store.System, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Risks) != 1 || got.Risks[0].Evidence != "11 天" || !got.Risks[0].Since.Equal(r2.Since) || got.Risks[0].Advice[0] != "建议增加高层拜访" {
			t.Fatalf("risks on the deal: %+v", got.Risks)
		}
		if !raise(r, "s2") {
			t.Fatal("another spell is a new risk")
		}
		slow := funnel.RiskFlag{Rule: funnel.RuleSlowReplies, Level: funnel.RiskMedium, Since: t0}
		if !raise(slow, "a") {
			t.Fatal("another rule is its own risk")
		}
		list := func(level string) int {
			items, _, err := db.Opportunities(ctx, store.System, store.OpportunityFilter{Risk: level})
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}
		if list("high") != 1 || list("medium") != 1 {
			t.Fatal("the risk filter finds the deal by level")
		}
		for range 2 {
			if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.ClearRisk(ctx, o.ID, funnel.RuleStageDwell) }); err != nil {
				t.Fatal(err)
			}
		}
		if list("high") != 0 || list("medium") != 1 {
			t.Fatal("cleared: the deal is no longer high risk")
		}
		if !raise(r, "s2") {
			t.Fatal("after clearing, the condition holding again is a new risk")
		}
	})
}

// The points ledger charges a spell once, however often the rule runs.
func TestPointsOncePerSpell(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rep, o := rhythmDeal(t, db)
		add := func(spell string) bool {
			return inTx(t, db, func(tx *store.Tx) (bool, error) {
				return tx.AddPoints(ctx, &store.PointEntry{UserID: rep.ID, OpportunityID: o.ID, Rule: funnel.RuleZombie, SpellKey: spell, Delta: -5, Reason: "僵尸商机"})
			})
		}
		if !add("1") || add("1") || add("1") {
			t.Fatal("one entry per spell")
		}
		if !add("2") {
			t.Fatal("a new spell costs again")
		}
		ps, err := db.Points(ctx, rep.ID)
		if err != nil || len(ps) != 2 || ps[0].Delta != -5 || ps[0].Rule != funnel.RuleZombie {
			t.Fatalf("ledger %+v %v", ps, err)
		}
	})
}

// Several schedulers claiming the same period: exactly one wins it.
func TestClaimJobSlotOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		slot := time.Date(2026, 5, 15, 2, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		wins := 0
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := db.ClaimJobSlot(ctx, "rhythm", slot)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d claims won the slot", wins)
		}
		if ok, _ := db.ClaimJobSlot(ctx, "rhythm", slot.Add(15*time.Minute)); !ok {
			t.Fatal("the next period is free")
		}
		if ok, _ := db.ClaimJobSlot(ctx, "other", slot); !ok {
			t.Fatal("another job has its own slots")
		}
	})
}

// An archive is filed once; a change needs the current version.
func TestDealArchive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rep, o := rhythmDeal(t, db)
		a := &store.DealArchive{OpportunityID: o.ID, Outcome: "lost", LossReason: "competitor_price", RealReason: "价格", OwnWeaknesses: "响应慢", ByUserID: rep.ID}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveArchive(ctx, a) }); err != nil || a.Version != 1 {
			t.Fatal(err, a.Version)
		}
		again := *a
		again.Version = 0
		err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveArchive(ctx, &again) })
		var fe *funnel.Error
		if !errors.As(err, &fe) || fe.Code != funnel.ECONFLICT {
			t.Fatalf("filing twice: %v", err)
		}
		a.RealReason = "客户预算被砍"
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveArchive(ctx, a) }); err != nil || a.Version != 2 {
			t.Fatal(err)
		}
		stale := *a
		stale.Version = 1
		err = db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveArchive(ctx, &stale) })
		if !errors.As(err, &fe) || fe.Code != funnel.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		got, err := db.Archive(ctx, o.ID)
		if err != nil || got.RealReason != "客户预算被砍" || got.Version != 2 || len(got.SuccessPoints) != 0 {
			t.Fatalf("%+v %v", got, err)
		}
	})
}

// The learned dwell: per stage, the finished stays of every deal, the
// same as funnel.FinishedStays over the histories.
func TestStageDwellAverages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 15, 2, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		_, o := rhythmDeal(t, db)
		_, o2 := rhythmDeal2(t, db)
		var pl *store.Pipeline
		if err := db.Tx(ctx, func(tx *store.Tx) (err error) { pl, err = tx.DefaultPipeline(ctx); return err }); err != nil {
			t.Fatal(err)
		}
		move := func(o *store.Opportunity, i int, after time.Duration) {
			now = now.Add(after)
			err := db.Tx(ctx, func(tx *store.Tx) error {
				cur, err := tx.Opportunity(ctx, store.System, o.ID)
				if err != nil {
					return err
				}
				_, err = tx.MoveStage(ctx, o.ID, store.Move{To: pl.Stages[i], Version: cur.Version, By: o.OwnerID, Via: store.ViaManual})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		move(o, 1, 48*time.Hour)  // o: 2 days in stage 0 (o2 too: created at the same instant)
		move(o2, 1, 24*time.Hour) // o2: 3 days in stage 0
		move(o, 2, 24*time.Hour)  // o: 2 days in stage 1
		got, err := db.StageDwellAverages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := db.StageEntries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var hs [][]funnel.StageEntry
		for _, h := range hist {
			hs = append(hs, h)
		}
		want := funnel.FinishedStays(hs)
		if len(got) != 2 || got[pl.Stages[0].ID].Samples != 2 || got[pl.Stages[0].ID].Days != 2.5 || got[pl.Stages[1].ID].Days != 2 {
			t.Fatalf("averages %+v", got)
		}
		for id, stays := range want {
			if a := got[id]; a.Samples != len(stays) || a.Days != funnel.Average(stays) {
				t.Errorf("stage %s: %+v, want %v", id, a, stays)
			}
		}
	})
}

func rhythmDeal2(t *testing.T, db *store.DB) (*store.User, *store.Opportunity) {
	t.Helper()
	ctx := context.Background()
	rep, err := db.UserByEmail(ctx, "rep@example.com")
	if err != nil {
		t.Fatal(err)
	}
	o := &store.Opportunity{Name: "二期", OwnerID: rep.ID, Amount: funnel.Wan(10), ExpectedCloseDate: "2026-12-31", Region: "SH"}
	err = db.Tx(ctx, func(tx *store.Tx) error {
		c := &store.Customer{Name: "远景二期", OwnerID: rep.ID}
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return err
		}
		pl, err := tx.DefaultPipeline(ctx)
		if err != nil {
			return err
		}
		o.CustomerID, o.PipelineID, o.StageID = c.ID, pl.ID, pl.FirstOpen().ID
		return tx.CreateOpportunity(ctx, o, pl, rep.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep, o
}
