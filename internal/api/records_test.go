package api_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestCustomerDuplicates: legal names are unique after trimming, folding
// full width to half width, case and spaces; a duplicate is refused with a
// pointer to the existing customer (SPEC §2).
func TestCustomerDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		first := e.customer(repA1, "北京 星河（科技）有限公司")
		ascii := e.customer(repA1, "Acme Trading Co., Ltd.")
		dups := []struct {
			name, existing, who string
		}{
			{"北京星河(科技)有限公司", first, repA1},
			{"  北京星河(科技)有限公司 ", first, repA1},
			{"北京星河（科技）有限公司", first, repA2},
			{"北京　星河 (科技) 有限公司", first, repB1}, // ideographic space
			{"ACME TRADING CO., LTD.", ascii, repA1},
			{"acme  trading co.,ltd.", ascii, repB1},
			{"Ａｃｍｅ Ｔｒａｄｉｎｇ Ｃｏ．， Ｌｔｄ．", ascii, admin}, // full-width Latin
		}
		for _, d := range dups {
			r := e.call("POST", "/api/v1/customers", e.tok[d.who], obj{"name": d.name})
			wantProblem(t, r, 409)
			if got := str(r.JSON, "existing_id"); got != d.existing {
				t.Errorf("%q: existing_id %q, want %q", d.name, got, d.existing)
			}
			if f := fieldsOf(r.JSON); !slices.Contains(f, "name") {
				t.Errorf("%q: errors name %v, want name", d.name, f)
			}
		}
		page := e.must(200, "GET", "/api/v1/customers", admin, nil)
		if n := len(items(t, page)); n != 2 {
			t.Errorf("%d customers after refused duplicates, want 2", n)
		}

		// Renaming onto another customer's name is refused the same way.
		r := e.call("PATCH", "/api/v1/customers/"+ascii, e.tok[repA1], obj{"name": "北京星河(科技)有限公司 ", "version": 1})
		wantProblem(t, r, 409)
		if got := str(r.JSON, "existing_id"); got != first {
			t.Errorf("rename: existing_id %q, want %q", got, first)
		}
		// A different name is fine.
		e.customer(repA1, "北京星河科技有限公司二部")
	})
}

// TestOpportunityNumbers: numbers are YYYY-RR-NNN, per year and region,
// unique and gap-free under concurrent creation, and refused requests use up
// no number (SPEC §2, seed 002).
func TestOpportunityNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		year := db.Now().Year()
		reps := []string{repA1, repA2, repB1, mgrA}
		custs := map[string]string{}
		for _, who := range reps {
			custs[who] = e.customer(who, "编号客户 "+who)
		}

		const sh, bj = 40, 7
		type job struct {
			who   string
			body  obj
			valid bool
			want  string // the region when valid
		}
		var jobs []job
		for i := range sh {
			who := reps[i%len(reps)]
			jobs = append(jobs, job{who, obj{"name": fmt.Sprintf("SH deal %d", i), "customer_id": custs[who], "amount": "10000.00", "region": "SH"}, true, "SH"})
			if i%4 == 0 { // interleave refused ones
				jobs = append(jobs, job{who, obj{"name": "bad amount", "customer_id": custs[who], "amount": "1.001", "region": "SH"}, false, ""})
				jobs = append(jobs, job{who, obj{"name": "bad stage", "customer_id": custs[who], "amount": "1.00", "region": "SH", "stage": "nope"}, false, ""})
				jobs = append(jobs, job{who, obj{"name": "bad collaborator", "customer_id": custs[who], "amount": "1.00", "region": "SH", "collaborator_ids": []string{"nobody"}}, false, ""})
			}
			if i < bj {
				jobs = append(jobs, job{who, obj{"name": fmt.Sprintf("BJ deal %d", i), "customer_id": custs[who], "amount": "10000.00", "region": "bj"}, true, "BJ"})
			}
		}

		type result struct {
			status int
			number string
			err    error
		}
		// Everything below takes a second or two; a request still waiting
		// after 20 s is stuck (e.g. every pooled connection held by a
		// transaction that waits for one more), and fails the test.
		quick := *e.client
		quick.Timeout = 20 * time.Second
		burst := *e
		burst.client = &quick
		results := make([]result, len(jobs))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Go(func() {
				<-start
				r, err := burst.send("POST", "/api/v1/opportunities", e.tok[j.who], j.body)
				if err != nil {
					results[i].err = err
					return
				}
				results[i] = result{status: r.Status, number: str(r.JSON, "number")}
			})
		}
		close(start)
		wg.Wait()

		got := map[string][]string{}
		for i, r := range results {
			j := jobs[i]
			switch {
			case r.err != nil:
				t.Fatalf("%d concurrent creations: %v", len(jobs), r.err)
			case j.valid && r.status != 201:
				t.Errorf("%v as %s: %d, want 201", j.body["name"], j.who, r.status)
			case !j.valid && r.status != 422:
				t.Errorf("%v as %s: %d, want 422", j.body["name"], j.who, r.status)
			case j.valid:
				got[j.want] = append(got[j.want], r.number)
			}
		}
		for region, n := range map[string]int{"SH": sh, "BJ": bj} {
			var want []string
			for i := 1; i <= n; i++ {
				want = append(want, fmt.Sprintf("%d-%s-%03d", year, region, i))
			}
			slices.Sort(got[region])
			if !slices.Equal(got[region], want) {
				t.Errorf("%s numbers:\n got %v\nwant %v", region, got[region], want)
			}
		}

		// The sequence goes on where it stopped, and a new year starts again.
		o := e.opportunity(repA1, obj{"customer_id": custs[repA1], "amount": "1.00", "region": "SH"})
		if want := fmt.Sprintf("%d-SH-%03d", year, sh+1); str(o, "number") != want {
			t.Errorf("next SH number %q, want %q", str(o, "number"), want)
		}
		e.clock.Set(testNow.AddDate(1, 0, 0))
		o = e.opportunity(repA1, obj{"customer_id": custs[repA1], "amount": "1.00", "region": "SH"})
		if want := fmt.Sprintf("%d-SH-001", year+1); str(o, "number") != want {
			t.Errorf("first number of the next year %q, want %q", str(o, "number"), want)
		}
	})
}

