package app_test

import (
	"context"
	"encoding/json"
	"testing"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestCreatedDealIsAsCommitted: creating a deal scores it and announces it
// from what the transaction wrote, without reading it back. The deal the
// use case returns and the opportunity.created event must both be exactly
// what a later read of the deal returns (the opener's warnings aside) — for
// a deal on a colleague's customer with collaborators, need scores and a
// next contact time finer than the database keeps, for one created in a later
// stage below the health threshold (flagged), and for one moved back at once
// when the setting says so.
func TestCreatedDealIsAsCommitted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := app.New(db, nil)
		var admin, mgr, rep, other *store.User
		var cust *store.Customer
		err := db.Tx(ctx, func(tx *store.Tx) error {
			admin = &store.User{Email: "admin@example.com", Name: "管理员", Role: store.RoleAdmin}
			mgr = &store.User{Email: "mgr@example.com", Name: "主管", Role: store.RoleAdmin}
			rep = &store.User{Email: "rep@example.com", Name: "销售甲", Role: store.RoleRep}
			other = &store.User{Email: "other@example.com", Name: "销售乙", Role: store.RoleRep}
			for _, u := range []*store.User{admin, mgr, rep, other} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			cust = &store.Customer{Name: "星河科技", OwnerID: other.ID, Region: "SH"}
			if err := tx.CreateCustomer(ctx, cust); err != nil {
				return err
			}
			return tx.CreateChannel(ctx, &store.Channel{Kind: store.ChannelWebhook, Address: "https://events.example.com/hook", Events: "*"})
		})
		if err != nil {
			t.Fatal(err)
		}
		created := func() map[string]json.RawMessage {
			t.Helper()
			ns, err := db.Notifications(ctx, store.NotificationFilter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]json.RawMessage{}
			for _, n := range ns {
				if n.Event != app.EventOpportunityCreated {
					continue
				}
				var d struct{ Opportunity json.RawMessage }
				if err := json.Unmarshal(n.Data, &d); err != nil {
					t.Fatal(err)
				}
				var o struct{ ID string }
				if err := json.Unmarshal(d.Opportunity, &o); err != nil {
					t.Fatal(err)
				}
				out[o.ID] = d.Opportunity
			}
			return out
		}
		canon := func(v any) string {
			t.Helper()
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			b, _ = json.Marshal(m)
			return string(b)
		}
		check := func(name string, in app.OpportunityInput) *store.Opportunity {
			t.Helper()
			in.Name, in.CustomerID, in.OwnerID = &name, &cust.ID, &rep.ID
			o, err := a.CreateOpportunity(ctx, mgr, in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			read, err := db.Opportunity(ctx, store.System, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := *o
			got.Warnings = nil
			if g, w := canon(&got), canon(read); g != w {
				t.Errorf("%s: returned\n%s\nread\n%s", name, g, w)
			}
			ev, ok := created()[o.ID]
			if !ok {
				t.Fatalf("%s: no opportunity.created event", name)
			}
			if g, w := canon(ev), canon(read); g != w {
				t.Errorf("%s: event\n%s\nread\n%s", name, g, w)
			}
			return o
		}

		amount, next := "1000000.00", "2026-12-01T09:00:00.123456789Z"
		collabs := []string{other.ID, mgr.ID, rep.ID, mgr.ID}
		scores := []int{90, 80, 70, 60, 50, 90, 80, 70, 60, 50}
		competitors := []string{"甲公司", "乙公司"}
		o := check("全字段商机", app.OpportunityInput{Amount: &amount, NextContactAt: &next, CollaboratorIDs: &collabs,
			NeedScores: &scores, Competitors: &competitors})
		if o.HealthScore == 0 || o.HealthDecision == "" {
			t.Errorf("need scores given at creation not scored: %+v", o)
		}
		if len(o.Warnings) != 1 || o.Warnings[0].Code != "customer_owned_by_other" {
			t.Errorf("warnings %+v, want the customer overlap", o.Warnings)
		}
		if h, err := db.HealthHistory(ctx, o.ID); err != nil || len(h) != 1 || h[0].Score != o.HealthScore {
			t.Errorf("health history %+v (%v), want one point of %v", h, err, o.HealthScore)
		}

		proposal := "proposal"
		o = check("后期阶段商机", app.OpportunityInput{Amount: &amount, Stage: &proposal})
		if !o.HealthFlagged || o.HealthDecision != string(funnel.Regress) || o.Stage != "proposal" {
			t.Errorf("a deal created in a later stage with nothing filled in: %s %s flagged=%v, want proposal, regress, flagged", o.Stage, o.HealthDecision, o.HealthFlagged)
		}

		s, err := a.HealthSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.RegressAction = "move_back"
		if _, err := a.SaveHealthSettings(ctx, admin, s); err != nil {
			t.Fatal(err)
		}
		o = check("退回商机", app.OpportunityInput{Amount: &amount, Stage: &proposal})
		if o.Stage != "needs_confirmed" || o.HealthFlagged {
			t.Errorf("with move_back a deal created in a later stage with nothing filled in is at %s, flagged=%v; want needs_confirmed", o.Stage, o.HealthFlagged)
		}
	})
}
