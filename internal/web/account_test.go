package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestAccountPasswordAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 20)
		c := s.client()
		rep := s.demo.Rep.Email
		c.login(rep)

		res, _ := c.do("POST", "/account/password", url.Values{"current": {"not-my-password"}, "new": {"a-new-password-42"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("change password with a wrong current one: %d, want 422", res.StatusCode)
		}
		res, body := c.do("POST", "/account/password", url.Values{"current": {demoPassword}, "new": {"short"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "密码") {
			t.Fatalf("too short a password: %d", res.StatusCode)
		}
		res, _ = c.do("POST", "/account/password", url.Values{"current": {demoPassword}, "new": {"a-new-password-42"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("change password: %d", res.StatusCode)
		}
		if _, err := s.app.Login(context.Background(), rep, "a-new-password-42"); err != nil {
			t.Fatalf("the new password does not sign in: %v", err)
		}

		res, body = c.do("POST", "/account/tokens", url.Values{"name": {"report script"}})
		token := regexp.MustCompile(`id="new-token">(sjt_[A-Za-z0-9_-]+)<`).FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || token == nil {
			t.Fatalf("create token: %d, no token shown", res.StatusCode)
		}
		u, err := s.app.Authenticate(context.Background(), token[1])
		if err != nil || u.Email != rep {
			t.Fatalf("the new token authenticates %v, %v", u, err)
		}
	})
}