// TestValidation: bad input is 422 problem+json naming every bad field, and
// nothing is written (SPEC §9).
func TestValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "校验客户")
		other := e.customer(repA2, "别人的客户")
		otherContact := str(e.must(201, "POST", "/api/v1/contacts", repA2, obj{"customer_id": other, "name": "外人", "role": "user"}), "id")
		opp := str(e.opportunity(repA1, obj{"customer_id": cust, "amount": "1000.00"}), "id")

		cases := []struct {
			name, path, list string
			body             obj
			fields           []string
		}{
			{"opportunity with three bad fields", "/api/v1/opportunities", "/api/v1/opportunities?customer_id=" + cust,
				obj{"name": "", "customer_id": cust, "amount": "1.001", "expected_close_date": "2026-13-01"},
				[]string{"name", "amount", "expected_close_date"}},
			{"opportunity with a comma decimal", "/api/v1/opportunities", "/api/v1/opportunities?customer_id=" + cust,
				obj{"name": "x", "customer_id": cust, "amount": "1,5"}, []string{"amount"}},
			{"opportunity without customer or amount", "/api/v1/opportunities", "/api/v1/opportunities?customer_id=" + cust,
				obj{"name": "x"}, []string{"customer_id", "amount"}},
			{"opportunity on an invisible customer", "/api/v1/opportunities", "/api/v1/opportunities?customer_id=" + other,
				obj{"name": "x", "customer_id": other, "amount": "1.00"}, []string{"customer_id"}},
			{"contact with role boss", "/api/v1/contacts", "/api/v1/contacts?customer_id=" + cust,
				obj{"customer_id": cust, "name": "老板", "role": "boss"}, []string{"role"}},
			{"contact without name", "/api/v1/contacts", "/api/v1/contacts?customer_id=" + cust,
				obj{"customer_id": cust, "role": "user"}, []string{"name"}},
			{"activity with an unknown contact", "/api/v1/activities", "/api/v1/activities?opportunity_id=" + opp,
				obj{"opportunity_id": opp, "kind": "call", "contact_ids": []string{"no-such-contact"}}, []string{"contact_ids[0]"}},
			{"activity with another customer's contact", "/api/v1/activities", "/api/v1/activities?opportunity_id=" + opp,
				obj{"opportunity_id": opp, "kind": "visit", "contact_ids": []string{otherContact}}, []string{"contact_ids[0]"}},
			{"activity with a bad time", "/api/v1/activities", "/api/v1/activities?opportunity_id=" + opp,
				obj{"opportunity_id": opp, "kind": "call", "occurred_at": "yesterday"}, []string{"occurred_at"}},
			{"quota for 2026-Q5", "/api/v1/quotas", "/api/v1/quotas",
				obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q5", "amount": "1000.00"}, []string{"period"}},
			{"quota with bad amount and no scope id", "/api/v1/quotas", "/api/v1/quotas",
				obj{"scope": "user", "period": "2026-Q2", "amount": "abc"}, []string{"amount", "scope_id"}},
			{"direct sale with bad date", "/api/v1/direct-sales", "/api/v1/direct-sales",
				obj{"amount": "100.00", "sold_on": "2026-02-30"}, []string{"sold_on"}},
			{"customer without name", "/api/v1/customers", "/api/v1/customers?q=zzz",
				obj{"name": "  ", "region": "shanghai"}, []string{"name", "region"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := e.in(t)
				before := len(items(t, e.must(200, "GET", c.list, admin, nil)))
				r := e.call("POST", c.path, e.tok[repA1], c.body)
				wantProblem(t, r, 422)
				got := fieldsOf(r.JSON)
				for _, f := range c.fields {
					if !slices.Contains(got, f) {
						t.Errorf("errors name %v, want %s among them", got, f)
					}
				}
				if len(got) != len(c.fields) {
					t.Errorf("errors name %v, want exactly %v", got, c.fields)
				}
				for _, fe := range r.JSON["errors"].([]any) {
					if str(fe.(map[string]any), "message") == "" {
						t.Errorf("field error without a message: %v", fe)
					}
				}
				if after := len(items(t, e.must(200, "GET", c.list, admin, nil))); after != before {
					t.Errorf("%d records before, %d after a refused create", before, after)
				}
			})
		}

		// A refused activity does not move the deal's last contact time.
		if o := e.must(200, "GET", "/api/v1/opportunities/"+opp, repA1, nil); o["last_contact_at"] != nil {
			t.Errorf("last_contact_at = %v after refused activities", o["last_contact_at"])
		}
		// Malformed JSON is a problem too.
		r := e.call("POST", "/api/v1/customers", e.tok[repA1], `{"name": `)
		if r.Status != 400 && r.Status != 422 {
			t.Errorf("malformed JSON: %d", r.Status)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("malformed JSON: Content-Type %q", ct)
		}
	})
}
