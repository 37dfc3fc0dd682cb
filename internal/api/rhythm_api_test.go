package api_test

import (
	"context"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// Rhythm settings: everyone reads them, only an admin changes them, bad
// values are refused by field, and the rules follow the saved values.
func TestRhythmSettingsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.must(200, "GET", "/api/v1/settings/rhythm", repA1, nil)
		if num(s, "zombie_penalty_days") != 3 || num(s, "zombie_review_days") != 7 || str(s, "priority_min_amount") != "500000.00" ||
			num(s, "slow_reply_days") != 3 || num(s, "archive_working_days") != 7 || num(s, "dwell_factor") != 1.5 {
			t.Fatalf("defaults: %v", s)
		}
		wantProblem(t, e.call("PUT", "/api/v1/settings/rhythm", e.tok[mgrA], obj{"zombie_penalty_days": 2}), 403)
		r := e.call("PUT", "/api/v1/settings/rhythm", e.tok[admin], obj{"slow_reply_days": 2, "slow_reply_baseline_days": 3, "dwell_factor": 0.5})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); len(f) != 2 {
			t.Errorf("fields: %v", f)
		}
		s = e.must(200, "PUT", "/api/v1/settings/rhythm", admin, obj{"zombie_penalty_days": 2, "zombie_penalty_points": 3})
		if num(s, "zombie_penalty_days") != 2 || num(s, "zombie_review_days") != 7 {
			t.Fatalf("saved: %v", s)
		}
		if num(e.must(200, "GET", "/api/v1/settings/rhythm", repA1, nil), "zombie_penalty_points") != 3 {
			t.Fatal("the saved value is read back")
		}

		opp := str(e.opportunity(repA1, obj{"customer_id": e.customer(repA1, "设置客户"), "amount": "100000.00"}), "id")
		e.clock.Advance(49 * time.Hour)
		if _, err := e.app.RunRhythm(context.Background()); err != nil {
			t.Fatal(err)
		}
		p := e.must(200, "GET", "/api/v1/points", repA1, nil)
		items := p["items"].([]any)
		if num(p, "total") != -3 || len(items) != 1 || str(items[0].(map[string]any), "opportunity_id") != opp {
			t.Fatalf("2 days idle under the new setting cost 3 points: %v", p)
		}
		// Points are read by the user, those above them and admins.
		e.must(200, "GET", "/api/v1/points?user_id="+e.id(repA1), mgrA, nil)
		e.must(200, "GET", "/api/v1/points?user_id="+e.id(repA1), director, nil)
		for _, who := range []string{repA2, mgrB} {
			if r := e.call("GET", "/api/v1/points?user_id="+e.id(repA1), e.tok[who], nil); r.Status == 200 {
				t.Errorf("%s read repA1's points", who)
			}
		}
		wantProblem(t, e.call("GET", "/api/v1/opportunities?risk=low", e.tok[admin], nil), 422)
	})
}

// The archive: only for a closed deal, filed once, changed with its version.
func TestArchiveAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		opp := str(e.opportunity(repA1, obj{"customer_id": e.customer(repA1, "归档客户"), "amount": "100000.00",
			"pipeline_id": e.pipelineID("simple-4")}), "id")
		path := "/api/v1/opportunities/" + opp + "/archive"
		wantProblem(t, e.call("PUT", path, e.tok[repA1], obj{"version": 0, "success_points": []string{"x"}}), 422)
		wantProblem(t, e.call("GET", path, e.tok[repA1], nil), 404)
		e.must(200, "POST", "/api/v1/opportunities/"+opp+"/stage", repA1, obj{"to": "lost", "loss_reason": "needs_changed", "version": version(e.get(opp))})
		a := e.must(200, "PUT", path, repA1, obj{"version": 0, "real_reason": "客户转向自研", "own_weaknesses": "定制能力不足"})
		if str(a, "loss_reason") != "needs_changed" || str(a, "outcome") != "lost" || version(a) != 1 {
			t.Fatalf("the reason given at the close is the default: %v", a)
		}
		wantProblem(t, e.call("PUT", path, e.tok[repA1], obj{"version": 0, "real_reason": "a", "own_weaknesses": "b"}), 409)
		wantProblem(t, e.call("PUT", path, e.tok[repB1], obj{"version": 1, "real_reason": "a", "own_weaknesses": "b"}), 404)
		a = e.must(200, "PUT", path, mgrA, obj{"version": 1, "loss_reason": "competitor_price", "competitor_strengths": "价格低",
			"real_reason": "客户转向自研", "own_weaknesses": "定制能力不足"})
		if version(a) != 2 || str(e.must(200, "GET", path, director, nil), "competitor_strengths") != "价格低" {
			t.Fatalf("changed by the manager: %v", a)
		}
	})
}

// Escalation tells of todos that fell overdue lately; one long overdue
// before escalation ran (a first start over old history) is not news.
func TestEscalationWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		opp := str(e.opportunity(repA1, obj{"customer_id": e.customer(repA1, "窗口客户"), "amount": "100000.00"}), "id")
		old := e.addTodo(store.TodoCadence, opp, repA1, "old", testNow.Add(-8*24*time.Hour))
		fresh := e.addTodo(store.TodoCadence, opp, repA1, "fresh", testNow.Add(-time.Hour))
		res, err := e.app.EscalateOverdue(ctx)
		if err != nil || res.Owners != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		rows, err := db.Notifications(ctx, store.NotificationFilter{})
		if err != nil || len(rows) != 1 || rows[0].Key != "todo-overdue:"+fresh+":owner" || rows[0].Address != "repa1@example.com" {
			t.Fatalf("outbox %+v %v (old todo %s)", rows, err, old)
		}
		if res, _ := e.app.EscalateOverdue(ctx); res.Owners+res.Managers != 0 {
			t.Fatalf("again: %+v", res)
		}
	})
}
