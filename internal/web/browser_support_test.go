package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// The deal card's risk flags with their advice, then a rep asks presales for
// help from the card and the presales engineer accepts it on /support.
// Screenshots: 30-… to 33-….
func TestBrowserRisksAndSupport(t *testing.T) {
	root := startChromium(t)
	db := storetest.Open(t, store.SQLite)
	s := newSite(t, db, 40)
	ctx := context.Background()
	rep := s.user(s.demo.Rep.Email)
	presales, _ := s.helpers()
	s.canSignIn(presales.ID)
	o := s.supportableDeal(rep, "华东智造 MES 二期")
	page := s.srv.URL + "/opportunities/" + o.ID
	b := newBrowser(t, root, s.srv.URL, 1440, 900)
	b.signIn(rep.Email)

	t.Run("RiskFlagsOnTheCard", func(t *testing.T) {
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.RaiseRisk(ctx, o.ID, funnel.RiskFlag{Rule: funnel.RuleStageDwell, Level: funnel.RiskHigh, Since: s.app.Now().Add(-72 * time.Hour),
				Evidence: "在阶段「方案推进」已停留 31.0 天，超过预期停留 14.0 天的 1.5 倍（21.0 天）",
				Advice:   []string{"安排高层拜访，推动客户决策", "确认方案评审时间并写入下次联系"}}, "b1"); err != nil {
				return err
			}
			if _, err := tx.RaiseRisk(ctx, o.ID, funnel.RiskFlag{Rule: funnel.RuleSlowReplies, Level: funnel.RiskMedium, Since: s.app.Now().Add(-24 * time.Hour),
				Evidence: "最近一次客户回复用了 6.0 天，是以往平均 1.5 天的 4 倍", Advice: []string{"换一位联系人确认项目进展"}}, "b2"); err != nil {
				return err
			}
			_, err := tx.AddTodo(ctx, &store.Todo{Kind: store.TodoCadence, OpportunityID: o.ID, DueKey: "browser", OwnerID: rep.ID,
				DueAt: s.app.Now().Add(-2 * time.Hour), Title: "按节奏联系客户：" + o.Name, Detail: "方案阶段至少每 7 天联系一次"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#risks")))
		if got := b.text("#risks .risk.high"); !strings.Contains(got, "阶段停留过久") || !strings.Contains(got, "安排高层拜访") {
			t.Fatalf("the high risk reads %q", got)
		}
		if got := b.text("#deal-todos"); !strings.Contains(got, "按节奏联系客户") {
			t.Fatalf("the card's todos read %q", got)
		}
		b.shot("30-deal-card-risks")
	})

	t.Run("AskPresalesForHelp", func(t *testing.T) {
		needed := s.app.Now().Add(72 * time.Hour).In(funnel.CompanyZone).Format("2006-01-02T15:04")
		b.do(chromedp.Navigate(page+"#support"), chromedp.WaitVisible(chromedp.CSS("#support")),
			chromedp.Click(chromedp.CSS("#support .ask-support summary")), chromedp.WaitVisible(chromedp.CSS("#support-form")),
			chromedp.SetValue(chromedp.CSS(`#support-form select[name="helper_id"]`), presales.ID),
			chromedp.SetValue(chromedp.CSS(`#support-form select[name="type"]`), "demo"),
			chromedp.SetValue(chromedp.CSS(`#support-form input[name="needed_by"]`), needed),
			chromedp.SendKeys(chromedp.CSS(`#support-form textarea[name="expected_output"]`), "面向客户 IT 与生产部门的 MES 产品演示（2 小时）"),
			chromedp.Click(chromedp.CSS("#ask-support")), chromedp.WaitVisible(chromedp.CSS("#support .sreq")))
		if got := b.text("#support .sreq"); !strings.Contains(got, "待回复") || !strings.Contains(got, "产品演示") || !strings.Contains(got, presales.Name) {
			t.Fatalf("the card's request reads %q", got)
		}
		b.eval(`window.scrollTo(0, 0); ""`) // the sticky top bar stays on top in the full-page shot
		b.shot("31-deal-card-support-asked")
	})

	t.Run("TheHelperAccepts", func(t *testing.T) {
		h := newBrowser(t, root, s.srv.URL, 1440, 900)
		h.signIn(presales.Email)
		h.do(chromedp.Click(chromedp.CSS("#nav-support")), chromedp.WaitVisible(chromedp.CSS("#support-requests")),
			chromedp.Click(chromedp.CSS("#support-view-assigned")), chromedp.WaitVisible(chromedp.CSS("#support-requests .support-accept")))
		h.shot("32-support-helper-inbox")
		h.do(chromedp.Click(chromedp.CSS("#support-requests .support-accept")), chromedp.WaitVisible(chromedp.CSS("#support-requests .sreq-status.st-accepted")))
		rs, _, err := db.SupportRequests(ctx, store.System, store.SupportFilter{OpportunityID: o.ID})
		if err != nil || len(rs) != 1 || rs[0].Status != funnel.SupportAccepted {
			t.Fatalf("after accepting: %v %v", rs, err)
		}
		h.shot("33-support-accepted")
	})

	t.Run("PhoneInEnglish", func(t *testing.T) {
		p := newBrowser(t, root, s.srv.URL, 390, 844)
		p.signIn(rep.Email)
		p.do(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#risks")),
			chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("html[lang=en] #risks")))
		if got := p.text("#risks .risk.high"); !strings.Contains(got, "Too long in stage") || !strings.Contains(got, "Recommended action") {
			t.Fatalf("the English risk reads %q", got)
		}
		if got := p.text("#support .sreq"); !strings.Contains(got, "Accepted") || !strings.Contains(got, "Product demo") {
			t.Fatalf("the English request reads %q", got)
		}
		if w := p.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("the deal card is %spx wide on a 390px phone", w)
		}
		p.shot("34-phone-deal-card-en")
		p.do(chromedp.Navigate(s.srv.URL+"/support?view=mine"), chromedp.WaitVisible(chromedp.CSS("#support-requests .support-complete")))
		if w := p.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("the support page is %spx wide on a 390px phone", w)
		}
		p.shot("35-phone-support-en")
	})
}
