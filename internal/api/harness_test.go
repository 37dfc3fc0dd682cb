package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/store"
	"shangji/internal/web"
)

// The people of the test company. The director manages the root team; team A
// (mgrA; repA1, repA2) and team B (mgrB; repB1) hang below it.
const (
	admin    = "admin"
	director = "director"
	mgrA     = "mgrA"
	mgrB     = "mgrB"
	repA1    = "repA1"
	repA2    = "repA2"
	repB1    = "repB1"
)

var people = []string{admin, director, mgrA, mgrB, repA1, repA2, repB1}

// testNow is the store clock at the start of every test: a working day in
// May 2026 (quarter 2026-Q2), 10:00 in Shanghai.
var testNow = time.Date(2026, 5, 15, 2, 0, 0, 0, time.UTC)

// clock is a settable store clock, safe for concurrent requests.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// env is a running Shangji over one fresh database, with the org above.
type env struct {
	t      testing.TB
	db     *store.DB
	app    *app.App
	srv    *httptest.Server
	client *http.Client
	clock  *clock

	users map[string]*store.User
	tok   map[string]string // bearer tokens by person
	root  *store.Team
	teamA *store.Team
	teamB *store.Team
}

// newEnv builds the org directly in the store (users without passwords, to
// keep tests fast) and serves the whole HTTP surface over a real listener.
func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: db, clock: &clock{}, users: map[string]*store.User{}, tok: map[string]string{}}
	e.clock.Set(testNow)
	db.Now = e.clock.Now
	err := db.Tx(ctx, func(tx *store.Tx) error {
		e.root = &store.Team{Name: "全国销售", Region: "CN"}
		if err := tx.CreateTeam(ctx, e.root); err != nil {
			return err
		}
		e.teamA = &store.Team{Name: "华东一组", ParentID: e.root.ID, Region: "SH"}
		if err := tx.CreateTeam(ctx, e.teamA); err != nil {
			return err
		}
		e.teamB = &store.Team{Name: "华北一组", ParentID: e.root.ID, Region: "BJ"}
		if err := tx.CreateTeam(ctx, e.teamB); err != nil {
			return err
		}
		roles := map[string]string{admin: store.RoleAdmin, director: store.RoleDirector, mgrA: store.RoleManager,
			mgrB: store.RoleManager, repA1: store.RoleRep, repA2: store.RoleRep, repB1: store.RoleRep}
		teams := map[string]string{director: e.root.ID, mgrA: e.teamA.ID, mgrB: e.teamB.ID,
			repA1: e.teamA.ID, repA2: e.teamA.ID, repB1: e.teamB.ID}
		for _, p := range people {
			u := &store.User{Email: strings.ToLower(p) + "@example.com", Name: p, Role: roles[p], TeamID: teams[p]}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			e.users[p] = u
			tok, err := tx.CreateToken(ctx, u.ID, "t")
			if err != nil {
				return err
			}
			e.tok[p] = tok
		}
		for _, tm := range []struct {
			team *store.Team
			mgr  string
		}{{e.root, director}, {e.teamA, mgrA}, {e.teamB, mgrB}} {
			tm.team.ManagerID = e.users[tm.mgr].ID
			if err := tx.UpdateTeam(ctx, tm.team); err != nil {
				return err
			}
			tm.team.Version++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("building the org: %v", err)
	}
	e.app = app.New(db, nil)
	e.srv = httptest.NewServer(web.Handler(e.app))
	t.Cleanup(e.srv.Close)
	e.client = e.srv.Client()
	e.client.Timeout = 60 * time.Second
	return e
}

// id returns a person's user id.
func (e *env) id(who string) string { return e.users[who].ID }

// reply is one HTTP response.
type reply struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any // nil unless the body is a JSON object
}

// in returns the env reporting to t, for subtests.
func (e *env) in(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// call sends one request with a bearer token (none when token is "") and a
// JSON body (none when body is nil; a string or []byte is sent as is).
func (e *env) call(method, path, token string, body any) *reply {
	e.t.Helper()
	r, err := e.send(method, path, token, body)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// send is call for other goroutines than the test's: it returns its error.
func (e *env) send(method, path, token string, body any) (*reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := e.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading body: %w", method, path, err)
	}
	r := &reply{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			return nil, fmt.Errorf("%s %s: body is not JSON: %w\n%s", method, path, err, raw)
		}
	}
	return r, nil
}

// do is call returning the status and the decoded JSON object.
func (e *env) do(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	r := e.call(method, path, token, body)
	return r.Status, r.JSON
}

// must sends a request as who and fails the test unless the status is want.
func (e *env) must(want int, method, path, who string, body any) map[string]any {
	e.t.Helper()
	r := e.call(method, path, e.tok[who], body)
	if r.Status != want {
		e.t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, who, r.Status, want, r.Raw)
	}
	return r.JSON
}

// obj is a JSON object literal.
type obj = map[string]any

// str reads a string field of a JSON object ("" when absent).
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// num reads a number field of a JSON object.
func num(m map[string]any, key string) float64 {
	f, _ := m[key].(float64)
	return f
}

// version reads the version of a record.
func version(m map[string]any) int { return int(num(m, "version")) }

// items returns the items of a collection page.
func items(t testing.TB, page map[string]any) []map[string]any {
	t.Helper()
	raw, ok := page["items"].([]any)
	if !ok {
		t.Fatalf("no items array in %v", page)
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i], _ = it.(map[string]any)
	}
	return out
}

// ids lists the ids of collection items.
func ids(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, it := range list {
		out[i] = str(it, "id")
	}
	return out
}

// fieldsOf lists the fields named in a problem's errors.
func fieldsOf(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, x := range errs {
		if fe, ok := x.(map[string]any); ok {
			out = append(out, str(fe, "field"))
		}
	}
	return out
}

// wantProblem checks a reply is an RFC 9457 problem with the status.
func wantProblem(t testing.TB, r *reply, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if r.JSON == nil || int(num(r.JSON, "status")) != status || str(r.JSON, "title") == "" {
		t.Errorf("problem body lacks status %d or title: %s", status, r.Raw)
	}
}

// pipelineID returns the id of a preset pipeline by key.
func (e *env) pipelineID(key string) string {
	e.t.Helper()
	page := e.must(200, "GET", "/api/v1/pipelines", admin, nil)
	for _, p := range items(e.t, page) {
		if str(p, "key") == key {
			return str(p, "id")
		}
	}
	e.t.Fatalf("no pipeline %q", key)
	return ""
}

// customer creates a customer as who and returns its id.
func (e *env) customer(who, name string) string {
	e.t.Helper()
	return str(e.must(201, "POST", "/api/v1/customers", who, obj{"name": name, "region": "SH"}), "id")
}

// opportunity opens a deal as who with the fields given.
func (e *env) opportunity(who string, fields obj) map[string]any {
	e.t.Helper()
	if _, ok := fields["name"]; !ok {
		fields["name"] = fmt.Sprintf("deal %v", fields["amount"])
	}
	return e.must(201, "POST", "/api/v1/opportunities", who, fields)
}
