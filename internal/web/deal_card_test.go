package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// supportableDeal is SPEC §4's worked example (health 81: need match 32,
// decision maker and influencer reached 24, budget stated 10 and approved
// 15, both with evidence) moved to the proposal stage by rep: a deal that
// may ask for support.
func (s *site) supportableDeal(rep *store.User, name string) *store.Opportunity {
	s.t.Helper()
	ctx := context.Background()
	p := func(v string) *string { return &v }
	must := func(err error) {
		s.t.Helper()
		if err != nil {
			s.t.Fatal(err)
		}
	}
	cust, err := s.app.CreateCustomer(ctx, rep, app.CustomerInput{Name: p(name + strconv.FormatInt(s.app.Now().UnixNano(), 36))})
	must(err)
	dm, err := s.app.CreateContact(ctx, rep, app.ContactInput{CustomerID: &cust.ID, Name: p("赵总"), Role: p("decision_maker")})
	must(err)
	inf, err := s.app.CreateContact(ctx, rep, app.ContactInput{CustomerID: &cust.ID, Name: p("李工"), Role: p("influencer")})
	must(err)
	o, err := s.app.CreateOpportunity(ctx, rep, app.OpportunityInput{Name: p(name), CustomerID: &cust.ID, Amount: p("800000.00")})
	must(err)
	scores := []int{70, 90, 80, 75, 85, 80, 60, 100, 80, 80}
	lines := []string{"MES"}
	o, err = s.app.UpdateOpportunity(ctx, rep, o.ID, app.OpportunityInput{NeedScores: &scores, ProductLines: &lines,
		ExpectedCloseDate: p(s.app.Now().AddDate(0, 3, 0).Format("2006-01-02")), Version: o.Version})
	must(err)
	visit, err := s.app.LogActivity(ctx, rep, app.ActivityInput{OpportunityID: o.ID, Kind: "visit", Note: "拜访赵总,确认预算金额 80 万", ContactIDs: []string{dm.ID}})
	must(err)
	_, err = s.app.LogActivity(ctx, rep, app.ActivityInput{OpportunityID: o.ID, Kind: "call", Note: "与李工沟通方案", ContactIDs: []string{inf.ID}})
	must(err)
	minutes, err := s.app.AttachDocument(ctx, rep, o.ID, app.DocumentInput{Type: "meeting_minutes", Name: "预算批复纪要", URL: "https://docs.example/minutes"}, nil)
	must(err)
	_, err = s.app.AttachDocument(ctx, rep, o.ID, app.DocumentInput{Type: "needs_confirmation", Name: "需求确认单", URL: "https://docs.example/needs"}, nil)
	must(err)
	_, err = s.app.AddBudgetFact(ctx, rep, o.ID, app.BudgetFactInput{Kind: "amount_stated", EvidenceActivityID: visit.ID})
	must(err)
	_, err = s.app.AddBudgetFact(ctx, rep, o.ID, app.BudgetFactInput{Kind: "approved", EvidenceDocumentID: minutes.ID})
	must(err)
	o, err = s.app.DB.Opportunity(ctx, rep.Viewer(), o.ID)
	must(err)
	res, err := s.app.MoveStage(ctx, rep, o.ID, app.StageMoveInput{To: "proposal", Version: o.Version})
	must(err)
	if res.Outcome == app.OutcomeApprovalRequested {
		s.t.Fatal("the worked example needs an approval to reach the proposal stage")
	}
	o, err = s.app.DB.Opportunity(ctx, rep.Viewer(), o.ID)
	must(err)
	if o.Stage != "proposal" || o.HealthScore <= 70 {
		s.t.Fatalf("deal at %s with health %v", o.Stage, o.HealthScore)
	}
	return o
}

// canSignIn gives a demo user without a login (presales, customer
// success, the director) the demo password.
func (s *site) canSignIn(id string) *store.User {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.app.DB.User(ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	if u.PasswordHash, err = cheapHash(demoPassword); err != nil {
		s.t.Fatal(err)
	}
	if err := s.app.DB.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
		s.t.Fatal(err)
	}
	return u
}

