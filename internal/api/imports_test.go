package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// sendFile posts a file as the raw body of path?query, as who.
func (e *env) sendFile(who, path string, q url.Values, content []byte) (int, map[string]any, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path+"?"+q.Encode(), bytes.NewReader(content))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tok[who])
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		e.t.Fatalf("%s: not JSON (%v): %s", path, err, raw)
	}
	return res.StatusCode, m, res.Header
}

// hasProblem reports whether the 422 names row and column.
func hasProblem(m map[string]any, row float64, column string) bool {
	ps, _ := m["problems"].([]any)
	for _, p := range ps {
		if q, _ := p.(map[string]any); q["row"] == row && (column == "" || q["column"] == column) {
			return true
		}
	}
	return false
}

func problemsOf(m map[string]any) string {
	var out []string
	ps, _ := m["problems"].([]any)
	for _, p := range ps {
		b, _ := json.Marshal(p)
		out = append(out, string(b))
	}
	return strings.Join(out, "\n")
}

func TestImportAndExportOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		good := []byte("客户名称,负责人,区域代码\n甲公司,repa1@example.com,SH\n乙公司,repb1@example.com,BJ\n")
		bad := []byte("客户名称,负责人,区域代码\n甲公司,repa1@example.com,SH\n乙公司,nobody@example.com,beijing\n")

		if code, _, _ := e.sendFile(repA1, "/api/v1/imports/customers", nil, good); code != 403 {
			t.Errorf("a rep imports: %d, want 403", code)
		}
		code, m, _ := e.sendFile(admin, "/api/v1/imports/customers", nil, bad)
		ps := problemsOf(m)
		if code != 422 || !hasProblem(m, 3, "负责人") || !hasProblem(m, 3, "区域代码") || hasProblem(m, 2, "") {
			t.Fatalf("bad file: %d\n%s", code, ps)
		}
		code, m, _ = e.sendFile(admin, "/api/v1/imports/customers", nil, []byte("名字\n甲\n"))
		if code != 422 || !hasProblem(m, 1, "") {
			t.Errorf("no customer column: %d %v", code, m)
		}
		code, m, _ = e.sendFile(admin, "/api/v1/imports/customers", url.Values{"dry_run": {"true"}}, good)
		if code != 200 || m["written"] != false || m["created"] != 2.0 {
			t.Fatalf("dry run: %d %v", code, m)
		}
		mapping := `{"columns": {"客户": "name"}, "defaults": {"owner": "repa1@example.com"}}`
		code, m, _ = e.sendFile(admin, "/api/v1/imports/customers", url.Values{"mapping": {mapping}}, []byte("客户\n丙公司\n"))
		if code != 200 || m["created"] != 1.0 {
			t.Fatalf("with a mapping: %d %v", code, m)
		}
		code, m, _ = e.sendFile(admin, "/api/v1/imports/customers", nil, good)
		if code != 200 || m["written"] != true || m["created"] != 2.0 {
			t.Fatalf("import: %d %v", code, m)
		}

		// Downloads hold what the person sees: repA1 owns 甲 and 丙 only.
		r := e.call("GET", "/api/v1/exports/customers?format=csv", e.tok[repA1], nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(string(r.Raw), "甲公司") || strings.Contains(string(r.Raw), "乙公司") {
			t.Errorf("rep's export: %d %s\n%s", r.Status, r.Header, r.Raw)
		}
		r = e.call("GET", "/api/v1/exports/customers?format=xlsx", e.tok[admin], nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("admin's export: %d %s", r.Status, r.Header)
		}
		code, m, _ = e.sendFile(admin, "/api/v1/imports/customers", nil, r.Raw) // sniffed as XLSX
		if code != 200 || m["created"] != 0.0 || m["unchanged"] != 3.0 {
			t.Errorf("re-importing the export: %d %v", code, m)
		}
		if r := e.call("GET", "/api/v1/exports/funnel?lang=en", e.tok[mgrA], nil); r.Status != 200 || !strings.Contains(string(r.Raw), "Weighted amount") {
			t.Errorf("funnel export: %d %s", r.Status, r.Raw)
		}
		if r := e.call("GET", "/api/v1/exports/customers", "", nil); r.Status != 401 {
			t.Errorf("anonymous export: %d", r.Status)
		}
	})
}
