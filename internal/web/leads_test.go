package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shangji/internal/app"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestLeadPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 10)
		ctx := context.Background()
		rep := s.user(s.demo.Rep.Email)
		c := s.client()
		c.login(rep.Email)

		_, body := c.do("GET", "/leads", nil)
		if !strings.Contains(body, `id="leads-empty"`) || !strings.Contains(body, `id="nav-leads"`) {
			t.Fatal("no empty state or nav entry on /leads")
		}
		res, body := c.do("POST", "/leads", url.Values{"company_name": {""}, "source": {"展会"}})
		if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "company_name") != "必填" || !strings.Contains(body, `value="展会"`) {
			t.Fatalf("empty company: %d %q", res.StatusCode, fieldError(body, "company_name"))
		}
		for _, name := range []string{"云帆线索测试有限公司", "海川线索测试有限公司"} {
			res, _ = c.do("POST", "/leads", url.Values{"company_name": {name}, "contact_name": {"王经理"}, "source": {"展会"}, "need": {"CRM 替换"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create lead: %d", res.StatusCode)
			}
		}
		ls, _, err := db.Leads(ctx, rep.Viewer(), store.LeadFilter{Query: "云帆线索", Page: store.Page{Limit: 5}})
		if err != nil || len(ls) != 1 {
			t.Fatalf("lead not stored: %v %d", err, len(ls))
		}
		lead := ls[0]
		_, body = c.do("GET", "/leads?q=云帆线索&status=new", nil)
		if !strings.Contains(body, "/leads/"+lead.ID+"/convert") || strings.Contains(body, "海川线索") {
			t.Fatal("search and status filter")
		}

		t.Run("PagesAndOwnerFilter", func(t *testing.T) {
			for i := 0; i < 51; i++ {
				name := "翻页线索" + strconv.Itoa(i)
				if _, err := s.app.CreateLead(ctx, rep, app.LeadInput{CompanyName: &name}); err != nil {
					t.Fatal(err)
				}
			}
			_, body := c.do("GET", "/leads?q=翻页线索", nil)
			i := strings.Index(body, `id="leads-next"`)
			if i < 0 || strings.Count(body, `class="deal-name"`) != 50 {
				t.Fatalf("no next page after 50 leads: next %d, rows %d", i, strings.Count(body, `class="deal-name"`))
			}
			next := body[strings.LastIndex(body[:i], `href="`)+6:]
			next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
			_, body = c.do("GET", next, nil)
			if n := strings.Count(body, `class="deal-name"`); n != 1 || strings.Contains(body, `id="leads-next"`) {
				t.Fatalf("second page: %d rows", n)
			}
			m := s.client()
			m.login(s.demo.Manager.Email)
			_, body = m.do("GET", "/leads?q=云帆线索&owner="+rep.ID, nil)
			if !strings.Contains(body, "云帆线索测试有限公司") || !strings.Contains(body, `<select name="owner"`) {
				t.Error("the manager's owner filter does not show the rep's lead")
			}
			_, body = m.do("GET", "/leads?q=云帆线索&owner="+s.user(s.demo.Manager.Email).ID, nil)
			if strings.Contains(body, "云帆线索测试有限公司") {
				t.Error("the owner filter lets another owner's lead through")
			}
		})

		t.Run("DiscardNeedsReasonAndStaleIs409", func(t *testing.T) {
			other := s.client()
			other.login(rep.Email)
			hl, _, _ := db.Leads(ctx, rep.Viewer(), store.LeadFilter{Query: "海川线索", Page: store.Page{Limit: 1}})
			l := hl[0]
			v := strconv.Itoa(l.Version)
			res, body := c.do("POST", "/leads/"+l.ID+"/edit", url.Values{"version": {v}, "company_name": {l.CompanyName}, "status": {"discarded"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "discard_reason") == "" {
				t.Fatalf("discard without reason: %d", res.StatusCode)
			}
			res, _ = other.do("POST", "/leads/"+l.ID+"/edit", url.Values{"version": {v}, "company_name": {l.CompanyName}, "status": {"qualified"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("qualify: %d", res.StatusCode)
			}
			if _, body := other.do("GET", res.Header.Get("Location"), nil); !strings.Contains(body, `id="saved"`) {
				t.Error("no saved note after saving a lead")
			}
			res, body = c.do("POST", "/leads/"+l.ID+"/edit", url.Values{"version": {v}, "company_name": {"海川（改）"}, "status": {"discarded"}, "discard_reason": {"无预算"}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="form-conflict"`) || !strings.Contains(body, "海川（改）") ||
				!strings.Contains(body, `name="version" value="`+strconv.Itoa(l.Version+1)+`"`) {
				t.Fatalf("stale edit: %d", res.StatusCode)
			}
		})

		t.Run("DuplicateCustomer", func(t *testing.T) {
			cs, _, _ := db.Customers(ctx, rep.Viewer(), store.CustomerFilter{Page: store.Page{Limit: 1}})
			res, _ := c.do("POST", "/leads", url.Values{"company_name": {cs[0].Name}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create lead: %d", res.StatusCode)
			}
			dl, _, _ := db.Leads(ctx, rep.Viewer(), store.LeadFilter{Query: cs[0].Name, Page: store.Page{Limit: 1}})
			res, body := c.do("POST", "/leads/"+dl[0].ID+"/convert", url.Values{"version": {"1"}, "deal": {"1"}, "deal_name": {"重复"}, "amount": {"10万"}})
			if res.StatusCode != http.StatusConflict || fieldError(body, "customer_id") != "已有同名客户" || !strings.Contains(body, `href="/customers/`+cs[0].ID+`" id="existing-customer"`) {
				t.Fatalf("duplicate customer on convert: %d %q", res.StatusCode, fieldError(body, "customer_id"))
			}
			if !strings.Contains(body, `value="重复"`) {
				t.Error("the refused conversion lost what was typed")
			}
		})

		t.Run("Convert", func(t *testing.T) {
			v := strconv.Itoa(lead.Version)
			res, body := c.do("POST", "/leads/"+lead.ID+"/convert", url.Values{"version": {v}, "contact": {"1"}, "role": {"decision_maker"},
				"deal": {"1"}, "deal_name": {"云帆 CRM"}, "amount": {"-5"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "amount") == "" {
				t.Fatalf("bad amount: %d %q", res.StatusCode, fieldError(body, "amount"))
			}
			res, _ = c.do("POST", "/leads/"+lead.ID+"/convert", url.Values{"version": {v}, "contact": {"1"}, "role": {"decision_maker"},
				"deal": {"1"}, "deal_name": {"云帆 CRM"}, "amount": {"30万"}})
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/opportunities/") {
				t.Fatalf("convert: %d %s", res.StatusCode, loc)
			}
			o, err := db.Opportunity(ctx, rep.Viewer(), strings.TrimPrefix(loc, "/opportunities/"))
			if err != nil || o.Amount.String() != "300000.00" || o.Name != "云帆 CRM" {
				t.Fatalf("deal: %v %+v", err, o)
			}
			l, _ := db.Lead(ctx, rep.Viewer(), lead.ID)
			if l.Status != store.LeadConverted || l.OpportunityID != o.ID || l.ContactID == "" {
				t.Fatalf("lead after converting: %+v", l)
			}
			res, body = c.do("POST", "/leads/"+lead.ID+"/convert", url.Values{"version": {strconv.Itoa(l.Version)}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "该线索已转化") || strings.Contains(body, `id="form-conflict"`) {
				t.Fatalf("converting twice: %d", res.StatusCode)
			}
			_, body = c.do("GET", "/leads/"+lead.ID+"/edit", nil)
			if !strings.Contains(body, `id="lead-converted"`) || !strings.Contains(body, "<fieldset class=\"wide record-form\" disabled>") || strings.Contains(body, `id="save-lead"`) {
				t.Error("a converted lead's page is not read-only")
			}
			_, body = c.do("GET", "/leads?status=converted", nil)
			if !strings.Contains(body, "/opportunities/"+o.ID) {
				t.Error("the converted lead does not link its deal")
			}
		})
	})
}
