package web_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"shangji/internal/app"
	"shangji/internal/demo"
	"shangji/internal/store"
	"shangji/internal/web"
)

const demoPassword = "demo-password-123"

// site is a running Shangji over a real database, filled with a small demo
// company.
type site struct {
	t    testing.TB
	app  *app.App
	srv  *httptest.Server
	demo *demo.Result
}

func newSite(t testing.TB, db *store.DB, opportunities int) *site {
	t.Helper()
	// The demo company's mix (which rep has a deal in which stage, which
	// deal is flagged) depends on the day it is generated for, and the tests
	// pick their deals from it; so the site's clock starts at a fixed
	// instant and runs on from there in real time.
	start := time.Now()
	db.Now = func() time.Time { return siteEpoch.Add(time.Since(start)) }
	a := app.New(db, nil)
	res, err := demo.Load(context.Background(), db, demo.Options{Seed: 7, Opportunities: opportunities,
		HashPassword: cheapHash, Password: demoPassword})
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	srv := httptest.NewServer(web.Handler(a))
	t.Cleanup(srv.Close)
	return &site{t: t, app: a, srv: srv, demo: res}
}

// siteEpoch is when every test site's clock starts: a Monday afternoon in
// Shanghai, late in 2026-Q4.
var siteEpoch = time.Date(2026, 11, 23, 15, 20, 0, 0, time.UTC)

// cheapHash is an argon2id hash in app's format with tiny cost parameters:
// app.VerifyPassword reads the parameters from the hash, so sign-ins in
// tests stay real but take microseconds instead of a second under -race.
func cheapHash(pw string) (string, error) {
	salt := []byte("shangji-test-salt")
	key := argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// client is a browser-like HTTP client: a cookie jar, no redirects followed,
// and the Sec-Fetch-Site header a browser sends on same-origin requests.
type client struct {
	s  *site
	hc *http.Client
}

func (s *site) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{s: s, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	c.s.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, c.s.srv.URL+path, body)
	if err != nil {
		c.s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res, b.String()
}

func (c *client) login(email string) {
	c.s.t.Helper()
	res, _ := c.do("POST", "/login", url.Values{"email": {email}, "password": {demoPassword}})
	if res.StatusCode != http.StatusSeeOther {
		c.s.t.Fatalf("login %s: status %d", email, res.StatusCode)
	}
}

func (s *site) user(email string) *store.User {
	s.t.Helper()
	u, err := s.app.DB.UserByEmail(context.Background(), email)
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// openDeal returns an open opportunity of the user's in stage key.
func (s *site) openDeal(u *store.User, stage string) *store.Opportunity {
	s.t.Helper()
	opps, _, err := s.app.DB.Opportunities(context.Background(), u.Viewer(), store.OpportunityFilter{OwnerID: u.ID, Stage: stage,
		Status: "open", SortByWeighted: true, Page: store.Page{Limit: 1}})
	if err != nil || len(opps) == 0 {
		s.t.Fatalf("no open deal of %s in %s: %v", u.Email, stage, err)
	}
	return opps[0]
}
