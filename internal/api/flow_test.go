package api_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestPagination: following next_cursor walks a collection once, in pages of
// the limit, and the last page says "".
func TestPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var made []string
		for i := range 7 {
			made = append(made, e.customer(repA1, fmt.Sprintf("分页客户 %d", i)))
		}
		e.customer(repB1, "别组的客户") // not repA1's to see

		walkFrom := func(who, path, cursor string) (sizes []int, seen []string) {
			for range 10 {
				page := e.must(200, "GET", path+"&cursor="+url.QueryEscape(cursor), who, nil)
				its := items(t, page)
				sizes = append(sizes, len(its))
				seen = append(seen, ids(its)...)
				if cursor = str(page, "next_cursor"); cursor == "" {
					return
				}
			}
			t.Fatalf("%s: more than 10 pages", path)
			return
		}
		walk := func(who, path string) ([]int, []string) { return walkFrom(who, path, "") }
		sizes, seen := walk(repA1, "/api/v1/customers?limit=3")
		if fmt.Sprint(sizes) != "[3 3 1]" {
			t.Errorf("page sizes %v, want [3 3 1]", sizes)
		}
		sorted := slices.Clone(made)
		slices.Sort(sorted)
		if !slices.Equal(seen, sorted) {
			t.Errorf("walked %v, want each of %v once", seen, sorted)
		}
		// Exactly a full last page: no empty extra page.
		if sizes, _ := walk(repA1, "/api/v1/customers?limit=7"); fmt.Sprint(sizes) != "[7]" {
			t.Errorf("limit 7 of 7: page sizes %v, want [7]", sizes)
		}
		// The admin sees all eight, in pages of 3, 3, 2.
		if sizes, seen := walk(admin, "/api/v1/customers?limit=3"); fmt.Sprint(sizes) != "[3 3 2]" || len(seen) != 8 {
			t.Errorf("admin: page sizes %v (%d seen), want [3 3 2]", sizes, len(seen))
		}
		// A record added while paging neither repeats nor hides the others.
		first := e.must(200, "GET", "/api/v1/customers?limit=3", repA1, nil)
		late := e.customer(repA1, "后来的客户")
		sizes, rest := walkFrom(repA1, "/api/v1/customers?limit=3", str(first, "next_cursor"))
		if want := append(slices.Clone(sorted[3:]), late); fmt.Sprint(sizes) != "[3 2]" || !slices.Equal(rest, want) {
			t.Errorf("after adding one: pages %v with %v, want %v", sizes, rest, want)
		}
		r := e.call("GET", "/api/v1/customers?limit=-1", e.tok[repA1], nil)
		wantProblem(t, r, 422)
		if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[limit]" {
			t.Errorf("limit=-1: errors name %v, want [limit]", fs)
		}
	})
}

