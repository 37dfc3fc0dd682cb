package api_test

import (
	"fmt"
	"slices"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestVisibilityMatrix: a rep sees their own records and those they
// collaborate on, a manager the subtree, an admin everything; anything else
// is 404, exactly like a record that does not exist (INTERFACE.md).
func TestVisibilityMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)

		// repA1's records. Customer 1 holds deal 1 (repA1 alone), customer 2
		// holds deal 2, on which repB1 collaborates.
		cust1 := e.customer(repA1, "上海一号客户有限公司")
		cust2 := e.customer(repA1, "上海二号客户有限公司")
		contact1 := str(e.must(201, "POST", "/api/v1/contacts", repA1, obj{"customer_id": cust1, "name": "张总", "role": "decision_maker"}), "id")
		contact2 := str(e.must(201, "POST", "/api/v1/contacts", repA1, obj{"customer_id": cust2, "name": "李工", "role": "user"}), "id")
		opp1 := str(e.opportunity(repA1, obj{"customer_id": cust1, "amount": "100000.00"}), "id")
		opp2 := str(e.opportunity(repA1, obj{"customer_id": cust2, "amount": "200000.00", "collaborator_ids": []string{e.id(repB1)}}), "id")
		act1 := str(e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": opp1, "kind": "call", "contact_ids": []string{contact1}}), "id")
		act2 := str(e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": opp2, "kind": "visit", "contact_ids": []string{contact2}}), "id")
		sale := str(e.must(201, "POST", "/api/v1/direct-sales", repA1, obj{"amount": "8000.00", "customer_id": cust1}), "id")
		quota := str(e.must(201, "POST", "/api/v1/quotas", mgrA, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q2", "amount": "1000000.00"}), "id")

		// Who sees what. The subtree viewers see all of repA1's records;
		// repB1 sees deal 2, its customer, contact and activity, nothing else.
		everything := []string{admin, director, mgrA, repA1}
		viaDeal2 := append(slices.Clone(everything), repB1)
		records := []struct {
			name, coll, id string
			seenBy         []string
		}{
			{"customer 1", "customers", cust1, everything},
			{"customer 2", "customers", cust2, viaDeal2},
			{"contact 1", "contacts", contact1, everything},
			{"contact 2", "contacts", contact2, viaDeal2},
			{"opportunity 1", "opportunities", opp1, everything},
			{"opportunity 2", "opportunities", opp2, viaDeal2},
			{"activity 1", "activities", act1, everything},
			{"activity 2", "activities", act2, viaDeal2},
			{"direct sale", "direct-sales", sale, everything},
			{"quota", "quotas", quota, everything},
		}
		for _, rec := range records {
			for _, who := range people {
				visible := slices.Contains(rec.seenBy, who)
				want := 404
				if visible {
					want = 200
				}
				r := e.call("GET", "/api/v1/"+rec.coll+"/"+rec.id, e.tok[who], nil)
				if r.Status != want {
					t.Errorf("GET %s as %s: %d, want %d", rec.name, who, r.Status, want)
				} else if visible && str(r.JSON, "id") != rec.id {
					t.Errorf("GET %s as %s: got id %q", rec.name, who, str(r.JSON, "id"))
				} else if !visible {
					wantProblem(t, r, 404)
				}

				// The same in the lists: present iff visible.
				page := e.must(200, "GET", "/api/v1/"+rec.coll+"?limit=500", who, nil)
				if got := slices.Contains(ids(items(t, page)), rec.id); got != visible {
					t.Errorf("list %s as %s: contains %s = %v, want %v", rec.coll, who, rec.name, got, visible)
				}
			}
		}

		// Changes by someone who cannot see the record are 404 as well, not
		// 403, and change nothing.
		patches := []struct {
			name, path string
			body       obj
		}{
			{"customer 1", "/api/v1/customers/" + cust1, obj{"address": "hijacked", "version": 1}},
			{"contact 1", "/api/v1/contacts/" + contact1, obj{"title": "hijacked", "version": 1}},
			{"opportunity 1", "/api/v1/opportunities/" + opp1, obj{"source": "hijacked", "version": 1}},
			{"direct sale", "/api/v1/direct-sales/" + sale, obj{"amount": "1.00", "note": "hijacked", "version": 1}},
			{"quota", "/api/v1/quotas/" + quota, obj{"amount": "1.00", "version": 1}},
		}
		for _, p := range patches {
			for _, who := range []string{mgrB, repA2, repB1} {
				r := e.call("PATCH", p.path, e.tok[who], p.body)
				if r.Status != 404 {
					t.Errorf("PATCH %s as %s: %d, want 404\n%s", p.name, who, r.Status, r.Raw)
				}
			}
		}
		for _, who := range []string{mgrB, repA2, repB1} {
			// A stage move and a close by a non-viewer are 404 too.
			if st, _ := e.do("POST", "/api/v1/opportunities/"+opp1+"/stage", e.tok[who], obj{"to": "needs_confirmed", "version": 1}); st != 404 {
				t.Errorf("move opportunity 1 as %s: %d, want 404", who, st)
			}
			if st, _ := e.do("DELETE", "/api/v1/opportunities/"+opp1+"?version=1", e.tok[who], nil); st != 404 {
				t.Errorf("close opportunity 1 as %s: %d, want 404", who, st)
			}
			if st, _ := e.do("GET", "/api/v1/opportunities/"+opp1+"/history", e.tok[who], nil); st != 404 {
				t.Errorf("history of opportunity 1 as %s: %d, want 404", who, st)
			}
			for _, del := range []string{"/api/v1/activities/" + act1, "/api/v1/contacts/" + contact1,
				"/api/v1/direct-sales/" + sale, "/api/v1/quotas/" + quota, "/api/v1/customers/" + cust1} {
				if st, _ := e.do("DELETE", del, e.tok[who], nil); st != 404 {
					t.Errorf("DELETE %s as %s: %d, want 404", del, who, st)
				}
			}
		}
		for _, p := range patches {
			rec := e.must(200, "GET", p.path, repA1, nil)
			if version(rec) != 1 {
				t.Errorf("%s: version %d after refused changes, want 1: %v", p.name, version(rec), rec)
			}
		}
		if st, _ := e.do("GET", "/api/v1/activities/"+act1, e.tok[repA1], nil); st != 200 {
			t.Errorf("activity 1 gone after a refused delete: %d", st)
		}
	})
}

// TestReportsRespectVisibility: a report over a scope the caller cannot see
// reveals nothing of it — not its deals, not its sales, not its quota.
func TestReportsRespectVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "报表可见性客户")
		e.opportunity(repA1, obj{"customer_id": cust, "amount": "1000000.00", "expected_close_date": "2026-06-30"})
		e.must(201, "POST", "/api/v1/direct-sales", repA1, obj{"amount": "20000.00"})
		e.must(201, "POST", "/api/v1/quotas", admin, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q2", "amount": "3000000.00"})
		e.must(201, "POST", "/api/v1/quotas", admin, obj{"scope": "team", "scope_id": e.teamA.ID, "period": "2026-Q2", "amount": "9000000.00"})

		// Those who may see it get the numbers.
		for _, who := range []string{admin, director, mgrA, repA1} {
			f := e.must(200, "GET", "/api/v1/reports/forecast?period=2026-Q2&owner_id="+e.id(repA1), who, nil)
			if str(f, "quota") != "3000000.00" || str(f, "forecast") != "100000.00" || str(f, "achieved") != "20000.00" {
				t.Errorf("forecast of repA1 as %s: quota %v forecast %v achieved %v", who, f["quota"], f["forecast"], f["achieved"])
			}
		}
		// The others get 404, or at most a report with nothing in it.
		for _, q := range []struct{ who, scope string }{
			{repA2, "owner_id=" + e.id(repA1)},
			{repB1, "owner_id=" + e.id(repA1)},
			{mgrB, "owner_id=" + e.id(repA1)},
			{mgrB, "team_id=" + e.teamA.ID},
			{repB1, "team_id=" + e.teamA.ID},
		} {
			r := e.call("GET", "/api/v1/reports/forecast?period=2026-Q2&"+q.scope, e.tok[q.who], nil)
			if r.Status == 404 {
				continue
			}
			if r.Status != 200 {
				t.Errorf("forecast %s as %s: %d", q.scope, q.who, r.Status)
				continue
			}
			for _, field := range []string{"quota", "forecast", "achieved"} {
				if v := str(r.JSON, field); v != "0.00" {
					t.Errorf("forecast %s as %s reveals %s %s", q.scope, q.who, field, v)
				}
			}
		}
	})
}

