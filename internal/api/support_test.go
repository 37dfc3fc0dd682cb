package api_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"shangji/internal/store"
)

// Support requests through the API (SPEC §6, seed 002): eligibility, the
// helper's answer within 24 hours, the director's decision on a refusal,
// mutual ratings and the team flag. Both engines.

// The supporting side: a presales and customer-success team under the root,
// managed by mgrP.
const (
	mgrP      = "mgrP"
	presales1 = "presales1"
	presales2 = "presales2"
	cs1       = "cs1"
	cs2       = "cs2"
)

// supportTeam adds the supporting side to the test company and returns its
// team id.
func (e *env) supportTeam() string {
	e.t.Helper()
	ctx := context.Background()
	var team *store.Team
	err := e.db.Tx(ctx, func(tx *store.Tx) error {
		team = &store.Team{Name: "售前与客户成功", ParentID: e.root.ID}
		if err := tx.CreateTeam(ctx, team); err != nil {
			return err
		}
		for who, role := range map[string]string{mgrP: store.RoleManager, presales1: store.RolePresales, presales2: store.RolePresales,
			cs1: store.RoleCustomerSuccess, cs2: store.RoleCustomerSuccess} {
			u := &store.User{Email: strings.ToLower(who) + "@example.com", Name: who, Role: role, TeamID: team.ID}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			tok, err := tx.CreateToken(ctx, u.ID, "t")
			if err != nil {
				return err
			}
			e.users[who], e.tok[who] = u, tok
		}
		team.ManagerID = e.users[mgrP].ID
		return tx.UpdateTeam(ctx, team)
	})
	if err != nil {
		e.t.Fatalf("building the supporting team: %v", err)
	}
	return team.ID
}

// proposalDeal is SPEC §4's worked example (health 81) moved to the proposal
// stage by its owner.
func (e *env) proposalDeal(who, name string) specDeal {
	e.t.Helper()
	d := e.specDeal(who, name)
	e.must(200, "PATCH", "/api/v1/opportunities/"+d.id, who, obj{"expected_close_date": "2026-09-30", "product_lines": []string{"MES"},
		"version": version(e.get(d.id))})
	e.link(who, d.id, "needs_confirmation")
	if r := e.moveTo(who, d.id, "proposal"); r.Status != 200 {
		e.t.Fatalf("moving %s to proposal: %d %s", name, r.Status, r.Raw)
	}
	if o := e.get(d.id); str(o, "stage") != "proposal" || num(o, "health_score") != 81 {
		e.t.Fatalf("deal at %v with health %v", o["stage"], o["health_score"])
	}
	return d
}

// ask files a support request as who and returns it.
func (e *env) ask(who, opp, helper string) map[string]any {
	e.t.Helper()
	return e.must(201, "POST", "/api/v1/opportunities/"+opp+"/support-requests", who, e.askBody(helper))
}

func (e *env) askBody(helper string) obj {
	return obj{"helper_id": e.id(helper), "type": "demo", "needed_by": e.clock.Now().Add(72 * time.Hour).Format(time.RFC3339),
		"expected_output": "客户现场演示与演示脚本"}
}

// support reads a request as who.
func (e *env) support(who, id string) map[string]any {
	e.t.Helper()
	return e.must(200, "GET", "/api/v1/support-requests/"+id, who, nil)
}

// supportAct posts a verb on a request at its current version.
func (e *env) supportAct(who, id, verb string, body obj) *reply {
	e.t.Helper()
	if body == nil {
		body = obj{}
	}
	if _, ok := body["version"]; !ok {
		body["version"] = version(e.support(admin, id))
	}
	return e.call("POST", "/api/v1/support-requests/"+id+"/"+verb, e.tok[who], body)
}

// flags lists the flagged teams as "team:score,score".
func (e *env) flags(who string) []string {
	e.t.Helper()
	var out []string
	for _, f := range items(e.t, e.must(200, "GET", "/api/v1/support-flags", who, nil)) {
		var scores []string
		ev, _ := f["evidence"].([]any)
		for _, x := range ev {
			m, _ := x.(map[string]any)
			scores = append(scores, fmt.Sprint(num(m, "score")))
		}
		out = append(out, str(f, "team_id")+":"+strings.Join(scores, ","))
	}
	sort.Strings(out)
	return out
}