// TestActivitiesStagesAndHistory: logging a follow-up sets last_contact_at
// (never backwards), losing needs a reason, DELETE closes as lost, and the
// history lists every stage move oldest first. The deal is on simple-4, a
// pipeline without gates or health rules (discipline_test.go covers those).
func TestActivitiesStagesAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "跟进客户")
		boss := str(e.must(201, "POST", "/api/v1/contacts", repA1, obj{"customer_id": cust, "name": "赵总", "role": "decision_maker"}), "id")
		o := e.opportunity(repA1, obj{"customer_id": cust, "amount": "500000.00", "pipeline_id": e.pipelineID("simple-4")})
		id := str(o, "id")
		if o["last_contact_at"] != nil {
			t.Errorf("new deal has last_contact_at %v", o["last_contact_at"])
		}

		lastContact := func() string {
			return str(e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil), "last_contact_at")
		}
		// Given with an offset, stored and shown in UTC.
		a := e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": id, "kind": "visit",
			"occurred_at": "2026-05-14T15:30:00+08:00", "contact_ids": []string{boss}, "note": "拜访赵总"})
		if str(a, "occurred_at") != "2026-05-14T07:30:00Z" || str(a, "customer_id") != cust || fmt.Sprint(a["contact_ids"]) != "["+boss+"]" {
			t.Errorf("activity = %v", a)
		}
		if got := lastContact(); got != "2026-05-14T07:30:00Z" {
			t.Errorf("last_contact_at %q after the visit, want 2026-05-14T07:30:00Z", got)
		}
		// An older call logged later does not move it back.
		e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": id, "kind": "call", "occurred_at": "2026-05-10T01:00:00Z"})
		if got := lastContact(); got != "2026-05-14T07:30:00Z" {
			t.Errorf("last_contact_at %q after an older call, want it unchanged", got)
		}
		// A newer one does; without occurred_at it is now.
		e.clock.Advance(time.Hour)
		e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": id, "kind": "wecom", "direction": "inbound"})
		if got, want := lastContact(), e.clock.Now().Format(time.RFC3339); got != want {
			t.Errorf("last_contact_at %q after a message now, want %q", got, want)
		}
		acts := items(t, e.must(200, "GET", "/api/v1/activities?opportunity_id="+id, repA1, nil))
		if len(acts) != 3 {
			t.Errorf("%d activities on the deal, want 3", len(acts))
		}
		// Logging does not bump the deal's version: nobody's edit goes stale
		// because a colleague logged a call.
		o = e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil)
		if version(o) != 1 {
			t.Errorf("version %d after logging activities, want 1", version(o))
		}

		// Stage moves, each a little later.
		move := func(to string) map[string]any {
			e.clock.Advance(time.Hour)
			cur := e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil)
			return e.must(200, "POST", "/api/v1/opportunities/"+id+"/stage", repA1, obj{"to": to, "version": version(cur)})
		}
		move("evaluation")
		move("contract_terms")
		move("evaluation") // back one stage

		// Lost without a reason is refused, naming loss_reason.
		cur := e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil)
		r := e.call("POST", "/api/v1/opportunities/"+id+"/stage", e.tok[repA1], obj{"to": "lost", "version": version(cur)})
		wantProblem(t, r, 422)
		if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[loss_reason]" {
			t.Errorf("lost without reason: errors name %v, want [loss_reason]", fs)
		}
		r = e.call("POST", "/api/v1/opportunities/"+id+"/stage", e.tok[repA1], obj{"to": "nowhere", "version": version(cur)})
		wantProblem(t, r, 422)
		if after := e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil); version(after) != version(cur) || str(after, "status") != "open" {
			t.Errorf("refused moves changed the deal: %v", after)
		}

		// DELETE closes as lost, by the manager, with a stale version first.
		e.clock.Advance(time.Hour)
		if st, body := e.do("DELETE", "/api/v1/opportunities/"+id+"?version=1", e.tok[mgrA], nil); st != 409 {
			t.Errorf("DELETE with a stale version: %d %v", st, body)
		}
		closed := e.must(200, "DELETE", "/api/v1/opportunities/"+id+fmt.Sprintf("?version=%d", version(cur)), mgrA, nil)
		if str(closed, "status") != "lost" || str(closed, "stage") != "lost" || str(closed, "loss_reason") != "other" ||
			str(closed, "closed_on") != "2026-05-15" || str(closed, "weighted_amount") != "0.00" {
			t.Errorf("closed = status %v stage %v reason %v closed_on %v weighted %v", closed["status"], closed["stage"],
				closed["loss_reason"], closed["closed_on"], closed["weighted_amount"])
		}
		// Still there: deals are never deleted.
		if got := e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil); str(got, "status") != "lost" {
			t.Errorf("after DELETE: %v", got)
		}

		h := e.must(200, "GET", "/api/v1/opportunities/"+id+"/history", repA1, nil)
		stages, _ := h["stages"].([]any)
		var path []string
		var ats []string
		for _, s := range stages {
			s := s.(map[string]any)
			path = append(path, str(s, "from")+"→"+str(s, "to"))
			ats = append(ats, str(s, "at"))
			if str(s, "by_user_id") == "" {
				t.Errorf("stage move without who: %v", s)
			}
		}
		want := "[→plan_confirmed plan_confirmed→evaluation evaluation→contract_terms contract_terms→evaluation evaluation→lost]"
		if fmt.Sprint(path) != want {
			t.Errorf("stage history %v\nwant %s", path, want)
		}
		// events merges moves and field changes, oldest first.
		events, _ := h["events"].([]any)
		var moves, evAts []string
		for _, ev := range events {
			ev := ev.(map[string]any)
			evAts = append(evAts, str(ev, "at"))
			if str(ev, "kind") == "stage" {
				moves = append(moves, str(ev, "old")+"→"+str(ev, "new"))
			}
		}
		if fmt.Sprint(moves) != want || !slices.IsSorted(evAts) || len(events) != len(stages)+len(h["changes"].([]any)) {
			t.Errorf("events: moves %v, times sorted %v, %d events for %d moves and %d changes",
				moves, slices.IsSorted(evAts), len(events), len(stages), len(h["changes"].([]any)))
		}
		if !slices.IsSorted(ats) || len(slices.Compact(slices.Clone(ats))) != len(ats) {
			t.Errorf("stage history not oldest first: %v", ats)
		}
		if last := stages[len(stages)-1].(map[string]any); str(last, "by_user_id") != e.id(mgrA) || num(last, "probability") != 0 {
			t.Errorf("the close: %v", last)
		}
		if first := stages[0].(map[string]any); num(first, "probability") != 20 || str(first, "amount") != "500000.00" {
			t.Errorf("the creation: %v", first)
		}
	})
}

