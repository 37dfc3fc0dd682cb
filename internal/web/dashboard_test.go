package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestDashboardReportsAndDownloads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 120)
		c := s.client()
		c.login(s.demo.Manager.Email)

		t.Run("ProgressConversionRiskyAndTeam", func(t *testing.T) {
			res, body := c.do("GET", "/dashboard", nil)
			if res.StatusCode != 200 {
				t.Fatalf("dashboard: %d", res.StatusCode)
			}
			for _, want := range []string{`id="progress-chart"`, `id="conversion-chart"`, `id="team-chart"`, `id="risky-deals"`, "销售进展", "阶段转化", "团队成员对比"} {
				if !strings.Contains(body, want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
			m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-data">(.*?)</script>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no chart data")
			}
			var d struct {
				Progress struct {
					Weeks  []string  `json:"weeks"`
					Sales  []float64 `json:"sales"`
					Target float64   `json:"target"`
				} `json:"progress"`
				Conversion []struct {
					Name  string  `json:"name"`
					Value float64 `json:"value"`
				} `json:"conversion"`
				Team struct {
					Owners []string `json:"owners"`
				} `json:"team"`
			}
			if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
				t.Fatalf("chart data: %v", err)
			}
			if len(d.Progress.Weeks) < 2 || d.Progress.Weeks[0] != "季初" || d.Progress.Target != 7.69 {
				t.Errorf("progress weeks %v target %v", d.Progress.Weeks, d.Progress.Target)
			}
			if len(d.Conversion) == 0 || d.Conversion[0].Name == "" {
				t.Errorf("conversion by stage: %+v", d.Conversion)
			}
			if len(d.Team.Owners) < 2 {
				t.Errorf("the manager's team shows %d members", len(d.Team.Owners))
			}
		})

		t.Run("RiskyDealsFromTheStoredFlags", func(t *testing.T) {
			mgr := s.user(s.demo.Manager.Email)
			opps, _, _ := db.Opportunities(context.Background(), mgr.Viewer(), store.OpportunityFilter{Status: "open", Page: store.Page{Limit: 1}})
			o := opps[0]
			err := db.Tx(context.Background(), func(tx *store.Tx) error {
				_, err := tx.RaiseRisk(context.Background(), o.ID, funnel.RiskFlag{Rule: funnel.RuleStageDwell, Level: funnel.RiskHigh,
					Since: s.app.Now().Add(-48 * time.Hour), Evidence: "在阶段停留 40 天", Advice: []string{}}, "test")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			_, body := c.do("GET", "/dashboard", nil)
			i := strings.Index(body, `id="risky-deals"`)
			sec := body[i : i+strings.Index(body[i:], "</section>")]
			if !strings.Contains(sec, "/opportunities/"+o.ID) || !strings.Contains(sec, "阶段停留过久") || strings.Count(sec, `<tr class="risky">`) != 1 {
				t.Fatalf("risky deals do not list exactly the flagged deal with its rule")
			}
		})

		t.Run("FilterLinksKeepTheFilter", func(t *testing.T) {
			rep := s.user(s.demo.Rep.Email)
			_, body := c.do("GET", "/list?owner="+rep.ID, nil)
			if !strings.Contains(body, `href="/board?owner=`+rep.ID+`&amp;pipeline=`) {
				t.Error("the list's link to the board drops the owner filter")
			}
			_, body = c.do("GET", "/dashboard?owner="+rep.ID, nil)
			if !strings.Contains(body, `href="/exports/team?owner=`+rep.ID+`&amp;pipeline=`) {
				t.Error("the team download drops the owner filter")
			}
		})

		t.Run("DownloadsThroughTheSession", func(t *testing.T) {
			for _, tc := range []struct{ path, want string }{
				{"/exports/opportunities?format=csv", "商机"},
				{"/exports/customers?&format=csv", "客户"},
				{"/exports/funnel?&format=csv", "加权金额"},
				{"/exports/progress?period=&format=csv", "已完成销售 S"},
				{"/exports/conversion?&format=csv", "转化率"},
				{"/exports/team?&format=csv", "赢率"},
			} {
				res, body := c.do("GET", tc.path, nil)
				if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, tc.want) ||
					!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
					t.Errorf("GET %s: %d %s %.80q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), body)
				}
			}
			res, body := c.do("GET", "/exports/team?format=xlsx", nil)
			if res.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
				t.Errorf("xlsx: %d", res.StatusCode)
			}
			if res, _ := c.do("GET", "/exports/passwords", nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("unknown download: %d, want 404", res.StatusCode)
			}
			if res, _ := s.client().do("GET", "/exports/customers", nil); res.StatusCode != http.StatusSeeOther {
				t.Errorf("download without a session: %d", res.StatusCode)
			}
			_, page := c.do("GET", "/dashboard", nil)
			if !strings.Contains(html.UnescapeString(page), `href="/exports/funnel?&format=xlsx"`) {
				t.Error("the dashboard offers no funnel download")
			}
		})
	})
}
