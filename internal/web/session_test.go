package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"shangji/internal/demo"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
	"shangji/internal/web"
)

func TestSignInSessionsAndCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 60)
		c := s.client()
		rep := s.demo.Rep.Email

		res, body := c.do("GET", "/", nil)
		if res.StatusCode != 200 || !strings.Contains(body, `action="/login"`) {
			t.Fatalf("GET / signed out: %d, want the sign-in form", res.StatusCode)
		}
		res, _ = c.do("GET", "/board", nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?next=%2Fboard" {
			t.Fatalf("board signed out: %d → %q, want sign-in with next", res.StatusCode, res.Header.Get("Location"))
		}

		t.Run("WrongPassword", func(t *testing.T) {
			res, body := c.do("POST", "/login", url.Values{"email": {rep}, "password": {"wrong-password-1"}})
			if res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 || !strings.Contains(body, "邮箱或密码不正确") {
				t.Fatalf("wrong password: %d cookies=%v", res.StatusCode, res.Cookies())
			}
		})

		var secret string
		t.Run("CookieIsHttpOnlyAndLax", func(t *testing.T) {
			res, _ := c.do("POST", "/login", url.Values{"email": {rep}, "password": {demoPassword}, "next": {"/list"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/list" {
				t.Fatalf("login: %d → %q", res.StatusCode, res.Header.Get("Location"))
			}
			ck := sessionCookie(t, res)
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
				t.Fatalf("cookie HttpOnly=%v SameSite=%v Secure=%v; want HttpOnly, Lax, not Secure over plain HTTP", ck.HttpOnly, ck.SameSite, ck.Secure)
			}
			secret = ck.Value
			// (store's TestSessions checks that only the hash is kept.)
			if u, err := db.UserBySession(context.Background(), secret); err != nil || u.Email != rep {
				t.Fatalf("session → %v, %v", u, err)
			}
		})

		t.Run("OpenRedirectRefused", func(t *testing.T) {
			c2 := s.client()
			res, _ := c2.do("POST", "/login", url.Values{"email": {rep}, "password": {demoPassword}, "next": {"//evil.example/x"}})
			if res.Header.Get("Location") != "/board" {
				t.Fatalf("next=//evil.example → %q, want /board", res.Header.Get("Location"))
			}
		})

		t.Run("CrossOriginPostRefused", func(t *testing.T) {
			res, _ := c.do("POST", "/logout", url.Values{}, "Sec-Fetch-Site", "cross-site")
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site POST /logout: %d, want 403", res.StatusCode)
			}
			if _, err := db.UserBySession(context.Background(), secret); err != nil {
				t.Fatalf("a cross-site request signed the user out: %v", err)
			}
		})

		t.Run("SignOut", func(t *testing.T) {
			res, _ := c.do("POST", "/logout", url.Values{})
			if res.StatusCode != http.StatusSeeOther || sessionCookie(t, res).MaxAge >= 0 {
				t.Fatalf("logout: %d, cookie not cleared", res.StatusCode)
			}
			if _, err := db.UserBySession(context.Background(), secret); err == nil {
				t.Fatal("the session still works after signing out")
			}
			res, _ = c.do("GET", "/board", nil)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("board after logout: %d, want redirect to sign-in", res.StatusCode)
			}
		})
	})
}

func TestSecureCookieOverTLS(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	s := newSite(t, db, 20)
	h := web.Handler(s.app)
	req := httptest.NewRequest("POST", "https://shangji.example/login", strings.NewReader(url.Values{"email": {demo.AdminEmail}, "password": {demoPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login over TLS: %d", rec.Code)
	}
	if ck := sessionCookie(t, rec.Result()); !ck.Secure {
		t.Fatal("session cookie over TLS is not Secure")
	}
}

func sessionCookie(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == "shangji_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", res.Header["Set-Cookie"])
	return nil
}
