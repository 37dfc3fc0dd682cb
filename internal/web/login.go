package web

import (
	"net/http"

	"shangji/internal/store"
)

type loginData struct {
	Email, Next string
	Failed      bool
}

// root is the sign-in page, or the board for someone signed in (INTERFACE: "/"
// is the UI, the login page when not signed in).
func (s *server) root(w http.ResponseWriter, r *http.Request) {
	if s.sessionUser(r) != nil {
		http.Redirect(w, r, "/board", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "", "", loginData{Next: r.URL.Query().Get("next")})
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	email, next := r.FormValue("email"), r.FormValue("next")
	u, err := s.app.Login(r.Context(), email, r.FormValue("password"))
	if err != nil {
		// One message for a wrong e-mail and a wrong password: no account probing.
		s.render(w, r, http.StatusUnauthorized, "login", "", "", loginData{Email: email, Next: next, Failed: true})
		return
	}
	s.startSession(w, r, u, safeNext(next))
}

func (s *server) startSession(w http.ResponseWriter, r *http.Request, u *store.User, to string) {
	var secret string
	err := s.app.DB.Tx(r.Context(), func(tx *store.Tx) (err error) {
		secret, err = tx.CreateSession(r.Context(), u.ID)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setSession(w, r, secret)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		_ = s.app.DB.Tx(r.Context(), func(tx *store.Tx) error { return tx.DeleteSession(r.Context(), c.Value) })
	}
	clearSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
