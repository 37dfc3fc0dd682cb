package api_test

import (
	"slices"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestContracts: a contract is signed only on a won deal; its payment plan
// may not exceed it; receipts make received, outstanding and overdue (by the
// store's clock); invoices hang below it; all of it follows the deal's
// visibility; stale versions are 409. Then the deal's lifecycle shows it all.
func TestContracts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")
		cust := e.customer(repA1, "合同客户")
		d := e.opportunity(repA1, obj{"customer_id": cust, "amount": "1000000.00", "pipeline_id": pid, "name": "年度框架"})
		oid := str(d, "id")
		e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": oid, "kind": "visit", "note": "拜访采购"})
		e.link(repA1, oid, "contract_scan")

		// Only on a won deal.
		r := e.call("POST", "/api/v1/contracts", e.tok[repA1], obj{"opportunity_id": oid, "number": "HT-2026-001"})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"opportunity_id"}) {
			t.Fatalf("fields %v, want opportunity_id", f)
		}
		e.clock.Advance(72 * time.Hour)
		e.must(200, "POST", "/api/v1/opportunities/"+oid+"/stage", repA1, obj{"to": "won", "version": version(e.must(200, "GET", "/api/v1/opportunities/"+oid, repA1, nil))})

		// Bad input is named; other teams cannot sign on a deal they do not see.
		r = e.call("POST", "/api/v1/contracts", e.tok[repA1], obj{"opportunity_id": oid, "amount": "-5.00", "signed_on": "5/10"})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Contains(f, "amount") || !slices.Contains(f, "number") || !slices.Contains(f, "signed_on") {
			t.Fatalf("fields %v", f)
		}
		r = e.call("POST", "/api/v1/contracts", e.tok[repB1], obj{"opportunity_id": oid, "number": "HT-X"})
		wantProblem(t, r, 422)
		k := e.must(201, "POST", "/api/v1/contracts", repA1, obj{"opportunity_id": oid, "number": "HT-2026-001", "signed_on": "2026-05-10"})
		kid := str(k, "id")
		if str(k, "amount") != "1000000.00" || str(k, "currency") != "CNY" || str(k, "customer_id") != cust ||
			str(k, "outstanding") != "1000000.00" || str(k, "received") != "0.00" || str(k, "overdue") != "0.00" {
			t.Fatalf("contract: %v", k)
		}
		r = e.call("POST", "/api/v1/contracts", e.tok[repA1], obj{"opportunity_id": oid, "number": "HT-2026-001"})
		wantProblem(t, r, 409)
		if str(r.JSON, "existing_id") != kid {
			t.Errorf("duplicate number: %s", r.Raw)
		}

		// Visibility follows the deal.
		for _, who := range []string{repA1, mgrA, director, admin} {
			e.must(200, "GET", "/api/v1/contracts/"+kid, who, nil)
		}
		for _, who := range []string{repA2, repB1, mgrB} {
			wantProblem(t, e.call("GET", "/api/v1/contracts/"+kid, e.tok[who], nil), 404)
			wantProblem(t, e.call("PATCH", "/api/v1/contracts/"+kid, e.tok[who], obj{"note": "x", "version": 1}), 404)
			wantProblem(t, e.call("GET", "/api/v1/contracts/"+kid+"/invoices", e.tok[who], nil), 404)
			wantProblem(t, e.call("GET", "/api/v1/opportunities/"+oid+"/lifecycle", e.tok[who], nil), 404)
			if got := items(t, e.must(200, "GET", "/api/v1/contracts", who, nil)); len(got) != 0 {
				t.Errorf("%s lists %v", who, ids(got))
			}
		}
		for _, q := range []string{"opportunity_id=" + oid, "customer_id=" + cust} {
			if got := ids(items(t, e.must(200, "GET", "/api/v1/contracts?"+q, mgrA, nil))); !slices.Equal(got, []string{kid}) {
				t.Errorf("%s: %v", q, got)
			}
		}

		// The payment plan may not exceed the contract amount.
		plan := func(due, amount string) *reply {
			return e.call("POST", "/api/v1/payments", e.tok[repA1], obj{"contract_id": kid, "kind": "plan", "date": due, "amount": amount})
		}
		p1 := plan("2026-04-30", "400000.00")
		p2 := plan("2026-06-30", "400000.00")
		if p1.Status != 201 || p2.Status != 201 {
			t.Fatalf("plan lines: %s %s", p1.Raw, p2.Raw)
		}
		r = plan("2026-07-31", "300000.00")
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"amount"}) {
			t.Fatalf("over-plan fields %v", f)
		}
		r = e.call("POST", "/api/v1/payments", e.tok[repA1], obj{"contract_id": kid, "kind": "bonus", "date": "2026-05-01", "amount": "1.00"})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"kind"}) {
			t.Errorf("bad kind fields %v", f)
		}
		r = e.call("POST", "/api/v1/payments", e.tok[repA1], obj{"contract_id": kid, "kind": "plan", "amount": "0"})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Contains(f, "amount") || !slices.Contains(f, "date") {
			t.Errorf("bad payment fields %v", f)
		}
		p3 := plan("2026-07-31", "200000.00")
		if p3.Status != 201 {
			t.Fatalf("last plan line: %s", p3.Raw)
		}
		wantProblem(t, e.call("POST", "/api/v1/payments", e.tok[repB1], obj{"contract_id": kid, "kind": "receipt", "date": "2026-05-01", "amount": "1.00"}), 422)
		// Growing a line past the contract is refused too; a stale version is 409.
		r = e.call("PATCH", "/api/v1/payments/"+str(p3.JSON, "id"), e.tok[repA1], obj{"amount": "200000.01", "version": 1})
		wantProblem(t, r, 422)
		e.must(200, "PATCH", "/api/v1/payments/"+str(p3.JSON, "id"), repA1, obj{"date": "2026-08-31", "version": 1})
		wantProblem(t, e.call("PATCH", "/api/v1/payments/"+str(p3.JSON, "id"), e.tok[repA1], obj{"note": "x", "version": 1}), 409)
		wantProblem(t, e.call("GET", "/api/v1/payments/"+str(p1.JSON, "id"), e.tok[repB1], nil), 404)

		// Today is 2026-05-18 (three days after testNow): the April line is overdue.
		k = e.must(200, "GET", "/api/v1/contracts/"+kid, repA1, nil)
		if str(k, "planned") != "1000000.00" || str(k, "overdue") != "400000.00" || str(k, "outstanding") != "1000000.00" {
			t.Fatalf("before receipts: %v", k)
		}
		e.must(201, "POST", "/api/v1/payments", repA1, obj{"contract_id": kid, "kind": "receipt", "date": "2026-05-01", "amount": "250000.00"})
		k = e.must(200, "GET", "/api/v1/contracts/"+kid, mgrA, nil)
		if str(k, "received") != "250000.00" || str(k, "outstanding") != "750000.00" || str(k, "overdue") != "150000.00" {
			t.Fatalf("after a receipt: %v", k)
		}
		// Receipts may not total more than the contract either.
		r = e.call("POST", "/api/v1/payments", e.tok[repA1], obj{"contract_id": kid, "kind": "receipt", "date": "2026-05-02", "amount": "750000.01"})
		wantProblem(t, r, 422)
		// A line due today is not overdue yet; the day after it is.
		e.clock.Set(time.Date(2026, 6, 30, 2, 0, 0, 0, time.UTC))
		if k = e.must(200, "GET", "/api/v1/contracts/"+kid, repA1, nil); str(k, "overdue") != "150000.00" {
			t.Errorf("on the due day: overdue %s", str(k, "overdue"))
		}
		e.clock.Set(time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC))
		if k = e.must(200, "GET", "/api/v1/contracts/"+kid, repA1, nil); str(k, "overdue") != "550000.00" {
			t.Errorf("a day later: overdue %s", str(k, "overdue"))
		}
		if got := len(items(t, e.must(200, "GET", "/api/v1/payments?contract_id="+kid+"&kind=plan", mgrA, nil))); got != 3 {
			t.Errorf("plan lines listed: %d", got)
		}
		if got := items(t, e.must(200, "GET", "/api/v1/payments", repB1, nil)); len(got) != 0 {
			t.Errorf("repB1 lists payments %v", ids(got))
		}

		// The contract amount may not fall below the plan; stale versions are 409.
		r = e.call("PATCH", "/api/v1/contracts/"+kid, e.tok[repA1], obj{"amount": "900000.00", "version": 1})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"amount"}) {
			t.Errorf("amount below plan fields %v", f)
		}
		k = e.must(200, "PATCH", "/api/v1/contracts/"+kid, repA1, obj{"note": "含三年维保", "version": 1})
		r = e.call("PATCH", "/api/v1/contracts/"+kid, e.tok[mgrA], obj{"note": "x", "version": 1})
		wantProblem(t, r, 409)
		if cur, _ := r.JSON["current"].(map[string]any); version(cur) != 2 {
			t.Errorf("409 current %v", r.JSON["current"])
		}

		// Invoices, nested under the contract.
		inv := e.must(201, "POST", "/api/v1/contracts/"+kid+"/invoices", repA1, obj{"number": "FP-0001", "issued_on": "2026-05-20", "amount": "500000.00"})
		r = e.call("POST", "/api/v1/contracts/"+kid+"/invoices", e.tok[repA1], obj{"number": "FP-0002", "amount": "500000.01"})
		wantProblem(t, r, 422)
		r = e.call("POST", "/api/v1/contracts/"+kid+"/invoices", e.tok[repA1], obj{"number": "FP-0001", "amount": "1.00"})
		wantProblem(t, r, 409)
		wantProblem(t, e.call("POST", "/api/v1/contracts/"+kid+"/invoices", e.tok[repB1], obj{"number": "FP-9", "amount": "1.00"}), 404)
		e.must(200, "PATCH", "/api/v1/contracts/"+kid+"/invoices/"+str(inv, "id"), repA1, obj{"amount": "450000.00", "version": 1})
		wantProblem(t, e.call("PATCH", "/api/v1/contracts/"+kid+"/invoices/"+str(inv, "id"), e.tok[repA1], obj{"amount": "1.00", "version": 1}), 409)
		if got := items(t, e.must(200, "GET", "/api/v1/contracts/"+kid+"/invoices", mgrA, nil)); len(got) != 1 || str(got[0], "amount") != "450000.00" {
			t.Errorf("invoices: %v", got)
		}
		if k = e.must(200, "GET", "/api/v1/contracts/"+kid, repA1, nil); str(k, "invoiced") != "450000.00" {
			t.Errorf("invoiced %v", k["invoiced"])
		}
		// Money came in against it: the contract stays.
		wantProblem(t, e.call("DELETE", "/api/v1/contracts/"+kid, e.tok[repA1], nil), 409)

		// Lifecycle: two stage visits (3 days in the first), the visit, the
		// scan, the outcome with its archive, the contract with its payments.
		e.must(200, "PUT", "/api/v1/opportunities/"+oid+"/archive", repA1, obj{"version": 0, "success_points": []string{"高层拜访促成决策"}})
		lc := e.must(200, "GET", "/api/v1/opportunities/"+oid+"/lifecycle", mgrA, nil)
		stages, _ := lc["stages"].([]any)
		if len(stages) != 2 {
			t.Fatalf("lifecycle stages: %v", lc["stages"])
		}
		first, _ := stages[0].(map[string]any)
		last, _ := stages[1].(map[string]any)
		if num(first, "duration_days") != 3 || num(first, "duration_seconds") != 3*86400 || str(first, "left_at") == "" ||
			str(last, "stage") != "won" || num(last, "duration_seconds") != 0 {
			t.Errorf("stage spells: %v", stages)
		}
		if acts, _ := lc["activities"].([]any); len(acts) != 1 {
			t.Errorf("activities: %v", lc["activities"])
		}
		if docs, _ := lc["documents"].([]any); len(docs) != 1 {
			t.Errorf("documents: %v", lc["documents"])
		}
		if sh, _ := lc["score_history"].([]any); len(sh) != 2 {
			t.Errorf("score history: %v", lc["score_history"])
		}
		out, _ := lc["outcome"].(map[string]any)
		ar, _ := out["archive"].(map[string]any)
		if str(out, "status") != "won" || str(ar, "outcome") != "won" {
			t.Errorf("outcome: %v", out)
		}
		cs, _ := lc["contracts"].([]any)
		if len(cs) != 1 {
			t.Fatalf("lifecycle contracts: %v", lc["contracts"])
		}
		c0, _ := cs[0].(map[string]any)
		pays, _ := c0["payments"].([]any)
		invs, _ := c0["invoices"].([]any)
		if str(c0, "number") != "HT-2026-001" || len(pays) != 4 || len(invs) != 1 || str(c0, "overdue") != "550000.00" {
			t.Errorf("lifecycle contract: %v", c0)
		}

		// Without receipts or invoices a contract can be deleted, plan and all.
		k2 := e.must(201, "POST", "/api/v1/contracts", repA1, obj{"opportunity_id": oid, "number": "HT-2026-002", "amount": "1000.00"})
		pl := e.must(201, "POST", "/api/v1/payments", repA1, obj{"contract_id": str(k2, "id"), "kind": "plan", "date": "2026-08-01", "amount": "1000.00"})
		e.must(204, "DELETE", "/api/v1/contracts/"+str(k2, "id"), repA1, nil)
		wantProblem(t, e.call("GET", "/api/v1/payments/"+str(pl, "id"), e.tok[admin], nil), 404)
	})
}
