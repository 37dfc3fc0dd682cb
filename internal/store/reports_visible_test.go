package store_test

import (
	"context"
	"testing"
	"time"

	"shangji/internal/demo"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// The report queries rewritten for speed answer as the plain conditions do,
// on a small demo company (one load per engine for both checks).
func TestReportQueriesOnDemoData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := demo.Load(ctx, db, demo.Options{Seed: 3, Opportunities: 150, Now: time.Date(2026, 11, 23, 10, 0, 0, 0, funnel.CompanyZone)})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("StageTotalsMatchVisibleDeals", func(t *testing.T) { stageTotalsMatchVisibleDeals(t, db) })
		t.Run("CohortDecisionMakerFlag", func(t *testing.T) { cohortDecisionMakerFlag(t, db, res.Rep.Email) })
	})
}

// StageTotals for someone who is not an admin counts exactly the open deals
// they may list: their own, their subtree's and those shared with them, each
// once. Every demo user is checked, presales (who own nothing and see the
// deals they help on) and managers (whose own team is in their subtree)
// included, with and without a team filter.
func stageTotalsMatchVisibleDeals(t *testing.T, db *store.DB) {
	ctx := context.Background()
	users, _, err := db.Users(ctx, store.UserFilter{Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	team, err := db.TeamByName(ctx, "华东区")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, u := range users {
		if u.Role == store.RoleAdmin {
			continue
		}
		for _, f := range []store.OpportunityFilter{{}, {TeamID: team}} {
			got, err := db.StageTotals(ctx, u.Viewer(), f)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]store.StageTotal{}
			f.Status = funnel.StatusOpen
			for f.Page = (store.Page{Limit: store.MaxLimit}); ; {
				opps, next, err := db.Opportunities(ctx, u.Viewer(), f)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range opps {
					st := want[o.StageID]
					st.StageID, st.Count, st.Amount = o.StageID, st.Count+1, st.Amount+o.Amount
					want[o.StageID] = st
				}
				if next == "" {
					break
				}
				f.Page.Cursor = next
			}
			if len(got) != len(want) {
				t.Fatalf("%s (%s) team %q: %d stages, want %d", u.Email, u.Role, f.TeamID, len(got), len(want))
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("%s (%s) team %q: stage %s %+v, want %+v", u.Email, u.Role, f.TeamID, id, got[id], w)
				}
			}
			checked += len(want)
		}
	}
	if checked < 20 {
		t.Errorf("only %d stage totals compared", checked)
	}
}

// Cohort's decision-maker flag (found once per cohort, not per history row)
// says, for every deal of the company's and of a rep's cohort, whether one
// of its follow-ups involved a decision maker.
func cohortDecisionMakerFlag(t *testing.T, db *store.DB, repEmail string) {
	ctx := context.Background()
	rep, err := db.UserByEmail(ctx, repEmail)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []store.Viewer{store.System, rep.Viewer()} {
		deals, contacted := 0, 0
		err := db.Cohort(ctx, v, store.OpportunityFilter{}, time.Time{}, time.Time{}, func(p store.CohortPath) error {
			var want bool
			if err := db.QueryRowForTest(ctx, `SELECT EXISTS (SELECT 1 FROM activities a JOIN activity_contacts ac ON ac.activity_id = a.id
				JOIN contacts k ON k.id = ac.contact_id WHERE a.opportunity_id = $1 AND k.role = 'decision_maker')`, p.ID).Scan(&want); err != nil {
				return err
			}
			if p.DMContacted != want {
				t.Errorf("deal %s: decision maker contacted %v, want %v", p.ID, p.DMContacted, want)
			}
			deals++
			if want {
				contacted++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if deals == 0 || contacted == 0 || contacted == deals {
			t.Errorf("viewer %s: %d deals, %d with a decision maker: not a useful check", v.UserID, deals, contacted)
		}
	}
}
