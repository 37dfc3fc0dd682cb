package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestOpportunityValues: probability, weighted amount and competition win
// rate come with every opportunity (SPEC §5).
func TestOpportunityValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "价值客户")
		// The default pipeline (sop-5) starts at discovery, 10%.
		o := e.opportunity(repA1, obj{"customer_id": cust, "amount": "1000000"})
		if str(o, "amount") != "1000000.00" || str(o, "stage") != "discovery" || num(o, "probability") != 10 ||
			str(o, "weighted_amount") != "100000.00" || num(o, "competition_win_rate") != 80 {
			t.Errorf("new deal: amount %v stage %v probability %v weighted %v win rate %v",
				o["amount"], o["stage"], o["probability"], o["weighted_amount"], o["competition_win_rate"])
		}
		id := str(o, "id")
		for _, c := range []struct {
			competitors []string
			rate        float64
		}{{[]string{"竞品甲"}, 50}, {[]string{"竞品甲", "竞品乙"}, 33.33}, {[]string{}, 80}} {
			cur := e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil)
			got := e.must(200, "PATCH", "/api/v1/opportunities/"+id, repA1, obj{"competitors": c.competitors, "version": version(cur)})
			if num(got, "competition_win_rate") != c.rate {
				t.Errorf("%d competitors: win rate %v, want %v", len(c.competitors), got["competition_win_rate"], c.rate)
			}
			again := e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil)
			if num(again, "competition_win_rate") != c.rate {
				t.Errorf("%d competitors: GET win rate %v, want %v", len(c.competitors), again["competition_win_rate"], c.rate)
			}
		}
		// Odd amounts round to the fen: 0.03 at 10% = 0.003 → 0.00; 0.05 → 0.01.
		for amount, weighted := range map[string]string{"0.03": "0.00", "0.05": "0.01", "123456.78": "12345.68"} {
			o := e.opportunity(repA1, obj{"customer_id": cust, "amount": amount})
			if str(o, "weighted_amount") != weighted {
				t.Errorf("%s at 10%%: weighted %v, want %s", amount, o["weighted_amount"], weighted)
			}
		}
	})
}

// TestPriorityListSeed000 reproduces seed 000 through the API: 100万 at
// 采购计划确认 (20%) is worth 20万, 50万 at 深入沟通 (50%) 25万, so the 50万 deal
// comes first; when the 100万 deal reaches stage 2 it is worth 50万 and leads.
func TestPriorityListSeed000(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pl := e.pipelineID("simple-4")
		cust := e.customer(repA1, "种子零零零客户")
		big := e.opportunity(repA1, obj{"name": "100万", "customer_id": cust, "amount": "1000000.00", "pipeline_id": pl})
		small := e.opportunity(repA1, obj{"name": "50万", "customer_id": cust, "amount": "500000.00", "pipeline_id": pl, "stage": "evaluation"})
		// Noise: a deal in another pipeline worth more must not appear.
		e.opportunity(repA1, obj{"name": "other pipeline", "customer_id": cust, "amount": "9000000.00"})
		if str(big, "stage") != "plan_confirmed" || str(big, "weighted_amount") != "200000.00" ||
			str(small, "weighted_amount") != "250000.00" {
			t.Fatalf("big %v %v, small %v", big["stage"], big["weighted_amount"], small["weighted_amount"])
		}
		order := func() []string {
			page := e.must(200, "GET", "/api/v1/opportunities?sort=-weighted_amount&pipeline_id="+pl, mgrA, nil)
			var names []string
			for _, it := range items(t, page) {
				names = append(names, str(it, "name"))
			}
			return names
		}
		if got := order(); fmt.Sprint(got) != "[50万 100万]" {
			t.Errorf("priority list %v, want [50万 100万]", got)
		}
		moved := e.must(200, "POST", "/api/v1/opportunities/"+str(big, "id")+"/stage", repA1, obj{"to": "evaluation", "version": version(big)})
		if str(moved, "stage") != "evaluation" || num(moved, "probability") != 50 || str(moved, "weighted_amount") != "500000.00" {
			t.Errorf("after the move: %v %v %v", moved["stage"], moved["probability"], moved["weighted_amount"])
		}
		if got := order(); fmt.Sprint(got) != "[100万 50万]" {
			t.Errorf("priority list after the move %v, want [100万 50万]", got)
		}
		// Paging the priority list keeps the order.
		p1 := e.must(200, "GET", "/api/v1/opportunities?sort=-weighted_amount&limit=1&pipeline_id="+pl, repA1, nil)
		p2 := e.must(200, "GET", "/api/v1/opportunities?sort=-weighted_amount&limit=1&pipeline_id="+pl+"&cursor="+url.QueryEscape(str(p1, "next_cursor")), repA1, nil)
		if i1, i2 := items(t, p1), items(t, p2); len(i1) != 1 || len(i2) != 1 || str(i1[0], "name") != "100万" || str(i2[0], "name") != "50万" || str(p2, "next_cursor") != "" {
			t.Errorf("paged priority list: %v then %v (next %q)", ids(i1), ids(i2), str(p2, "next_cursor"))
		}
	})
}

