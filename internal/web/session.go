package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"shangji/internal/app"
	"shangji/internal/store"
)

const (
	sessionCookie = "shangji_session"
	// langCookie remembers the language chosen before signing in.
	langCookie = "shangji_lang"
)

// setSession hands the browser its session secret. HttpOnly keeps it from
// scripts; SameSite=Lax keeps it off cross-site POSTs (with the
// cross-origin check in Handler, that is the CSRF defence); Secure whenever
// the request came over TLS.
func setSession(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: int(store.SessionTTL / time.Second)})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: -1})
}

// sessionUser returns the user signed in with the request's cookie, or nil.
func (s *server) sessionUser(r *http.Request) *store.User {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	u, err := s.app.DB.UserBySession(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return u
}

// signedIn wraps a page that needs a user. Without one, a page view goes to
// sign-in and comes back afterwards; an htmx or form request gets 401 and
// htmx is told to load the sign-in page.
func (s *server) signedIn(h func(w http.ResponseWriter, r *http.Request, u *store.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := s.sessionUser(r)
		if u == nil {
			if r.Method == http.MethodGet && !isHTMX(r) {
				http.Redirect(w, r, "/?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			w.Header().Set("HX-Redirect", "/")
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		h(w, r.WithContext(app.WithUser(r.Context(), u)), u)
	}
}

// safeNext keeps the after-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/board"
	}
	return next
}