// TestCollaboratorCannotTakeOver: working on a deal lets a colleague see it,
// not take it. Reassigning a deal or a customer needs the right to act for
// its current owner (the owner, a manager above them, an admin).
func TestCollaboratorCannotTakeOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "协作客户")
		o := e.opportunity(repA1, obj{"customer_id": cust, "amount": "100000.00", "collaborator_ids": []string{e.id(repB1)}})
		id := str(o, "id")

		r := e.call("PATCH", "/api/v1/opportunities/"+id, e.tok[repB1], obj{"owner_id": e.id(repB1), "version": 1})
		if r.Status != 403 && r.Status != 422 {
			t.Errorf("collaborator taking the deal: %d, want 403 (or 422 naming owner_id)\n%s", r.Status, r.Raw)
		}
		r = e.call("PATCH", "/api/v1/customers/"+cust, e.tok[repB1], obj{"owner_id": e.id(repB1), "version": 1})
		if r.Status != 403 && r.Status != 422 {
			t.Errorf("collaborator taking the customer: %d, want 403 (or 422 naming owner_id)\n%s", r.Status, r.Raw)
		}
		if got := e.must(200, "GET", "/api/v1/opportunities/"+id, mgrA, nil); str(got, "owner_id") != e.id(repA1) {
			t.Errorf("deal now owned by %v; team A's manager can no longer be sure to see it", got["owner_id"])
		}
		if got := e.must(200, "GET", "/api/v1/customers/"+cust, mgrA, nil); str(got, "owner_id") != e.id(repA1) {
			t.Errorf("customer now owned by %v", got["owner_id"])
		}

		// The manager may reassign within the team.
		cur := e.must(200, "GET", "/api/v1/opportunities/"+id, mgrA, nil)
		got := e.must(200, "PATCH", "/api/v1/opportunities/"+id, mgrA, obj{"owner_id": e.id(repA2), "version": version(cur)})
		if str(got, "owner_id") != e.id(repA2) {
			t.Errorf("manager's reassignment: owner %v", got["owner_id"])
		}
		// But not to someone outside their subtree.
		r = e.call("PATCH", "/api/v1/opportunities/"+id, e.tok[mgrA], obj{"owner_id": e.id(repB1), "version": version(got)})
		wantProblem(t, r, 422)
		if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[owner_id]" {
			t.Errorf("reassigning outside the team: errors name %v", fs)
		}
	})
}
