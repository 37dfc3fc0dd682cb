package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// A rep records a lead, converts it into a customer, a contact and a deal
// (landing on the deal card), then fills a won deal's contracts panel.
// Screenshots: 50-… to 57-… (the last two on a phone in English).
func TestBrowserLeadsAndContracts(t *testing.T) {
	root := startChromium(t)
	db := storetest.Open(t, store.SQLite)
	s := newSite(t, db, 40)
	ctx := context.Background()
	admin := s.user(s.demo.Admin.Email)
	won, _, err := db.Opportunities(ctx, admin.Viewer(), store.OpportunityFilter{Status: "won", Page: store.Page{Limit: 1}})
	if err != nil || len(won) == 0 {
		t.Fatalf("no won deal: %v", err)
	}
	owner, err := db.User(ctx, won[0].OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, root, s.srv.URL, 1440, 900)
	b.signIn(owner.Email)

	t.Run("ConvertALead", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("#nav-leads")), chromedp.WaitVisible(chromedp.CSS("#leads-empty")))
		b.shot("50-leads-empty")
		b.do(chromedp.Click(chromedp.CSS("#new-lead")), chromedp.WaitVisible(chromedp.CSS("#lead-form")),
			chromedp.SendKeys(chromedp.CSS(`#lead-form input[name="company_name"]`), "远航物流科技有限公司"),
			chromedp.SendKeys(chromedp.CSS(`#lead-form input[name="contact_name"]`), "陈总"),
			chromedp.SendKeys(chromedp.CSS(`#lead-form input[name="phone"]`), "13800138000"),
			chromedp.SendKeys(chromedp.CSS(`#lead-form input[name="source"]`), "展会"),
			chromedp.SendKeys(chromedp.CSS(`#lead-form textarea[name="need"]`), "仓储管理系统升级"),
			chromedp.Click(chromedp.CSS("#save-lead")), chromedp.WaitVisible(chromedp.CSS("#leads tbody tr")))
		if got := b.text("#leads"); !strings.Contains(got, "远航物流科技有限公司") || !strings.Contains(got, "新线索") {
			t.Fatalf("the list reads %q", got)
		}
		b.shot("51-leads-list")
		b.do(chromedp.Click(chromedp.CSS(`#leads a[id^="convert-"]`)), chromedp.WaitVisible(chromedp.CSS("#convert-form")),
			chromedp.Click(chromedp.CSS("#convert-contact")),
			chromedp.SetValue(chromedp.CSS(`#convert-form select[name="role"]`), "decision_maker"),
			chromedp.SendKeys(chromedp.CSS(`#convert-form input[name="title"]`), "总经理"),
			chromedp.Click(chromedp.CSS("#convert-deal")),
			chromedp.SendKeys(chromedp.CSS(`#convert-form input[name="amount"]`), "45万"))
		b.shot("52-lead-convert-form")
		b.do(chromedp.Click(chromedp.CSS("#convert-lead")), chromedp.WaitVisible(chromedp.CSS("#decision-chain")))
		if got := b.text("h1"); !strings.Contains(got, "仓储管理系统升级") {
			t.Fatalf("landed on %q, not the new deal card", got)
		}
		if got := b.text("#decision-chain"); !strings.Contains(got, "陈总") {
			t.Fatalf("the decision chain reads %q", got)
		}
		b.eval(`window.scrollTo(0, 0); ""`)
		b.shot("53-lead-converted-deal-card")
	})

	t.Run("ContractsPanel", func(t *testing.T) {
		start := time.Now()
		defer func() { t.Logf("contracts in %v", time.Since(start)) }()
		b.do(chromedp.Navigate(s.srv.URL+"/opportunities/"+won[0].ID), chromedp.WaitVisible(chromedp.CSS("#new-contract")),
			chromedp.SendKeys(chromedp.CSS(`#new-contract input[name="number"]`), "HT-2026-088"),
			chromedp.SetValue(chromedp.CSS(`#new-contract input[name="signed_on"]`), "2026-01-10"),
			chromedp.SendKeys(chromedp.CSS(`#new-contract input[name="amount"]`), "60万"),
			chromedp.Click(chromedp.CSS("#create-contract")), chromedp.WaitVisible(chromedp.CSS("#contracts article.contract")))
		ks, _, err := db.Contracts(ctx, owner.Viewer(), store.ContractFilter{OpportunityID: won[0].ID, Page: store.Page{Limit: 1}})
		if err != nil || len(ks) != 1 {
			t.Fatalf("contract not created: %v", err)
		}
		k := ks[0]
		for i, p := range [][3]string{{"plan", "2026-02-28", "30万"}, {"plan", "2030-12-31", "30万"}, {"receipt", "2026-03-05", "10万"}} {
			sel := "#pay-" + k.ID
			b.do(chromedp.WaitVisible(chromedp.CSS(sel)),
				chromedp.SetValue(chromedp.CSS(sel+` select[name="kind"]`), p[0]),
				chromedp.SetValue(chromedp.CSS(sel+` input[name="date"]`), p[1]),
				chromedp.SendKeys(chromedp.CSS(sel+` input[name="amount"]`), p[2]),
				chromedp.Click(chromedp.CSS("#add-payment-"+k.ID)), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#contracts tbody tr:nth-child(%d)", i+1))))
		}
		sel := "#invoice-" + k.ID
		b.do(chromedp.WaitVisible(chromedp.CSS(sel)),
			chromedp.SendKeys(chromedp.CSS(sel+` input[name="number"]`), "FP-88001"),
			chromedp.SendKeys(chromedp.CSS(sel+` input[name="amount"]`), "10万"),
			chromedp.Click(chromedp.CSS("#add-invoice-"+k.ID)), chromedp.WaitVisible(chromedp.CSS("#contracts tr.invoice")))
		if got := b.text("#contracts .contract-sums"); !strings.Contains(got, "¥10万") || !strings.Contains(got, "¥50万") || !strings.Contains(got, "¥20万") {
			t.Fatalf("the sums read %q", got)
		}
		b.eval(`window.scrollTo(0, 0); ""`)
		b.shot("54-deal-card-contracts")
		if got := b.eval(`document.querySelector("#lifecycle-link").getAttribute("href")`); got != "/opportunities/"+won[0].ID+"/lifecycle" {
			t.Fatalf("the panel's lifecycle link is %q", got)
		}
		t0 := time.Now()
		b.do(chromedp.Navigate(s.srv.URL+"/opportunities/"+won[0].ID+"/lifecycle"), chromedp.WaitVisible(chromedp.CSS("#lifecycle-stages")))
		t.Logf("lifecycle in %v", time.Since(t0))
		if got := b.text("#lifecycle-contracts"); !strings.Contains(got, "HT-2026-088") {
			t.Fatalf("the lifecycle's contracts read %q", got)
		}
		b.shot("55-deal-lifecycle")
	})

	t.Run("PhoneInEnglish", func(t *testing.T) {
		p := newBrowser(t, root, s.srv.URL, 390, 844)
		p.signIn(owner.Email)
		p.do(chromedp.Navigate(s.srv.URL+"/leads"), chromedp.WaitVisible(chromedp.CSS("#leads")),
			chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("html[lang=en] #leads")))
		if got := p.text("#leads"); !strings.Contains(got, "Converted") {
			t.Fatalf("the English list reads %q", got)
		}
		for _, page := range []struct{ path, sel, shot string }{
			{"/leads", "#leads", "56-phone-leads-en"},
			{"/opportunities/" + won[0].ID + "/contracts", "#contracts article.contract", "57-phone-contracts-en"},
		} {
			p.do(chromedp.Navigate(s.srv.URL+page.path), chromedp.WaitVisible(chromedp.CSS(page.sel)))
			if w := p.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
				t.Errorf("%s is %spx wide on a 390px phone", page.path, w)
			}
			p.shot(page.shot)
		}
	})
}
