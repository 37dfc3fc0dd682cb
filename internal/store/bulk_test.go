package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestBulkInsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pls, err := db.Pipelines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pl := pls[0]
		discovery, _ := pl.StageByKey("discovery")
		proposal, _ := pl.StageByKey("proposal")
		lost, _ := pl.StageByKey("lost")
		past := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)

		// More rows than one statement carries, so full batches and a
		// remainder are both exercised.
		const n = 1234
		var owner, helper store.User
		var cust store.Customer
		var contact store.Contact
		var opps []*store.Opportunity
		err = db.Tx(ctx, func(tx *store.Tx) error {
			owner = store.User{Email: "owner@example.com", Name: "王芳", Role: store.RoleRep}
			helper = store.User{Email: "helper@example.com", Name: "李强", Role: store.RolePresales}
			if err := tx.At(past).CreateUser(ctx, &owner); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, &helper); err != nil {
				return err
			}
			cust = store.Customer{Name: "上海 华信（科技）有限公司", Region: "SH", OwnerID: owner.ID, CreatedAt: past}
			if err := tx.BulkInsertCustomers(ctx, []*store.Customer{&cust}); err != nil {
				return err
			}
			contact = store.Contact{CustomerID: cust.ID, Name: "赵敏", Role: store.RoleDecisionMaker}
			if err := tx.BulkInsertContacts(ctx, []*store.Contact{&contact}); err != nil {
				return err
			}
			// One number the ordinary way first: the block must follow it.
			if _, err := tx.NextNumber(ctx, 2026, "SH"); err != nil {
				return err
			}
			first, err := tx.ReserveNumbers(ctx, 2026, "SH", n)
			if err != nil {
				return err
			}
			if first != 2 {
				return fmt.Errorf("first reserved number = %d, want 2", first)
			}
			for i := range n {
				st, status, closed, reason := discovery, funnel.StatusOpen, "", ""
				if i%2 == 1 {
					st = proposal
				}
				if i%10 == 9 {
					st, status, closed, reason = lost, funnel.StatusLost, "2026-05-20", "competitor_price"
				}
				last := past.Add(time.Duration(i) * time.Minute)
				o := &store.Opportunity{Number: funnel.OpportunityNumber(2026, "SH", first+int64(i)), Name: fmt.Sprintf("项目%d", i),
					CustomerID: cust.ID, OwnerID: owner.ID, PipelineID: pl.ID, StageID: st.ID, Status: status, Probability: st.Probability,
					Amount: funnel.Wan(int64(10 + i%7)), ExpectedCloseDate: "2026-06-30", ClosedOn: closed, LossReason: reason, Region: "SH",
					Industry: "制造", ProductLines: []string{"销售云"}, Competitors: []string{"云图软件"}, LastContactAt: &last,
					StageEnteredAt: past.Add(time.Hour), CreatedAt: past}
				if i == 0 {
					o.CollaboratorIDs = []string{helper.ID}
				}
				opps = append(opps, o)
			}
			if err := tx.BulkInsertOpportunities(ctx, opps); err != nil {
				return err
			}
			var moves []store.StageMove
			var acts []*store.Activity
			for _, o := range opps {
				moves = append(moves, store.StageMove{OpportunityID: o.ID, ToStageID: discovery.ID, At: past, ByUserID: owner.ID,
					Probability: discovery.Probability, Amount: o.Amount, Via: store.ViaCreate})
				if o.StageID != discovery.ID {
					st, _ := pl.StageByID(o.StageID)
					moves = append(moves, store.StageMove{OpportunityID: o.ID, FromStageID: discovery.ID, ToStageID: st.ID,
						At: past.Add(time.Hour), ByUserID: owner.ID, Probability: st.Probability, Amount: o.Amount, Via: store.ViaManual})
				}
				acts = append(acts, &store.Activity{OpportunityID: o.ID, CustomerID: cust.ID, Kind: "visit", OccurredAt: *o.LastContactAt,
					ContactIDs: []string{contact.ID}, Note: "拜访", CreatedBy: owner.ID})
			}
			if err := tx.BulkInsertStageHistory(ctx, moves); err != nil {
				return err
			}
			return tx.BulkInsertActivities(ctx, acts)
		})
		if err != nil {
			t.Fatal(err)
		}

		// The next ordinary number follows the reserved block: no gap.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			num, err := tx.NextNumber(ctx, 2026, "SH")
			if want := funnel.OpportunityNumber(2026, "SH", n+2); err == nil && num != want {
				return fmt.Errorf("next number = %s, want %s", num, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		got, err := db.Opportunity(ctx, store.System, opps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != "2026-SH-002" || got.Stage != "discovery" || got.Amount != funnel.Wan(10) || !got.CreatedAt.Equal(past) ||
			len(got.CollaboratorIDs) != 1 || got.CollaboratorIDs[0] != helper.ID || got.Competitors[0] != "云图软件" ||
			got.LastContactAt == nil || !got.LastContactAt.Equal(past) || got.Version != 1 || !got.StageEnteredAt.Equal(past.Add(time.Hour)) {
			t.Errorf("read back %+v", got)
		}
		lostOne, err := db.Opportunity(ctx, store.System, opps[9].ID)
		if err != nil {
			t.Fatal(err)
		}
		if lostOne.Status != funnel.StatusLost || lostOne.ClosedOn != "2026-05-20" || lostOne.LossReason != "competitor_price" {
			t.Errorf("lost deal read back %+v", lostOne)
		}
		c, err := db.Customer(ctx, store.System, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.CreatedAt.Equal(past) || c.Version != 1 {
			t.Errorf("customer read back %+v", c)
		}
		u, err := db.User(ctx, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !u.CreatedAt.Equal(past) {
			t.Errorf("tx.At: user created at %v, want %v", u.CreatedAt, past)
		}

		totals, err := db.StageTotals(ctx, store.System, store.OpportunityFilter{PipelineID: pl.ID})
		if err != nil {
			t.Fatal(err)
		}
		var open int64
		for _, st := range totals {
			open += st.Count
		}
		if wantOpen := int64(n - n/10); open != wantOpen {
			t.Errorf("open opportunities = %d, want %d", open, wantOpen)
		}
		hist, err := db.StageHistory(ctx, opps[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].To != "discovery" || hist[1].From != "discovery" || hist[1].To != "proposal" {
			t.Errorf("history = %+v", hist)
		}
		acts, _, err := db.Activities(ctx, store.System, store.ActivityFilter{OpportunityID: opps[5].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 1 || len(acts[0].ContactIDs) != 1 || acts[0].ContactIDs[0] != contact.ID || acts[0].Kind != "visit" {
			t.Errorf("activities = %+v", acts)
		}

		// A duplicate number fails the whole call and writes nothing.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			dup := *opps[3]
			dup.ID, dup.Number = "", opps[4].Number
			fresh := *opps[3]
			fresh.ID, fresh.Number = "", "2026-SH-999999"
			return tx.BulkInsertOpportunities(ctx, []*store.Opportunity{&fresh, &dup})
		})
		if err == nil {
			t.Fatal("duplicate number accepted")
		}
		if page, _, err := db.Opportunities(ctx, store.System, store.OpportunityFilter{Query: "2026-SH-999999"}); err != nil || len(page) != 0 {
			t.Errorf("half-written bulk insert: %d rows, err %v", len(page), err)
		}
		// An opportunity without a number is refused before any SQL runs.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return tx.BulkInsertOpportunities(ctx, []*store.Opportunity{{Name: "x", StageID: discovery.ID, Status: "open"}})
		})
		if funnel.ErrorCode(err) != funnel.EINVALID {
			t.Errorf("missing number: err = %v, want EINVALID", err)
		}
	})
}

func TestReserveNumbersConsecutiveBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var firsts []int64
		for _, k := range []int{3, 1, 5} {
			err := db.Tx(ctx, func(tx *store.Tx) error {
				f, err := tx.ReserveNumbers(ctx, 2027, "BJ", k)
				firsts = append(firsts, f)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(firsts) != "[1 4 5]" {
			t.Errorf("firsts = %v, want [1 4 5]", firsts)
		}
		// A rolled-back reservation gives its numbers back.
		_ = db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ReserveNumbers(ctx, 2027, "BJ", 100); err != nil {
				return err
			}
			return fmt.Errorf("roll back")
		})
		err := db.Tx(ctx, func(tx *store.Tx) error {
			f, err := tx.ReserveNumbers(ctx, 2027, "BJ", 2)
			if err == nil && f != 10 {
				return fmt.Errorf("after rollback first = %d, want 10", f)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := tx.ReserveNumbers(ctx, 2027, "BJ", 0); return err }); err == nil {
			t.Error("reserving zero numbers accepted")
		}
	})
}