// todosOf lists who's todos of a kind as "status@due".
func (e *env) todosOf(who, kind string) []string {
	e.t.Helper()
	var out []string
	for _, td := range items(e.t, e.must(200, "GET", "/api/v1/todos?owner_id="+e.id(who), who, nil)) {
		if str(td, "kind") == kind {
			out = append(out, str(td, "status")+"@"+str(td, "due_at"))
		}
	}
	return out
}

// noticeKeys lists the keys of the notifications queued for an address.
func (e *env) noticeKeys(address string) []string {
	e.t.Helper()
	all, err := e.db.Notifications(context.Background(), store.NotificationFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, n := range all {
		if n.Address == address {
			out = append(out, n.Key)
		}
	}
	sort.Strings(out)
	return out
}

func TestSupportRequests(t *testing.T) {
	eachDSN(t, func(t *testing.T, db *store.DB, dsn string) {
		e := newEnv(t, db)
		team := e.supportTeam()
		d := e.proposalDeal(repA1, "远景机械")
		for _, sc := range []struct {
			name string
			run  func(t *testing.T, e *env)
		}{
			{"eligibility and input", func(t *testing.T, e *env) { supportEligibility(t, e, d) }},
			{"answer, complete, rate, flag", func(t *testing.T, e *env) { supportLifecycle(t, e, d, team) }},
			{"refusal needs the director", func(t *testing.T, e *env) { supportRefusal(t, e, d) }},
			{"racing answers", func(t *testing.T, e *env) { supportRace(t, e, d) }},
			{"24 hours", func(t *testing.T, e *env) { supportDeadline(t, e, d) }},
			{"settings", func(t *testing.T, e *env) { supportSettings(t, e, d) }},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, e.in(t)) })
		}
	})
}

func supportEligibility(t *testing.T, e *env, d specDeal) {
	var helpers []string
	for _, u := range items(t, e.must(200, "GET", "/api/v1/support-helpers", repB1, nil)) {
		helpers = append(helpers, str(u, "name")+":"+str(u, "role"))
	}
	if want := []string{"cs1:customer_success", "cs2:customer_success", "presales1:presales", "presales2:presales"}; !slices.Equal(helpers, want) {
		t.Errorf("support helpers %v, want %v", helpers, want)
	}
	path := "/api/v1/opportunities/" + d.id + "/support-requests"
	// Every bad field at once.
	r := e.call("POST", path, e.tok[repA1], obj{})
	wantProblem(t, r, 422)
	if got := fieldsOf(r.JSON); !slices.Equal(got, []string{"type", "needed_by", "expected_output", "helper_id"}) {
		t.Errorf("an empty request names %v", got)
	}
	bad := e.askBody(presales1)
	bad["type"], bad["needed_by"] = "lunch", e.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	r = e.call("POST", path, e.tok[repA1], bad)
	if got := fieldsOf(r.JSON); r.Status != 422 || !slices.Equal(got, []string{"type", "needed_by"}) {
		t.Errorf("a bad type and a past deadline: %d %v", r.Status, got)
	}
	// Only presales or customer success can be asked; not oneself.
	for _, who := range []string{repA2, mgrP} {
		r = e.call("POST", path, e.tok[repA1], e.askBody(who))
		if got := fieldsOf(r.JSON); r.Status != 422 || !slices.Equal(got, []string{"helper_id"}) {
			t.Errorf("asking %s: %d %v", who, r.Status, got)
		}
	}
	body := e.askBody(presales1)
	body["helper_id"] = "no-such-user"
	if r = e.call("POST", path, e.tok[repA1], body); r.Status != 422 || !slices.Equal(fieldsOf(r.JSON), []string{"helper_id"}) {
		t.Errorf("an unknown helper: %d %s", r.Status, r.Raw)
	}
	// Someone who does not see the deal: 404.
	if r = e.call("POST", path, e.tok[repB1], e.askBody(presales1)); r.Status != 404 {
		t.Errorf("team B asks on team A's deal: %d", r.Status)
	}
	// Before the proposal stage.
	early := e.specDeal(repA2, "早期客户")
	r = e.call("POST", "/api/v1/opportunities/"+early.id+"/support-requests", e.tok[repA2], e.askBody(presales1))
	if got := fieldsOf(r.JSON); r.Status != 422 || !slices.Equal(got, []string{"stage"}) {
		t.Errorf("at discovery with health 81: %d %v", r.Status, got)
	}
	// Health 70 is not above 70; 70.2 is. (Need items 52.5 → 21.0; 53.0 → 21.2.)
	e.setNeeds(repA1, d.id, 525)
	if h := num(e.get(d.id), "health_score"); h != 70 {
		t.Fatalf("health %v, want 70", h)
	}
	r = e.call("POST", path, e.tok[repA1], e.askBody(presales1))
	if got := fieldsOf(r.JSON); r.Status != 422 || !slices.Equal(got, []string{"health_score"}) {
		t.Errorf("at health 70: %d %v", r.Status, got)
	}
	e.setNeeds(repA1, d.id, 530)
	s := e.ask(repA1, d.id, presales1)
	if str(s, "status") != "requested" || num(s, "health_score") != 70.2 || str(s, "stage") != "proposal" {
		t.Errorf("at health 70.2: %v", s)
	}
	// Withdrawn before an answer; then the answer is a conflict.
	e.must(200, "POST", "/api/v1/support-requests/"+str(s, "id")+"/cancel", repA1, obj{"version": 1})
	if r := e.supportAct(presales1, str(s, "id"), "accept", nil); r.Status != 409 {
		t.Errorf("accepting a withdrawn request: %d %s", r.Status, r.Raw)
	}
	if got := e.todosOf(presales1, "support_response"); len(got) != 1 || !strings.HasPrefix(got[0], "done@") {
		t.Errorf("the helper's todo after the withdrawal: %v", got)
	}
	e.setNeeds(repA1, d.id, 800)
}

