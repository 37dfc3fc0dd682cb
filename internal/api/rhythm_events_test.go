package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// Every way a deal moves announces it, in the outbox, in the move's own
// transaction: by hand, by ticked indicators, by an approval, by the health
// rule moving it back, and the close. A move that only files an approval
// announces nothing.
func TestStageEventsOnEveryMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return tx.CreateChannel(ctx, &store.Channel{Kind: store.ChannelWebhook, Address: "https://events.example.com/hook", Events: "*"})
		}); err != nil {
			t.Fatal(err)
		}
		type event struct {
			Event, From, To, Via, Number string
		}
		seen := 0
		events := func() []event {
			t.Helper()
			rows, err := db.Notifications(ctx, store.NotificationFilter{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var out []event
			for _, n := range rows {
				var d struct {
					From, To, Via string
					Opportunity   struct{ Number string }
				}
				if err := json.Unmarshal(n.Data, &d); err != nil {
					t.Fatal(err)
				}
				out = append(out, event{n.Event, d.From, d.To, d.Via, d.Opportunity.Number})
			}
			slices.Reverse(out) // oldest first
			fresh := out[seen:]
			seen = len(out)
			return fresh
		}
		want := func(what string, w ...event) {
			t.Helper()
			if got := events(); !slices.Equal(got, w) {
				t.Errorf("%s: events %+v, want %+v", what, got, w)
			}
		}

		d := e.specDeal(repA1, "事件客户") // health 81
		num := str(e.get(d.id), "number")
		want("create", event{"opportunity.created", "", "", "", num})

		e.link(repA1, d.id, "needs_confirmation")
		e.must(200, "POST", "/api/v1/opportunities/"+d.id+"/stage", repA1, obj{"to": "needs_confirmed", "version": version(e.get(d.id))})
		want("manual", event{"opportunity.stage_changed", "discovery", "needs_confirmed", "manual", num})

		defer e.putSettings(admin, "flag")
		if r := e.putSettings(admin, "move_back"); r.Status != 200 {
			t.Fatal(string(r.Raw))
		}
		e.must(204, "DELETE", "/api/v1/documents/"+d.approvalDoc, repA1, nil)
		e.must(204, "DELETE", "/api/v1/opportunities/"+d.id+"/budget-facts/amount_stated", repA1, nil) // 56: back
		want("rule", event{"opportunity.stage_changed", "needs_confirmed", "discovery", "rule", num})

		b := e.borderline(repA2, "审批事件客户")
		bn := str(e.get(b.id), "number")
		events()
		if r := e.moveTo(repA2, b.id, "needs_confirmed"); r.Status != 202 {
			t.Fatalf("borderline: %d %s", r.Status, r.Raw)
		}
		want("approval requested")
		ap := e.pendingApprovals(mgrA, b.id)[0]
		e.must(200, "POST", "/api/v1/approvals/"+str(ap, "id")+"/approve", mgrA, obj{"version": version(ap)})
		want("approved", event{"opportunity.stage_changed", "discovery", "needs_confirmed", "approval", bn})

		simple := e.pipelineID("simple-4")
		e.setMode("", simple, "indicators")
		defer e.setMode("", simple, "manual")
		s := str(e.opportunity(repA1, obj{"customer_id": e.customer(repA1, "指标事件客户"), "amount": "200000.00", "pipeline_id": simple}), "id")
		sn := str(e.get(s), "number")
		events()
		e.tick(repA1, s, "trial")
		want("indicator", event{"opportunity.stage_changed", "plan_confirmed", "evaluation", "indicator", sn})

		e.must(200, "DELETE", "/api/v1/opportunities/"+s+"?version="+itoa(float64(version(e.get(s)))), repA1, nil)
		want("close as lost", event{"opportunity.stage_changed", "evaluation", "lost", "manual", sn}, event{"opportunity.lost", "evaluation", "lost", "manual", sn})
	})
}
