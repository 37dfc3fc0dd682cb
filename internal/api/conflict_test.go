package api_test

import (
	"sync"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestStaleVersionConflicts: two people load version 1 and both save; the
// second gets 409 with the record as the first left it, and nothing of the
// second change is written (SPEC §9).
func TestStaleVersionConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "冲突测试客户")
		contact := str(e.must(201, "POST", "/api/v1/contacts", repA1, obj{"customer_id": cust, "name": "王经理", "role": "influencer"}), "id")
		opp := str(e.opportunity(repA1, obj{"customer_id": cust, "amount": "300000.00"}), "id")
		quota := str(e.must(201, "POST", "/api/v1/quotas", admin, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q2", "amount": "1000000.00"}), "id")
		sale := str(e.must(201, "POST", "/api/v1/direct-sales", repA1, obj{"amount": "5000.00"}), "id")

		cases := []struct {
			name, path, who string
			first, second   obj
			field           string // holds the first change's value afterwards
			want            any
		}{
			{"customer", "/api/v1/customers/" + cust, repA1,
				obj{"address": "first", "version": 1}, obj{"address": "second", "version": 1}, "address", "first"},
			{"contact", "/api/v1/contacts/" + contact, repA1,
				obj{"title": "first", "version": 1}, obj{"title": "second", "version": 1}, "title", "first"},
			{"opportunity", "/api/v1/opportunities/" + opp, repA1,
				obj{"source": "first", "version": 1}, obj{"source": "second", "version": 1}, "source", "first"},
			{"quota", "/api/v1/quotas/" + quota, admin,
				obj{"amount": "1100000.00", "version": 1}, obj{"amount": "1200000.00", "version": 1}, "amount", "1100000.00"},
			{"direct sale", "/api/v1/direct-sales/" + sale, repA1,
				obj{"amount": "6000.00", "note": "first", "version": 1}, obj{"amount": "7000.00", "note": "second", "version": 1}, "note", "first"},
			{"team", "/api/v1/teams/" + e.teamA.ID, admin,
				obj{"name": "first", "parent_id": e.root.ID, "manager_id": e.id(mgrA), "region": "SH", "version": e.teamA.Version},
				obj{"name": "second", "parent_id": e.root.ID, "manager_id": e.id(mgrA), "region": "SH", "version": e.teamA.Version}, "name", "first"},
			{"user", "/api/v1/users/" + e.id(repA2), admin,
				obj{"name": "first", "version": 1}, obj{"name": "second", "version": 1}, "name", "first"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := e.in(t)
				before := e.must(200, "GET", c.path, c.who, nil)
				v := version(before)
				after := e.must(200, "PATCH", c.path, c.who, c.first)
				if version(after) != v+1 || after[c.field] != c.want {
					t.Fatalf("first PATCH: version %d, %s %v; want %d, %v", version(after), c.field, after[c.field], v+1, c.want)
				}
				r := e.call("PATCH", c.path, e.tok[c.who], c.second)
				wantProblem(t, r, 409)
				cur, ok := r.JSON["current"].(map[string]any)
				if !ok {
					t.Fatalf("409 without current: %s", r.Raw)
				}
				if str(cur, "id") != str(before, "id") || version(cur) != v+1 || cur[c.field] != c.want {
					t.Errorf("current = id %s version %d %s %v; want %s, %d, %v", str(cur, "id"), version(cur), c.field, cur[c.field],
						str(before, "id"), v+1, c.want)
				}
				now := e.must(200, "GET", c.path, c.who, nil)
				if version(now) != v+1 || now[c.field] != c.want {
					t.Errorf("after the refused PATCH: version %d, %s %v", version(now), c.field, now[c.field])
				}
			})
		}

		// A stale stage move is refused the same way.
		r := e.call("POST", "/api/v1/opportunities/"+opp+"/stage", e.tok[repA1], obj{"to": "needs_confirmed", "version": 1})
		wantProblem(t, r, 409)
		if cur, _ := r.JSON["current"].(map[string]any); str(cur, "stage") != "discovery" || version(cur) != 2 {
			t.Errorf("stale move: current = %v", r.JSON["current"])
		}
	})
}

// TestConcurrentUpdatesOneWins: ten clients save the same version of one
// opportunity at once; exactly one wins, the rest get 409.
func TestConcurrentUpdatesOneWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "并发客户")
		opp := str(e.opportunity(repA1, obj{"customer_id": cust, "amount": "300000.00"}), "id")

		const n = 10
		statuses := make([]int, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			who := []string{repA1, mgrA, director, admin}[i%4]
			wg.Go(func() {
				<-start
				r, err := e.send("PATCH", "/api/v1/opportunities/"+opp, e.tok[who], obj{"source": who, "version": 1})
				if err != nil {
					errs[i] = err
					return
				}
				statuses[i] = r.Status
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		if counts[200] != 1 || counts[409] != n-1 {
			t.Fatalf("statuses %v, want one 200 and %d × 409", counts, n-1)
		}
		got := e.must(200, "GET", "/api/v1/opportunities/"+opp, repA1, nil)
		if version(got) != 2 {
			t.Errorf("version %d after one successful update, want 2", version(got))
		}
		hist := e.must(200, "GET", "/api/v1/opportunities/"+opp+"/history", repA1, nil)
		if ch, _ := hist["changes"].([]any); len(ch) != 1 {
			t.Errorf("changes in history: %d, want 1: %v", len(ch), hist["changes"])
		}
	})
}