func supportLifecycle(t *testing.T, e *env, d specDeal, team string) {
	s := e.ask(repA1, d.id, presales1)
	id := str(s, "id")
	want := testNow.Add(24 * time.Hour).Format(time.RFC3339)
	if str(s, "respond_by") != want || str(s, "approver_id") != e.id(director) || str(s, "requester_id") != e.id(repA1) ||
		str(s, "helper_role") != "presales" || version(s) != 1 || s["overdue"] != false {
		t.Errorf("request %v", s)
	}
	if r := e.call("POST", "/api/v1/opportunities/"+d.id+"/support-requests", e.tok[repA1], e.askBody(presales1)); r.Status != 409 ||
		str(r.JSON, "existing_id") != id && !strings.Contains(string(r.Raw), id) {
		t.Errorf("a second open request to the same helper: %d %s", r.Status, r.Raw)
	}
	// The helper has a todo due at the deadline.
	if got := e.todosOf(presales1, "support_response"); !slices.Contains(got, "open@"+want) {
		t.Errorf("the helper's todos: %v", got)
	}
	// The helper does not see the deal itself, but the request names it.
	if r := e.call("GET", "/api/v1/opportunities/"+d.id, e.tok[presales1], nil); r.Status != 404 {
		t.Errorf("the helper reads the deal: %d", r.Status)
	}
	if got := e.support(presales1, id); str(got, "customer") != "远景机械" || !strings.HasSuffix(str(got, "opportunity"), " 远景机械") {
		t.Errorf("the request names %q of %q", got["opportunity"], got["customer"])
	}
	// Both sides see it; nobody else.
	for _, who := range []string{repA1, mgrA, director, presales1, mgrP, admin} {
		e.must(200, "GET", "/api/v1/support-requests/"+id, who, nil)
	}
	for _, who := range []string{repA2, mgrB, repB1, presales2, cs1} {
		if r := e.call("GET", "/api/v1/support-requests/"+id, e.tok[who], nil); r.Status != 404 {
			t.Errorf("%s reads the request: %d", who, r.Status)
		}
		if got := items(t, e.must(200, "GET", "/api/v1/support-requests", who, nil)); len(got) != 0 {
			t.Errorf("%s lists %v", who, ids(got))
		}
		if r := e.supportAct(who, id, "accept", nil); r.Status != 404 {
			t.Errorf("%s accepts: %d", who, r.Status)
		}
	}
	if got := ids(items(t, e.must(200, "GET", "/api/v1/support-requests?assigned=true&status=requested", presales1, nil))); !slices.Equal(got, []string{id}) {
		t.Errorf("presales1's assigned: %v", got)
	}
	if got := items(t, e.must(200, "GET", "/api/v1/support-requests?assigned=true", repA1, nil)); len(got) != 0 {
		t.Errorf("repA1's assigned: %v", ids(got))
	}
	// The requester cannot answer for the helper; a stale version is a conflict.
	if r := e.supportAct(repA1, id, "accept", nil); r.Status != 403 {
		t.Errorf("the requester accepts: %d", r.Status)
	}
	if r := e.supportAct(presales1, id, "accept", obj{"version": 7}); r.Status != 409 {
		t.Errorf("a stale accept: %d", r.Status)
	}
	// Rating before the work is done is a conflict.
	if r := e.call("POST", "/api/v1/support-requests/"+id+"/rate", e.tok[repA1], obj{"score": 9}); r.Status != 409 {
		t.Errorf("rating before completion: %d %s", r.Status, r.Raw)
	}
	acc := e.supportAct(presales1, id, "accept", nil)
	if acc.Status != 200 || str(acc.JSON, "status") != "accepted" || version(acc.JSON) != 2 || acc.JSON["responded_late"] != false ||
		str(acc.JSON, "responded_by") != e.id(presales1) {
		t.Fatalf("accept: %d %s", acc.Status, acc.Raw)
	}
	if got := e.todosOf(presales1, "support_response"); slices.Contains(got, "open@"+want) {
		t.Errorf("the helper's todo stays open after the answer: %v", got)
	}
	done := e.supportAct(presales1, id, "complete", nil)
	if done.Status != 200 || str(done.JSON, "status") != "completed" {
		t.Fatalf("complete: %d %s", done.Status, done.Raw)
	}
	if len(e.todosOf(repA1, "support_rating")) != 1 || len(e.todosOf(presales1, "support_rating")) != 1 {
		t.Errorf("rating todos: requester %v helper %v", e.todosOf(repA1, "support_rating"), e.todosOf(presales1, "support_rating"))
	}

	// Ratings: 1–10, once per side, only by the two parties.
	for _, c := range []struct {
		score any
		want  int
	}{{0, 422}, {11, 422}, {nil, 422}} {
		if r := e.call("POST", "/api/v1/support-requests/"+id+"/rate", e.tok[repA1], obj{"score": c.score}); r.Status != c.want ||
			!slices.Equal(fieldsOf(r.JSON), []string{"score"}) {
			t.Errorf("score %v: %d %s", c.score, r.Status, r.Raw)
		}
	}
	if r := e.call("POST", "/api/v1/support-requests/"+id+"/rate", e.tok[mgrA], obj{"score": 9}); r.Status != 403 {
		t.Errorf("the requester's manager rates: %d", r.Status)
	}
	rated := e.must(200, "POST", "/api/v1/support-requests/"+id+"/rate", repA1, obj{"score": 7, "comment": "演示准备不足"})
	hr, _ := rated["helper_rating"].(map[string]any)
	if num(hr, "score") != 7 || str(hr, "ratee_team_id") != team || rated["requester_rating"] != nil {
		t.Errorf("after the requester's rating: %v", rated)
	}
	if r := e.call("POST", "/api/v1/support-requests/"+id+"/rate", e.tok[repA1], obj{"score": 9}); r.Status != 409 {
		t.Errorf("rating twice: %d", r.Status)
	}
	e.must(200, "POST", "/api/v1/support-requests/"+id+"/rate", presales1, obj{"score": 5})
	if got := e.flags(repB1); len(got) != 0 {
		t.Errorf("one rating under 8 flags %v", got)
	}
	if got := e.todosOf(repA1, "support_rating"); len(got) != 1 || !strings.HasPrefix(got[0], "done@") {
		t.Errorf("the requester's rating todo: %v", got)
	}

	// A second request on the same deal, rated under 8 by both: both teams flagged.
	again := func(requesterScore, helperScore int) {
		t.Helper()
		id := str(e.ask(repA1, d.id, presales1), "id")
		e.supportAct(presales1, id, "accept", nil)
		e.supportAct(repA1, id, "complete", nil)
		e.must(200, "POST", "/api/v1/support-requests/"+id+"/rate", repA1, obj{"score": requesterScore})
		e.must(200, "POST", "/api/v1/support-requests/"+id+"/rate", presales1, obj{"score": helperScore})
	}
	again(6, 4)
	wantFlags := []string{e.teamA.ID + ":4,5", team + ":6,7"}
	sort.Strings(wantFlags)
	if got := e.flags(repB1); !slices.Equal(got, wantFlags) {
		t.Errorf("after two ratings under 8: %v, want %v", got, wantFlags)
	}
	one := items(t, e.must(200, "GET", "/api/v1/support-flags?team_id="+team, repA1, nil))
	if len(one) != 1 || str(one[0], "team_name") != "售前与客户成功" || str(one[0], "since") == "" {
		t.Errorf("the supporting team's flag: %v", one)
	}
	// A rating of 8 clears the helper's team; the sales team stays flagged.
	again(8, 3)
	if got := e.flags(repB1); !slices.Equal(got, []string{e.teamA.ID + ":3,4"}) {
		t.Errorf("after a rating of 8: %v", got)
	}
}

