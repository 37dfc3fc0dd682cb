package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/jobs"
	"shangji/internal/notify"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// errorLog fails the test on every error a job logs (jobs.Tick only logs).
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
		l.mu.Lock()
		l.errs = append(l.errs, msg)
		l.mu.Unlock()
	}
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }
func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.errs
	l.errs = nil
	return out
}

// rhythmQuarter is a small company living through 2026-Q3 with the rules,
// the escalation and the delivery running as two copies of serve would.
type rhythmQuarter struct {
	t      *testing.T
	e      *env
	apps   []*app.App
	worker *notify.Worker
	mb     *mailbox
	hook   *hookReceiver
	log    *errorLog

	owner   map[string]string // deal id → owner
	number  map[string]string // deal id → number
	label   map[string]string // deal number → label (D1…)
	order   []string          // deal ids in creation order
	actions map[int64][]func()
	// Daily follow-up: the owner calls at 10:00 and the customer answers at
	// 14:00 on every deal in diligent, except where they are silent.
	diligent      map[string]bool
	silent        map[string]bool // no touch at all today
	customerMuted map[string]bool // the customer does not answer
	mails         []string        // "MM-DD hh:mm|to|subject", stamped at delivery
	seenMails     int
}

func cst(month, day, hour int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, 0, 0, 0, shanghai)
}

func (q *rhythmQuarter) at(month, day, hour int, f func()) {
	k := cst(month, day, hour).Unix()
	q.actions[k] = append(q.actions[k], f)
}

func (q *rhythmQuarter) deal(label, who, name string, fields obj) string {
	q.t.Helper()
	fields["name"], fields["customer_id"] = name, q.e.customer(who, name+"客户")
	if _, ok := fields["pipeline_id"]; !ok {
		fields["pipeline_id"] = q.e.pipelineID("simple-4")
	}
	o := q.e.opportunity(who, fields)
	id := str(o, "id")
	q.owner[id], q.number[id], q.label[str(o, "number")] = who, str(o, "number"), label
	q.order = append(q.order, id)
	return id
}

func (q *rhythmQuarter) touch(id string, inbound bool) string {
	q.t.Helper()
	in := obj{"opportunity_id": id, "kind": "call"}
	if inbound {
		in["kind"], in["direction"] = "wecom", "inbound"
	}
	return str(q.e.must(201, "POST", "/api/v1/activities", q.owner[id], in), "id")
}

func (q *rhythmQuarter) move(id, to string, extra obj) {
	q.t.Helper()
	body := obj{"to": to, "version": version(q.e.get(id))}
	for k, v := range extra {
		body[k] = v
	}
	q.e.must(200, "POST", "/api/v1/opportunities/"+id+"/stage", q.owner[id], body)
	if to == "won" || to == "lost" {
		delete(q.diligent, id)
	}
}

// todo finds the one todo of a kind on a deal, as who sees it.
func (q *rhythmQuarter) todo(who, id, kind string) map[string]any {
	q.t.Helper()
	var found []map[string]any
	for _, td := range items(q.t, q.e.must(200, "GET", "/api/v1/todos?limit=200", who, nil)) {
		if str(td, "opportunity_id") == id && str(td, "kind") == kind {
			found = append(found, td)
		}
	}
	if len(found) != 1 {
		q.t.Fatalf("%s sees %d %s todos on %s, want 1: %v", who, len(found), kind, q.number[id], found)
	}
	return found[0]
}

func (q *rhythmQuarter) done(who, id, kind string) {
	q.t.Helper()
	td := q.todo(who, id, kind)
	q.e.must(200, "POST", "/api/v1/todos/"+str(td, "id")+"/done", who, obj{"version": version(td)})
}

// risky lists the labels of the deals with a flag of the level.
func (q *rhythmQuarter) risky(level string) []string {
	q.t.Helper()
	var out []string
	for _, o := range items(q.t, q.e.must(200, "GET", "/api/v1/opportunities?risk="+level, admin, nil)) {
		out = append(out, q.label[str(o, "number")])
	}
	slices.Sort(out)
	return out
}