// TestFunnelReport: count, amount and weighted amount per open stage and in
// total, exact to the fen; closed deals and other pipelines stay out.
func TestFunnelReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pl := e.pipelineID("simple-4")
		custA := e.customer(repA1, "漏斗客户甲")
		custB := e.customer(repB1, "漏斗客户乙")
		open := func(who, cust, stage, amount string) map[string]any {
			return e.opportunity(who, obj{"customer_id": cust, "amount": amount, "pipeline_id": pl, "stage": stage})
		}
		open(repA1, custA, "plan_confirmed", "1000000.00")
		open(repA1, custA, "plan_confirmed", "0.03")
		open(repA1, custA, "evaluation", "500000.00")
		open(repB1, custB, "contract_terms", "300000.00")
		open(repB1, custB, "contract_terms", "0.01")
		won := open(repA1, custA, "evaluation", "777777.77")
		e.must(200, "POST", "/api/v1/opportunities/"+str(won, "id")+"/stage", repA1, obj{"to": "won", "version": 1})
		lost := open(repB1, custB, "plan_confirmed", "888888.88")
		e.must(200, "DELETE", "/api/v1/opportunities/"+str(lost, "id")+"?version=1&loss_reason=competitor_price", repB1, nil)
		e.opportunity(repA1, obj{"customer_id": custA, "amount": "999999.99"}) // default pipeline

		type row struct {
			count            float64
			amount, weighted string
		}
		check := func(who string, want map[string]row, total row) {
			t.Helper()
			f := e.must(200, "GET", "/api/v1/reports/funnel?pipeline_id="+pl, who, nil)
			if str(f, "pipeline_id") != pl {
				t.Errorf("%s: pipeline_id %v", who, f["pipeline_id"])
			}
			stages, _ := f["stages"].([]any)
			var keys []string
			for _, s := range stages {
				s := s.(map[string]any)
				keys = append(keys, str(s, "key"))
				w := want[str(s, "key")]
				if num(s, "count") != w.count || str(s, "amount") != w.amount || str(s, "weighted_amount") != w.weighted {
					t.Errorf("%s: stage %s = %v / %v / %v, want %v / %v / %v", who, str(s, "key"),
						s["count"], s["amount"], s["weighted_amount"], w.count, w.amount, w.weighted)
				}
			}
			if fmt.Sprint(keys) != "[plan_confirmed evaluation contract_terms]" {
				t.Errorf("%s: stages %v, want the three open stages in order", who, keys)
			}
			tot, _ := f["total"].(map[string]any)
			if num(tot, "count") != total.count || str(tot, "amount") != total.amount || str(tot, "weighted_amount") != total.weighted {
				t.Errorf("%s: total = %v, want %+v", who, tot, total)
			}
		}
		// 1000000.03 × 20% = 200000.006; 500000 × 50% = 250000; 300000.01 ×
		// 80% = 240000.008. The total weighs the exact sum: 690000.014.
		check(admin, map[string]row{
			"plan_confirmed": {2, "1000000.03", "200000.01"},
			"evaluation":     {1, "500000.00", "250000.00"},
			"contract_terms": {2, "300000.01", "240000.01"},
		}, row{5, "1800000.04", "690000.01"})
		// The director sees the same; team B's manager only team B's deals.
		check(director, map[string]row{
			"plan_confirmed": {2, "1000000.03", "200000.01"},
			"evaluation":     {1, "500000.00", "250000.00"},
			"contract_terms": {2, "300000.01", "240000.01"},
		}, row{5, "1800000.04", "690000.01"})
		check(mgrB, map[string]row{
			"plan_confirmed": {0, "0.00", "0.00"},
			"evaluation":     {0, "0.00", "0.00"},
			"contract_terms": {2, "300000.01", "240000.01"},
		}, row{2, "300000.01", "240000.01"})
		check(repA2, map[string]row{
			"plan_confirmed": {0, "0.00", "0.00"},
			"evaluation":     {0, "0.00", "0.00"},
			"contract_terms": {0, "0.00", "0.00"},
		}, row{0, "0.00", "0.00"})
	})
}

