package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestAuth: no token or a bad one is 401 problem+json on every kind of
// request; a good one works.
func TestAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cust := e.customer(repA1, "认证客户")
		for _, req := range []struct{ method, path string }{
			{"GET", "/api/v1/me"},
			{"GET", "/api/v1/customers"},
			{"GET", "/api/v1/customers/" + cust},
			{"POST", "/api/v1/customers"},
			{"PATCH", "/api/v1/customers/" + cust},
			{"DELETE", "/api/v1/customers/" + cust},
			{"GET", "/api/v1/reports/funnel"},
		} {
			var body any
			if req.method == "POST" || req.method == "PATCH" {
				body = obj{"name": "闯入者", "version": 1}
			}
			for _, tok := range []string{"", "sjt_not-a-token", "garbage", e.tok[repA1] + "x"} {
				r := e.call(req.method, req.path, tok, body)
				if r.Status != 401 {
					t.Errorf("%s %s with token %q: %d, want 401\n%s", req.method, req.path, tok, r.Status, r.Raw)
					continue
				}
				wantProblem(t, r, 401)
			}
		}
		// A good token under another scheme is refused too.
		for _, auth := range []string{"Basic " + e.tok[repA1], e.tok[repA1], "Bearer"} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
			req.Header.Set("Authorization", auth)
			res, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 401 || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Authorization %q: %d %s, want 401 problem", auth, res.StatusCode, res.Header.Get("Content-Type"))
			}
		}

		me := e.must(200, "GET", "/api/v1/me", repA1, nil)
		if str(me, "id") != e.id(repA1) || str(me, "role") != "rep" {
			t.Errorf("me = %v", me)
		}
		if _, leaked := me["password_hash"]; leaked {
			t.Errorf("me exposes the password hash: %v", me)
		}
		// Nothing was written by the refused requests.
		c := e.must(200, "GET", "/api/v1/customers/"+cust, repA1, nil)
		if str(c, "name") != "认证客户" || version(c) != 1 {
			t.Errorf("customer changed by unauthenticated requests: %v", c)
		}

		// A deactivated user's token stops working.
		e.must(200, "PATCH", "/api/v1/users/"+e.id(repA2), admin, obj{"active": false, "version": 1})
		if st, _ := e.do("GET", "/api/v1/me", e.tok[repA2], nil); st != 401 {
			t.Errorf("deactivated user's token: %d, want 401", st)
		}
	})
}

// TestHealthMetricsOpenAPI: the outer HTTP contract of INTERFACE.md.
func TestHealthMetricsOpenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.must(200, "GET", "/api/v1/me", repA1, nil) // at least one counted request

		r := e.call("GET", "/healthz", "", nil)
		if r.Status != 200 || str(r.JSON, "status") != "ok" {
			t.Errorf("/healthz: %d %s", r.Status, r.Raw)
		}

		r = e.call("GET", "/metrics", "", nil)
		if r.Status != 200 || !strings.Contains(string(r.Raw), "shangji_http_requests_total") {
			t.Errorf("/metrics: %d, shangji_http_requests_total missing", r.Status)
		}

		r = e.call("GET", "/openapi.json", "", nil)
		if r.Status != 200 {
			t.Fatalf("/openapi.json: %d", r.Status)
		}
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(r.Raw, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.OpenAPI != "3.1.0" {
			t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
		}
		// Every operation the tests of this package call.
		exercised := map[string][]string{
			"/api/v1/me":                         {"get"},
			"/api/v1/users":                      {"get", "post"},
			"/api/v1/users/{id}":                 {"get", "patch"},
			"/api/v1/teams":                      {"get", "post"},
			"/api/v1/teams/{id}":                 {"get", "patch"},
			"/api/v1/customers":                  {"get", "post"},
			"/api/v1/customers/{id}":             {"get", "patch", "delete"},
			"/api/v1/contacts":                   {"get", "post"},
			"/api/v1/contacts/{id}":              {"get", "patch", "delete"},
			"/api/v1/opportunities":              {"get", "post"},
			"/api/v1/opportunities/{id}":         {"get", "patch", "delete"},
			"/api/v1/opportunities/{id}/stage":   {"post"},
			"/api/v1/opportunities/{id}/history": {"get"},
			"/api/v1/activities":                 {"get", "post"},
			"/api/v1/activities/{id}":            {"get", "delete"},
			"/api/v1/pipelines":                  {"get"},
			"/api/v1/quotas":                     {"get", "post"},
			"/api/v1/quotas/{id}":                {"get", "patch", "delete"},
			"/api/v1/direct-sales":               {"get", "post"},
			"/api/v1/direct-sales/{id}":          {"get", "patch", "delete"},
			"/api/v1/reports/funnel":             {"get"},
			"/api/v1/reports/forecast":           {"get"},
		}
		opIDs := map[string]string{}
		for path, methods := range exercised {
			for _, m := range methods {
				raw, ok := doc.Paths[path][m]
				if !ok {
					t.Errorf("openapi.json lacks %s %s", strings.ToUpper(m), path)
					continue
				}
				var op struct {
					OperationID string `json:"operationId"`
				}
				if err := json.Unmarshal(raw, &op); err != nil || op.OperationID == "" {
					t.Errorf("%s %s has no operationId", strings.ToUpper(m), path)
					continue
				}
				if prev, dup := opIDs[op.OperationID]; dup {
					t.Errorf("operationId %s used by %s and %s %s", op.OperationID, prev, m, path)
				}
				opIDs[op.OperationID] = m + " " + path
			}
		}
		for path := range doc.Paths {
			if !strings.HasPrefix(path, "/api/v1/") {
				t.Errorf("openapi.json documents %s outside /api/v1", path)
			}
		}
	})
}