// rules lists the rules of a deal's flags as the API shows them.
func (q *rhythmQuarter) rules(id string) []string {
	q.t.Helper()
	out := []string{}
	raw, _ := q.e.get(id)["risks"].([]any)
	for _, r := range raw {
		m, _ := r.(map[string]any)
		if str(m, "rule") == "" || str(m, "level") == "" || str(m, "since") == "" || str(m, "evidence") == "" {
			q.t.Errorf("%s: a risk lacks rule, level, since or evidence: %v", q.number[id], m)
		}
		if adv, _ := m["advice"].([]any); len(adv) == 0 {
			q.t.Errorf("%s: risk %s has no advice", q.number[id], str(m, "rule"))
		}
		out = append(out, str(m, "rule"))
	}
	return out
}

// tick runs the rhythm and escalation jobs on both schedulers at once, then
// delivers what they queued and stamps the e-mails that arrived.
func (q *rhythmQuarter) tick() {
	q.t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, a := range q.apps {
		wg.Add(1)
		go func() { defer wg.Done(); jobs.Tick(ctx, a, jobs.Named("rhythm", "escalate")) }()
	}
	wg.Wait()
	if errs := q.log.take(); len(errs) > 0 {
		q.t.Fatalf("%s: jobs failed: %v", local(q.e.clock.Now()), errs)
	}
	res, err := q.worker.Run(ctx)
	if err != nil || res.Retrying+res.Failed > 0 {
		q.t.Fatalf("%s: delivery %+v %v", local(q.e.clock.Now()), res, err)
	}
	got := q.mb.messages()
	for _, m := range got[q.seenMails:] {
		q.mails = append(q.mails, local(q.e.clock.Now())+"|"+m.To+"|"+m.Subject)
	}
	q.seenMails = len(got)
}

// run walks the clock hour by hour from start to end: the actions due, the
// daily follow-ups, and every three hours a tick.
func (q *rhythmQuarter) run(start, end time.Time) {
	for now := start; !now.After(end); now = now.Add(time.Hour) {
		q.e.clock.Set(now)
		for _, f := range q.actions[now.Unix()] {
			f()
		}
		h := now.In(shanghai).Hour()
		for _, id := range q.order {
			if !q.diligent[id] || q.silent[id] {
				continue
			}
			if h == 10 {
				q.touch(id, false)
			} else if h == 14 && !q.customerMuted[id] {
				q.touch(id, true)
			}
		}
		if h%3 == 0 {
			q.tick()
		}
	}
}

