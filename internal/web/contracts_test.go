package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// inForm is the part of body holding the form with that id.
func inForm(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	b := body[i:]
	return b[:strings.Index(b, "</form>")]
}

func TestContractPanel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 40)
		ctx := context.Background()
		admin := s.user(s.demo.Admin.Email)
		won, _, err := db.Opportunities(ctx, admin.Viewer(), store.OpportunityFilter{Status: "won", Page: store.Page{Limit: 1}})
		if err != nil || len(won) == 0 {
			t.Fatalf("no won deal: %v", err)
		}
		o := won[0]
		rep, err := db.User(ctx, o.OwnerID)
		if err != nil {
			t.Fatal(err)
		}
		c := s.client()
		c.login(rep.Email)
		open := s.openDeal(rep, "")

		t.Run("WonOnly", func(t *testing.T) {
			_, body := c.do("GET", "/opportunities/"+open.ID, nil)
			if strings.Contains(body, `hx-get="/opportunities/`+open.ID+`/contracts"`) || !strings.Contains(body, `id="deal-lifecycle"`) {
				t.Error("an open deal's card: no contracts panel, a lifecycle link")
			}
			if strings.Contains(body, "商机已关闭") {
				t.Error("an open deal's health panel says it is closed")
			}
			res, body := c.do("POST", "/opportunities/"+open.ID+"/contracts", url.Values{"number": {"HT-OPEN-1"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "won opportunity") {
				t.Fatalf("contract on an open deal: %d", res.StatusCode)
			}
		})

		var k *store.Contract
		t.Run("Create", func(t *testing.T) {
			_, body := c.do("GET", "/opportunities/"+o.ID, nil)
			if !strings.Contains(body, `hx-get="/opportunities/`+o.ID+`/contracts"`) {
				t.Fatal("the won deal's card does not load the contracts panel")
			}
			if !strings.Contains(body, "商机已关闭：评分留作复盘") || strings.Contains(body, "先补齐再推进") || strings.Contains(body, "推进需经理审批") {
				t.Error("a won deal's health panel still advises on moving it")
			}
			res, body := c.do("POST", "/opportunities/"+o.ID+"/contracts", url.Values{"number": {""}, "amount": {"50万"}, "signed_on": {"2026-11-02"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(inForm(body, "new-contract"), "number") != "必填" || !strings.Contains(body, `value="50万"`) {
				t.Fatalf("no number: %d %q", res.StatusCode, fieldError(body, "number"))
			}
			res, _ = c.do("POST", "/opportunities/"+o.ID+"/contracts", url.Values{"number": {"HT-2026-001"}, "amount": {"50万"}, "signed_on": {"2026-11-02"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/opportunities/"+o.ID+"#contracts" {
				t.Fatalf("create contract: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			ks, _, _ := db.Contracts(ctx, rep.Viewer(), store.ContractFilter{OpportunityID: o.ID, Page: store.Page{Limit: 5}})
			if len(ks) != 1 || ks[0].Amount.String() != "500000.00" {
				t.Fatalf("contracts: %+v", ks)
			}
			k = ks[0]
			res, body = c.do("POST", "/opportunities/"+o.ID+"/contracts", url.Values{"number": {"HT-2026-001"}, "amount": {"1万"}})
			if res.StatusCode != http.StatusConflict || fieldError(inForm(body, "new-contract"), "number") != "该编号已被使用" {
				t.Fatalf("taken number: %d %q", res.StatusCode, fieldError(inForm(body, "new-contract"), "number"))
			}
		})

		t.Run("PlanReceiptsInvoices", func(t *testing.T) {
			pay := "/contracts/" + k.ID + "/payments"
			for _, f := range []url.Values{
				{"kind": {"plan"}, "date": {"2026-01-15"}, "amount": {"20万"}},
				{"kind": {"plan"}, "date": {"2030-06-30"}, "amount": {"30万"}},
				{"kind": {"receipt"}, "date": {"2026-01-20"}, "amount": {"5万"}},
			} {
				if res, _ := c.do("POST", pay, f); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("payment %v: %d", f, res.StatusCode)
				}
			}
			res, body := c.do("POST", pay, url.Values{"kind": {"plan"}, "date": {"2030-12-31"}, "amount": {"1万"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldError(inForm(body, "pay-"+k.ID), "amount"), "more than the contract amount") ||
				!strings.Contains(body, `value="2030-12-31"`) {
				t.Fatalf("plan over the amount: %d %q", res.StatusCode, fieldError(inForm(body, "pay-"+k.ID), "amount"))
			}
			if res, _ := c.do("POST", "/contracts/"+k.ID+"/invoices", url.Values{"number": {"FP-0001"}, "amount": {"5万"}, "issued_on": {"2026-01-21"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("invoice: %d", res.StatusCode)
			}
			res, body = c.do("POST", "/contracts/"+k.ID+"/invoices", url.Values{"number": {"FP-0002"}, "amount": {"46万"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(inForm(body, "invoice-"+k.ID), "amount") == "" {
				t.Fatalf("invoices over the amount: %d", res.StatusCode)
			}
			_, body = c.do("GET", "/opportunities/"+o.ID+"/contracts", nil, "HX-Request", "true")
			if strings.Contains(body, "<html") {
				t.Error("htmx gets the panel alone")
			}
			for _, want := range []string{`<dd class="received">¥5万</dd>`, `<dd class="outstanding">¥45万</dd>`, `<dd class="overdue late">¥15万</dd>`, "FP-0001"} {
				if !strings.Contains(body, want) {
					t.Errorf("panel lacks %s", want)
				}
			}
		})

		t.Run("StaleContract", func(t *testing.T) {
			other := s.client()
			other.login(rep.Email)
			v := strconv.Itoa(k.Version)
			if res, _ := other.do("POST", "/contracts/"+k.ID+"/edit", url.Values{"version": {v}, "number": {k.Number}, "amount": {"60万"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("edit: %d", res.StatusCode)
			}
			res, body := c.do("POST", "/contracts/"+k.ID+"/edit", url.Values{"version": {v}, "number": {k.Number}, "amount": {"55万"}, "note": {"改价"}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="form-conflict"`) || !strings.Contains(body, `value="改价"`) ||
				!strings.Contains(body, `name="version" value="`+strconv.Itoa(k.Version+1)+`"`) {
				t.Fatalf("stale contract edit: %d", res.StatusCode)
			}
			res, body = c.do("POST", "/contracts/"+k.ID+"/edit", url.Values{"version": {strconv.Itoa(k.Version + 1)}, "number": {k.Number}, "amount": {"40万"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(inForm(body, "edit-"+k.ID), "amount") == "" {
				t.Fatalf("amount below the plan: %d", res.StatusCode)
			}
		})

		t.Run("Lifecycle", func(t *testing.T) {
			res, body := c.do("GET", "/opportunities/"+o.ID+"/lifecycle", nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="lifecycle-stages"`) || !strings.Contains(body, "HT-2026-001") || !strings.Contains(body, " 天</span>") ||
				!strings.Contains(body, `id="lifecycle-health"`) {
				t.Fatalf("lifecycle: %d", res.StatusCode)
			}
			other := s.client()
			other.login(s.demo.Admin.Email)
			if res, _ := c.do("GET", "/opportunities/nope/lifecycle", nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("unknown deal: %d", res.StatusCode)
			}
		})
	})
}
