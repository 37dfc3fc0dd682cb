package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// Stage discipline through the API (SPEC §3–4, issue 3): gates, the health
// score and its approvals, indicators and checklist, documents, the regress
// action. Every test runs on SQLite and, when configured, PostgreSQL.

// eachDSN is storetest.Each that also hands over the DSN, so a test can reach
// the database directly for what the API cannot do yet.
func eachDSN(t *testing.T, fn func(t *testing.T, db *store.DB, dsn string)) {
	t.Helper()
	for _, eng := range storetest.Engines() {
		t.Run(string(eng), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, eng)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("open %s: %v", eng, err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.EnsurePresets(ctx) }); err != nil {
				t.Fatalf("presets: %v", err)
			}
			fn(t, db, dsn)
		})
	}
}

// setMode switches a pipeline's derivation mode: through PATCH
// /api/v1/pipelines/{id} as the admin where that exists, else in the database.
func (e *env) setMode(dsn, pipelineID, mode string) {
	e.t.Helper()
	pl := e.must(200, "GET", "/api/v1/pipelines/"+pipelineID, admin, nil)
	r := e.call("PATCH", "/api/v1/pipelines/"+pipelineID, e.tok[admin], obj{"mode": mode, "version": version(pl)})
	switch r.Status {
	case 200:
		if str(r.JSON, "mode") != mode {
			e.t.Fatalf("PATCH pipeline mode %s: %s", mode, r.Raw)
		}
		return
	case 404, 405:
	default:
		e.t.Fatalf("PATCH pipeline mode %s: %d %s", mode, r.Status, r.Raw)
	}
	driver, conn := "pgx", dsn
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, conn = "sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(10000)"
	}
	raw, err := sql.Open(driver, conn)
	if err != nil {
		e.t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE pipelines SET mode = $1, version = version + 1 WHERE id = $2`, mode, pipelineID); err != nil {
		e.t.Fatalf("setting mode %s in the database: %v", mode, err)
	}
	if got := e.must(200, "GET", "/api/v1/pipelines/"+pipelineID, admin, nil); str(got, "mode") != mode {
		e.t.Fatalf("mode %q after setting %q", str(got, "mode"), mode)
	}
}

// needScores returns the ten need-match scores summing to sum, as even as
// can be (so their average is sum/10).
func needScores(sum int) []int {
	out := make([]int, 10)
	for i := range out {
		out[i] = sum / 10
		if i < sum%10 {
			out[i]++
		}
	}
	return out
}

// get reads an opportunity as the admin.
func (e *env) get(id string) map[string]any {
	e.t.Helper()
	return e.must(200, "GET", "/api/v1/opportunities/"+id, admin, nil)
}

// setNeeds PATCHes the need scores of a deal as who, summing to sum.
func (e *env) setNeeds(who, id string, sum int) map[string]any {
	e.t.Helper()
	return e.must(200, "PATCH", "/api/v1/opportunities/"+id, who, obj{"need_scores": needScores(sum), "version": version(e.get(id))})
}

// health reads a deal's health as who.
func (e *env) health(who, id string) map[string]any {
	e.t.Helper()
	return e.must(200, "GET", "/api/v1/opportunities/"+id+"/health", who, nil)
}

// moveTo asks for a stage move at the current version.
func (e *env) moveTo(who, id, to string) *reply {
	e.t.Helper()
	return e.call("POST", "/api/v1/opportunities/"+id+"/stage", e.tok[who], obj{"to": to, "version": version(e.get(id))})
}

// link attaches a link document of a type and returns its id.
func (e *env) link(who, opp, docType string) string {
	e.t.Helper()
	return str(e.must(201, "POST", "/api/v1/opportunities/"+opp+"/documents", who,
		obj{"doc_type": docType, "name": docType + ".pdf", "url": "https://docs.example.com/" + docType}), "id")
}

// stageMoves returns the stage history of a deal, oldest first.
func (e *env) stageMoves(id string) []map[string]any {
	e.t.Helper()
	h := e.must(200, "GET", "/api/v1/opportunities/"+id+"/history", admin, nil)
	raw, _ := h["stages"].([]any)
	out := make([]map[string]any, len(raw))
	for i, s := range raw {
		out[i], _ = s.(map[string]any)
	}
	return out
}

// lastMove is the newest stage-history row of a deal, as "from→to via".
func (e *env) lastMove(id string) string {
	e.t.Helper()
	ms := e.stageMoves(id)
	m := ms[len(ms)-1]
	return str(m, "from") + "→" + str(m, "to") + " via " + str(m, "via")
}

// missingOf renders a problem's missing list as kind:key@stage items.
func missingOf(p map[string]any) string {
	raw, _ := p["missing"].([]any)
	out := []string{}
	for _, x := range raw {
		m, _ := x.(map[string]any)
		out = append(out, str(m, "kind")+":"+str(m, "key")+"@"+str(m, "stage"))
	}
	return fmt.Sprint(out)
}

// specDeal is SPEC §4's worked example on a fresh sop-5 deal owned by who:
// need items averaging 80 (32.0), the decision maker and an influencer
// contacted in activities, the user not (24.0), budget amount stated
// (evidence: an activity) and approved (evidence: a document) → 25.
type specDeal struct {
	owner                   string
	id, cust                string
	dm, inf, user           string // contacts
	visit                   string // the activity evidencing the amount
	approvalDoc             string // the document evidencing the approval
	dmActivity, infActivity string
}

func (e *env) specDeal(who, name string) specDeal {
	e.t.Helper()
	d := specDeal{owner: who}
	d.cust = e.customer(who, name)
	contact := func(n, role string) string {
		return str(e.must(201, "POST", "/api/v1/contacts", who, obj{"customer_id": d.cust, "name": n, "role": role}), "id")
	}
	d.dm, d.inf, d.user = contact("赵总", "decision_maker"), contact("李工", "influencer"), contact("小王", "user")
	d.id = str(e.opportunity(who, obj{"customer_id": d.cust, "amount": "800000.00", "name": name}), "id")
	scores := []int{70, 90, 80, 75, 85, 80, 60, 100, 80, 80} // average 80
	e.must(200, "PATCH", "/api/v1/opportunities/"+d.id, who, obj{"need_scores": scores, "version": version(e.get(d.id))})
	act := func(kind, contact, note string) string {
		return str(e.must(201, "POST", "/api/v1/activities", who, obj{"opportunity_id": d.id, "kind": kind,
			"occurred_at": "2026-05-14T10:00:00+08:00", "contact_ids": []string{contact}, "note": note}), "id")
	}
	d.dmActivity = act("visit", d.dm, "拜访赵总,确认预算金额 80 万")
	d.infActivity = act("call", d.inf, "与李工电话沟通技术方案")
	d.visit = d.dmActivity
	// An activity without contacts reaches no role.
	e.must(201, "POST", "/api/v1/activities", who, obj{"opportunity_id": d.id, "kind": "email", "note": "发送资料"})
	d.approvalDoc = e.link(who, d.id, "meeting_minutes")
	e.must(201, "POST", "/api/v1/opportunities/"+d.id+"/budget-facts", who, obj{"kind": "amount_stated", "evidence_activity_id": d.visit})
	e.must(201, "POST", "/api/v1/opportunities/"+d.id+"/budget-facts", who, obj{"kind": "approved", "evidence_document_id": d.approvalDoc})
	return d
}

// wantHealth checks a health report's figures and decision.
func wantHealth(t testing.TB, h map[string]any, total, need, chain, budget float64, decision string) {
	t.Helper()
	if num(h, "total") != total || num(h, "need_match") != need || num(h, "decision_chain") != chain ||
		num(h, "budget") != budget || str(h, "decision") != decision {
		t.Errorf("health = total %v need %v chain %v budget %v %s; want %v %v %v %v %s", h["total"], h["need_match"],
			h["decision_chain"], h["budget"], h["decision"], total, need, chain, budget, decision)
	}
}

// workedExample reproduces SPEC §4's worked example through the API
// and the thresholds 60 and 80.
func workedExample(t *testing.T, e *env) {
	d := e.specDeal(repA1, "健康度示例客户")

	h := e.health(repA1, d.id)
	wantHealth(t, h, 81, 32, 24, 25, "auto_advance")
	explain, _ := h["explain"].([]any)
	if len(explain) == 0 {
		t.Fatalf("explain is empty: %v", h)
	}
	var texts []string
	for _, x := range explain {
		l := x.(map[string]any)
		if str(l, "text") == "" || str(l, "text_en") == "" || str(l, "key") == "" {
			t.Errorf("explain line without key or words: %v", l)
		}
		texts = append(texts, str(l, "key"))
	}
	// The user role, not contacted, is named as missing.
	if !strings.Contains(fmt.Sprint(texts), "user") {
		t.Errorf("explain does not mention the user role: %v", texts)
	}
	// The deal caches what it last scored.
	if o := e.get(d.id); num(o, "health_score") != 81 || str(o, "health_decision") != "auto_advance" || o["health_flagged"] != false {
		t.Errorf("cached health on the deal: %v %v %v", o["health_score"], o["health_decision"], o["health_flagged"])
	}
	// The manager sees it too; another team does not.
	wantHealth(t, e.health(mgrA, d.id), 81, 32, 24, 25, "auto_advance")
	if st, _ := e.do("GET", "/api/v1/opportunities/"+d.id+"/health", e.tok[repB1], nil); st != 404 {
		t.Errorf("repB1 reading the health of team A's deal: %d, want 404", st)
	}

	// Drop the approval's evidence: the document is deleted → 66.0.
	e.must(204, "DELETE", "/api/v1/documents/"+d.approvalDoc, repA1, nil)
	wantHealth(t, e.health(repA1, d.id), 66, 32, 24, 10, "needs_approval")
	if o := e.get(d.id); num(o, "health_score") != 66 || str(o, "health_decision") != "needs_approval" {
		t.Errorf("cached after deleting the evidence: %v %v", o["health_score"], o["health_decision"])
	}
	facts := items(t, e.must(200, "GET", "/api/v1/opportunities/"+d.id+"/budget-facts", repA1, nil))
	if len(facts) != 2 {
		t.Fatalf("budget facts: %v", facts)
	}
	for _, f := range facts {
		if str(f, "kind") == "approved" && str(f, "evidence_document_id") != "" {
			t.Errorf("the approval still shows deleted evidence: %v", f)
		}
	}

	// The other way: DELETE the fact and add it again without evidence.
	e.must(204, "DELETE", "/api/v1/opportunities/"+d.id+"/budget-facts/approved", repA1, nil)
	wantHealth(t, e.health(repA1, d.id), 66, 32, 24, 10, "needs_approval")
	e.must(201, "POST", "/api/v1/opportunities/"+d.id+"/budget-facts", repA1, obj{"kind": "approved"})
	wantHealth(t, e.health(repA1, d.id), 66, 32, 24, 10, "needs_approval")
	if st, _ := e.do("DELETE", "/api/v1/opportunities/"+d.id+"/budget-facts/in_annual_plan", e.tok[repA1], nil); st != 404 {
		t.Errorf("deleting a fact that is not there: %d, want 404", st)
	}
	// Evidence must belong to the deal.
	other := e.specDeal(repA1, "另一个客户")
	r := e.call("POST", "/api/v1/opportunities/"+d.id+"/budget-facts", e.tok[repA1], obj{"kind": "approved", "evidence_activity_id": other.visit})
	wantProblem(t, r, 422)
	if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[evidence_activity_id]" {
		t.Errorf("evidence from another deal: errors name %v", fs)
	}
	// Evidenced again by an activity → back to 81 (replacing the bare claim).
	e.must(204, "DELETE", "/api/v1/opportunities/"+d.id+"/budget-facts/approved", repA1, nil)
	e.must(201, "POST", "/api/v1/opportunities/"+d.id+"/budget-facts", repA1, obj{"kind": "approved", "evidence_activity_id": d.infActivity})
	wantHealth(t, e.health(repA1, d.id), 81, 32, 24, 25, "auto_advance")

	// Thresholds, with the decision chain (24) and budget (25) fixed:
	// the need part moves the total across 60 and 80. The total is
	// rounded to one decimal and the decision reads the rounded figure.
	for _, c := range []struct {
		sum      int // of the ten need scores
		total    float64
		decision string
	}{
		{275, 60, "needs_approval"}, // 27.5 × 0.4 = 11.0 → 60.0
		{274, 60, "needs_approval"}, // 10.96 → 59.96 → shown 60.0, so approval
		{273, 59.9, "regress"},      // 10.92 → 59.92 → 59.9: just below
		{775, 80, "needs_approval"}, // 31.0 → 80.0: inclusive
		{776, 80, "needs_approval"}, // 31.04 → 80.04 → 80.0
		{777, 80.1, "auto_advance"}, // 31.08 → 80.08 → 80.1: just above
		{1000, 89, "auto_advance"},  // all 100
		{0, 49, "regress"},          // nothing matched
	} {
		e.setNeeds(repA1, d.id, c.sum)
		h := e.health(repA1, d.id)
		if num(h, "total") != c.total || str(h, "decision") != c.decision {
			t.Errorf("need scores summing %d: total %v %s, want %v %s", c.sum, h["total"], h["decision"], c.total, c.decision)
		}
		if o := e.get(d.id); num(o, "health_score") != c.total || str(o, "health_decision") != c.decision {
			t.Errorf("need scores summing %d: cached %v %s", c.sum, o["health_score"], o["health_decision"])
		}
	}

	// Need scores are validated: ten of them, each 0–100.
	r = e.call("PATCH", "/api/v1/opportunities/"+d.id, e.tok[repA1], obj{"need_scores": []int{80, 80}, "version": version(e.get(d.id))})
	wantProblem(t, r, 422)
	r = e.call("PATCH", "/api/v1/opportunities/"+d.id, e.tok[repA1], obj{"need_scores": []int{80, 80, 80, 80, 101, 80, 80, 80, 80, 80}, "version": version(e.get(d.id))})
	wantProblem(t, r, 422)
	if fs := fieldsOf(r.JSON); len(fs) != 1 || !strings.HasPrefix(fs[0], "need_scores") {
		t.Errorf("a score of 101: errors name %v", fs)
	}
}

// gatesCannotBeSkipped: a forward move lists what the gates on the way
// lack; once met (with health above 80) it moves, recorded as manual; won
// needs the contract scan and the deal confirmation.
func gatesCannotBeSkipped(t *testing.T, e *env) {
	d := e.specDeal(repA1, "闸门客户")
	before := e.get(d.id)
	if str(before, "stage") != "discovery" {
		t.Fatalf("new deal in %s", str(before, "stage"))
	}

	r := e.moveTo(repA1, d.id, "needs_confirmed")
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[document:needs_confirmation@needs_confirmed]" {
		t.Errorf("discovery → needs_confirmed: missing %s", got)
	}
	raw, _ := r.JSON["missing"].([]any)
	if len(raw) == 1 {
		m := raw[0].(map[string]any)
		if str(m, "label") != "需求确认单" || str(m, "label_en") != "Needs confirmation form" {
			t.Errorf("missing item labels: %v", m)
		}
	}
	r = e.moveTo(repA1, d.id, "proposal")
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[document:needs_confirmation@needs_confirmed field:product_lines@proposal]" {
		t.Errorf("discovery → proposal: missing %s", got)
	}
	r = e.moveTo(repA1, d.id, "won")
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[document:needs_confirmation@needs_confirmed field:product_lines@proposal "+
		"document:proposal_acceptance@closing document:contract_scan@won document:deal_confirmation@won]" {
		t.Errorf("discovery → won: missing %s", got)
	}
	// The admin cannot skip a gate either.
	r = e.moveTo(admin, d.id, "needs_confirmed")
	wantProblem(t, r, 422)
	if after := e.get(d.id); version(after) != version(before) || str(after, "stage") != "discovery" {
		t.Fatalf("refused moves changed the deal: %v", after)
	}

	// A link of the right type meets the gate; health 81 moves it at once.
	e.must(201, "POST", "/api/v1/opportunities/"+d.id+"/documents", repA1,
		obj{"doc_type": "needs_confirmation", "name": "需求确认单(已签)", "url": "https://docs.example.com/nc.pdf"})
	moved := e.must(200, "POST", "/api/v1/opportunities/"+d.id+"/stage", repA1, obj{"to": "needs_confirmed", "version": version(before)})
	if str(moved, "id") != d.id || str(moved, "stage") != "needs_confirmed" || version(moved) != version(before)+1 || num(moved, "probability") != 30 {
		t.Errorf("moved = stage %v version %v probability %v; want needs_confirmed, %d, 30", moved["stage"], moved["version"], moved["probability"], version(before)+1)
	}
	ms := e.stageMoves(d.id)
	last := ms[len(ms)-1]
	if str(last, "from") != "discovery" || str(last, "to") != "needs_confirmed" || str(last, "via") != "manual" ||
		str(last, "by_user_id") != e.id(repA1) || num(last, "probability") != 30 || str(last, "amount") != "800000.00" {
		t.Errorf("history of the move: %v", last)
	}

	// Proposal needs product lines.
	r = e.moveTo(repA1, d.id, "proposal")
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[field:product_lines@proposal]" {
		t.Errorf("needs_confirmed → proposal: missing %s", got)
	}
	e.must(200, "PATCH", "/api/v1/opportunities/"+d.id, repA1, obj{"product_lines": []string{"CRM"}, "version": version(e.get(d.id))})
	e.must(200, "POST", "/api/v1/opportunities/"+d.id+"/stage", repA1, obj{"to": "proposal", "version": version(e.get(d.id))})
	e.link(repA1, d.id, "proposal_acceptance")
	e.must(200, "POST", "/api/v1/opportunities/"+d.id+"/stage", repA1, obj{"to": "closing", "version": version(e.get(d.id))})

	// Won needs the contract scan and the deal confirmation.
	r = e.moveTo(repA1, d.id, "won")
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[document:contract_scan@won document:deal_confirmation@won]" {
		t.Errorf("closing → won: missing %s", got)
	}
	e.link(repA1, d.id, "contract_scan")
	r = e.moveTo(repA1, d.id, "won")
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[document:deal_confirmation@won]" {
		t.Errorf("closing → won with the contract: missing %s", got)
	}
	e.link(repA1, d.id, "deal_confirmation")
	won := e.must(200, "POST", "/api/v1/opportunities/"+d.id+"/stage", repA1,
		obj{"to": "won", "version": version(e.get(d.id)), "amount": "750000.00", "closed_on": "2026-05-14"})
	if str(won, "status") != "won" || str(won, "stage") != "won" || str(won, "amount") != "750000.00" || str(won, "closed_on") != "2026-05-14" {
		t.Errorf("won = status %v stage %v amount %v closed_on %v", won["status"], won["stage"], won["amount"], won["closed_on"])
	}
	var path []string
	for _, m := range e.stageMoves(d.id) {
		path = append(path, str(m, "to")+"/"+str(m, "via"))
	}
	if want := "[discovery/create needs_confirmed/manual proposal/manual closing/manual won/manual]"; fmt.Sprint(path) != want {
		t.Errorf("history %v, want %s", path, want)
	}

	// Backwards needs nothing, lost needs only a reason (no gates).
	g := e.specDeal(repA1, "回退客户")
	e.link(repA1, g.id, "needs_confirmation")
	e.must(200, "POST", "/api/v1/opportunities/"+g.id+"/stage", repA1, obj{"to": "needs_confirmed", "version": version(e.get(g.id))})
	e.must(204, "DELETE", "/api/v1/opportunities/"+g.id+"/budget-facts/approved", repA1, nil) // 66 now
	back := e.must(200, "POST", "/api/v1/opportunities/"+g.id+"/stage", repA1, obj{"to": "discovery", "version": version(e.get(g.id))})
	if str(back, "stage") != "discovery" {
		t.Errorf("backwards: %v", back["stage"])
	}
	lost := e.must(200, "POST", "/api/v1/opportunities/"+g.id+"/stage", repA1,
		obj{"to": "lost", "version": version(back), "loss_reason": "competitor_price"})
	if str(lost, "status") != "lost" || str(lost, "loss_reason") != "competitor_price" {
		t.Errorf("lost: %v %v", lost["status"], lost["loss_reason"])
	}
}

// pendingApprovals lists what who sees pending on a deal.
func (e *env) pendingApprovals(who, opp string) []map[string]any {
	e.t.Helper()
	return items(e.t, e.must(200, "GET", "/api/v1/approvals?status=pending&opportunity_id="+opp, who, nil))
}

// borderline is a sop-5 deal of who with health 66 and the needs-confirmed
// gate met.
func (e *env) borderline(who, name string) specDeal {
	e.t.Helper()
	d := e.specDeal(who, name)
	e.must(204, "DELETE", "/api/v1/documents/"+d.approvalDoc, who, nil)
	e.link(who, d.id, "needs_confirmation")
	if h := e.health(who, d.id); num(h, "total") != 66 {
		e.t.Fatalf("borderline deal has health %v", h["total"])
	}
	return d
}

// healthOnMoves: 60–80 waits for the owner's manager; above 80 moves;
// below 60 is refused with the health; the manager moving it himself moves it.
func healthOnMoves(t *testing.T, e *env) {
	d := e.borderline(repA1, "待审批客户")
	before := e.get(d.id)

	r := e.moveTo(repA1, d.id, "needs_confirmed")
	if r.Status != 202 {
		t.Fatalf("borderline move: %d, want 202\n%s", r.Status, r.Raw)
	}
	ap := r.JSON
	apID := str(ap, "id")
	if str(ap, "status") != "pending" || str(ap, "approver_id") != e.id(mgrA) || str(ap, "requested_by") != e.id(repA1) ||
		str(ap, "opportunity_id") != d.id || str(ap, "from") != "discovery" || str(ap, "to") != "needs_confirmed" ||
		num(ap, "health_score") != 66 || version(ap) != 1 {
		t.Errorf("approval = %s", r.Raw)
	}
	if gaps, _ := ap["missing"].([]any); len(gaps) == 0 {
		t.Errorf("the approval lists no missing materials: %s", r.Raw)
	}
	if after := e.get(d.id); str(after, "stage") != "discovery" || version(after) != version(before) {
		t.Errorf("the deal moved or changed while waiting: %v v%v", after["stage"], after["version"])
	}
	// A second request while one is pending.
	r = e.moveTo(repA1, d.id, "needs_confirmed")
	wantProblem(t, r, 409)
	if n := len(e.pendingApprovals(admin, d.id)); n != 1 {
		t.Errorf("%d pending approvals, want 1", n)
	}

	// Who sees it: mgrA (also as "mine"), the director, the requester;
	// not repA2, nor team B.
	if got := ids(items(t, e.must(200, "GET", "/api/v1/approvals?status=pending", mgrA, nil))); fmt.Sprint(got) != "["+apID+"]" {
		t.Errorf("mgrA's pending approvals: %v", got)
	}
	if got := ids(items(t, e.must(200, "GET", "/api/v1/approvals?mine=true", mgrA, nil))); fmt.Sprint(got) != "["+apID+"]" {
		t.Errorf("mgrA's approvals (mine): %v", got)
	}
	if got := ids(items(t, e.must(200, "GET", "/api/v1/approvals?mine=true", director, nil))); len(got) != 0 {
		t.Errorf("director's own approvals: %v", got)
	}
	for _, who := range []string{director, repA1} {
		if got := ids(e.pendingApprovals(who, d.id)); fmt.Sprint(got) != "["+apID+"]" {
			t.Errorf("%s sees %v", who, got)
		}
	}
	for _, who := range []string{repA2, mgrB, repB1} {
		if got := items(t, e.must(200, "GET", "/api/v1/approvals", who, nil)); len(got) != 0 {
			t.Errorf("%s sees approvals %v", who, ids(got))
		}
	}
	// Nor decide it: invisible is 404; visible but not theirs to decide is 403.
	for _, c := range []struct {
		who  string
		verb string
		want int
	}{{repA2, "approve", 404}, {mgrB, "approve", 404}, {repB1, "reject", 404}, {repA1, "approve", 403}, {repA1, "reject", 403}} {
		st, body := e.do("POST", "/api/v1/approvals/"+apID+"/"+c.verb, e.tok[c.who], obj{"comment": "x", "version": 1})
		if st != c.want {
			t.Errorf("%s %s: %d, want %d %v", c.who, c.verb, st, c.want, body)
		}
	}
	// Rejecting needs a comment.
	r = e.call("POST", "/api/v1/approvals/"+apID+"/reject", e.tok[mgrA], obj{"version": 1})
	wantProblem(t, r, 422)
	if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[comment]" {
		t.Errorf("reject without comment: errors name %v", fs)
	}
	r = e.call("POST", "/api/v1/approvals/"+apID+"/reject", e.tok[mgrA], obj{"comment": "   ", "version": 1})
	wantProblem(t, r, 422)
	rej := e.must(200, "POST", "/api/v1/approvals/"+apID+"/reject", mgrA, obj{"comment": "请补充预算批复邮件", "version": 1})
	if str(rej, "status") != "rejected" || str(rej, "decided_by") != e.id(mgrA) || str(rej, "comment") != "请补充预算批复邮件" || version(rej) != 2 {
		t.Errorf("rejected = %v", rej)
	}
	if str(e.get(d.id), "stage") != "discovery" {
		t.Error("a rejected move moved the deal")
	}
	if st, _ := e.do("POST", "/api/v1/approvals/"+apID+"/approve", e.tok[mgrA], obj{"version": 2}); st != 409 {
		t.Errorf("approving a rejected approval: %d, want 409", st)
	}

	// Asked again; mgrA approves: the deal moves, via approval.
	r = e.moveTo(repA1, d.id, "needs_confirmed")
	if r.Status != 202 {
		t.Fatalf("second request: %d %s", r.Status, r.Raw)
	}
	ap2 := str(r.JSON, "id")
	if st, _ := e.do("POST", "/api/v1/approvals/"+ap2+"/approve", e.tok[mgrA], obj{"version": 7}); st != 409 {
		t.Errorf("approving with a stale version: %d, want 409", st)
	}
	ok := e.must(200, "POST", "/api/v1/approvals/"+ap2+"/approve", mgrA, obj{"comment": "同意推进", "version": 1})
	if str(ok, "status") != "approved" || str(ok, "decided_by") != e.id(mgrA) || ok["decided_at"] == nil {
		t.Errorf("approved = %v", ok)
	}
	if o := e.get(d.id); str(o, "stage") != "needs_confirmed" {
		t.Errorf("after approval the deal is in %v", o["stage"])
	}
	ms := e.stageMoves(d.id)
	if last := ms[len(ms)-1]; str(last, "via") != "approval" || str(last, "by_user_id") != e.id(mgrA) || str(last, "to") != "needs_confirmed" {
		t.Errorf("history of the approved move: %v", last)
	}
	if len(e.pendingApprovals(mgrA, d.id)) != 0 {
		t.Error("still pending after approval")
	}

	// A strong deal (81) advances by itself.
	strong := e.specDeal(repA1, "强势客户")
	e.link(repA1, strong.id, "needs_confirmation")
	if r := e.moveTo(repA1, strong.id, "needs_confirmed"); r.Status != 200 || str(r.JSON, "stage") != "needs_confirmed" {
		t.Errorf("strong move: %d %s", r.Status, r.Raw)
	}
	if got := e.lastMove(strong.id); got != "discovery→needs_confirmed via manual" {
		t.Errorf("strong move history: %s", got)
	}

	// A weak one (49) is refused with the health explained.
	weak := e.specDeal(repA1, "薄弱客户")
	e.link(repA1, weak.id, "needs_confirmation")
	e.setNeeds(repA1, weak.id, 0)
	r = e.moveTo(repA1, weak.id, "needs_confirmed")
	wantProblem(t, r, 422)
	hh, _ := r.JSON["health"].(map[string]any)
	if hh == nil || num(hh, "total") != 49 || str(hh, "decision") != "regress" {
		t.Errorf("weak move: health %v", r.JSON["health"])
	} else if ex, _ := hh["explain"].([]any); len(ex) == 0 {
		t.Errorf("weak move: no explanation: %s", r.Raw)
	}
	// Not even the manager or the admin moves a weak deal forward.
	for _, who := range []string{mgrA, admin} {
		if r := e.moveTo(who, weak.id, "needs_confirmed"); r.Status != 422 {
			t.Errorf("%s moving a weak deal: %d", who, r.Status)
		}
	}
	if o := e.get(weak.id); str(o, "stage") != "discovery" || len(e.pendingApprovals(admin, weak.id)) != 0 {
		t.Errorf("weak deal: stage %v, approvals filed", o["stage"])
	}

	// The manager moving a borderline deal himself: moves at once, via approval.
	b2 := e.borderline(repA2, "经理亲推客户")
	if r := e.moveTo(mgrA, b2.id, "needs_confirmed"); r.Status != 200 || str(r.JSON, "stage") != "needs_confirmed" {
		t.Errorf("mgrA moving a borderline deal: %d %s", r.Status, r.Raw)
	}
	if got := e.lastMove(b2.id); got != "discovery→needs_confirmed via approval" {
		t.Errorf("mgrA's move history: %s", got)
	}
	// So do the director (above him) and the admin.
	for _, who := range []string{director, admin} {
		b := e.borderline(repA1, "上级推进 "+who)
		if r := e.moveTo(who, b.id, "needs_confirmed"); r.Status != 200 {
			t.Errorf("%s moving a borderline deal: %d %s", who, r.Status, r.Raw)
		}
		if got := e.lastMove(b.id); got != "discovery→needs_confirmed via approval" {
			t.Errorf("%s's move history: %s", who, got)
		}
	}
	// Another team's manager is not an approver: mgrB cannot even see it.
	b3 := e.borderline(repA1, "别组经理")
	if st, _ := e.do("POST", "/api/v1/opportunities/"+b3.id+"/stage", e.tok[mgrB], obj{"to": "needs_confirmed", "version": version(e.get(b3.id))}); st != 404 {
		t.Errorf("mgrB moving team A's deal: %d, want 404", st)
	}
	// A pending approval is superseded when the deal moves by other means.
	r = e.moveTo(repA1, b3.id, "needs_confirmed")
	if r.Status != 202 {
		t.Fatalf("b3 request: %d %s", r.Status, r.Raw)
	}
	ap3 := str(r.JSON, "id")
	e.must(200, "POST", "/api/v1/opportunities/"+b3.id+"/stage", repA1, obj{"to": "lost", "version": version(e.get(b3.id)), "loss_reason": "needs_changed"})
	if st, _ := e.do("POST", "/api/v1/approvals/"+ap3+"/approve", e.tok[mgrA], obj{"version": 1}); st != 409 && st != 422 {
		t.Errorf("approving a move of a deal that was lost meanwhile: %d", st)
	}
	if o := e.get(b3.id); str(o, "stage") != "lost" {
		t.Errorf("a superseded approval moved the lost deal to %v", o["stage"])
	}
}

// concurrentMoves: ten clients move one deal with the same version;
// exactly one wins and the history has that one move. Ten clients asking for
// the approval of a borderline deal at once file exactly one.
func concurrentMoves(t *testing.T, e *env) {
	race := func(id string, who []string) map[int]int {
		v := version(e.get(id))
		const n = 10
		statuses := make([]int, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			w := who[i%len(who)]
			wg.Go(func() {
				<-start
				r, err := e.send("POST", "/api/v1/opportunities/"+id+"/stage", e.tok[w], obj{"to": "needs_confirmed", "version": v})
				statuses[i], errs[i] = 0, err
				if err == nil {
					statuses[i] = r.Status
				}
			})
		}
		close(start)
		wg.Wait()
		counts := map[int]int{}
		for i, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
			counts[statuses[i]]++
		}
		return counts
	}

	d := e.specDeal(repA1, "并发推进客户")
	e.link(repA1, d.id, "needs_confirmation")
	v := version(e.get(d.id))
	if counts := race(d.id, []string{repA1, mgrA, admin}); counts[200] != 1 || counts[409] != 9 {
		t.Errorf("statuses %v, want one 200 and 9 × 409", counts)
	}
	o := e.get(d.id)
	if str(o, "stage") != "needs_confirmed" || version(o) != v+1 {
		t.Errorf("after the race: stage %v version %v, want needs_confirmed %d", o["stage"], o["version"], v+1)
	}
	n := 0
	for _, m := range e.stageMoves(d.id) {
		if str(m, "to") == "needs_confirmed" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d history rows into needs_confirmed, want 1", n)
	}

	b := e.borderline(repA1, "并发审批客户")
	if counts := race(b.id, []string{repA1}); counts[202] != 1 || counts[409] != 9 {
		t.Errorf("borderline race: statuses %v, want one 202 and 9 × 409", counts)
	}
	if n := len(e.pendingApprovals(admin, b.id)); n != 1 {
		t.Errorf("%d pending approvals after the race, want 1", n)
	}
}

// TestStageDiscipline runs the stage-discipline scenarios on one company per
// engine (a fresh database per scenario would triple the run time). Each
// scenario makes its own customers and deals; the last one changes the
// global health settings.
func TestStageDiscipline(t *testing.T) {
	eachDSN(t, func(t *testing.T, db *store.DB, dsn string) {
		e := newEnv(t, db)
		for _, sc := range []struct {
			name string
			run  func(t *testing.T, e *env)
		}{
			{"SPEC §4 worked example and thresholds", workedExample},
			{"gates cannot be skipped", gatesCannotBeSkipped},
			{"health on moves and approvals", healthOnMoves},
			{"concurrent moves", concurrentMoves},
			{"indicators and checklist", func(t *testing.T, e *env) { indicatorsAndChecklist(t, e, dsn) }},
			{"documents", documents},
			{"edges of the rules", ruleEdges},
			{"approvals meanwhile", func(t *testing.T, e *env) { approvalsMeanwhile(t, e, dsn) }},
			{"regress action", regressAction},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, e.in(t)) })
		}
	})
}

// tick PUTs the ticked keys at the deal's current version as who.
func (e *env) tick(who, id string, keys ...string) map[string]any {
	e.t.Helper()
	if keys == nil {
		keys = []string{}
	}
	return e.must(200, "PUT", "/api/v1/opportunities/"+id+"/ticked", who, obj{"ticked": keys, "version": version(e.get(id))})
}

// movedTo reads the outcome and the deal's stage from a tick's result.
func movedTo(res map[string]any) string {
	o, _ := res["opportunity"].(map[string]any)
	return str(res, "outcome") + " " + str(o, "stage")
}

// indicatorsAndChecklist: in indicators mode (A) and checklist mode (B) the
// ticks derive the stage, under the same gates and health rules as a manual
// move; what a rule stops keeps the ticks.
func indicatorsAndChecklist(t *testing.T, e *env, dsn string) {
	simple, sop, buyer := e.pipelineID("simple-4"), e.pipelineID("sop-5"), e.pipelineID("buyer-6")
	defer func() {
		for _, p := range []string{simple, sop} {
			e.setMode(dsn, p, "manual")
		}
	}()
	newDeal := func(pipeline, name string) string {
		cust := e.customer(repA1, name)
		return str(e.opportunity(repA1, obj{"customer_id": cust, "amount": "200000.00", "pipeline_id": pipeline, "name": name}), "id")
	}

	// Manual mode keeps the ticks and derives nothing.
	m := newDeal(buyer, "手动模式客户")
	if got := movedTo(e.tick(repA1, m, "verbal_commit")); got != "unchanged interest" {
		t.Errorf("manual mode: %s", got)
	}
	if o := e.get(m); fmt.Sprint(o["ticked"]) != "[verbal_commit]" {
		t.Errorf("manual mode: ticked %v", o["ticked"])
	}

	// Mode A on simple-4 (no gates, no health gate).
	e.setMode(dsn, simple, "indicators")
	a := newDeal(simple, "指标模式客户")
	r := e.call("PUT", "/api/v1/opportunities/"+a+"/ticked", e.tok[repA1], obj{"ticked": []string{"trial", "no_such_indicator"}, "version": version(e.get(a))})
	wantProblem(t, r, 422)
	if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[ticked[1]]" {
		t.Errorf("unknown key: errors name %v, want [ticked[1]]", fs)
	}
	// A key of another pipeline is unknown here too.
	r = e.call("PUT", "/api/v1/opportunities/"+a+"/ticked", e.tok[repA1], obj{"ticked": []string{"deep_interview"}, "version": version(e.get(a))})
	wantProblem(t, r, 422)
	if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[ticked[0]]" {
		t.Errorf("sop-5 key on simple-4: errors name %v", fs)
	}
	if st, _ := e.do("PUT", "/api/v1/opportunities/"+a+"/ticked", e.tok[repA1], obj{"ticked": []string{"trial"}, "version": 99}); st != 409 {
		t.Errorf("stale ticks: %d, want 409", st)
	}
	if st, _ := e.do("PUT", "/api/v1/opportunities/"+a+"/ticked", e.tok[repB1], obj{"ticked": []string{"trial"}, "version": version(e.get(a))}); st != 404 {
		t.Errorf("another team ticking: %d, want 404", st)
	}
	res := e.tick(repA1, a, "quote_requested")
	if got := movedTo(res); got != "moved evaluation" {
		t.Errorf("indicator of evaluation: %s", got)
	}
	if got := e.lastMove(a); got != "plan_confirmed→evaluation via indicator" {
		t.Errorf("indicator move history: %s", got)
	}
	if o := e.get(a); fmt.Sprint(o["ticked"]) != "[quote_requested]" || num(o, "probability") != 50 {
		t.Errorf("after the indicator move: ticked %v probability %v", o["ticked"], o["probability"])
	}
	// Ticking more of the same stage changes nothing.
	if got := movedTo(e.tick(repA1, a, "quote_requested", "trial")); got != "unchanged evaluation" {
		t.Errorf("another indicator of the same stage: %s", got)
	}

	// Mode B on simple-4: all items up to and including a stage.
	e.setMode(dsn, simple, "checklist")
	b := newDeal(simple, "清单模式客户")
	if got := movedTo(e.tick(repA1, b, "trial", "quote_requested", "tender")); got != "unchanged plan_confirmed" {
		t.Errorf("evaluation's items without plan_confirmed's: %s", got)
	}
	if got := movedTo(e.tick(repA1, b, "plan_told", "budget_confirmed", "trial", "quote_requested")); got != "unchanged plan_confirmed" {
		t.Errorf("some of evaluation's items: %s", got)
	}
	if o := e.get(b); len(o["ticked"].([]any)) != 4 || str(o, "stage") != "plan_confirmed" {
		t.Errorf("partial checklist: ticked %v stage %v", o["ticked"], o["stage"])
	}
	if got := movedTo(e.tick(repA1, b, "plan_told", "budget_confirmed", "trial", "quote_requested", "tender")); got != "moved evaluation" {
		t.Errorf("all items up to evaluation: %s", got)
	}
	if got := e.lastMove(b); got != "plan_confirmed→evaluation via checklist" {
		t.Errorf("checklist move history: %s", got)
	}
	// An indicator in checklist mode counts only as a checklist item.
	c := newDeal(simple, "清单跳项客户")
	if got := movedTo(e.tick(repA1, c, "terms_agreed", "contract_draft")); got != "unchanged plan_confirmed" {
		t.Errorf("last stage's items alone in checklist mode: %s", got)
	}

	// Mode A on sop-5: gates and health still rule.
	e.setMode(dsn, sop, "indicators")
	d := e.specDeal(repA1, "指标闸门客户") // health 81, no needs-confirmation form
	res = e.tick(repA1, d.id, "need_expressed", "deep_interview")
	if got := movedTo(res); got != "blocked discovery" {
		t.Errorf("ticking past an unmet gate: %s", got)
	}
	if got := missingOf(res); got != "[document:needs_confirmation@needs_confirmed]" {
		t.Errorf("blocked tick: missing %s", got)
	}
	if o := e.get(d.id); fmt.Sprint(o["ticked"]) != "[need_expressed deep_interview]" || str(o, "stage") != "discovery" {
		t.Errorf("blocked tick: ticked %v stage %v (the ticks are kept, the deal stays)", o["ticked"], o["stage"])
	}
	e.link(repA1, d.id, "needs_confirmation")
	if got := movedTo(e.tick(repA1, d.id, "need_expressed", "deep_interview")); got != "moved needs_confirmed" {
		t.Errorf("ticking with the gate met and health 81: %s", got)
	}
	if got := e.lastMove(d.id); got != "discovery→needs_confirmed via indicator" {
		t.Errorf("sop-5 indicator move history: %s", got)
	}
	// Borderline: the tick files an approval for mgrA.
	bd := e.borderline(repA1, "指标审批客户")
	res = e.tick(repA1, bd.id, "deep_interview")
	ap, _ := res["approval"].(map[string]any)
	if got := movedTo(res); got != "approval_requested discovery" || str(ap, "approver_id") != e.id(mgrA) {
		t.Fatalf("borderline tick: %s approval %v", got, ap)
	}
	e.must(200, "POST", "/api/v1/approvals/"+str(ap, "id")+"/approve", mgrA, obj{"version": 1})
	if got := e.lastMove(bd.id); got != "discovery→needs_confirmed via approval" {
		t.Errorf("approved tick history: %s", got)
	}
	// Weak: blocked with the health.
	wk := e.specDeal(repA1, "指标薄弱客户")
	e.link(repA1, wk.id, "needs_confirmation")
	e.setNeeds(repA1, wk.id, 0)
	res = e.tick(repA1, wk.id, "deep_interview")
	if hh, _ := res["health"].(map[string]any); movedTo(res) != "blocked discovery" || str(hh, "decision") != "regress" {
		t.Errorf("weak tick: %s health %v", movedTo(res), res["health"])
	}
}

// upload sends a file as who to …/documents/upload.
func (e *env) upload(who, opp, docType, name string, content []byte) *reply {
	e.t.Helper()
	q := url.Values{"doc_type": {docType}, "name": {name}}
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/opportunities/"+opp+"/documents/upload?"+q.Encode(), bytes.NewReader(content))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tok[who])
	req.Header.Set("Content-Type", "application/octet-stream")
	return e.raw(req)
}

// raw sends a request without following redirects.
func (e *env) raw(req *http.Request) *reply {
	e.t.Helper()
	c := *e.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &reply{Status: res.StatusCode, Header: res.Header, Raw: b}
	if tb := bytes.TrimSpace(b); len(tb) > 0 && tb[0] == '{' {
		_ = json.Unmarshal(b, &r.JSON)
	}
	return r
}

// get sends a GET as who without following redirects.
func (e *env) fetch(who, path string) *reply {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tok[who])
	return e.raw(req)
}

// documents: files are sniffed, named without paths, stored and served
// byte for byte; links are http(s); deletes are soft and stop satisfying
// gates; another team sees nothing.
func documents(t *testing.T, e *env) {
	d := e.specDeal(repA1, "文档客户")
	pdf := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	r := e.upload(repA1, d.id, "contract_scan", "../../etc/passwd", pdf)
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Raw)
	}
	doc := r.JSON
	sum := sha256.Sum256(pdf)
	if str(doc, "name") != "passwd" || str(doc, "content_type") != "application/pdf" || num(doc, "size") != float64(len(pdf)) ||
		str(doc, "sha256") != hex.EncodeToString(sum[:]) || str(doc, "doc_type") != "contract_scan" || str(doc, "opportunity_id") != d.id ||
		str(doc, "created_by") != e.id(repA1) {
		t.Errorf("uploaded document = %s", r.Raw)
	}
	id := str(doc, "id")
	for name, want := range map[string]string{
		`..\..\windows\system32\合同扫描.pdf`: "合同扫描.pdf",
		"/abs/path/scan.pdf":              "scan.pdf",
		"a/../../b\x00c.pdf":              "bc.pdf",
	} {
		if r := e.upload(repA1, d.id, "other", name, pdf); r.Status != 201 || str(r.JSON, "name") != want {
			t.Errorf("name %q: %d, stored as %q, want %q", name, r.Status, str(r.JSON, "name"), want)
		}
	}
	if r := e.upload(repA1, d.id, "other", "../..", pdf); r.Status != 422 || fmt.Sprint(fieldsOf(r.JSON)) != "[name]" {
		t.Errorf("a name that is only a path: %d %s", r.Status, r.Raw)
	}

	// The metadata and the bytes come back unchanged.
	if got := e.must(200, "GET", "/api/v1/documents/"+id, mgrA, nil); str(got, "name") != "passwd" || str(got, "sha256") != str(doc, "sha256") {
		t.Errorf("GET document = %v", got)
	}
	c := e.fetch(repA1, "/api/v1/documents/"+id+"/content")
	if c.Status != 200 || !bytes.Equal(c.Raw, pdf) {
		t.Fatalf("content: %d, %d bytes (want %d)", c.Status, len(c.Raw), len(pdf))
	}
	if ct := c.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("content type %q", ct)
	}
	if c.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(c.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(c.Header.Get("Content-Disposition"), "passwd") {
		t.Errorf("content headers: %v", c.Header)
	}
	// A link redirects.
	linkID := e.link(repA1, d.id, "proposal")
	if l := e.fetch(repA1, "/api/v1/documents/"+linkID+"/content"); l.Status != 302 || l.Header.Get("Location") != "https://docs.example.com/proposal" {
		t.Errorf("link content: %d %v", l.Status, l.Header.Get("Location"))
	}

	// Refused: executables, HTML, empty files, unknown types, bad links.
	for _, c := range []struct {
		name    string
		body    []byte
		docType string
		field   string
	}{
		{"setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 64)...), "other", "file"},
		{"run.elf", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 64)...), "other", "file"},
		{"合同.pdf", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "contract_scan", "file"},
		{"note.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "other", "file"},
		{"scan.pdf", pdf, "passport", "doc_type"},
	} {
		r := e.upload(repA1, d.id, c.docType, c.name, c.body)
		if r.Status != 422 || !strings.Contains(fmt.Sprint(fieldsOf(r.JSON)), c.field) {
			t.Errorf("upload %s: %d %s, want 422 naming %s", c.name, r.Status, r.Raw, c.field)
		}
	}
	// An empty body is refused (huma answers 400 "request body is required"
	// before the use case can name the file).
	if r := e.upload(repA1, d.id, "contract_scan", "empty.pdf", []byte{}); r.Status != 400 && r.Status != 422 {
		t.Errorf("empty upload: %d %s", r.Status, r.Raw)
	}
	for _, u := range []string{"javascript:alert(1)", "ftp://files.example.com/a.pdf", "file:///etc/passwd", "https://", ""} {
		r := e.call("POST", "/api/v1/opportunities/"+d.id+"/documents", e.tok[repA1], obj{"doc_type": "other", "url": u})
		if r.Status != 422 || fmt.Sprint(fieldsOf(r.JSON)) != "[url]" {
			t.Errorf("link %q: %d %s, want 422 naming url", u, r.Status, r.Raw)
		}
	}
	// A scan of a few MiB fits (the limit is 20 MiB); more than 20 MiB does not.
	big := append(slices.Clone(pdf), bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16)...)
	if r := e.upload(repA1, d.id, "contract_scan", "scan-3mib.pdf", big); r.Status != 201 || num(r.JSON, "size") != float64(len(big)) {
		t.Errorf("3 MiB upload: %d %.300s", r.Status, r.Raw)
	}
	// Past the limit the server stops reading (413) rather than holding any
	// size in memory; once is enough, it is the same on both engines.
	if e.db.Engine == store.SQLite {
		huge := append(slices.Clone(pdf), make([]byte, 21<<20)...)
		if r := e.upload(repA1, d.id, "contract_scan", "huge.pdf", huge); r.Status != 413 {
			t.Errorf("upload over 20 MiB: %d %.300s, want 413", r.Status, r.Raw)
		}
	}

	// Another team sees nothing of it; a teammate neither.
	for _, who := range []string{repB1, mgrB, repA2} {
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/documents/" + id}, {"GET", "/api/v1/documents/" + id + "/content"},
			{"DELETE", "/api/v1/documents/" + id}, {"GET", "/api/v1/opportunities/" + d.id + "/documents"},
		} {
			if st, _ := e.do(c.method, c.path, e.tok[who], nil); st != 404 {
				t.Errorf("%s %s as %s: %d, want 404", c.method, c.path, who, st)
			}
		}
		if r := e.upload(who, d.id, "other", "x.pdf", pdf); r.Status != 404 {
			t.Errorf("%s uploading to team A's deal: %d", who, r.Status)
		}
		if st, _ := e.do("POST", "/api/v1/opportunities/"+d.id+"/documents", e.tok[who], obj{"doc_type": "other", "url": "https://x.example.com"}); st != 404 {
			t.Errorf("%s linking on team A's deal: %d", who, st)
		}
	}

	// A document satisfies a gate until it is deleted; deleting is soft.
	nc := e.upload(repA1, d.id, "needs_confirmation", "需求确认单.pdf", pdf)
	if nc.Status != 201 {
		t.Fatalf("upload needs confirmation: %d %s", nc.Status, nc.Raw)
	}
	ncID := str(nc.JSON, "id")
	listed := ids(items(t, e.must(200, "GET", "/api/v1/opportunities/"+d.id+"/documents", repA1, nil)))
	if !slices.Contains(listed, ncID) || !slices.Contains(listed, id) {
		t.Errorf("list %v lacks %s or %s", listed, ncID, id)
	}
	e.must(204, "DELETE", "/api/v1/documents/"+ncID, repA1, nil)
	for _, p := range []string{"/api/v1/documents/" + ncID, "/api/v1/documents/" + ncID + "/content"} {
		if st, _ := e.do("GET", p, e.tok[repA1], nil); st != 404 {
			t.Errorf("GET %s after DELETE: %d, want 404", p, st)
		}
	}
	if st, _ := e.do("DELETE", "/api/v1/documents/"+ncID, e.tok[repA1], nil); st != 404 {
		t.Errorf("DELETE twice: %d, want 404", st)
	}
	listed = ids(items(t, e.must(200, "GET", "/api/v1/opportunities/"+d.id+"/documents", repA1, nil)))
	if slices.Contains(listed, ncID) {
		t.Errorf("the deleted document is still listed: %v", listed)
	}
	r = e.moveTo(repA1, d.id, "needs_confirmed")
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[document:needs_confirmation@needs_confirmed]" {
		t.Errorf("after deleting the form: missing %s", got)
	}
	// Kept for audit: the history has the attach and the delete.
	h := e.must(200, "GET", "/api/v1/opportunities/"+d.id+"/history", repA1, nil)
	var docChanges int
	for _, x := range h["changes"].([]any) {
		if ch := x.(map[string]any); str(ch, "field") == "documents" && strings.Contains(fmt.Sprint(ch), "需求确认单.pdf") {
			docChanges++
		}
	}
	if docChanges != 2 {
		t.Errorf("%d history changes for the form, want 2 (attach, delete)", docChanges)
	}
	if r := e.upload(repA1, d.id, "needs_confirmation", "需求确认单v2.pdf", pdf); r.Status != 201 {
		t.Fatalf("re-upload: %d", r.Status)
	}
	if r := e.moveTo(repA1, d.id, "needs_confirmed"); r.Status != 200 {
		t.Errorf("move with the form uploaded again: %d %s", r.Status, r.Raw)
	}
}

// putSettings saves the health settings as who with the regress action.
func (e *env) putSettings(who, action string) *reply {
	e.t.Helper()
	s := e.must(200, "GET", "/api/v1/settings/health", who, nil)
	delete(s, "$schema")
	s["regress_action"] = action
	return e.call("PUT", "/api/v1/settings/health", e.tok[who], s)
}

// regressAction: below 60 a deal past the first stage moves back one stage
// (move_back) or is flagged (flag, the default); only admins choose.
func regressAction(t *testing.T, e *env) {
	defer e.putSettings(admin, "flag")
	if s := e.must(200, "GET", "/api/v1/settings/health", repA1, nil); str(s, "regress_action") != "flag" ||
		num(s, "regress_below") != 60 || num(s, "auto_above") != 80 || num(s, "need_weight") != 40 {
		t.Errorf("default settings: %v", s)
	}
	for _, who := range []string{repA1, mgrA, director} {
		if r := e.putSettings(who, "move_back"); r.Status != 403 {
			t.Errorf("%s changing the health settings: %d, want 403", who, r.Status)
		}
	}
	if r := e.putSettings(admin, "delete_deal"); r.Status != 422 {
		t.Errorf("an unknown regress action: %d, want 422", r.Status)
	}
	if s := e.must(200, "GET", "/api/v1/settings/health", admin, nil); str(s, "regress_action") != "flag" {
		t.Fatalf("refused changes were saved: %v", s)
	}

	// at moves a strong deal to needs_confirmed.
	at := func(name string) specDeal {
		d := e.specDeal(repA1, name)
		e.link(repA1, d.id, "needs_confirmation")
		e.must(200, "POST", "/api/v1/opportunities/"+d.id+"/stage", repA1, obj{"to": "needs_confirmed", "version": version(e.get(d.id))})
		return d
	}

	if r := e.putSettings(admin, "move_back"); r.Status != 200 || str(r.JSON, "regress_action") != "move_back" {
		t.Fatalf("admin choosing move_back: %d %s", r.Status, r.Raw)
	}
	d := at("回退规则客户")
	e.must(204, "DELETE", "/api/v1/documents/"+d.approvalDoc, repA1, nil) // 66: stays
	if o := e.get(d.id); str(o, "stage") != "needs_confirmed" || num(o, "health_score") != 66 {
		t.Errorf("at 66: stage %v health %v", o["stage"], o["health_score"])
	}
	e.must(204, "DELETE", "/api/v1/opportunities/"+d.id+"/budget-facts/amount_stated", repA1, nil) // 56: back
	o := e.get(d.id)
	if str(o, "stage") != "discovery" || num(o, "health_score") != 56 || str(o, "health_decision") != "regress" || o["health_flagged"] != false {
		t.Errorf("at 56 with move_back: stage %v health %v %v flagged %v", o["stage"], o["health_score"], o["health_decision"], o["health_flagged"])
	}
	ms := e.stageMoves(d.id)
	if last := ms[len(ms)-1]; str(last, "from") != "needs_confirmed" || str(last, "to") != "discovery" || str(last, "via") != "rule" ||
		str(last, "by_user_id") != e.id(repA1) {
		t.Errorf("the rule's move: %v", last)
	}
	// In the first stage there is nowhere to go back to.
	if o := e.get(d.id); str(o, "stage") != "discovery" {
		t.Errorf("moved again: %v", o["stage"])
	}
	e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": d.id, "kind": "call", "note": "无联系人"})
	if n := len(e.stageMoves(d.id)); n != len(ms) {
		t.Errorf("a deal in the first stage moved again: %d moves, want %d", n, len(ms))
	}

	// A deal the rule moves back no longer waits for the move it asked for.
	w := e.borderline(repA1, "回退待审批客户")
	e.must(200, "PATCH", "/api/v1/opportunities/"+w.id, repA1, obj{"product_lines": []string{"CRM"}, "version": version(e.get(w.id))})
	e.must(200, "POST", "/api/v1/opportunities/"+w.id+"/stage", mgrA, obj{"to": "needs_confirmed", "version": version(e.get(w.id))})
	if r := e.moveTo(repA1, w.id, "proposal"); r.Status != 202 {
		t.Fatalf("requesting proposal: %d %s", r.Status, r.Raw)
	}
	e.must(204, "DELETE", "/api/v1/opportunities/"+w.id+"/budget-facts/amount_stated", repA1, nil) // 56: back to discovery
	if got := e.lastMove(w.id); got != "needs_confirmed→discovery via rule" {
		t.Errorf("rule move of a waiting deal: %s", got)
	}
	if got := e.pendingApprovals(mgrA, w.id); len(got) != 0 {
		t.Errorf("after the rule moved it back, approvals still pending: %v → %v", str(got[0], "from"), str(got[0], "to"))
	}

	if r := e.putSettings(admin, "flag"); r.Status != 200 {
		t.Fatalf("admin choosing flag: %d %s", r.Status, r.Raw)
	}
	f := at("标记规则客户")
	e.must(204, "DELETE", "/api/v1/documents/"+f.approvalDoc, repA1, nil)
	e.must(204, "DELETE", "/api/v1/opportunities/"+f.id+"/budget-facts/amount_stated", repA1, nil)
	o = e.get(f.id)
	if str(o, "stage") != "needs_confirmed" || num(o, "health_score") != 56 || o["health_flagged"] != true {
		t.Errorf("at 56 with flag: stage %v health %v flagged %v", o["stage"], o["health_score"], o["health_flagged"])
	}
	if got := e.lastMove(f.id); got != "discovery→needs_confirmed via manual" {
		t.Errorf("flag moved the deal: %s", got)
	}
	// Back above 60, the flag clears.
	e.must(201, "POST", "/api/v1/opportunities/"+f.id+"/budget-facts", repA1, obj{"kind": "amount_stated", "evidence_activity_id": f.visit})
	if o := e.get(f.id); num(o, "health_score") != 66 || o["health_flagged"] != false {
		t.Errorf("back at 66: health %v flagged %v", o["health_score"], o["health_flagged"])
	}
	// New settings recompute the cached scores at once: raising the lower
	// threshold above 66 flags the deal, even with move_back, and moves nothing.
	hs := e.must(200, "GET", "/api/v1/settings/health", admin, nil)
	delete(hs, "$schema")
	hs["regress_below"], hs["regress_action"] = 70, "move_back"
	e.must(200, "PUT", "/api/v1/settings/health", admin, hs)
	if o := e.get(f.id); str(o, "stage") != "needs_confirmed" || str(o, "health_decision") != "regress" || o["health_flagged"] != true {
		t.Errorf("after raising the threshold to 70: stage %v decision %v flagged %v", o["stage"], o["health_decision"], o["health_flagged"])
	}
	hs["regress_below"], hs["regress_action"] = 60, "flag"
	e.must(200, "PUT", "/api/v1/settings/health", admin, hs)
	if o := e.get(f.id); str(o, "health_decision") != "needs_approval" || o["health_flagged"] != false {
		t.Errorf("threshold back at 60: decision %v flagged %v", o["health_decision"], o["health_flagged"])
	}
	if got := e.lastMove(f.id); got != "discovery→needs_confirmed via manual" {
		t.Errorf("a settings change moved the deal: %s", got)
	}
	// Pipelines without the health gate never regress.
	cust := e.customer(repA1, "简版回退客户")
	s := str(e.opportunity(repA1, obj{"customer_id": cust, "amount": "10000.00", "pipeline_id": e.pipelineID("simple-4")}), "id")
	e.putSettings(admin, "move_back")
	e.must(200, "POST", "/api/v1/opportunities/"+s+"/stage", repA1, obj{"to": "contract_terms", "version": version(e.get(s))})
	e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": s, "kind": "call"})
	if o := e.get(s); str(o, "stage") != "contract_terms" || o["health_flagged"] != false {
		t.Errorf("simple-4 deal with health 0: stage %v flagged %v", o["stage"], o["health_flagged"])
	}
}

// ruleEdges: reopening a closed deal does not skip gates; a manager's own
// deal waits for the manager above; health inputs that change elsewhere
// (contacts' roles, deleted activities) are taken into account.
func ruleEdges(t *testing.T, e *env) {
	// Contacts of another customer do not count in a deal's decision chain.
	d := e.specDeal(repA1, "边界客户")
	other := e.specDeal(repA1, "别家客户")
	r := e.call("POST", "/api/v1/activities", e.tok[repA1], obj{"opportunity_id": d.id, "kind": "visit", "contact_ids": []string{other.user}})
	wantProblem(t, r, 422)
	if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[contact_ids[0]]" {
		t.Errorf("another customer's contact: errors name %v", fs)
	}

	// Deleting the visit that reached the decision maker and evidenced the
	// amount: −15 and −10.
	e.must(204, "DELETE", "/api/v1/activities/"+d.dmActivity, repA1, nil)
	wantHealth(t, e.health(repA1, d.id), 56, 32, 9, 15, "regress")
	if o := e.get(d.id); num(o, "health_score") != 56 {
		t.Errorf("cached health after deleting the visit: %v, want 56", o["health_score"])
	}
	// Reaching the user role: +6 → 62.
	e.must(201, "POST", "/api/v1/activities", repA1, obj{"opportunity_id": d.id, "kind": "demo", "contact_ids": []string{d.user}})
	wantHealth(t, e.health(repA1, d.id), 62, 32, 15, 15, "needs_approval")
	// The influencer turns out to be the decision maker: the chain follows
	// the contact's role, and so does the score kept on the deal.
	inf := e.must(200, "GET", "/api/v1/contacts/"+d.inf, repA1, nil)
	e.must(200, "PATCH", "/api/v1/contacts/"+d.inf, repA1, obj{"role": "decision_maker", "version": version(inf)})
	wantHealth(t, e.health(repA1, d.id), 68, 32, 21, 15, "needs_approval")
	if o := e.get(d.id); num(o, "health_score") != 68 || str(o, "health_decision") != "needs_approval" {
		t.Errorf("cached health after the contact's role changed: %v %v, want 68 needs_approval (GET …/health says 68)", o["health_score"], o["health_decision"])
	}

	// A manager's own borderline deal waits for the manager above him; the
	// director's, having nobody above, for an admin.
	for _, c := range []struct{ owner, approver string }{{mgrA, director}, {director, ""}} {
		b := e.borderline(c.owner, "自有商机 "+c.owner)
		r := e.moveTo(c.owner, b.id, "needs_confirmed")
		if r.Status != 202 {
			t.Errorf("%s moving his own borderline deal: %d %s, want 202", c.owner, r.Status, r.Raw)
			continue
		}
		want := ""
		if c.approver != "" {
			want = e.id(c.approver)
		}
		if got := str(r.JSON, "approver_id"); got != want {
			t.Errorf("%s's own deal: approver %q, want %q", c.owner, got, want)
		}
		decider := admin
		if c.approver != "" {
			decider = c.approver
			// Not the owner himself.
			if st, _ := e.do("POST", "/api/v1/approvals/"+str(r.JSON, "id")+"/approve", e.tok[c.owner], obj{"version": 1}); st != 403 {
				t.Errorf("%s approving his own move: %d, want 403", c.owner, st)
			}
		}
		e.must(200, "POST", "/api/v1/approvals/"+str(r.JSON, "id")+"/approve", decider, obj{"version": 1})
		if got := e.lastMove(b.id); got != "discovery→needs_confirmed via approval" {
			t.Errorf("%s's deal approved by %s: %s", c.owner, decider, got)
		}
	}

	// Reopening a lost deal does not skip the gates: lost → won needs the
	// contract and the confirmation, lost → closing everything up to closing.
	l := e.specDeal(repA1, "输单重开客户")
	e.must(200, "POST", "/api/v1/opportunities/"+l.id+"/stage", repA1, obj{"to": "lost", "version": version(e.get(l.id)), "loss_reason": "other"})
	r = e.moveTo(repA1, l.id, "won")
	if r.Status != 422 || !strings.Contains(missingOf(r.JSON), "document:contract_scan@won") {
		t.Errorf("lost → won without a contract: %d %.300s, want 422 missing the contract scan", r.Status, r.Raw)
	}
	if o := e.get(l.id); str(o, "status") == "won" {
		t.Errorf("a lost deal became won without a contract")
		e.must(200, "POST", "/api/v1/opportunities/"+l.id+"/stage", repA1, obj{"to": "lost", "version": version(o), "loss_reason": "other"})
	}
	r = e.moveTo(repA1, l.id, "closing")
	if r.Status != 422 || !strings.Contains(missingOf(r.JSON), "document:proposal_acceptance@closing") {
		t.Errorf("lost → closing without the acceptance letter: %d %.300s, want 422 missing it", r.Status, r.Raw)
	}
	// Reopening into the first stage needs nothing.
	if r := e.moveTo(repA1, l.id, "discovery"); r.Status != 200 || str(r.JSON, "status") != "open" {
		t.Errorf("lost → discovery: %d %.300s", r.Status, r.Raw)
	}
}

// approvalsMeanwhile: what happens to a deal between the request and the
// decision is checked again at the decision; two deciders race; ticks while
// an approval waits are kept; budget facts are one per kind.
func approvalsMeanwhile(t *testing.T, e *env, dsn string) {
	request := func(d specDeal) string {
		r := e.moveTo(d.owner, d.id, "needs_confirmed")
		if r.Status != 202 {
			t.Fatalf("request: %d %s", r.Status, r.Raw)
		}
		return str(r.JSON, "id")
	}

	// The form is deleted after the request: approving is refused with the
	// gate's missing list, and the approval still waits.
	d := e.borderline(repA1, "审批期间删单客户")
	ap := request(d)
	docs := items(t, e.must(200, "GET", "/api/v1/opportunities/"+d.id+"/documents", repA1, nil))
	for _, doc := range docs {
		if str(doc, "doc_type") == "needs_confirmation" {
			e.must(204, "DELETE", "/api/v1/documents/"+str(doc, "id"), repA1, nil)
		}
	}
	r := e.call("POST", "/api/v1/approvals/"+ap+"/approve", e.tok[mgrA], obj{"version": 1})
	wantProblem(t, r, 422)
	if got := missingOf(r.JSON); got != "[document:needs_confirmation@needs_confirmed]" {
		t.Errorf("approving without the form: missing %s", got)
	}
	if got := e.pendingApprovals(mgrA, d.id); len(got) != 1 || version(got[0]) != 1 {
		t.Errorf("after a refused approval: pending %v", got)
	}
	if o := e.get(d.id); str(o, "stage") != "discovery" {
		t.Errorf("the deal moved: %v", o["stage"])
	}
	// The health fell below 60 meanwhile: the manager cannot wave that through.
	e.link(repA1, d.id, "needs_confirmation")
	e.must(204, "DELETE", "/api/v1/opportunities/"+d.id+"/budget-facts/amount_stated", repA1, nil) // 56
	r = e.call("POST", "/api/v1/approvals/"+ap+"/approve", e.tok[mgrA], obj{"version": 1})
	wantProblem(t, r, 422)
	if hh, _ := r.JSON["health"].(map[string]any); num(hh, "total") != 56 {
		t.Errorf("approving a deal at 56: %s", r.Raw)
	}
	// Back at 66: the manager and the director decide at once; one wins.
	e.must(201, "POST", "/api/v1/opportunities/"+d.id+"/budget-facts", repA1, obj{"kind": "amount_stated", "evidence_activity_id": d.visit})
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, who := range []string{mgrA, director} {
		wg.Go(func() {
			r, err := e.send("POST", "/api/v1/approvals/"+ap+"/approve", e.tok[who], obj{"version": 1})
			if err == nil {
				statuses[i] = r.Status
			}
		})
	}
	wg.Wait()
	slices.Sort(statuses)
	if fmt.Sprint(statuses) != "[200 409]" {
		t.Errorf("two deciders at once: %v, want [200 409]", statuses)
	}
	n := 0
	for _, m := range e.stageMoves(d.id) {
		if str(m, "to") == "needs_confirmed" {
			n++
		}
	}
	if o := e.get(d.id); str(o, "stage") != "needs_confirmed" || n != 1 {
		t.Errorf("after the race: stage %v, %d moves into needs_confirmed", o["stage"], n)
	}

	// A budget fact is recorded once per kind.
	r = e.call("POST", "/api/v1/opportunities/"+d.id+"/budget-facts", e.tok[repA1], obj{"kind": "amount_stated", "evidence_activity_id": d.infActivity})
	wantProblem(t, r, 409)
	if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[kind]" {
		t.Errorf("a second amount_stated: errors name %v", fs)
	}
	if r := e.call("POST", "/api/v1/opportunities/"+d.id+"/budget-facts", e.tok[repA1], obj{"kind": "guessed"}); r.Status != 422 {
		t.Errorf("an unknown budget fact: %d", r.Status)
	}
	if st, _ := e.do("POST", "/api/v1/opportunities/"+d.id+"/budget-facts", e.tok[repB1], obj{"kind": "in_annual_plan"}); st != 404 {
		t.Errorf("another team adding a fact: %d, want 404", st)
	}
	if st, _ := e.do("DELETE", "/api/v1/opportunities/"+d.id+"/budget-facts/amount_stated", e.tok[repA2], nil); st != 404 {
		t.Errorf("a teammate deleting a fact: %d, want 404", st)
	}

	// Ticking while an approval waits keeps the ticks (indicators mode).
	sop := e.pipelineID("sop-5")
	e.setMode(dsn, sop, "indicators")
	defer e.setMode(dsn, sop, "manual")
	w := e.borderline(repA1, "审批期间勾选客户")
	res := e.tick(repA1, w.id, "deep_interview")
	if str(res, "outcome") != "approval_requested" {
		t.Fatalf("first tick: %v", res["outcome"])
	}
	r = e.call("PUT", "/api/v1/opportunities/"+w.id+"/ticked", e.tok[repA1], obj{"ticked": []string{"deep_interview", "chain_mapped"}, "version": version(e.get(w.id))})
	if r.Status != 200 {
		t.Errorf("ticking one more while the approval waits: %d %.300s, want 200 keeping the ticks", r.Status, r.Raw)
	}
	if o := e.get(w.id); fmt.Sprint(o["ticked"]) != "[deep_interview chain_mapped]" {
		t.Errorf("ticks while an approval waits: %v, want [deep_interview chain_mapped]", o["ticked"])
	}
	if n := len(e.pendingApprovals(admin, w.id)); n != 1 {
		t.Errorf("%d pending approvals, want 1", n)
	}
}