// The "done when" of issue 5: a quarter of a small company, with the clock
// driven through it, produces every todo, flag, point, escalation and
// notification that should happen — delivered over real SMTP and HTTP —
// exactly once, and nothing else, with two schedulers on one database.
func TestRhythmQuarter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		log := &errorLog{}
		prev := slog.Default()
		slog.SetDefault(slog.New(log))
		t.Cleanup(func() { slog.SetDefault(prev) })

		q := &rhythmQuarter{t: t, e: e, log: log, mb: startMailbox(t), hook: startHook(t),
			owner: map[string]string{}, number: map[string]string{}, label: map[string]string{}, actions: map[int64][]func(){},
			diligent: map[string]bool{}, silent: map[string]bool{}, customerMuted: map[string]bool{}}
		second := app.New(db, nil)
		q.apps = []*app.App{e.app, second}
		q.worker = &notify.Worker{DB: db, Senders: notify.Senders(q.mb.sender()), Log: slog.New(slog.DiscardHandler)}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return tx.CreateChannel(ctx, &store.Channel{Kind: store.ChannelWebhook, Address: q.hook.URL, Events: "*"})
		}); err != nil {
			t.Fatal(err)
		}
		start := cst(7, 1, 9) // Wednesday 1 July 2026
		e.clock.Set(start)

		// D1: a diligent deal through to a win, with two planned contacts:
		// one kept, one missed by a day (the owner hears of it; it is kept
		// before the manager would).
		d1 := q.deal("D1", repA1, "华东一号", obj{"amount": "300000.00", "next_contact_at": "2026-07-03T10:00:00+08:00"})
		// D2: the customer's replies slow from hours to four days, then
		// recover; lost, and its loss analysis filed late.
		d2 := q.deal("D2", repA2, "华东二号", obj{"amount": "300000.00"})
		// D3: neglected: zombie twice, cadence missed twice, stage dwell.
		d3 := q.deal("D3", repB1, "华北三号", obj{"amount": "300000.00"})
		// D4: followed daily but stuck in the first stage, then won two
		// days after leaving it (jump anomaly).
		d4 := q.deal("D4", repA1, "华东四号", obj{"amount": "300000.00"})
		for _, id := range []string{d1, d2, d4} {
			q.diligent[id] = true
		}
		var d5 string

		q.at(7, 2, 13, func() {
			td := q.todo(repA1, d1, store.TodoNextContact)
			if str(td, "status") != "open" || str(td, "due_at") != "2026-07-03T02:00:00Z" {
				t.Errorf("D1's next contact todo: %v", td)
			}
		})
		q.at(7, 4, 10, func() {
			p := e.must(200, "GET", "/api/v1/points?user_id="+e.id(repB1), mgrB, nil)
			if num(p, "total") != -5 {
				t.Errorf("3 days without update cost repB1 5 points: %v", p)
			}
		})
		// D2: the customer stops answering on 6 July.
		q.at(7, 6, 13, func() { q.customerMuted[d2] = true })
		q.at(7, 10, 13, func() { q.customerMuted[d2] = false })
		// D5: a big, healthy deal enters the resource priority queue.
		q.at(7, 6, 9, func() {
			d5 = q.deal("D5", repA2, "华东五号", obj{"amount": "800000.00"})
			cust := str(e.get(d5), "customer_id")
			for _, role := range []string{"decision_maker", "influencer", "user"} {
				c := str(e.must(201, "POST", "/api/v1/contacts", repA2, obj{"customer_id": cust, "name": role, "role": role}), "id")
				act := str(e.must(201, "POST", "/api/v1/activities", repA2, obj{"opportunity_id": d5, "kind": "visit", "contact_ids": []string{c}}), "id")
				kind := map[string]string{"decision_maker": "amount_stated", "influencer": "approved", "user": "in_annual_plan"}[role]
				e.must(201, "POST", "/api/v1/opportunities/"+d5+"/budget-facts", repA2, obj{"kind": kind, "evidence_activity_id": act})
			}
			e.must(200, "PATCH", "/api/v1/opportunities/"+d5, repA2, obj{"need_scores": []int{90, 95, 90, 95, 90, 95, 90, 95, 90, 95}, "version": version(e.get(d5))})
			if h := num(e.get(d5), "health_score"); h <= 85 {
				t.Fatalf("D5 must qualify for the priority queue: health %v", h)
			}
			q.diligent[d5] = true
		})
		q.at(7, 7, 11, func() { q.done(mgrA, d5, "priority_presales") })
		q.at(7, 8, 11, func() { q.move(d1, "evaluation", nil) })
		q.at(7, 9, 13, func() {
			if got := q.rules(d2); !slices.Equal(got, []string{"slow_replies"}) {
				t.Errorf("D2 after three days without an answer: %v", got)
			}
		})
		q.at(7, 10, 11, func() {
			e.must(200, "PATCH", "/api/v1/opportunities/"+d1, repA1, obj{"next_contact_at": "2026-07-14T16:00:00+08:00", "version": version(e.get(d1))})
		})
		q.at(7, 11, 13, func() {
			if got := q.rules(d2); !slices.Equal(got, []string{"slow_replies"}) {
				t.Errorf("D2 asked again after the slow answer: still flagged: %v", got)
			}
		})
		q.at(7, 11, 16, func() {
			if got := q.rules(d2); len(got) != 0 {
				t.Errorf("D2 answered fast again: %v", got)
			}
		})
		q.at(7, 13, 11, func() { q.move(d2, "evaluation", nil) })
		q.at(7, 14, 0, func() { q.silent[d1] = true })
		q.at(7, 15, 0, func() { q.silent[d1] = false })
		q.at(7, 15, 11, func() { q.move(d1, "contract_terms", nil) })
		q.at(7, 19, 20, func() {
			if got := q.risky("high"); len(got) != 0 {
				t.Errorf("no deal has dwelt too long yet: %v", got)
			}
		})
		q.at(7, 20, 11, func() {
			q.move(d1, "won", nil)
			q.move(d5, "won", nil)
		})
		q.at(7, 21, 11, func() {
			e.must(200, "PUT", "/api/v1/opportunities/"+d5+"/archive", repA2, obj{"version": 0, "success_points": []string{"高层拜访促成决策"}})
		})
		q.at(7, 22, 11, func() {
			// A win is archived with success points, not an empty form.
			r := e.call("PUT", "/api/v1/opportunities/"+d1+"/archive", e.tok[repA1], obj{"version": 0})
			wantProblem(t, r, 422)
			e.must(200, "PUT", "/api/v1/opportunities/"+d1+"/archive", repA1, obj{"version": 0, "success_points": []string{"售前演示打动用户部门"}})
		})
		q.at(7, 23, 10, func() {
			if got := q.risky("high"); !slices.Equal(got, []string{"D3", "D4"}) {
				t.Errorf("?risk=high on 23 July: %v", got)
			}
			if got := q.rules(d3); !slices.Equal(got, []string{"stage_dwell"}) {
				t.Errorf("D3's flags: %v", got)
			}
		})
		q.at(8, 3, 10, func() { q.touch(d3, false) })
		q.at(8, 3, 11, func() {
			q.move(d4, "evaluation", nil)
			q.move(d2, "lost", obj{"loss_reason": "competitor_price"})
		})
		q.at(8, 4, 11, func() { q.move(d4, "won", nil) })
		q.at(8, 4, 13, func() {
			if got := q.risky("high"); !slices.Equal(got, []string{"D3"}) {
				t.Errorf("?risk=high once D4 moved: %v", got)
			}
			if got := q.risky("medium"); !slices.Equal(got, []string{"D4"}) {
				t.Errorf("?risk=medium after D4's jump: %v", got)
			}
		})
		q.at(8, 5, 11, func() {
			q.done(mgrA, d4, store.TodoJumpReview)
			e.must(200, "PUT", "/api/v1/opportunities/"+d4+"/archive", repA1, obj{"version": 0, "success_points": []string{"客户预算年底释放"}})
		})
		q.at(8, 13, 4, func() {
			if got := q.rules(d2); !slices.Equal(got, []string{"archive_overdue"}) {
				t.Errorf("D2 not archived 7 working days after the loss: %v", got)
			}
		})
		q.at(8, 17, 11, func() {
			r := e.call("PUT", "/api/v1/opportunities/"+d2+"/archive", e.tok[repA2], obj{"version": 0, "loss_reason": "competitor_price"})
			wantProblem(t, r, 422) // the real reason and own weaknesses are required
			e.must(200, "PUT", "/api/v1/opportunities/"+d2+"/archive", repA2, obj{"version": 0, "loss_reason": "competitor_price",
				"competitor_strengths": "报价低 20%", "real_reason": "客户预算被压缩", "own_weaknesses": "方案报价缺少分期选项"})
			if got := q.rules(d2); len(got) != 0 {
				t.Errorf("filing the loss analysis settles the flag: %v", got)
			}
		})

		q.run(start, cst(9, 30, 21))

		// Todos: every one that should exist, in the state it should be in.
		var todos []string
		for _, td := range items(t, e.must(200, "GET", "/api/v1/todos?limit=200", admin, nil)) {
			by := str(td, "done_by")
			if by != "" && by != "system" {
				by = e.nameOf(by)
			}
			todos = append(todos, fmt.Sprintf("%s %s %s %s %s", q.label[q.number[str(td, "opportunity_id")]], str(td, "kind"),
				e.nameOf(str(td, "owner_id")), str(td, "status"), by))
		}
		sort.Strings(todos)
		want := []string{
			"D1 archive repA1 done repA1",
			"D1 next_contact repA1 done system",
			"D1 next_contact repA1 done system",
			"D2 archive repA2 done repA2",
			"D3 cadence repB1 done system",
			"D3 cadence repB1 open ",
			"D3 zombie_review mgrB open ",
			"D3 zombie_review mgrB open ",
			"D4 archive repA1 done repA1",
			"D4 jump_review mgrA done mgrA",
			"D5 archive repA2 done repA2",
			"D5 priority_contract_review repA2 done system",
			"D5 priority_director_meeting director done system",
			"D5 priority_presales mgrA done mgrA",
		}
		if !slices.Equal(todos, want) {
			t.Errorf("todos:\n%s\nwant:\n%s", strings.Join(todos, "\n"), strings.Join(want, "\n"))
		}

		// Flags that hold at the end of the quarter.
		if got := q.risky("high"); !slices.Equal(got, []string{"D3"}) {
			t.Errorf("?risk=high at the end: %v", got)
		}
		if got := q.risky("medium"); !slices.Equal(got, []string{"D4"}) {
			t.Errorf("?risk=medium at the end: %v", got)
		}
		if got := q.rules(d4); !slices.Equal(got, []string{"jump_anomaly"}) {
			t.Errorf("D4: %v", got)
		}

		// Discipline points: two zombie spells on D3, nothing else.
		for _, who := range people {
			p := e.must(200, "GET", "/api/v1/points?user_id="+e.id(who), admin, nil)
			want := 0.0
			if who == repB1 {
				want = -10
			}
			if num(p, "total") != want || (want != 0) != (len(p["items"].([]any)) == 2) {
				t.Errorf("%s's points: %v", who, p)
			}
		}
		if r := e.call("GET", "/api/v1/points?user_id="+e.id(repB1), e.tok[repA1], nil); r.Status == 200 {
			t.Error("a rep reads another team's points")
		}

		// E-mail: each escalation once, to the right person, at the right tick.
		subject := func(id, title string) string { return title + "：" + q.number[id] + " " + str(e.get(id), "name") }
		owner := func(title string) string { return "待办已逾期：" + title }
		mgr := func(of, title string) string { return "下属待办逾期未处理：" + of + " · " + title }
		mail := func(month, day, hour int, to, subj string) string {
			return local(cst(month, day, hour)) + "|" + to + "@example.com|" + subj
		}
		cadence3, review3 := subject(d3, "跟进节奏已超期"), subject(d3, "审查僵尸商机")
		contract5 := "资源优先级队列：财务/法务 3 个工作日内完成合同审核 · " + q.number[d5] + " 华东五号"
		director5 := "资源优先级队列：销售总监 7 个工作日内参与客户会议 · " + q.number[d5] + " 华东五号"
		archive2 := "商机归档：填写丢单分析表 · " + q.number[d2] + " 华东二号"
		wantMails := []string{
			mail(7, 9, 12, "repa2", owner(contract5)),
			mail(7, 9, 12, "repb1", owner(cadence3)),
			mail(7, 9, 12, "mgrb", owner(review3)),
			mail(7, 10, 9, "mgra", mgr(repA2, contract5)),
			mail(7, 10, 9, "mgrb", mgr(repB1, cadence3)),
			mail(7, 10, 9, "director", mgr(mgrB, review3)),
			mail(7, 14, 18, "repa1", owner(subject(d1, "按计划联系客户"))),
			mail(7, 15, 12, "director", owner(director5)),
			mail(8, 11, 12, "repb1", owner(cadence3)),
			mail(8, 11, 12, "mgrb", owner(review3)),
			mail(8, 12, 12, "mgrb", mgr(repB1, cadence3)),
			mail(8, 12, 12, "director", mgr(mgrB, review3)),
			mail(8, 13, 3, "repa2", owner(archive2)),
			mail(8, 14, 0, "mgra", mgr(repA2, archive2)),
		}
		got := slices.Clone(q.mails)
		sort.Strings(got)
		sort.Strings(wantMails)
		if !slices.Equal(got, wantMails) {
			t.Errorf("e-mails:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantMails, "\n"))
		}
		ids := map[string]bool{}
		for _, m := range q.mb.messages() {
			if ids[m.MessageID] {
				t.Errorf("message %s delivered twice", m.MessageID)
			}
			ids[m.MessageID] = true
		}

		// Outbound events: each fact once, over the signed webhook.
		var events []string
		deliveries := map[string]bool{}
		for _, c := range q.hook.calls() {
			if deliveries[c.Delivery] {
				t.Errorf("delivery %s received twice", c.Delivery)
			}
			deliveries[c.Delivery] = true
			var b struct {
				Event string `json:"event"`
				Data  struct {
					To          string `json:"to"`
					Number      string `json:"number"`
					Opportunity struct {
						Number string `json:"number"`
					} `json:"opportunity"`
					Risk struct {
						Rule string `json:"rule"`
					} `json:"risk"`
				} `json:"data"`
			}
			if err := json.Unmarshal(c.Body, &b); err != nil || b.Event != c.Event {
				t.Fatalf("webhook body %s: %v", c.Body, err)
			}
			n := b.Data.Opportunity.Number + b.Data.Number
			events = append(events, strings.TrimSpace(fmt.Sprintf("%s %s %s%s", b.Event, q.label[n], b.Data.To, b.Data.Risk.Rule)))
		}
		sort.Strings(events)
		wantEvents := []string{
			"opportunity.created D1", "opportunity.created D2", "opportunity.created D3", "opportunity.created D4", "opportunity.created D5",
			"opportunity.lost D2 lost",
			"opportunity.stage_changed D1 contract_terms", "opportunity.stage_changed D1 evaluation", "opportunity.stage_changed D1 won",
			"opportunity.stage_changed D2 evaluation", "opportunity.stage_changed D2 lost",
			"opportunity.stage_changed D4 evaluation", "opportunity.stage_changed D4 won",
			"opportunity.stage_changed D5 won",
			"opportunity.won D1 won", "opportunity.won D4 won", "opportunity.won D5 won",
			"risk.raised D2 archive_overdue", "risk.raised D2 slow_replies", "risk.raised D3 stage_dwell", "risk.raised D4 jump_anomaly", "risk.raised D4 stage_dwell",
		}
		sort.Strings(wantEvents)
		if !slices.Equal(events, wantEvents) {
			t.Errorf("events:\n%s\nwant:\n%s", strings.Join(events, "\n"), strings.Join(wantEvents, "\n"))
		}

		// Nothing left queued or failed.
		for _, st := range []string{"pending", "sending", "failed"} {
			if rows, err := db.Notifications(ctx, store.NotificationFilter{Status: st, Limit: 10}); err != nil || len(rows) > 0 {
				t.Errorf("%s notifications: %v %v", st, rows, err)
			}
		}
	})
}

// nameOf is a person's name by user id.
func (e *env) nameOf(id string) string {
	for who, u := range e.users {
		if u.ID == id {
			return who
		}
	}
	return id
}
