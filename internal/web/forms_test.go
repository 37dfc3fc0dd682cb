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

// fieldError returns the problem shown next to the input named field, in
// its label ("" when none).
func fieldError(body, field string) string {
	i := strings.Index(body, `name="`+field+`"`)
	if i < 0 {
		return ""
	}
	label := body[i:]
	label = label[:strings.Index(label, "</label>")]
	const mark = `<small class="field-error" role="alert">`
	j := strings.Index(label, mark)
	if j < 0 {
		return ""
	}
	msg := label[j+len(mark):]
	return msg[:strings.Index(msg, "<")]
}

func TestCreateAndEditForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 30)
		ctx := context.Background()
		rep := s.user(s.demo.Rep.Email)
		c := s.client()
		c.login(rep.Email)
		var custID string

		t.Run("NewCustomer", func(t *testing.T) {
			res, body := c.do("POST", "/customers", url.Values{"name": {""}, "region": {"shanghai"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "name") != "必填" || fieldError(body, "region") == "" {
				t.Fatalf("empty name: %d, name %q, region %q", res.StatusCode, fieldError(body, "name"), fieldError(body, "region"))
			}
			if !strings.Contains(body, `value="shanghai"`) {
				t.Error("the refused form lost what was typed")
			}
			res, _ = c.do("POST", "/customers", url.Values{"name": {"星河表单测试有限公司"}, "industry": {"制造"}, "region": {"sh"}})
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/customers/") {
				t.Fatalf("create customer: %d", res.StatusCode)
			}
			custID = strings.TrimPrefix(res.Header.Get("Location"), "/customers/")
			res, body = c.do("POST", "/customers", url.Values{"name": {"星河表单测试 有限公司"}})
			if res.StatusCode != http.StatusConflict || fieldError(body, "name") != "已有同名客户" || !strings.Contains(body, "/customers/"+custID) {
				t.Fatalf("duplicate name: %d %q", res.StatusCode, fieldError(body, "name"))
			}
			_, body = c.do("GET", "/customers?q=星河表单", nil)
			if !strings.Contains(body, "/customers/"+custID) || !strings.Contains(body, "/exports/customers?") {
				t.Error("the customers list lacks the new customer or its download")
			}
		})

		t.Run("NewContactWithRole", func(t *testing.T) {
			res, body := c.do("POST", "/customers/"+custID+"/contacts", url.Values{"name": {"钱总"}, "title": {"CIO"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "role") == "" || !strings.Contains(body, `value="钱总"`) {
				t.Fatalf("contact without a role: %d, role %q", res.StatusCode, fieldError(body, "role"))
			}
			res, _ = c.do("POST", "/customers/"+custID+"/contacts", url.Values{"name": {"钱总"}, "title": {"CIO"}, "role": {"decision_maker"}, "phone": {"13800000000"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("add contact: %d", res.StatusCode)
			}
			ks, _, _ := db.Contacts(ctx, rep.Viewer(), store.ContactFilter{CustomerID: custID})
			if len(ks) != 1 || ks[0].Role != store.RoleDecisionMaker || ks[0].Title != "CIO" {
				t.Fatalf("contacts: %+v", ks)
			}
			_, body = c.do("GET", "/customers/"+custID, nil)
			if !strings.Contains(body, "钱总") || !strings.Contains(body, "/opportunities/new?customer="+custID) {
				t.Error("the customer page lacks the contact or the new-deal button")
			}
		})

		var oppID string
		t.Run("NewOpportunity", func(t *testing.T) {
			res, body := c.do("GET", "/opportunities/new?customer="+custID, nil)
			if res.StatusCode != 200 || !strings.Contains(body, `value="`+custID+`" selected`) {
				t.Fatalf("new deal form: %d, customer not preselected", res.StatusCode)
			}
			res, body = c.do("POST", "/opportunities", url.Values{"name": {""}, "customer_id": {custID}, "amount": {"八十万"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "name") != "必填" || fieldError(body, "amount") == "" {
				t.Fatalf("bad deal: %d, name %q, amount %q", res.StatusCode, fieldError(body, "name"), fieldError(body, "amount"))
			}
			res, body = c.do("POST", "/opportunities", url.Values{"name": {"表单商机"}, "amount": {"1"}})
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "customer_id") != "必填" {
				t.Fatalf("no customer: %d %q", res.StatusCode, fieldError(body, "customer_id"))
			}
			res, _ = c.do("POST", "/opportunities", url.Values{"name": {"表单商机"}, "customer_id": {custID}, "amount": {"80万"},
				"expected_close_date": {"2026-12-20"}, "product_lines": {"数据中台、BI分析"}, "region": {""}})
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/opportunities/") {
				t.Fatalf("create deal: %d", res.StatusCode)
			}
			oppID = strings.TrimPrefix(res.Header.Get("Location"), "/opportunities/")
			o, err := db.Opportunity(ctx, rep.Viewer(), oppID)
			if err != nil || o.Amount.String() != "800000.00" || o.Region != "SH" || len(o.ProductLines) != 2 || o.ExpectedCloseDate != "2026-12-20" || o.OwnerID != rep.ID {
				t.Fatalf("created deal: %+v %v", o, err)
			}
		})

		t.Run("EditBasicsWithVersion", func(t *testing.T) {
			o, _ := db.Opportunity(ctx, rep.Viewer(), oppID)
			res, body := c.do("GET", "/opportunities/"+oppID+"/edit", nil)
			if res.StatusCode != 200 || !strings.Contains(body, `value="800000.00"`) || !strings.Contains(body, `name="version" value="`+strconv.Itoa(o.Version)+`"`) {
				t.Fatalf("edit form: %d", res.StatusCode)
			}
			form := url.Values{"version": {strconv.Itoa(o.Version)}, "name": {"表单商机(改)"}, "amount": {"1,200,000"}, "expected_close_date": {"2027-01-15"},
				"product_lines": {"数据中台"}, "competitors": {"友商甲"}, "next_contact_at": {"2026-12-01T10:00"}}
			res, _ = c.do("POST", "/opportunities/"+oppID+"/edit", form)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("save: %d", res.StatusCode)
			}
			got, _ := db.Opportunity(ctx, rep.Viewer(), oppID)
			if got.Name != "表单商机(改)" || got.Amount.String() != "1200000.00" || got.NextContactAt == nil || got.NextContactAt.UTC().Format("15:04") != "02:00" {
				t.Fatalf("saved: %s %s %v", got.Name, got.Amount, got.NextContactAt)
			}
			// The same form again: it still carries the version it was opened at.
			form.Set("name", "另一个名字")
			res, body = c.do("POST", "/opportunities/"+oppID+"/edit", form)
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="form-conflict"`) || !strings.Contains(body, "已被别人修改") ||
				!strings.Contains(body, `value="另一个名字"`) || !strings.Contains(body, `name="version" value="`+strconv.Itoa(got.Version)+`"`) {
				t.Fatalf("stale save: %d, want 409 keeping the typed values with the current version", res.StatusCode)
			}
			form.Set("version", strconv.Itoa(got.Version))
			if res, _ := c.do("POST", "/opportunities/"+oppID+"/edit", form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("save again: %d", res.StatusCode)
			}
			form.Set("amount", "")
			form.Set("version", strconv.Itoa(got.Version+1))
			res, body = c.do("POST", "/opportunities/"+oppID+"/edit", form)
			if res.StatusCode != http.StatusUnprocessableEntity || fieldError(body, "amount") == "" {
				t.Fatalf("empty amount: %d %q", res.StatusCode, fieldError(body, "amount"))
			}
			_, body = c.do("GET", "/opportunities/"+oppID, nil)
			if !strings.Contains(body, "另一个名字") || !strings.Contains(body, `href="/opportunities/`+oppID+`/edit"`) {
				t.Error("the deal card lacks the saved name or the edit link")
			}
		})

		t.Run("OthersDealsStayOut", func(t *testing.T) {
			mine := s.openDeal(rep, "")
			var theirs *store.Opportunity
			mgr := s.user(s.demo.Manager.Email)
			opps, _, _ := db.Opportunities(ctx, mgr.Viewer(), store.OpportunityFilter{Status: "open", Page: store.Page{Limit: 200}})
			for _, o := range opps {
				if o.OwnerID != rep.ID && !strings.Contains(strings.Join(o.CollaboratorIDs, ","), rep.ID) {
					if _, err := db.Opportunity(ctx, rep.Viewer(), o.ID); err != nil {
						theirs = o
						break
					}
				}
			}
			if theirs == nil {
				t.Skip("every deal is visible to the rep")
			}
			if res, _ := c.do("GET", "/opportunities/"+theirs.ID+"/edit", nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("editing another's deal: %d, want 404", res.StatusCode)
			}
			if res, _ := c.do("POST", "/opportunities/"+theirs.ID+"/edit", url.Values{"version": {"1"}, "name": {"x"}, "amount": {"1"}, "expected_close_date": {"2027-01-01"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("saving another's deal: %d, want 404", res.StatusCode)
			}
			_ = mine
		})
	})
}