// TestForecastDiagnoses: forecast, quota, achieved (won + direct sales),
// remaining quota, gap and the diagnosis of seed 000, one rep per diagnosis.
func TestForecastDiagnoses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pl := e.pipelineID("simple-4")
		const period = "2026-Q2" // testNow is 2026-05-15
		deal := func(who, stage, amount, closeDate string) map[string]any {
			cust := e.customer(who, fmt.Sprintf("预测客户 %s %s %s %s", who, stage, amount, closeDate))
			return e.opportunity(who, obj{"customer_id": cust, "amount": amount, "pipeline_id": pl, "stage": stage, "expected_close_date": closeDate})
		}
		quota := func(who, amount string) {
			e.must(201, "POST", "/api/v1/quotas", admin, obj{"scope": "user", "scope_id": e.id(who), "period": period, "amount": amount})
		}

		// repA1 — on track. Quota 100万; won 30万 and direct 10万 in the
		// quarter; forecast 100万×50% + 50万×20% = 60万 = what remains.
		quota(repA1, "1000000.00")
		w := deal(repA1, "contract_terms", "250000.00", "2026-06-30")
		e.must(200, "POST", "/api/v1/opportunities/"+str(w, "id")+"/stage", repA1,
			obj{"to": "won", "version": 1, "amount": "300000.00", "closed_on": "2026-05-10"})
		old := deal(repA1, "contract_terms", "400000.00", "2026-03-31") // won last quarter: not achieved now
		e.must(200, "POST", "/api/v1/opportunities/"+str(old, "id")+"/stage", repA1,
			obj{"to": "won", "version": 1, "closed_on": "2026-03-31"})
		e.must(201, "POST", "/api/v1/direct-sales", repA1, obj{"amount": "100000.00", "sold_on": "2026-04-01"})
		e.must(201, "POST", "/api/v1/direct-sales", repA1, obj{"amount": "50000.00", "sold_on": "2026-07-01"}) // next quarter
		deal(repA1, "evaluation", "1000000.00", "2026-06-30")
		deal(repA1, "plan_confirmed", "500000.00", "2026-04-01")
		deal(repA1, "contract_terms", "1000000.00", "2026-07-01") // closes next quarter: not in the forecast

		// repA2 — needs new opportunities: 100万 at 50% = 50万 < 100万, none early.
		quota(repA2, "1000000.00")
		deal(repA2, "evaluation", "1000000.00", "2026-05-31")

		// repB1 — needs conversion: 200万×20% = 40万 early of 50万 forecast.
		quota(repB1, "1000000.00")
		deal(repB1, "plan_confirmed", "2000000.00", "2026-06-01")
		deal(repB1, "evaluation", "200000.00", "2026-06-01")

		cases := []struct {
			who                                                         string
			forecast, quota, achieved, won, direct, remaining, gap, dia string
		}{
			{repA1, "600000.00", "1000000.00", "400000.00", "300000.00", "100000.00", "600000.00", "0.00", "on_track"},
			{repA2, "500000.00", "1000000.00", "0.00", "0.00", "0.00", "1000000.00", "500000.00", "needs_new_opportunities"},
			{repB1, "500000.00", "1000000.00", "0.00", "0.00", "0.00", "1000000.00", "500000.00", "needs_conversion"},
		}
		for _, c := range cases {
			for _, viewer := range []string{admin, c.who} {
				f := e.must(200, "GET", "/api/v1/reports/forecast?period="+period+"&owner_id="+e.id(c.who), viewer, nil)
				got := fmt.Sprint(f["forecast"], " ", f["quota"], " ", f["achieved"], " ", f["won"], " ", f["direct_sales"], " ",
					f["remaining_quota"], " ", f["gap"], " ", f["diagnosis"])
				want := fmt.Sprint(c.forecast, " ", c.quota, " ", c.achieved, " ", c.won, " ", c.direct, " ", c.remaining, " ", c.gap, " ", c.dia)
				if got != want {
					t.Errorf("forecast of %s as %s:\n got %s\nwant %s", c.who, viewer, got, want)
				}
				if str(f, "scope") != "user" || str(f, "scope_id") != e.id(c.who) || str(f, "period") != period {
					t.Errorf("forecast of %s: scope %v %v period %v", c.who, f["scope"], f["scope_id"], f["period"])
				}
			}
		}
		// A rep without a scope gets their own; a bad period is a named error.
		f := e.must(200, "GET", "/api/v1/reports/forecast?period="+period, repB1, nil)
		if str(f, "scope_id") != e.id(repB1) || str(f, "diagnosis") != "needs_conversion" {
			t.Errorf("own forecast of repB1: %v", f)
		}
		r := e.call("GET", "/api/v1/reports/forecast?period=2026-Q5", e.tok[repA1], nil)
		wantProblem(t, r, 422)
		if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != "[period]" {
			t.Errorf("bad period: errors name %v", fs)
		}
	})
}
