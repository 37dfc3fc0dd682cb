package api_test

import (
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestHealthHistory: the lifecycle report shows the health score over time
// (SPEC §7) — a point when a recomputation changes the score or decision,
// none when it changes nothing.
func TestHealthHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "健康轨迹客户")
		id := str(e.opportunity(repA1, obj{"customer_id": cust, "amount": "300000.00"}), "id")
		e.setNeeds(repA1, id, 500) // 10 items averaging 50 → 20 of 40 points
		e.clock.Advance(24 * time.Hour)
		e.setNeeds(repA1, id, 500) // the same scores: no new point
		e.setNeeds(repA1, id, 1000)
		lc := e.must(200, "GET", "/api/v1/opportunities/"+id+"/lifecycle", mgrA, nil)
		hist, _ := lc["health_history"].([]any)
		var scores []float64
		for _, h := range hist {
			scores = append(scores, num(h.(map[string]any), "score"))
		}
		if len(scores) != 3 || scores[0] != 0 || scores[1] != 20 || scores[2] != 40 {
			t.Fatalf("health history scores %v, want [0 20 40]", scores)
		}
		if last := hist[2].(map[string]any); num(e.get(id), "health_score") != 40 || str(last, "decision") != "regress" {
			t.Errorf("last point %v, deal score %v", last, e.get(id)["health_score"])
		}
		wantProblem(t, e.call("GET", "/api/v1/opportunities/"+id+"/lifecycle", e.tok[repB1], nil), 404)
	})
}