func supportRefusal(t *testing.T, e *env, d specDeal) {
	id := str(e.ask(repA1, d.id, cs1), "id")
	if r := e.supportAct(cs1, id, "refuse", obj{"reason": "  "}); r.Status != 422 || !slices.Equal(fieldsOf(r.JSON), []string{"reason"}) {
		t.Errorf("a refusal without a reason: %d %s", r.Status, r.Raw)
	}
	// The helper's manager may answer for them.
	ref := e.supportAct(mgrP, id, "refuse", obj{"reason": "本周客户成功团队全员在外地交付"})
	if ref.Status != 200 || str(ref.JSON, "status") != "refusal_pending" || str(ref.JSON, "refusal_reason") != "本周客户成功团队全员在外地交付" {
		t.Fatalf("refuse: %d %s", ref.Status, ref.Raw)
	}
	if got := e.noticeKeys("director@example.com"); !slices.Contains(got, "support-refused:"+id) {
		t.Errorf("the director was not told of the refusal: %v", got)
	}
	if got := e.todosOf(director, "support_refusal"); len(got) != 1 || !strings.HasPrefix(got[0], "open@") {
		t.Errorf("the director's todos: %v", got)
	}
	if got := ids(items(t, e.must(200, "GET", "/api/v1/support-requests?to_decide=true", director, nil))); !slices.Equal(got, []string{id}) {
		t.Errorf("the director's refusals to decide: %v", got)
	}
	// Neither side's people decide; bad decisions name the field.
	for _, who := range []string{repA1, mgrA, cs1, mgrP} {
		if r := e.supportAct(who, id, "refusal-approval", obj{"approve": true}); r.Status != 403 {
			t.Errorf("%s decides: %d", who, r.Status)
		}
	}
	if r := e.supportAct(director, id, "refusal-approval", obj{}); r.Status != 422 || !slices.Equal(fieldsOf(r.JSON), []string{"approve"}) {
		t.Errorf("no decision: %d %s", r.Status, r.Raw)
	}
	if r := e.supportAct(director, id, "refusal-approval", obj{"approve": false}); r.Status != 422 || !slices.Equal(fieldsOf(r.JSON), []string{"comment"}) {
		t.Errorf("overruling without a comment: %d %s", r.Status, r.Raw)
	}
	ok := e.supportAct(director, id, "refusal-approval", obj{"approve": true, "comment": "同意"})
	if ok.Status != 200 || str(ok.JSON, "status") != "refused" || str(ok.JSON, "decided_by") != e.id(director) {
		t.Fatalf("approve the refusal: %d %s", ok.Status, ok.Raw)
	}
	if r := e.supportAct(director, id, "refusal-approval", obj{"approve": false, "comment": "改主意了"}); r.Status != 409 {
		t.Errorf("deciding twice: %d", r.Status)
	}
	if got := e.todosOf(director, "support_refusal"); len(got) != 1 || !strings.HasPrefix(got[0], "done@") {
		t.Errorf("the director's todo after deciding: %v", got)
	}

	// Overruled: the helper must help.
	id = str(e.ask(repA1, d.id, cs1), "id")
	e.supportAct(cs1, id, "refuse", obj{"reason": "不熟悉该行业"})
	over := e.supportAct(admin, id, "refusal-approval", obj{"approve": false, "comment": "客户关键项目，必须支持"})
	if over.Status != 200 || str(over.JSON, "status") != "accepted" || str(over.JSON, "decision_comment") != "客户关键项目，必须支持" {
		t.Fatalf("overrule: %d %s", over.Status, over.Raw)
	}
	if r := e.supportAct(cs1, id, "complete", nil); r.Status != 200 {
		t.Errorf("completing an overruled refusal: %d %s", r.Status, r.Raw)
	}
}

