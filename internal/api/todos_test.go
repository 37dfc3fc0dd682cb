package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// addTodo writes a rule-like todo directly (the rules have their own tests).
func (e *env) addTodo(kind, opp, owner, key string, due time.Time) string {
	e.t.Helper()
	td := &store.Todo{Kind: kind, OpportunityID: opp, DueKey: key, OwnerID: e.id(owner), Title: kind, DueAt: due}
	err := e.db.Tx(context.Background(), func(tx *store.Tx) error {
		created, err := tx.AddTodo(context.Background(), td)
		if err == nil && !created {
			e.t.Fatalf("todo %s/%s already there", kind, key)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return td.ID
}

func TestTodosListVisibilityAndActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		cust := e.customer(repA1, "上海待办客户")
		opp := str(e.opportunity(repA1, obj{"customer_id": cust, "amount": "100000.00"}), "id")
		custB := e.customer(repB1, "北京待办客户")
		oppB := str(e.opportunity(repB1, obj{"customer_id": custB, "amount": "100000.00"}), "id")

		tA := e.addTodo(store.TodoCadence, opp, repA1, "k1", testNow.Add(time.Hour))
		tA2 := e.addTodo(store.TodoNextContact, opp, repA1, "k2", testNow.Add(48*time.Hour))
		tB := e.addTodo(store.TodoCadence, oppB, repB1, "k1", testNow.Add(time.Hour))
		// The natural key: the same rule occurrence is written once.
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			created, err := tx.AddTodo(ctx, &store.Todo{Kind: store.TodoCadence, OpportunityID: opp, DueKey: "k1", OwnerID: e.id(repA1), Title: "again", DueAt: testNow})
			if created {
				t.Error("the same (kind, opportunity, due key) was written twice")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}

		seen := func(who, query string) []string {
			return ids(items(t, e.must(200, "GET", "/api/v1/todos"+query, who, nil)))
		}
		for who, want := range map[string][]string{
			repA1: {tA, tA2}, repA2: nil, repB1: {tB}, mgrA: {tA, tA2}, mgrB: {tB}, director: {tA, tA2, tB}, admin: {tA, tA2, tB},
		} {
			got := seen(who, "")
			slices.Sort(got)
			w := slices.Clone(want)
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("%s sees %v, want %v", who, got, w)
			}
		}
		if got := seen(mgrA, "?due_before="+testNow.Add(2*time.Hour).Format(time.RFC3339)); !slices.Equal(got, []string{tA}) {
			t.Errorf("due_before: %v", got)
		}
		if got := seen(director, "?owner_id="+e.id(repB1)); !slices.Equal(got, []string{tB}) {
			t.Errorf("owner filter: %v", got)
		}
		page := e.must(200, "GET", "/api/v1/todos?limit=1", admin, nil)
		if len(items(t, page)) != 1 || str(page, "next_cursor") == "" {
			t.Fatalf("first page: %v", page)
		}
		if rest := items(t, e.must(200, "GET", "/api/v1/todos?limit=5&cursor="+str(page, "next_cursor"), admin, nil)); len(rest) != 2 {
			t.Errorf("second page has %d", len(rest))
		}

		// Someone outside the view: 404, like a missing todo.
		e.must(404, "POST", "/api/v1/todos/"+tA+"/done", repB1, obj{"version": 1})
		// Snooze hides it from due_before until then.
		until := testNow.Add(72 * time.Hour)
		sn := e.must(200, "POST", "/api/v1/todos/"+tA+"/snooze", repA1, obj{"version": 1, "until": until.Format(time.RFC3339)})
		if version(sn) != 2 {
			t.Errorf("snooze: %v", sn)
		}
		if got := seen(repA1, "?due_before="+testNow.Add(2*time.Hour).Format(time.RFC3339)); len(got) != 0 {
			t.Errorf("a snoozed todo is due before its snooze ends: %v", got)
		}
		e.must(422, "POST", "/api/v1/todos/"+tA+"/snooze", repA1, obj{"version": 2, "until": testNow.Add(-time.Hour).Format(time.RFC3339)})
		// Stale version: 409.
		e.must(409, "POST", "/api/v1/todos/"+tA+"/done", repA1, obj{"version": 1})
		// Reassign: a rep cannot hand to a colleague they do not act for; the manager can.
		e.must(422, "POST", "/api/v1/todos/"+tA+"/reassign", repA1, obj{"version": 2, "owner_id": e.id(repA2)})
		e.must(422, "POST", "/api/v1/todos/"+tA+"/reassign", mgrA, obj{"version": 2, "owner_id": e.id(repB1)})
		re := e.must(200, "POST", "/api/v1/todos/"+tA+"/reassign", mgrA, obj{"version": 2, "owner_id": e.id(repA2)})
		if str(re, "owner_id") != e.id(repA2) {
			t.Errorf("reassign: %v", re)
		}
		if got := seen(repA2, ""); !slices.Equal(got, []string{tA}) {
			t.Errorf("the new owner sees %v", got)
		}
		d := e.must(200, "POST", "/api/v1/todos/"+tA+"/done", repA2, obj{"version": 3})
		if str(d, "status") != "done" || str(d, "done_by") != e.id(repA2) {
			t.Errorf("done: %v", d)
		}
		if got := seen(mgrA, "?status=open"); !slices.Equal(got, []string{tA2}) {
			t.Errorf("open after done: %v", got)
		}
	})
}
