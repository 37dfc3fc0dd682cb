package api_test

import (
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestWeeklyProgressSpecExample is SPEC §5's example: Q = 1,300万; end of
// week 1 F = 500万, S = 0; end of week 2 F = 520万, S = 80万 → progress
// 100/1300 = 7.69%, on target.
func TestWeeklyProgressSpecExample(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		at := func(s string) time.Time {
			tm, err := time.ParseInLocation("2006-01-02 15:04", s, funnel.CompanyZone)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}
		e.clock.Set(at("2026-10-02 10:00"))
		pid := e.pipelineID("simple-4")
		e.must(201, "POST", "/api/v1/quotas", admin, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q4", "amount": "13000000.00"})
		cust := e.customer(repA1, "进展客户")
		dealA := e.opportunity(repA1, obj{"customer_id": cust, "amount": "25000000.00", "pipeline_id": pid, "expected_close_date": "2026-12-15"}) // 20% → 500万

		e.clock.Set(at("2026-10-05 00:30")) // week 1 (1–4 Oct) has closed
		if r := e.must(200, "POST", "/api/v1/snapshots", admin, obj{}); str(r, "week_end") != "2026-10-04" || r["taken"] != true {
			t.Fatalf("snapshot: %v", r)
		}
		if r := e.must(200, "POST", "/api/v1/snapshots", admin, obj{}); r["taken"] != false {
			t.Fatalf("a second snapshot of the same week must change nothing: %v", r)
		}
		wantProblem(t, e.call("POST", "/api/v1/snapshots", e.tok[repA1], obj{}), 403)

		e.clock.Set(at("2026-10-08 11:00"))
		e.must(200, "PATCH", "/api/v1/opportunities/"+str(dealA, "id"), repA1, obj{"amount": "26000000.00", "version": version(dealA)}) // 520万
		dealB := e.opportunity(repA1, obj{"customer_id": cust, "amount": "800000.00", "pipeline_id": pid, "expected_close_date": "2026-10-30"})
		e.must(200, "POST", "/api/v1/opportunities/"+str(dealB, "id")+"/stage", repA1, obj{"to": "won", "version": version(dealB)}) // S = 80万

		e.clock.Set(at("2026-10-12 00:30")) // week 2 (5–11 Oct) has closed
		e.must(200, "POST", "/api/v1/snapshots", admin, obj{})
		e.clock.Set(at("2026-10-13 09:00"))

		p := e.must(200, "GET", "/api/v1/reports/progress?period=2026-Q4&owner_id="+e.id(repA1), mgrA, nil)
		if str(p, "quota") != "13000000.00" {
			t.Fatalf("quota %v", p["quota"])
		}
		weeks := p["weeks"].([]any)
		if len(weeks) != 4 {
			t.Fatalf("%d weeks (want week 0, 1, 2 and the live week 3): %v", len(weeks), weeks)
		}
		w0, w1, w2, w3 := weeks[0].(map[string]any), weeks[1].(map[string]any), weeks[2].(map[string]any), weeks[3].(map[string]any)
		if w0["forecast"] != nil || w1["progress"] != nil {
			t.Errorf("without a snapshot at the quarter's start, F0 and week 1's progress are unknown: %v %v", w0, w1)
		}
		if str(w1, "week_end") != "2026-10-04" || str(w1, "forecast") != "5000000.00" || str(w1, "sales") != "0.00" {
			t.Errorf("week 1 = %v", w1)
		}
		if str(w2, "week_end") != "2026-10-11" || str(w2, "forecast") != "5200000.00" || str(w2, "sales") != "800000.00" ||
			num(w2, "progress") != 7.69 || num(w2, "target") != 7.69 || w2["on_target"] != true {
			t.Errorf("week 2 = %v, want F 520万, S 80万, progress 7.69 on target", w2)
		}
		if w3["live"] != true || str(w3, "forecast") != "5200000.00" {
			t.Errorf("week 3 (live) = %v", w3)
		}
		// Another team's manager does not see this scope.
		wantProblem(t, e.call("GET", "/api/v1/reports/progress?period=2026-Q4&owner_id="+e.id(repA1), e.tok[mgrB], nil), 404)
	})
}

// TestForecastAccuracyBacktest: the forecast 30 days before October's end,
// read from the snapshot of the week ending 27 Sept, against October's wins.
func TestForecastAccuracyBacktest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		at := func(s string) time.Time {
			tm, _ := time.ParseInLocation("2006-01-02 15:04", s, funnel.CompanyZone)
			return tm
		}
		pid := e.pipelineID("simple-4")
		e.clock.Set(at("2026-09-20 10:00"))
		cust := e.customer(repA1, "准确度客户")
		deal := e.opportunity(repA1, obj{"customer_id": cust, "amount": "10000000.00", "pipeline_id": pid, "expected_close_date": "2026-10-20"}) // 200万 weighted
		e.clock.Set(at("2026-09-28 00:30"))
		e.must(200, "POST", "/api/v1/snapshots", admin, obj{})
		e.clock.Set(at("2026-10-20 15:00"))
		e.must(200, "POST", "/api/v1/opportunities/"+str(deal, "id")+"/stage", repA1, obj{"to": "won", "version": version(deal), "amount": "1900000.00"})
		e.clock.Set(at("2026-11-05 09:00"))

		r := e.must(200, "GET", "/api/v1/reports/accuracy?months=2&owner_id="+e.id(repA1), mgrA, nil)
		months := r["months"].([]any)
		sep, oct := months[0].(map[string]any), months[1].(map[string]any)
		if str(sep, "month") != "2026-09" || sep["forecast"] != nil || sep["error_pct"] != nil {
			t.Errorf("September has no snapshot 30 days before its end: %v", sep)
		}
		if str(oct, "month") != "2026-10" || str(oct, "snapshot_week") != "2026-09-27" || str(oct, "forecast") != "2000000.00" ||
			str(oct, "won") != "1900000.00" || num(oct, "error_pct") != 5.26 || oct["within_5"] != false {
			t.Errorf("October = %v, want forecast 200万 from 2026-09-27 against 190万 won: +5.26%%, not within ±5%%", oct)
		}
	})
}