func supportRace(t *testing.T, e *env, d specDeal) {
	for round := range 3 {
		id := str(e.ask(repA1, d.id, presales2), "id")
		var wg sync.WaitGroup
		status := make([]int, 2)
		for i, c := range []struct {
			verb string
			body obj
		}{{"accept", obj{"version": 1}}, {"refuse", obj{"version": 1, "reason": "排期冲突"}}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.send("POST", "/api/v1/support-requests/"+id+"/"+c.verb, e.tok[presales2], c.body)
				if err != nil {
					t.Error(err)
					return
				}
				status[i] = r.Status
			}()
		}
		wg.Wait()
		got := e.support(admin, id)
		winner := map[string]int{"accepted": 0, "refusal_pending": 1}[str(got, "status")]
		if s := slices.Sorted(slices.Values(status)); !slices.Equal(s, []int{200, 409}) || status[winner] != 200 || version(got) != 2 {
			t.Fatalf("round %d: accept %d, refuse %d; the request is %v v%d", round, status[0], status[1], got["status"], version(got))
		}
		// Leave nothing open for the next round.
		if winner == 0 {
			e.supportAct(presales2, id, "complete", nil)
		} else {
			e.supportAct(director, id, "refusal-approval", obj{"approve": true})
		}
	}
}

func supportDeadline(t *testing.T, e *env, d specDeal) {
	start := e.clock.Now()
	id := str(e.ask(repA1, d.id, cs2), "id")
	e.clock.Set(start.Add(24 * time.Hour))
	if s := e.support(director, id); s["overdue"] != false {
		t.Errorf("overdue at the deadline itself")
	}
	if got := items(t, e.must(200, "GET", "/api/v1/support-requests?overdue=true", director, nil)); len(got) != 0 {
		t.Errorf("overdue at the deadline: %v", ids(got))
	}
	if got := e.noticeKeys("cs2@example.com"); !slices.Equal(got, []string{"support-requested:" + id}) {
		t.Errorf("cs2 was told %v", got)
	}
	e.clock.Set(start.Add(24*time.Hour + time.Second))
	// The helper's todo is overdue: the escalation tells the helper, once.
	for range 2 {
		if _, err := e.app.EscalateOverdue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.noticeKeys("cs2@example.com"); len(got) != 2 || !strings.HasPrefix(got[1], "todo-overdue:") || !strings.HasSuffix(got[1], ":owner") {
		t.Errorf("cs2 after the deadline was told %v", got)
	}
	if s := e.support(director, id); s["overdue"] != true {
		t.Errorf("not overdue a second after the deadline: %v", s)
	}
	if got := ids(items(t, e.must(200, "GET", "/api/v1/support-requests?overdue=true", director, nil))); !slices.Equal(got, []string{id}) {
		t.Errorf("the director's overdue list: %v", got)
	}
	// A late answer is taken and shows as late.
	late := e.supportAct(cs2, id, "accept", nil)
	if late.Status != 200 || late.JSON["responded_late"] != true || late.JSON["overdue"] != false {
		t.Errorf("a late accept: %d %s", late.Status, late.Raw)
	}
}

func supportSettings(t *testing.T, e *env, d specDeal) {
	const path = "/api/v1/settings/support"
	if r := e.call("PUT", path, e.tok[director], obj{"min_health": 60}); r.Status != 403 {
		t.Errorf("a director changes the settings: %d", r.Status)
	}
	r := e.call("PUT", path, e.tok[admin], obj{"min_health": 100, "flag_run": -1})
	if got := fieldsOf(r.JSON); r.Status != 422 || !slices.Equal(got, []string{"min_health", "flag_run"}) {
		t.Errorf("bad settings: %d %v", r.Status, got)
	}
	saved := e.must(200, "PUT", path, admin, obj{"min_health": 85, "response_hours": 48})
	if num(saved, "min_health") != 85 || num(saved, "response_hours") != 48 || num(saved, "flag_below") != 8 || num(saved, "flag_run") != 2 {
		t.Errorf("saved %v", saved)
	}
	if got := e.must(200, "GET", path, repA1, nil); num(got, "min_health") != 85 {
		t.Errorf("read back %v", got)
	}
	// Health 81 is no longer enough.
	r = e.call("POST", "/api/v1/opportunities/"+d.id+"/support-requests", e.tok[repA1], e.askBody(presales1))
	if got := fieldsOf(r.JSON); r.Status != 422 || !slices.Equal(got, []string{"health_score"}) {
		t.Errorf("health 81 under min_health 85: %d %v", r.Status, got)
	}
	e.must(200, "PUT", path, admin, obj{"response_hours": 48})
	s := e.ask(repA1, d.id, presales1)
	if want := e.clock.Now().Add(48 * time.Hour).Format(time.RFC3339); str(s, "respond_by") != want {
		t.Errorf("respond_by %s, want %s", s["respond_by"], want)
	}
	// Back to seed 002's numbers.
	if got := e.must(200, "PUT", path, admin, obj{}); num(got, "min_health") != 70 || num(got, "response_hours") != 24 {
		t.Errorf("defaults %v", got)
	}
}
