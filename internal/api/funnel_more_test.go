package api_test

import (
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestFunnelGroupsPeriodsAndCompetition: the funnel split by owner and
// restricted to a close period or a product, and the stage × competition
// forecast (seed 001: none 80%, n competitors 1/(n+1)).
func TestFunnelGroupsPeriodsAndCompetition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")
		c1, c2 := e.customer(repA1, "分组客户一"), e.customer(repA2, "分组客户二")
		// repA1: 100万 at plan_confirmed (20%), 1 competitor, closing in Q2, product ERP.
		e.opportunity(repA1, obj{"customer_id": c1, "amount": "1000000.00", "pipeline_id": pid, "expected_close_date": "2026-06-30",
			"competitors": []string{"竞品甲"}, "product_lines": []string{"ERP"}})
		// repA2: 100万 at evaluation (50%), no competitor, closing in Q3.
		b := e.opportunity(repA2, obj{"customer_id": c2, "amount": "1000000.00", "pipeline_id": pid, "expected_close_date": "2026-08-31"})
		e.must(200, "POST", "/api/v1/opportunities/"+str(b, "id")+"/stage", repA2, obj{"to": "evaluation", "version": version(b)})

		f := e.must(200, "GET", "/api/v1/reports/funnel?pipeline_id="+pid+"&group_by=owner", mgrA, nil)
		groups := f["groups"].([]any)
		if len(groups) != 2 || str(f["total"].(map[string]any), "weighted_amount") != "700000.00" {
			t.Fatalf("grouped funnel: %d groups, total %v", len(groups), f["total"])
		}
		for _, g := range groups {
			g := g.(map[string]any)
			want := map[string]string{e.id(repA1): "200000.00", e.id(repA2): "500000.00"}[str(g, "key")]
			if got := str(g["total"].(map[string]any), "weighted_amount"); got != want || str(g, "label") == "" {
				t.Errorf("group %v (%v): weighted %s, want %s", g["key"], g["label"], got, want)
			}
		}
		if f := e.must(200, "GET", "/api/v1/reports/funnel?pipeline_id="+pid+"&period=2026-Q2", mgrA, nil); num(f["total"].(map[string]any), "count") != 1 {
			t.Errorf("Q2 funnel counts %v deals, want 1", f["total"])
		}
		if f := e.must(200, "GET", "/api/v1/reports/funnel?pipeline_id="+pid+"&product=ERP", mgrA, nil); num(f["total"].(map[string]any), "count") != 1 {
			t.Errorf("ERP funnel counts %v deals, want 1", f["total"])
		}
		wantProblem(t, e.call("GET", "/api/v1/reports/funnel?period=2026-Q9", e.tok[mgrA], nil), 422)

		// Forecast for team A over 2026: stage 20万 + 50万; with competition
		// 20万 × 1/2 + 50万 × 80% = 50万.
		stage := e.must(200, "GET", "/api/v1/reports/forecast?period=2026&team_id="+e.teamA.ID, mgrA, nil)
		comp := e.must(200, "GET", "/api/v1/reports/forecast?period=2026&team_id="+e.teamA.ID+"&method=stage_competition", mgrA, nil)
		if str(stage, "forecast") != "700000.00" || str(comp, "forecast") != "500000.00" || str(comp, "method") != "stage_competition" {
			t.Errorf("forecast stage %v, stage × competition %v (%v)", stage["forecast"], comp["forecast"], comp["method"])
		}
	})
}