// TestAdminUsersAndTeams: admins manage users and teams over the API; others
// may not.
func TestAdminUsersAndTeams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		team := e.must(201, "POST", "/api/v1/teams", admin, obj{"name": "华南一组", "parent_id": e.root.ID, "region": "gz"})
		if str(team, "region") != "GZ" || str(team, "parent_id") != e.root.ID {
			t.Errorf("team = %v", team)
		}
		if st, _ := e.do("POST", "/api/v1/teams", e.tok[director], obj{"name": "私设小组"}); st != 403 {
			t.Errorf("director creating a team: %d, want 403", st)
		}
		u := e.must(201, "POST", "/api/v1/users", admin, obj{"email": "New.Rep@Example.com", "name": "新人", "role": "rep", "team_id": str(team, "id")})
		if str(u, "email") != "new.rep@example.com" || str(u, "password") == "" {
			t.Errorf("created user = %v", u)
		}
		if st, _ := e.do("POST", "/api/v1/users", e.tok[mgrA], obj{"email": "x@example.com", "name": "x", "role": "admin"}); st != 403 {
			t.Errorf("manager creating an admin: %d, want 403", st)
		}
		r := e.call("POST", "/api/v1/users", e.tok[admin], obj{"email": "NEW.REP@example.com", "name": "重复", "role": "rep"})
		wantProblem(t, r, 409)
		if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[email]" {
			t.Errorf("duplicate email: errors name %v", fs)
		}
		members := items(t, e.must(200, "GET", "/api/v1/users?team_id="+str(team, "id"), repA1, nil))
		if fmt.Sprint(ids(members)) != "["+str(u, "id")+"]" {
			t.Errorf("members of the new team: %v", ids(members))
		}
		if got := e.must(200, "GET", "/api/v1/users/"+str(u, "id"), repB1, nil); str(got, "name") != "新人" {
			t.Errorf("user = %v", got)
		}
		if got := e.must(200, "GET", "/api/v1/teams/"+str(team, "id"), repB1, nil); str(got, "name") != "华南一组" {
			t.Errorf("team = %v", got)
		}
		if n := len(items(t, e.must(200, "GET", "/api/v1/teams", repB1, nil))); n != 4 {
			t.Errorf("%d teams, want 4", n)
		}
		// A user changes their own name but not their role.
		e.must(200, "PATCH", "/api/v1/users/"+e.id(repA1), repA1, obj{"name": "甲一", "version": 1})
		if st, _ := e.do("PATCH", "/api/v1/users/"+e.id(repA1), e.tok[repA1], obj{"role": "admin", "version": 2}); st != 403 {
			t.Errorf("rep making themself admin: %d, want 403", st)
		}
		if st, _ := e.do("PATCH", "/api/v1/users/"+e.id(repA2), e.tok[repA1], obj{"name": "x", "version": 1}); st != 403 {
			t.Errorf("rep renaming a colleague: %d, want 403", st)
		}
		// A team cannot move under itself.
		cur := e.must(200, "GET", "/api/v1/teams/"+e.root.ID, admin, nil)
		r = e.call("PATCH", "/api/v1/teams/"+e.root.ID, e.tok[admin], obj{"name": "全国销售", "parent_id": e.teamA.ID,
			"manager_id": e.id(director), "region": "CN", "version": version(cur)})
		wantProblem(t, r, 422)
		if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[parent_id]" {
			t.Errorf("team under itself: errors name %v", fs)
		}
	})
}
