package api_test

import (
	"strconv"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestConversionReport: three deals on simple-4 — one walks to won, one
// jumps plan_confirmed → contract_terms and is lost, one stays — give the
// conversion and dwell figures computed by hand, per visibility.
func TestConversionReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")
		cust := e.customer(repA1, "转化客户")
		newDeal := func(amount string) string {
			return str(e.opportunity(repA1, obj{"customer_id": cust, "amount": amount, "pipeline_id": pid}), "id")
		}
		move := func(id, to string, extra obj) {
			cur := e.must(200, "GET", "/api/v1/opportunities/"+id, repA1, nil)
			body := obj{"to": to, "version": version(cur)}
			for k, v := range extra {
				body[k] = v
			}
			e.must(200, "POST", "/api/v1/opportunities/"+id+"/stage", repA1, body)
		}
		day := 24 * time.Hour
		a, b := newDeal("800000.00"), newDeal("100000.00")
		newDeal("200000.00")
		e.clock.Advance(2 * day)
		move(a, "evaluation", nil)
		move(b, "contract_terms", nil) // skips evaluation
		e.clock.Advance(4 * day)
		move(a, "contract_terms", nil)
		move(b, "lost", obj{"loss_reason": "needs_changed"})
		e.clock.Advance(4 * day)
		move(a, "won", nil)

		r := e.must(200, "GET", "/api/v1/reports/conversion?pipeline_id="+pid, mgrA, nil)
		if num(r, "deals") != 3 || num(r, "won") != 1 || num(r, "lost") != 1 || str(r, "win_rate") != "33.33" {
			t.Fatalf("totals: %v", r)
		}
		want := map[string][4]string{ // entered, advanced, conversion, avg dwell days
			"plan_confirmed": {"3", "2", "66.67", "2"},
			"evaluation":     {"2", "2", "100", "4"}, // b skipped it: counted as passed, no dwell
			"contract_terms": {"2", "1", "50", "4"},  // a stayed 4 days, b 4 days before losing
		}
		for _, s := range r["stages"].([]any) {
			s := s.(map[string]any)
			w := want[str(s, "key")]
			got := [4]string{itoa(num(s, "entered")), itoa(num(s, "advanced")), str(s, "conversion"), str(s, "avg_dwell_days")}
			if got != w {
				t.Errorf("stage %s: %v, want %v", str(s, "key"), got, w)
			}
		}
		if str(r, "avg_cycle_days") != "10" || str(r, "high_value_share") != "33.33" {
			t.Errorf("cycle %v high-value share %v", r["avg_cycle_days"], r["high_value_share"])
		}
		if lr := r["loss_reasons"].(map[string]any); lr["needs_changed"] != "100" {
			t.Errorf("loss reasons %v", lr)
		}
		// Calibration: of the two closed deals, both reached plan_confirmed
		// and contract_terms (b by skipping evaluation), one was won.
		cal := e.must(200, "GET", "/api/v1/reports/calibration?pipeline_id="+pid, mgrA, nil)
		for _, s := range cal["stages"].([]any) {
			s := s.(map[string]any)
			if str(s, "empirical") != "50" || num(s, "sample") != 2 {
				t.Errorf("calibration of %s: %v over %v, want 50 over 2 (configured %v)", str(s, "key"), s["empirical"], s["sample"], s["configured"])
			}
		}
		// Team B's manager sees none of it.
		if other := e.must(200, "GET", "/api/v1/reports/conversion?pipeline_id="+pid, mgrB, nil); num(other, "deals") != 0 {
			t.Errorf("mgrB sees %v deals", other["deals"])
		}
	})
}

func itoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// TestRepProfiles: repA1 opens three deals and moves none; repA2 opens one
// and wins it — an opener and a converter against the team's medians.
func TestRepProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")
		c1, c2 := e.customer(repA1, "画像客户一"), e.customer(repA2, "画像客户二")
		for range 3 {
			e.opportunity(repA1, obj{"customer_id": c1, "amount": "100000.00", "pipeline_id": pid})
		}
		d := e.opportunity(repA2, obj{"customer_id": c2, "amount": "100000.00", "pipeline_id": pid})
		e.must(200, "POST", "/api/v1/opportunities/"+str(d, "id")+"/stage", repA2, obj{"to": "won", "version": version(d)})

		r := e.must(200, "GET", "/api/v1/reports/reps?pipeline_id="+pid+"&team_id="+e.teamA.ID, mgrA, nil)
		if num(r, "median_opened") != 2 || num(r, "median_conversion") != 50 {
			t.Fatalf("medians: %v %v", r["median_opened"], r["median_conversion"])
		}
		got := map[string]string{}
		for _, p := range r["reps"].([]any) {
			p := p.(map[string]any)
			got[str(p, "owner_id")] = str(p, "profile")
		}
		if got[e.id(repA1)] != "opener" || got[e.id(repA2)] != "converter" || len(got) != 2 {
			t.Errorf("profiles %v, want repA1 opener and repA2 converter", got)
		}
	})
}
