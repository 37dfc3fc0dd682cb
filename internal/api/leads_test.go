package api_test

import (
	"slices"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestLeads: a lead is recorded, listed, qualified or discarded, seen only
// by its owner's line, and converted once — into a new or existing
// customer, a contact and an opportunity, all or nothing.
func TestLeads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")

		// Create: the company name is required; discarding needs a reason.
		r := e.call("POST", "/api/v1/leads", e.tok[repA1], obj{"contact_name": "王经理", "email": "bad"})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Contains(f, "company_name") || !slices.Contains(f, "email") {
			t.Fatalf("fields %v, want company_name and email", f)
		}
		r = e.call("POST", "/api/v1/leads", e.tok[repA1], obj{"company_name": "某公司", "status": "discarded"})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"discard_reason"}) {
			t.Fatalf("fields %v, want discard_reason", f)
		}
		r = e.call("POST", "/api/v1/leads", e.tok[repA1], obj{"company_name": "某公司", "status": "converted"})
		wantProblem(t, r, 422)

		lead := e.must(201, "POST", "/api/v1/leads", repA1, obj{"company_name": "上海云帆科技有限公司", "contact_name": "李总",
			"phone": "13800000000", "email": "li@yunfan.example", "source": "展会", "need": "想换 CRM"})
		if str(lead, "status") != "new" || str(lead, "owner_id") != e.id(repA1) || version(lead) != 1 {
			t.Fatalf("created lead: %v", lead)
		}
		id := str(lead, "id")
		other := e.must(201, "POST", "/api/v1/leads", repB1, obj{"company_name": "北京某厂", "source": "官网"})
		e.must(201, "POST", "/api/v1/leads", repA2, obj{"company_name": "杭州某店", "source": "展会"})

		// Visibility: owner, their manager and up, admin; other teams get 404.
		for _, who := range []string{repA1, mgrA, director, admin} {
			e.must(200, "GET", "/api/v1/leads/"+id, who, nil)
		}
		for _, who := range []string{repA2, repB1, mgrB} {
			wantProblem(t, e.call("GET", "/api/v1/leads/"+id, e.tok[who], nil), 404)
			wantProblem(t, e.call("PATCH", "/api/v1/leads/"+id, e.tok[who], obj{"status": "qualified", "version": 1}), 404)
			wantProblem(t, e.call("POST", "/api/v1/leads/"+id+"/convert", e.tok[who], obj{"version": 1}), 404)
		}
		if got := len(items(t, e.must(200, "GET", "/api/v1/leads", mgrA, nil))); got != 2 {
			t.Errorf("mgrA sees %d leads, want 2", got)
		}
		if got := ids(items(t, e.must(200, "GET", "/api/v1/leads", repB1, nil))); !slices.Equal(got, []string{str(other, "id")}) {
			t.Errorf("repB1 sees %v", got)
		}
		// Filters and the cursor.
		if got := len(items(t, e.must(200, "GET", "/api/v1/leads?source=%E5%B1%95%E4%BC%9A", admin, nil))); got != 2 {
			t.Errorf("source filter: %d, want 2", got)
		}
		if got := ids(items(t, e.must(200, "GET", "/api/v1/leads?q=%E4%BA%91%E5%B8%86", admin, nil))); !slices.Equal(got, []string{id}) {
			t.Errorf("q filter: %v", got)
		}
		p1 := e.must(200, "GET", "/api/v1/leads?limit=2", admin, nil)
		p2 := e.must(200, "GET", "/api/v1/leads?limit=2&cursor="+str(p1, "next_cursor"), admin, nil)
		if len(items(t, p1)) != 2 || len(items(t, p2)) != 1 || str(p2, "next_cursor") != "" {
			t.Errorf("pages: %v / %v", p1, p2)
		}

		// Update: qualify; a stale version is 409 with the current lead.
		q := e.must(200, "PATCH", "/api/v1/leads/"+id, repA1, obj{"status": "qualified", "version": 1})
		if str(q, "status") != "qualified" || version(q) != 2 {
			t.Fatalf("qualified: %v", q)
		}
		r = e.call("PATCH", "/api/v1/leads/"+id, e.tok[mgrA], obj{"need": "x", "version": 1})
		wantProblem(t, r, 409)
		if cur, _ := r.JSON["current"].(map[string]any); version(cur) != 2 {
			t.Errorf("409 current: %v", r.JSON["current"])
		}
		if got := len(items(t, e.must(200, "GET", "/api/v1/leads?status=qualified", mgrA, nil))); got != 1 {
			t.Errorf("status filter: %d", got)
		}

		// Discard, then a discarded lead cannot be converted until reopened.
		d := e.must(200, "PATCH", "/api/v1/leads/"+str(other, "id"), repB1, obj{"status": "discarded", "discard_reason": "无预算", "version": 1})
		wantProblem(t, e.call("POST", "/api/v1/leads/"+str(other, "id")+"/convert", e.tok[repB1], obj{"version": version(d)}), 409)
		d = e.must(200, "PATCH", "/api/v1/leads/"+str(other, "id"), repB1, obj{"status": "new", "version": version(d)})
		if str(d, "discard_reason") != "" {
			t.Errorf("reopened lead keeps its discard reason: %v", d)
		}

		// Half-written never: the opportunity fails (no such stage) after the
		// customer and the contact were made in the transaction — nothing stays.
		r = e.call("POST", "/api/v1/leads/"+id+"/convert", e.tok[repA1], obj{"version": 2,
			"contact":     obj{"role": "decision_maker", "title": "总经理"},
			"opportunity": obj{"name": "云帆 CRM", "amount": "300000.00", "pipeline_id": pid, "stage": "nope"}})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"opportunity.stage"}) {
			t.Errorf("fields %v, want opportunity.stage", f)
		}
		if got := items(t, e.must(200, "GET", "/api/v1/customers?q=%E4%BA%91%E5%B8%86", admin, nil)); len(got) != 0 {
			t.Fatalf("a failed conversion left a customer behind: %v", got)
		}
		if got := items(t, e.must(200, "GET", "/api/v1/contacts", admin, nil)); len(got) != 0 {
			t.Fatalf("a failed conversion left a contact behind: %v", got)
		}
		if l := e.must(200, "GET", "/api/v1/leads/"+id, repA1, nil); str(l, "status") != "qualified" || version(l) != 2 {
			t.Fatalf("a failed conversion changed the lead: %v", l)
		}
		// A bad opportunity amount is named within its part, before anything is written.
		r = e.call("POST", "/api/v1/leads/"+id+"/convert", e.tok[repA1], obj{"version": 2, "opportunity": obj{"name": "x", "amount": "1.234"}})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"opportunity.amount"}) {
			t.Errorf("fields %v, want opportunity.amount", f)
		}
		// A stale version is 409.
		wantProblem(t, e.call("POST", "/api/v1/leads/"+id+"/convert", e.tok[repA1], obj{"version": 1}), 409)

		// The manager converts it: a new customer named after the company
		// (owned by the lead's owner), a contact with the lead's details, a deal.
		conv := e.must(200, "POST", "/api/v1/leads/"+id+"/convert", mgrA, obj{"version": 2,
			"customer":    obj{"industry": "制造", "region": "SH"},
			"contact":     obj{"role": "decision_maker", "title": "总经理"},
			"opportunity": obj{"name": "云帆 CRM", "amount": "300000.00", "pipeline_id": pid}})
		l, _ := conv["lead"].(map[string]any)
		c, _ := conv["customer"].(map[string]any)
		k, _ := conv["contact"].(map[string]any)
		o, _ := conv["opportunity"].(map[string]any)
		if str(c, "name") != "上海云帆科技有限公司" || str(c, "owner_id") != e.id(repA1) || str(c, "industry") != "制造" {
			t.Errorf("customer: %v", c)
		}
		if str(k, "name") != "李总" || str(k, "phone") != "13800000000" || str(k, "role") != "decision_maker" || str(k, "customer_id") != str(c, "id") {
			t.Errorf("contact: %v", k)
		}
		if str(o, "customer_id") != str(c, "id") || str(o, "owner_id") != e.id(repA1) || str(o, "amount") != "300000.00" ||
			str(o, "source") != "展会" || str(o, "number") == "" {
			t.Errorf("opportunity: %v", o)
		}
		if str(l, "status") != "converted" || str(l, "customer_id") != str(c, "id") || str(l, "contact_id") != str(k, "id") ||
			str(l, "opportunity_id") != str(o, "id") || str(l, "converted_at") == "" || version(l) != 3 {
			t.Errorf("lead: %v", l)
		}
		got := e.must(200, "GET", "/api/v1/leads/"+id, repA1, nil)
		if str(got, "opportunity_id") != str(o, "id") || version(got) != 3 {
			t.Errorf("stored lead: %v", got)
		}
		e.must(200, "GET", "/api/v1/opportunities/"+str(o, "id"), repA1, nil)

		// Converted: not again, not edited, not deleted.
		r = e.call("POST", "/api/v1/leads/"+id+"/convert", e.tok[repA1], obj{"version": 3, "customer_id": str(c, "id")})
		wantProblem(t, r, 409)
		if str(r.JSON, "existing_id") != str(c, "id") {
			t.Errorf("second conversion: %s", r.Raw)
		}
		wantProblem(t, e.call("PATCH", "/api/v1/leads/"+id, e.tok[repA1], obj{"need": "x", "version": 3}), 409)
		wantProblem(t, e.call("DELETE", "/api/v1/leads/"+id, e.tok[repA1], nil), 409)

		// A lead whose company exists already: 409 naming the customer; then
		// converting into that customer (without an opportunity) works.
		dup := e.must(201, "POST", "/api/v1/leads", repA2, obj{"company_name": "上海 云帆科技有限公司 "})
		r = e.call("POST", "/api/v1/leads/"+str(dup, "id")+"/convert", e.tok[repA2], obj{"version": 1})
		wantProblem(t, r, 409)
		if str(r.JSON, "existing_id") != str(c, "id") || !slices.Contains(fieldsOf(r.JSON), "customer.name") {
			t.Errorf("duplicate company: %s", r.Raw)
		}
		// repA2 does not see repA1's customer: converting into it is refused.
		r = e.call("POST", "/api/v1/leads/"+str(dup, "id")+"/convert", e.tok[repA2], obj{"version": 1, "customer_id": str(c, "id")})
		wantProblem(t, r, 422)
		conv = e.must(200, "POST", "/api/v1/leads/"+str(dup, "id")+"/convert", mgrA, obj{"version": 1, "customer_id": str(c, "id")})
		if l, _ := conv["lead"].(map[string]any); str(l, "customer_id") != str(c, "id") || str(l, "opportunity_id") != "" || conv["opportunity"] != nil {
			t.Errorf("conversion into an existing customer: %v", conv)
		}

		// The version is required; a customer made from a lead can still be
		// deleted while it has no deals (the lead keeps its status).
		solo := e.must(201, "POST", "/api/v1/leads", repA1, obj{"company_name": "独立客户"})
		r = e.call("POST", "/api/v1/leads/"+str(solo, "id")+"/convert", e.tok[repA1], obj{})
		wantProblem(t, r, 422)
		if f := fieldsOf(r.JSON); !slices.Equal(f, []string{"version"}) {
			t.Errorf("fields %v, want version", f)
		}
		conv = e.must(200, "POST", "/api/v1/leads/"+str(solo, "id")+"/convert", repA1, obj{"version": 1})
		soloCust, _ := conv["customer"].(map[string]any)
		e.must(204, "DELETE", "/api/v1/customers/"+str(soloCust, "id"), repA1, nil)
		if l := e.must(200, "GET", "/api/v1/leads/"+str(solo, "id"), repA1, nil); str(l, "status") != "converted" || str(l, "customer_id") != "" {
			t.Errorf("lead of a deleted customer: %v", l)
		}

		// Two conversions at once: one wins, the other is 409, one customer.
		race := e.must(201, "POST", "/api/v1/leads", repA1, obj{"company_name": "并发客户"})
		codes := make(chan int, 2)
		for range 2 {
			go func() {
				r, err := e.send("POST", "/api/v1/leads/"+str(race, "id")+"/convert", e.tok[repA1], obj{"version": 1})
				if err != nil {
					codes <- 0
					return
				}
				codes <- r.Status
			}()
		}
		if got := []int{<-codes, <-codes}; !slices.Contains(got, 200) || !slices.Contains(got, 409) {
			t.Errorf("concurrent conversions: %v, want one 200 and one 409", got)
		}
		if got := items(t, e.must(200, "GET", "/api/v1/customers?q=%E5%B9%B6%E5%8F%91", admin, nil)); len(got) != 1 {
			t.Errorf("concurrent conversions made %d customers", len(got))
		}

		// Delete a lead that is not converted.
		e.must(204, "DELETE", "/api/v1/leads/"+str(other, "id"), mgrB, nil)
		wantProblem(t, e.call("GET", "/api/v1/leads/"+str(other, "id"), e.tok[admin], nil), 404)
	})
}
