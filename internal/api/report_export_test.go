package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestReportExports: every report downloads from GET /api/v1/exports/{kind}
// with the parameters of its JSON endpoint, as CSV for Excel (BOM, CRLF,
// formulas defused) with Chinese or English headers, holding the figures of
// the JSON report row for row, within the caller's visibility.
func TestReportExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")
		mfg := str(e.must(201, "POST", "/api/v1/customers", repA1, obj{"name": "导出客户", "region": "SH", "industry": "制造业"}), "id")
		odd := str(e.must(201, "POST", "/api/v1/customers", repA2, obj{"name": "公式客户", "region": "SH", "industry": `=HYPERLINK("x")`}), "id")
		deal := func(who, cust, amount string) map[string]any {
			return e.opportunity(who, obj{"customer_id": cust, "amount": amount, "pipeline_id": pid, "expected_close_date": "2026-06-30"})
		}
		move := func(who string, d map[string]any, to string, extra obj) {
			cur := e.must(200, "GET", "/api/v1/opportunities/"+str(d, "id"), who, nil)
			body := obj{"to": to, "version": version(cur)}
			for k, v := range extra {
				body[k] = v
			}
			e.must(200, "POST", "/api/v1/opportunities/"+str(d, "id")+"/stage", who, body)
		}
		a, b := deal(repA1, mfg, "1000000.00"), deal(repA1, mfg, "250000.50")
		deal(repA2, odd, "80000.00")
		e.clock.Advance(72 * 3600e9)
		move(repA1, a, "evaluation", nil)
		move(repA1, b, "lost", obj{"loss_reason": "competitor_price"})
		e.must(201, "POST", "/api/v1/quotas", admin, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q2", "amount": "1300000.00"})
		e.must(200, "POST", "/api/v1/snapshots", admin, obj{})
		e.must(201, "POST", "/api/v1/reports/rollup/submissions", repA1, obj{"scope": "user", "scope_id": e.id(repA1), "period": "2026-Q2"})

		p := "pipeline_id=" + pid
		for i, c := range []struct {
			kind, query string
			rows        func(r map[string]any) [][]string // the JSON report laid out as the CSV's rows
		}{
			{"funnel", p, func(r map[string]any) [][]string {
				var out [][]string
				for _, s := range list(r, "stages") {
					out = append(out, cells(s, "name", "probability", "count", "amount", "weighted_amount", "forecast_share"))
				}
				return append(out, append(append([]string{"合计", ""}, cells(r["total"].(map[string]any), "count", "amount", "weighted_amount")...), "100"))
			}},
			{"funnel", p + "&group_by=industry", func(r map[string]any) [][]string {
				var out [][]string
				for _, g := range list(r, "groups") {
					for _, s := range list(g, "stages") {
						out = append(out, append([]string{str(g, "label")}, cells(s, "name", "probability", "count", "amount", "weighted_amount", "forecast_share")...))
					}
					out = append(out, append([]string{str(g, "label"), "合计", ""}, append(cells(g["total"].(map[string]any), "count", "amount", "weighted_amount"), "100")...))
				}
				return out
			}},
			{"forecast", p + "&period=2026-Q2&owner_id=" + e.id(repA1), func(r map[string]any) [][]string {
				return [][]string{cells(r, "period", "scope", "forecast", "quota", "achieved", "won", "direct_sales", "remaining_quota", "gap", "coverage", "early_share", "diagnosis", "method")}
			}},
			{"conversion", p, func(r map[string]any) [][]string {
				var out [][]string
				for _, s := range list(r, "stages") {
					out = append(out, cells(s, "name", "entered", "advanced", "conversion", "avg_dwell_days", "median_dwell_days", "stays"))
				}
				return append(out, append([]string{"全程(创建→赢单)"}, append(cells(r, "deals", "won", "win_rate", "avg_cycle_days"), "", cell(r["won"]))...))
			}},
			{"progress", p + "&period=2026-Q2&owner_id=" + e.id(repA1), func(r map[string]any) [][]string {
				var out [][]string
				for _, w := range list(r, "weeks") {
					row := append(cells(w, "week", "week_end"), cell(r["quota"]))
					row = append(row, cells(w, "forecast", "sales", "progress", "target")...)
					out = append(out, append(row, yesNo(w["on_target"]), yesNo(w["live"])))
				}
				return out
			}},
			{"accuracy", p + "&months=3", func(r map[string]any) [][]string {
				var out [][]string
				for _, m := range list(r, "months") {
					out = append(out, append(cells(m, "month", "snapshot_week", "forecast", "won", "error_pct"), yesNo(m["within_5"])))
				}
				return out
			}},
			{"calibration", p, func(r map[string]any) [][]string {
				var out [][]string
				for _, s := range list(r, "stages") {
					out = append(out, cells(s, "name", "configured", "empirical", "sample"))
				}
				return out
			}},
			{"reps", p + "&team_id=" + e.teamA.ID, func(r map[string]any) [][]string {
				var out [][]string
				for _, s := range list(r, "reps") {
					out = append(out, cells(s, "name", "opened", "won", "win_rate", "conversion", "profile"))
				}
				return append(out, []string{"中位数", cell(r["median_opened"]), "", "", cell(r["median_conversion"]), ""})
			}},
			{"targets", p + "&period=2026-Q2&owner_id=" + e.id(repA1), func(r map[string]any) [][]string {
				pr, be, ac := r["probability"].(map[string]any), r["behaviour"].(map[string]any), r["actual"].(map[string]any)
				row := cells(r, "period", "scope", "quota", "achieved")
				row = append(row, cells(pr, "remaining", "win_rate", "avg_order_value", "activities_per_win", "needed_wins", "needed_opportunities",
					"needed_activities", "working_days_left", "activities_per_day")...)
				row = append(row, cells(ac, "opportunities", "activities")...)
				return [][]string{append(row, cells(be, "accounts", "touched", "penetrated", "coverage", "penetration")...)}
			}},
			{"rollup", "period=2026-Q2&team_id=" + e.teamA.ID, func(r map[string]any) [][]string {
				sub := func(s any) []string {
					if s == nil {
						return []string{"", "", ""}
					}
					m := s.(map[string]any)
					return []string{str(m, "amount"), "*", str(m, "comment")} // the time is checked for its shape below
				}
				out := [][]string{append([]string{"本团队", str(r, "team_name"), str(r, "live")}, sub(r["submitted"])...)}
				for _, x := range list(r, "rows") {
					kind := map[string]string{"team": "下级团队", "user": "成员"}[str(x, "kind")]
					out = append(out, append([]string{kind, str(x, "name"), str(x, "live")}, sub(x["submitted"])...))
				}
				return out
			}},
		} {
			t.Run(fmt.Sprintf("%d_%s", i, c.kind), func(t *testing.T) {
				e := e.in(t)
				report := e.must(200, "GET", "/api/v1/reports/"+c.kind+"?"+c.query, mgrA, nil)
				r := e.call("GET", "/api/v1/exports/"+c.kind+"?"+c.query, e.tok[mgrA], nil)
				if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
					t.Fatalf("%s: %d %s %s", c.kind, r.Status, r.Header.Get("Content-Type"), r.Raw)
				}
				header, rows := readCSV(t, r.Raw)
				if len(header) != len(rows[0]) && len(rows) > 0 {
					t.Errorf("header %q has %d columns, rows %d", header, len(header), len(rows[0]))
				}
				want := c.rows(report)
				if len(rows) != len(want) || len(want) == 0 {
					t.Fatalf("%s: %d rows, the report has %d:\n%s", c.kind, len(rows), len(want), r.Raw)
				}
				for i := range want {
					if len(rows[i]) != len(want[i]) {
						t.Fatalf("%s row %d: %q, want %q", c.kind, i+2, rows[i], want[i])
					}
					for j := range want[i] {
						if want[i][j] == "*" && rows[i][j] != "" {
							continue
						}
						if strings.HasPrefix(want[i][j], "=") {
							want[i][j] = "'" + want[i][j] // defused for the spreadsheet
						}
						if norm(rows[i][j]) != norm(want[i][j]) {
							t.Errorf("%s row %d, column %q: %q, the report says %q", c.kind, i+2, header[j], rows[i][j], want[i][j])
						}
					}
				}
				en := e.call("GET", "/api/v1/exports/"+c.kind+"?"+c.query+"&lang=en", e.tok[mgrA], nil)
				enHeader, _ := readCSV(t, en.Raw)
				for j := range header {
					if header[j] == enHeader[j] || header[j] == "" || !isASCII(enHeader[j]) {
						t.Errorf("%s column %d: zh %q, en %q", c.kind, j+1, header[j], enHeader[j])
					}
				}
				if x := e.call("GET", "/api/v1/exports/"+c.kind+"?"+c.query+"&format=xlsx", e.tok[mgrA], nil); x.Status != 200 || !bytes.HasPrefix(x.Raw, []byte("PK")) {
					t.Errorf("%s as xlsx: %d", c.kind, x.Status)
				}
			})
		}

		// The industry named like a formula is defused; team B's manager
		// sees none of team A's deals; bad parameters are problems.
		grouped := string(e.call("GET", "/api/v1/exports/funnel?group_by=industry&"+p, e.tok[mgrA], nil).Raw)
		if !strings.Contains(grouped, `"'=HYPERLINK(""x"")"`) || !strings.Contains(grouped, "\r\n") || !strings.HasPrefix(grouped, "\uFEFF分组,阶段,") {
			t.Errorf("grouped funnel:\n%s", grouped)
		}
		_, rows := readCSV(t, e.call("GET", "/api/v1/exports/funnel?"+p, e.tok[mgrB], nil).Raw)
		if total := rows[len(rows)-1]; total[2] != "0" {
			t.Errorf("mgrB's funnel total: %q", total)
		}
		wantProblem(t, e.call("GET", "/api/v1/exports/progress?period=2026-11", e.tok[mgrA], nil), 422)
		wantProblem(t, e.call("GET", "/api/v1/exports/forecast", "", nil), 401)

		// The OpenAPI document says where each report's CSV is.
		doc := e.call("GET", "/openapi.json", "", nil).JSON
		for _, kind := range []string{"funnel", "forecast", "conversion", "progress", "accuracy", "calibration", "reps", "targets", "rollup"} {
			get := doc["paths"].(map[string]any)["/api/v1/reports/"+kind].(map[string]any)["get"].(map[string]any)
			if !strings.Contains(str(get, "description"), "GET /api/v1/exports/"+kind+" ") {
				t.Errorf("%s: %q", kind, get["description"])
			}
		}
		kinds := fmt.Sprint(doc["paths"].(map[string]any)["/api/v1/exports/{kind}"])
		if !strings.Contains(kinds, "calibration") || !strings.Contains(kinds, "months") {
			t.Errorf("exports operation: %s", kinds)
		}
	})
}

// readCSV checks the shape Excel wants and splits header and rows.
func readCSV(t *testing.T, raw []byte) ([]string, [][]string) {
	t.Helper()
	body, ok := bytes.CutPrefix(raw, []byte("\xef\xbb\xbf"))
	if !ok || !bytes.Contains(body, []byte("\r\n")) {
		t.Fatalf("not CSV for Excel (BOM, CRLF): %q", raw[:min(len(raw), 80)])
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	return recs[0], recs[1:]
}

func list(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, x := range m[key].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func cells(m map[string]any, keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = cell(m[k])
	}
	return out
}

func yesNo(v any) string {
	switch v {
	case true:
		return "是"
	case false:
		return "否"
	}
	return ""
}

// norm compares numbers by value ("100" is "100.00"), the rest as text.
func norm(s string) string {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'f', 2, 64)
	}
	return s
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 0x7e && r != '±' && r != '→' {
			return false
		}
	}
	return true
}
