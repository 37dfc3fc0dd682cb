package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestPagesLanguageAndActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 120)
		c := s.client()
		mgr := s.user(s.demo.Manager.Email)
		c.login(mgr.Email)
		ctx := context.Background()

		for _, p := range []string{"/board", "/list", "/dashboard"} {
			if res, body := c.do("GET", p, nil); res.StatusCode != 200 || strings.Contains(body, "[") && strings.Contains(body, "[nav.") {
				t.Fatalf("GET %s: %d", p, res.StatusCode)
			}
		}

		t.Run("PriorityListIsSortedByWeightedAmount", func(t *testing.T) {
			opps, _, _ := db.Opportunities(ctx, mgr.Viewer(), store.OpportunityFilter{Status: "open", SortByWeighted: true, Page: store.Page{Limit: 3}})
			_, body := c.do("GET", "/list", nil)
			last := -1
			for _, o := range opps {
				i := strings.Index(body, "/opportunities/"+o.ID)
				if i < 0 || i < last {
					t.Fatalf("deal %s (weighted %s) out of order in the priority list", o.Number, o.WeightedAmount)
				}
				last = i
			}
		})

		o := s.openDeal(s.user(s.demo.Rep.Email), "")
		t.Run("DealCardAndCustomerPage", func(t *testing.T) {
			res, body := c.do("GET", "/opportunities/"+o.ID, nil)
			if res.StatusCode != 200 || !strings.Contains(body, o.Number) || !strings.Contains(body, "决策链") {
				t.Fatalf("deal card: %d", res.StatusCode)
			}
			if res, _ := c.do("GET", "/customers/"+o.CustomerID, nil); res.StatusCode != 200 {
				t.Fatalf("customer page: %d", res.StatusCode)
			}
			if res, _ := c.do("GET", "/opportunities/nope", nil); res.StatusCode != 404 {
				t.Fatalf("unknown deal: %d, want 404", res.StatusCode)
			}
		})

		t.Run("LogActivity", func(t *testing.T) {
			note := "拜访客户 CIO,确认预算"
			res, body := c.do("POST", "/opportunities/"+o.ID+"/activities", url.Values{"kind": {"visit"}, "note": {note}, "next_step": {"发送方案"}}, "HX-Request", "true")
			if res.StatusCode != 200 || !strings.Contains(body, note) || !strings.Contains(body, "已记录") {
				t.Fatalf("log visit: %d", res.StatusCode)
			}
			got, _ := db.Opportunity(ctx, mgr.Viewer(), o.ID)
			if got.LastContactAt == nil || got.LastContactAt.Before(s.app.Now().Add(-60e9)) {
				t.Fatalf("last contact not moved: %v", got.LastContactAt)
			}
			res, body = c.do("POST", "/opportunities/"+o.ID+"/activities", url.Values{"kind": {"telepathy"}}, "HX-Request", "true")
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "跟进方式") {
				t.Fatalf("bad kind: %d, want 422 naming the field", res.StatusCode)
			}
		})

		t.Run("LanguageIsPerUserAndFormatsMoney", func(t *testing.T) {
			_, body := c.do("GET", "/board", nil)
			if !strings.Contains(body, "万") || !strings.Contains(body, "销售漏斗") {
				t.Fatal("the Chinese board shows no 万 amounts")
			}
			res, _ := c.do("POST", "/lang", url.Values{"lang": {"en"}, "back": {"/board"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/board" {
				t.Fatalf("switch language: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if u := s.user(mgr.Email); u.Locale != "en" {
				t.Fatalf("locale saved = %q, want en", u.Locale)
			}
			// Another device of the same user speaks English too.
			c2 := s.client()
			c2.login(mgr.Email)
			_, body = c2.do("GET", "/board", nil)
			if !strings.Contains(body, "Pipeline") || strings.Contains(body, "万") || !strings.Contains(body, ",000") {
				t.Fatal("the English board still shows 万 or no thousands separators")
			}
		})
	})
}
