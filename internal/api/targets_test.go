package api_test

import (
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestTargetsParadigms: seed 004's probability plan from history, named-account
// coverage and penetration, and slipped milestones on a large deal.
func TestTargetsParadigms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.clock.Set(time.Date(2026, 11, 2, 10, 0, 0, 0, funnel.CompanyZone)) // a Monday
		pid := e.pipelineID("simple-4")
		cust := e.customer(repA1, "目标客户甲")
		other := e.customer(repA1, "目标客户乙")
		e.customer(repA1, "目标客户丙")
		// History: one win of 100万 with two follow-ups, one loss → win rate 50%.
		w := e.opportunity(repA1, obj{"customer_id": cust, "amount": "1000000.00", "pipeline_id": pid})
		for range 2 {
			e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": str(w, "id"), "kind": "call"})
		}
		w = e.must(200, "GET", "/api/v1/opportunities/"+str(w, "id"), repA1, nil)
		e.must(200, "POST", "/api/v1/opportunities/"+str(w, "id")+"/stage", repA1, obj{"to": "won", "version": version(w), "closed_on": "2026-09-30"})
		l := e.opportunity(repA1, obj{"customer_id": other, "amount": "500000.00", "pipeline_id": pid})
		e.must(200, "POST", "/api/v1/opportunities/"+str(l, "id")+"/stage", repA1, obj{"to": "lost", "version": version(l), "loss_reason": "other"})
		e.must(201, "POST", "/api/v1/quotas", admin, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q4", "amount": "3000000.00"})
		// Named accounts: 甲 (touched this quarter, has deals) and 丙 (neither).
		for _, name := range []string{"目标客户甲", "目标客户丙"} {
			var id string
			for _, c := range items(t, e.must(200, "GET", "/api/v1/customers?q="+name, repA1, nil)) {
				id = str(c, "id")
			}
			e.must(204, "POST", "/api/v1/named-accounts", mgrA, obj{"scope": "user", "scope_id": e.id(repA1), "customer_id": id})
		}
		wantProblem(t, e.call("POST", "/api/v1/named-accounts", e.tok[repA1], obj{"scope": "user", "scope_id": e.id(repA1), "customer_id": cust}), 403)

		r := e.must(200, "GET", "/api/v1/reports/targets?period=2026-Q4&owner_id="+e.id(repA1), mgrA, nil)
		p := r["probability"].(map[string]any)
		// 300万 to go at 100万 a win and 50% → 3 wins, 6 deals, 6 follow-ups.
		if str(p, "win_rate") != "50" || str(p, "avg_order_value") != "1000000.00" || num(p, "needed_wins") != 3 ||
			num(p, "needed_opportunities") != 6 || num(p, "needed_activities") != 6 || num(p, "working_days_left") <= 0 {
			t.Errorf("probability plan = %v", p)
		}
		b := r["behaviour"].(map[string]any)
		if num(b, "accounts") != 2 || num(b, "touched") != 1 || num(b, "penetrated") != 1 || str(b, "coverage") != "50" {
			t.Errorf("behaviour = %v", b)
		}
		if act := r["actual"].(map[string]any); num(act, "opportunities") != 2 || num(act, "activities") != 2 {
			t.Errorf("actuals = %v", act)
		}

		// Project paradigm: one milestone done late, one overdue, one ahead.
		big := e.opportunity(repA1, obj{"customer_id": cust, "amount": "9000000.00", "pipeline_id": pid})
		id := str(big, "id")
		m1 := e.must(201, "POST", "/api/v1/opportunities/"+id+"/milestones", repA1, obj{"name": "技术交流", "due_on": "2026-10-20"})
		e.must(200, "PATCH", "/api/v1/milestones/"+str(m1, "id"), repA1, obj{"done_on": "2026-10-25", "version": version(m1)})
		e.must(201, "POST", "/api/v1/opportunities/"+id+"/milestones", repA1, obj{"name": "高层拜访", "due_on": "2026-10-30"})
		e.must(201, "POST", "/api/v1/opportunities/"+id+"/milestones", repA1, obj{"name": "招标", "due_on": "2026-12-01"})
		wantProblem(t, e.call("POST", "/api/v1/opportunities/"+id+"/milestones", e.tok[repA1], obj{"name": "", "due_on": "soon"}), 422)
		var slips []bool
		for _, m := range items(t, e.must(200, "GET", "/api/v1/opportunities/"+id+"/milestones", mgrA, nil)) {
			slips = append(slips, m["slipped"] == true)
		}
		if len(slips) != 3 || !slips[0] || !slips[1] || slips[2] {
			t.Errorf("slips %v, want [late done, overdue, on time] = [true true false]", slips)
		}
		wantProblem(t, e.call("GET", "/api/v1/opportunities/"+id+"/milestones", e.tok[repB1], nil), 404)
	})
}
