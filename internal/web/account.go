package web

import (
	"net/http"
	"strings"

	"shangji/internal/app"
	"shangji/internal/store"
)

type accountData struct {
	PasswordProblems []problem
	PasswordChanged  bool
	TokenName        string
	// Token is a new API token's secret, shown this once (only its hash is kept).
	Token string
}

// account lets a user change their password and create API tokens.
func (s *server) account(w http.ResponseWriter, r *http.Request, u *store.User) {
	s.render(w, r, http.StatusOK, "account", "", "", accountData{})
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request, u *store.User) {
	var d accountData
	l := s.locale(r, u)
	// The current password is asked again: a session left open on a shared
	// computer must not be enough to take the account over.
	if _, err := s.app.Login(r.Context(), u.Email, r.FormValue("current")); err != nil {
		d.PasswordProblems = []problem{{Field: l.T("account.current"), Message: l.T("login.failed")}}
		s.render(w, r, http.StatusUnprocessableEntity, "account", "", "", d)
		return
	}
	pw := r.FormValue("new")
	if _, err := s.app.UpdateUser(r.Context(), u, u.ID, app.UserPatch{Password: &pw, Version: u.Version}); err != nil {
		d.PasswordProblems = s.problems(r, err)
		s.render(w, r, http.StatusUnprocessableEntity, "account", "", "", d)
		return
	}
	d.PasswordChanged = true
	s.render(w, r, http.StatusOK, "account", "", "", d)
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request, u *store.User) {
	d := accountData{TokenName: strings.TrimSpace(r.FormValue("name"))}
	secret, err := s.app.CreateToken(r.Context(), u, u.ID, d.TokenName)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Token = secret
	s.render(w, r, http.StatusOK, "account", "", "", d)
}
