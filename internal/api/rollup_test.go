package api_test

import (
	"fmt"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestForecastRollup: reps sign off their forecasts, the manager adjusts the
// team's with a comment, and the director sees submitted beside live.
func TestForecastRollup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")
		cust := e.customer(repA1, "汇总客户")
		e.opportunity(repA1, obj{"customer_id": cust, "amount": "1000000.00", "pipeline_id": pid, "expected_close_date": "2026-06-30"}) // 20万

		sub := e.must(201, "POST", "/api/v1/reports/rollup/submissions", repA1, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q2"})
		if str(sub, "amount") != "200000.00" || str(sub, "live") != "200000.00" {
			t.Fatalf("rep's sign-off = %v", sub)
		}
		wantProblem(t, e.call("POST", "/api/v1/reports/rollup/submissions", e.tok[repA1], obj{"scope": "user", "scope_id": e.id(repA2), "period": "2026-Q2"}), 422)
		wantProblem(t, e.call("POST", "/api/v1/reports/rollup/submissions", e.tok[repA1], obj{"scope": "team", "scope_id": e.teamA.ID, "period": "2026-Q2"}), 403)

		r := e.must(200, "GET", "/api/v1/reports/rollup?period=2026-Q2", mgrA, nil)
		rows := map[string]map[string]any{}
		for _, row := range r["rows"].([]any) {
			row := row.(map[string]any)
			rows[str(row, "id")] = row
		}
		if len(rows) != 3 || str(r, "live") != "200000.00" || num(r, "missing") != 2 || r["submitted"] != nil {
			t.Fatalf("team A roll-up: %d rows (mgrA, repA1, repA2), live %v, missing %v: %v", len(rows), r["live"], r["missing"], r)
		}
		if a1 := rows[e.id(repA1)]; str(a1, "live") != "200000.00" || a1["submitted"] == nil {
			t.Errorf("repA1's row: %v", a1)
		}
		if a2 := rows[e.id(repA2)]; a2["submitted"] != nil || str(a2, "live") != "0.00" {
			t.Errorf("repA2's row: %v", a2)
		}

		// The manager adjusts: a comment is required for a figure that differs.
		r2 := e.call("POST", "/api/v1/reports/rollup/submissions", e.tok[mgrA], obj{"scope": "team", "scope_id": e.teamA.ID, "period": "2026-Q2", "amount": "250000.00"})
		wantProblem(t, r2, 422)
		if fs := fieldsOf(r2.JSON); fmt.Sprint(fs) != "[comment]" {
			t.Errorf("adjusting without a comment names %v", fs)
		}
		e.must(201, "POST", "/api/v1/reports/rollup/submissions", mgrA, obj{"scope": "team", "scope_id": e.teamA.ID, "period": "2026-Q2",
			"amount": "250000.00", "comment": "客户口头确认追加模块"})

		d := e.must(200, "GET", "/api/v1/reports/rollup?period=2026-Q2", director, nil)
		if str(d, "team_id") != e.root.ID || len(d["rows"].([]any)) < 2 {
			t.Fatalf("director's roll-up: %v", d)
		}
		for _, row := range d["rows"].([]any) {
			row := row.(map[string]any)
			if str(row, "id") == e.teamA.ID {
				s, _ := row["submitted"].(map[string]any)
				if str(row, "live") != "200000.00" || s == nil || str(s, "amount") != "250000.00" || str(s, "comment") == "" {
					t.Errorf("team A seen by the director: %v", row)
				}
			}
		}
		for _, who := range []string{repA1, mgrB} {
			wantProblem(t, e.call("GET", "/api/v1/reports/rollup?period=2026-Q2&team_id="+e.teamA.ID, e.tok[who], nil), 404)
		}
	})
}
