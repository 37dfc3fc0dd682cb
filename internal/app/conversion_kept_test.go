package app

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"shangji/internal/demo"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestKeptConversionEqualsHistory: the conversion, calibration, their
// medians and the rep profiles' per-owner counts from the totals kept per owner and month equal what stage history
// gives deal by deal — for the admin, a manager and a rep (who also sees a
// deal shared with them), for a year, a quarter and a month, after every kind of
// change a deal's path can go through, on both engines.
func TestKeptConversionEqualsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, funnel.CompanyZone)
		db.Now = func() time.Time { return now }
		res, err := demo.Load(ctx, db, demo.Options{Seed: 7, Opportunities: 200, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		a := New(db, nil)
		var actors []*store.User
		for _, l := range []demo.Login{res.Admin, res.Manager, res.Rep} {
			u, err := db.UserByEmail(ctx, l.Email)
			if err != nil {
				t.Fatal(err)
			}
			actors = append(actors, u)
		}
		rep := actors[2]
		// Every viewer, period and scope once loaded and at the end; in
		// between (what is tested there is the fold, not the reading) the
		// company and the rep's own view.
		check := func(step string, full bool) {
			t.Helper()
			if n, err := db.PendingConversion(ctx, 0); err != nil || n == 0 {
				t.Fatalf("%s: nothing logged for the fold (%d, %v)", step, n, err)
			}
			actors, periods, scopes := actors, []string{"", "2026-Q3", "2026-11"}, []ReportScope{{}, {TeamID: rep.TeamID}}
			if !full {
				actors, periods, scopes = []*store.User{actors[0], rep}, []string{""}, []ReportScope{{}}
			}
			for _, actor := range actors {
				for _, period := range periods {
					for _, s := range scopes {
						kept, err := a.cohort(ctx, actor, period, s)
						if err != nil {
							t.Fatal(err)
						}
						if n, _ := db.PendingConversion(ctx, 0); n != 0 {
							t.Fatalf("%s: %d changes left unfolded after a report", step, n)
						}
						pl, from, to, err := a.cohortBounds(ctx, period, &s)
						if err != nil {
							t.Fatal(err)
						}
						hist, err := a.cohortFromHistory(ctx, actor, pl, from, to, s)
						if err != nil {
							t.Fatal(err)
						}
						keptReps, err := a.ownerConversion(ctx, actor, pl, from, to, s)
						if err != nil {
							t.Fatal(err)
						}
						histReps, err := a.ownerConversionFromHistory(ctx, actor, pl, from, to, s, false)
						if err != nil {
							t.Fatal(err)
						}
						got, _ := json.Marshal([]any{kept.Report(), kept.Calibration(), keptReps})
						want, _ := json.Marshal([]any{hist.Report(), hist.Calibration(), histReps})
						if string(got) != string(want) {
							t.Fatalf("%s, %s, period %q, scope %+v:\nkept    %s\nhistory %s", step, actor.Email, period, s, got, want)
						}
					}
				}
			}
		}
		check("loaded", true)

		pl, err := db.Pipeline(ctx, mustDefaultPipeline(t, db))
		if err != nil {
			t.Fatal(err)
		}
		deals := func() []*store.Opportunity {
			var out []*store.Opportunity
			f := store.OpportunityFilter{PipelineID: pl.ID, Page: store.Page{Limit: 200}}
			for {
				page, next, err := db.Opportunities(ctx, store.System, f)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, page...)
				if next == "" {
					return out
				}
				f.Cursor = next
			}
		}
		r := rand.New(rand.NewPCG(7, 11))
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.Tx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		pick := func(status string) *store.Opportunity {
			var of []*store.Opportunity
			for _, o := range deals() {
				if o.Status == status {
					of = append(of, o)
				}
			}
			return of[r.IntN(len(of))]
		}

		// Moves forward, back, jumps, wins and losses; then reopening.
		for range 12 {
			o := pick(funnel.StatusOpen)
			to := pl.Stages[r.IntN(len(pl.Stages))]
			now = now.Add(time.Duration(r.IntN(200)) * time.Hour)
			write(func(tx *store.Tx) error {
				_, err := tx.MoveStage(ctx, o.ID, store.Move{To: to, Version: o.Version, By: o.OwnerID, Via: "test", LossReason: "price"})
				return err
			})
		}
		check("moved", false)
		for range 3 {
			o := pick(funnel.StatusWon)
			now = now.Add(30 * time.Hour)
			write(func(tx *store.Tx) error {
				_, err := tx.MoveStage(ctx, o.ID, store.Move{To: pl.Stages[1], Version: o.Version, By: o.OwnerID, Via: "test"})
				return err
			})
		}
		check("reopened", false)

		// Owner, amount across the high-value line, and a deal of another
		// team shared with the rep.
		for i := range 4 {
			o := pick(funnel.StatusOpen)
			o.Amount = funnel.Wan(int64(10 + 60*(i%2)))
			o.OwnerID = rep.ID
			if i == 3 {
				o.OwnerID = actors[0].ID // the admin: outside the rep's view
				o.CollaboratorIDs = []string{rep.ID}
			}
			write(func(tx *store.Tx) error { return tx.UpdateOpportunity(ctx, o, o.OwnerID) })
		}
		check("reassigned", false)

		// Decision-chain coverage: a decision maker reached, a contact made
		// one, an activity deleted.
		o := pick(funnel.StatusOpen)
		contacts, _, err := db.Contacts(ctx, store.System, store.ContactFilter{CustomerID: o.CustomerID})
		if err != nil || len(contacts) == 0 {
			t.Fatalf("contacts of %s: %v", o.CustomerID, err)
		}
		k := contacts[0]
		act := &store.Activity{OpportunityID: o.ID, CustomerID: o.CustomerID, Kind: "visit", Direction: "outbound",
			OccurredAt: now, ContactIDs: []string{k.ID}, CreatedBy: o.OwnerID}
		write(func(tx *store.Tx) error { return tx.LogActivity(ctx, act) })
		check("activity logged", false)
		if k.Role == "decision_maker" {
			k.Role = "user"
		} else {
			k.Role = "decision_maker"
		}
		write(func(tx *store.Tx) error { return tx.UpdateContact(ctx, k) })
		check("contact's role changed", false)
		write(func(tx *store.Tx) error { _, err := tx.DeleteActivity(ctx, store.System, act.ID); return err })
		check("activity deleted", true)
	})
}

func mustDefaultPipeline(t *testing.T, db *store.DB) string {
	t.Helper()
	var id string
	if err := db.Tx(context.Background(), func(tx *store.Tx) error {
		pl, err := tx.DefaultPipeline(context.Background())
		if err == nil {
			id = pl.ID
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}