// helpers returns the demo's presales and customer-success users.
func (s *site) helpers() (presales, success *store.User) {
	s.t.Helper()
	hs, err := s.app.DB.SupportHelpers(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	for _, h := range hs {
		switch h.Role {
		case store.RolePresales:
			presales = h
		case store.RoleCustomerSuccess:
			success = h
		}
	}
	if presales == nil || success == nil {
		s.t.Fatal("the demo has no presales or customer-success user")
	}
	return presales, success
}

var hiddenVersion = regexp.MustCompile(`name="version" value="(\d+)"`)

func TestDealCardRisksTodosAndWarnings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 40)
		ctx := context.Background()
		rep := s.user(s.demo.Rep.Email)
		c := s.client()
		c.login(rep.Email)
		o := s.openDeal(rep, "")
		page := "/opportunities/" + o.ID

		t.Run("RiskFlagsWithAdvice", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.RaiseRisk(ctx, o.ID, funnel.RiskFlag{Rule: funnel.RuleStageDwell, Level: funnel.RiskHigh, Since: s.app.Now().Add(-48 * time.Hour),
					Evidence: "在阶段「需求确认」已停留 30.0 天", Advice: []string{"安排高层拜访推动决策"}}, "t1"); err != nil {
					return err
				}
				_, err := tx.RaiseRisk(ctx, o.ID, funnel.RiskFlag{Rule: funnel.RuleSlowReplies, Level: funnel.RiskMedium, Since: s.app.Now(),
					Evidence: "客户已有 6 天未回复", Advice: []string{"换一位联系人确认进展"}}, "t2")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			_, body := c.do("GET", page, nil)
			i := strings.Index(body, `id="risks"`)
			if i < 0 {
				t.Fatal("the card shows no risk panel")
			}
			sec := body[i:]
			for _, want := range []string{"阶段停留过久", "高风险", "在阶段「需求确认」已停留 30.0 天", "建议动作", "安排高层拜访推动决策", "客户回复变慢", "中风险", "换一位联系人确认进展"} {
				if !strings.Contains(sec, want) {
					t.Errorf("risk panel lacks %q", want)
				}
			}
			if strings.Index(sec, "阶段停留过久") > strings.Index(sec, "中风险") {
				t.Error("the high risk is not listed first")
			}
			if strings.Contains(body, "建议增加高层拜访,推动客户决策。") {
				t.Error("the card's estimated dwell flag shows beside the stored one")
			}
			en := s.client()
			en.login(rep.Email)
			en.do("POST", "/lang", url.Values{"lang": {"en"}, "back": {page}})
			_, body = en.do("GET", page, nil)
			if !strings.Contains(body, "Too long in stage") || !strings.Contains(body, "Recommended action") || !strings.Contains(body, ">High<") {
				t.Error("the English card does not name the rule, its level and the advice")
			}
			en.do("POST", "/lang", url.Values{"lang": {"zh-CN"}, "back": {page}})
		})

		t.Run("OpenTodosWithDone", func(t *testing.T) {
			todo := &store.Todo{Kind: store.TodoNextContact, OpportunityID: o.ID, DueKey: "web-test", OwnerID: rep.ID,
				DueAt: s.app.Now().Add(-time.Hour), Title: "按计划联系客户：" + o.Name}
			if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := tx.AddTodo(ctx, todo); return err }); err != nil {
				t.Fatal(err)
			}
			_, body := c.do("GET", page, nil)
			i := strings.Index(body, `id="deal-todos"`)
			if i < 0 || !strings.Contains(body[i:], "按计划联系客户：") || !strings.Contains(body[i:], "/todos/"+todo.ID+"/done") {
				t.Fatal("the card does not list the deal's open todo with its done button")
			}
			done := page + "/todos/" + todo.ID + "/done"
			res, body := c.do("POST", done, url.Values{"version": {strconv.Itoa(todo.Version + 5)}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "这条待办刚被别人处理过") {
				t.Fatalf("stale done: %d", res.StatusCode)
			}
			res, _ = c.do("POST", done, url.Values{"version": {strconv.Itoa(todo.Version)}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page+"#deal-todos" {
				t.Fatalf("done: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if _, body = c.do("GET", page, nil); strings.Contains(body, "/todos/"+todo.ID+"/done") {
				t.Fatal("a done todo is still on the card")
			}
		})

		t.Run("WarningWhenTheCustomerIsSomeoneElses", func(t *testing.T) {
			m := s.client()
			m.login(s.demo.Manager.Email)
			res, _ := m.do("POST", "/opportunities", url.Values{"name": {"经理代开商机"}, "customer_id": {o.CustomerID}, "amount": {"30万"}})
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "warn=customer_owned_by_other") {
				t.Fatalf("create on the rep's customer: %d → %s", res.StatusCode, loc)
			}
			_, body := m.do("GET", loc, nil)
			if !strings.Contains(body, `id="deal-warning"`) || !strings.Contains(body, "由 "+rep.Name+" 负责") {
				t.Fatal("the new deal's card does not show the warning")
			}
			// The owner opening a deal on their own customer is not warned.
			res, _ = c.do("POST", "/opportunities", url.Values{"name": {"自己的商机"}, "customer_id": {o.CustomerID}, "amount": {"10万"}})
			if strings.Contains(res.Header.Get("Location"), "warn=") {
				t.Fatal("the customer's owner was warned")
			}
			if _, body := m.do("GET", strings.Split(loc, "?")[0]+"?warn=no_such_code", nil); strings.Contains(body, `id="deal-warning"`) {
				t.Fatal("an unknown warning code shows something")
			}
		})
	})
}

func TestCustomerAndContactEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 20)
		ctx := context.Background()
		rep := s.user(s.demo.Rep.Email)
		c := s.client()
		c.login(rep.Email)
		p := func(v string) *string { return &v }
		cust, err := s.app.CreateCustomer(ctx, rep, app.CustomerInput{Name: p("编辑测试客户"), Industry: p("制造"), Region: p("SH")})
		if err != nil {
			t.Fatal(err)
		}
		k, err := s.app.CreateContact(ctx, rep, app.ContactInput{CustomerID: &cust.ID, Name: p("王经理"), Role: p("user")})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("Customer", func(t *testing.T) {
			_, body := c.do("GET", "/customers/"+cust.ID, nil)
			if !strings.Contains(body, "/customers/"+cust.ID+"/edit") || !strings.Contains(body, "/contacts/"+k.ID+"/edit") {
				t.Fatal("the customer page has no edit links")
			}
			_, body = c.do("GET", "/customers/"+cust.ID+"/edit", nil)
			if !strings.Contains(body, `value="编辑测试客户"`) || !strings.Contains(body, `value="制造"`) {
				t.Fatal("the edit form does not show the customer")
			}
			v := hiddenVersion.FindStringSubmatch(body)[1]
			form := url.Values{"name": {"编辑测试客户（新）"}, "industry": {"汽车"}, "region": {"BJ"}, "address": {"北京市海淀区"}, "size": {"500-1000"}, "version": {v}}
			res, _ := c.do("POST", "/customers/"+cust.ID+"/edit", form)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("save: %d", res.StatusCode)
			}
			got, _ := db.Customer(ctx, rep.Viewer(), cust.ID)
			if got.Name != "编辑测试客户（新）" || got.Industry != "汽车" || got.Region != "BJ" || got.Address != "北京市海淀区" || got.Size != "500-1000" {
				t.Fatalf("saved %+v", got)
			}
			res, body = c.do("POST", "/customers/"+cust.ID+"/edit", form) // the old version
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="form-conflict"`) || !strings.Contains(body, `value="北京市海淀区"`) ||
				!strings.Contains(body, `name="version" value="`+strconv.Itoa(got.Version)+`"`) {
				t.Fatalf("stale save: %d", res.StatusCode)
			}
			form.Set("version", strconv.Itoa(got.Version))
			form.Set("name", "")
			form.Set("region", "x1")
			res, body = c.do("POST", "/customers/"+cust.ID+"/edit", form)
			if res.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, `class="field-error"`) != 2 || !strings.Contains(body, "必填") {
				t.Fatalf("bad fields: %d, %d field errors", res.StatusCode, strings.Count(body, `class="field-error"`))
			}
		})

		t.Run("Contact", func(t *testing.T) {
			_, body := c.do("GET", "/contacts/"+k.ID+"/edit", nil)
			if !strings.Contains(body, `value="王经理"`) {
				t.Fatal("the edit form does not show the contact")
			}
			v := hiddenVersion.FindStringSubmatch(body)[1]
			form := url.Values{"name": {"王总"}, "title": {"CIO"}, "role": {"decision_maker"}, "phone": {"13800000000"}, "email": {"wang@example.com"},
				"wecom_id": {"wangzong"}, "version": {v}}
			res, _ := c.do("POST", "/contacts/"+k.ID+"/edit", form)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/customers/"+cust.ID+"#decision-chain" {
				t.Fatalf("save: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			got, _ := db.Contact(ctx, rep.Viewer(), k.ID)
			if got.Name != "王总" || got.Title != "CIO" || got.Role != "decision_maker" || got.WeComID != "wangzong" || got.Email != "wang@example.com" {
				t.Fatalf("saved %+v", got)
			}
			if res, body = c.do("POST", "/contacts/"+k.ID+"/edit", form); res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="form-conflict"`) {
				t.Fatalf("stale save: %d", res.StatusCode)
			}
			form.Set("version", strconv.Itoa(got.Version))
			form.Set("role", "boss")
			if res, body = c.do("POST", "/contacts/"+k.ID+"/edit", form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "decision_maker, influencer or user") {
				t.Fatalf("bad role: %d", res.StatusCode)
			}
			if res, _ := s.client().do("GET", "/contacts/"+k.ID+"/edit", nil); res.StatusCode != http.StatusSeeOther {
				t.Fatal("the edit form without a session")
			}
		})
	})
}

func TestSupportRequestsOnTheCardAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 20)
		ctx := context.Background()
		rep := s.user(s.demo.Rep.Email)
		presales, success := s.helpers()
		s.canSignIn(presales.ID)
		s.canSignIn(success.ID)
		c := s.client()
		c.login(rep.Email)
		o := s.supportableDeal(rep, "支持测试商机")
		page := "/opportunities/" + o.ID
		needed := s.app.Now().Add(72 * time.Hour).In(funnel.CompanyZone).Format("2006-01-02T15:04")
		ask := func(cl *client, oppPage, helper string) (*http.Response, string) {
			return cl.do("POST", oppPage+"/support", url.Values{"helper_id": {helper}, "type": {"solution"}, "needed_by": {needed},
				"expected_output": {"MES 技术方案初稿"}, "note": {"客户下周三评审"}})
		}
		requests := func() []*store.SupportRequest {
			rs, _, err := db.SupportRequests(ctx, store.System, store.SupportFilter{OpportunityID: o.ID})
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}

		t.Run("NotEligibleSaysWhy", func(t *testing.T) {
			early := s.borderlineDeal(rep) // discovery, health 66
			_, body := c.do("GET", "/opportunities/"+early.ID, nil)
			if !strings.Contains(body, `id="support-blocked"`) {
				t.Fatal("the card does not say why the deal cannot ask yet")
			}
			res, body := ask(c, "/opportunities/"+early.ID, presales.ID)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="support-blocked"`) || !strings.Contains(body, "方案阶段起才能申请支持") ||
				!strings.Contains(body, "需高于 70 分") || !strings.Contains(body, ">MES 技术方案初稿</textarea>") {
				t.Fatalf("an early deal asking: %d", res.StatusCode)
			}
		})

		t.Run("FieldsNamed", func(t *testing.T) {
			res, body := c.do("POST", page+"/support", url.Values{"type": {"solution"}, "needed_by": {"2000-01-01T09:00"}})
			if res.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, `class="field-error"`) != 3 || !strings.Contains(body, "必须是将来的时间") {
				t.Fatalf("an empty ask: %d, %d field errors", res.StatusCode, strings.Count(body, `class="field-error"`))
			}
		})

		t.Run("AskAndTheHelperAccepts", func(t *testing.T) {
			res, _ := ask(c, page, presales.ID)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page+"#support" {
				t.Fatalf("ask: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if res, body := ask(c, page, presales.ID); res.StatusCode != http.StatusConflict || !strings.Contains(body, "已向这位支持人发起过未结束的申请") {
				t.Fatalf("a second open request to the same helper: %d", res.StatusCode)
			}
			rs := requests()
			if len(rs) != 1 {
				t.Fatalf("%d requests", len(rs))
			}
			q := rs[0]
			_, body := c.do("GET", page, nil)
			i := strings.Index(body, `id="support"`)
			if i < 0 || !strings.Contains(body[i:], "sreq-"+q.ID) || !strings.Contains(body[i:], "待回复") || !strings.Contains(body[i:], "方案设计") ||
				strings.Contains(body[i:], "/support/"+q.ID+"/accept") || !strings.Contains(body[i:], "/support/"+q.ID+"/cancel") {
				t.Fatal("the card does not list the request with the requester's buttons")
			}
			h := s.client()
			h.login(presales.Email)
			_, body = h.do("GET", "/support?view=assigned", nil)
			if !strings.Contains(body, "sreq-"+q.ID) || !strings.Contains(body, "/support/"+q.ID+"/accept") || !strings.Contains(body, "MES 技术方案初稿") {
				t.Fatal("the helper's page does not offer to accept")
			}
			if strings.Contains(body, `href="/opportunities/`+o.ID+`"`) || !strings.Contains(body, o.Name) {
				t.Fatal("the helper, who does not see the deal, gets a link to it (or no name)")
			}
			if _, body = c.do("GET", "/support?view=mine", nil); !strings.Contains(body, `href="/opportunities/`+o.ID+`"`) {
				t.Fatal("the requester's page does not link the deal")
			}
			if _, body = c.do("GET", "/support?view=overdue", nil); strings.Contains(body, "sreq-"+q.ID) || !strings.Contains(body, `id="support-empty"`) {
				t.Fatal("a request still within its 24 hours is listed as overdue")
			}
			back := "/support?view=assigned"
			res, body = h.do("POST", "/support/"+q.ID+"/accept", url.Values{"version": {strconv.Itoa(q.Version + 1)}, "back": {back}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "这条申请刚被别人处理过") {
				t.Fatalf("a stale accept: %d", res.StatusCode)
			}
			res, _ = h.do("POST", "/support/"+q.ID+"/accept", url.Values{"version": {strconv.Itoa(q.Version)}, "back": {back}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != back {
				t.Fatalf("accept: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			res, body = h.do("POST", "/support/"+q.ID+"/refuse", url.Values{"version": {strconv.Itoa(q.Version)}, "back": {back}, "reason": {"没空"}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "这条申请刚被别人处理过") {
				t.Fatalf("refusing what was accepted meanwhile: %d", res.StatusCode)
			}
			if res, _ := s.client().do("POST", "/support/"+q.ID+"/accept", url.Values{"version": {"1"}}); res.StatusCode != http.StatusUnauthorized {
				t.Fatal("an answer without a session")
			}

			// Done, then each side rates the other on the card and on the page.
			q, _ = db.SupportRequest(ctx, store.System, q.ID)
			res, _ = c.do("POST", "/support/"+q.ID+"/complete", url.Values{"version": {strconv.Itoa(q.Version)}, "back": {page}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page+"#support" {
				t.Fatalf("complete: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			res, body = c.do("POST", "/support/"+q.ID+"/rate", url.Values{"score": {"11"}, "back": {page}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "评分") {
				t.Fatalf("a score of 11: %d", res.StatusCode)
			}
			if res, _ = c.do("POST", "/support/"+q.ID+"/rate", url.Values{"score": {"9"}, "comment": {"方案很专业"}, "back": {page}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("rate: %d", res.StatusCode)
			}
			if res, _ = h.do("POST", "/support/"+q.ID+"/rate", url.Values{"score": {"6"}, "back": {"/support"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the helper rates: %d", res.StatusCode)
			}
			_, body = c.do("GET", page, nil)
			if !strings.Contains(body, "已完成") || !strings.Contains(body, "申请人评价支持人：9 分") || !strings.Contains(body, "支持人评价申请人：6 分") ||
				strings.Contains(body, "/support/"+q.ID+"/rate") {
				t.Fatal("the card does not show the completed request with both ratings")
			}
		})

		t.Run("RefusalGoesToTheDirector", func(t *testing.T) {
			if res, _ := ask(c, page, success.ID); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("ask customer success: %d", res.StatusCode)
			}
			var q *store.SupportRequest
			for _, r := range requests() {
				if r.HelperID == success.ID {
					q = r
				}
			}
			h := s.client()
			h.login(success.Email)
			res, body := h.do("POST", "/support/"+q.ID+"/refuse", url.Values{"version": {strconv.Itoa(q.Version)}, "back": {"/support"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "拒绝理由") {
				t.Fatalf("a refusal without a reason: %d", res.StatusCode)
			}
			if res, _ = h.do("POST", "/support/"+q.ID+"/refuse", url.Values{"version": {strconv.Itoa(q.Version)}, "back": {"/support"}, "reason": {"本周全员在交付现场"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("refuse: %d", res.StatusCode)
			}
			q, _ = db.SupportRequest(ctx, store.System, q.ID)
			if q.ApproverID == "" {
				t.Fatal("no director decides the refusal")
			}
			d := s.client()
			d.login(s.canSignIn(q.ApproverID).Email)
			_, body = d.do("GET", "/support?view=to_decide", nil)
			if !strings.Contains(body, "sreq-"+q.ID) || !strings.Contains(body, "本周全员在交付现场") || !strings.Contains(body, `value="overrule"`) {
				t.Fatal("the director's page does not offer to decide the refusal")
			}
			res, body = d.do("POST", "/support/"+q.ID+"/decide", url.Values{"version": {strconv.Itoa(q.Version)}, "decision": {"overrule"}, "back": {"/support?view=to_decide"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "sreq-"+q.ID) {
				t.Fatalf("overrule without a comment: %d", res.StatusCode)
			}
			res, _ = d.do("POST", "/support/"+q.ID+"/decide", url.Values{"version": {strconv.Itoa(q.Version)}, "decision": {"overrule"},
				"comment": {"重点客户，请务必支持"}, "back": {"/support?view=to_decide"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("overrule: %d", res.StatusCode)
			}
			if q, _ = db.SupportRequest(ctx, store.System, q.ID); q.Status != funnel.SupportAccepted {
				t.Fatalf("after the overrule the request is %s", q.Status)
			}
			_, body = c.do("GET", page, nil)
			if !strings.Contains(body, "总监驳回拒绝") || !strings.Contains(body, "重点客户，请务必支持") {
				t.Fatal("the card does not show the director's decision")
			}
		})

		t.Run("TeamFlagsForManagers", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *store.Tx) error {
				return tx.SetSupportTeamFlag(ctx, presales.TeamID, true, []store.SupportFlagScore{{Score: 6}, {Score: 5}})
			})
			if err != nil {
				t.Fatal(err)
			}
			m := s.client()
			m.login(s.demo.Manager.Email)
			_, body := m.do("GET", "/support", nil)
			if !strings.Contains(body, `id="team-flags"`) || !strings.Contains(body, "需整改") {
				t.Fatal("the manager does not see the flagged team")
			}
			if _, body = c.do("GET", "/support", nil); strings.Contains(body, `id="team-flags"`) {
				t.Fatal("a rep sees the team flags")
			}
		})
	})
}
