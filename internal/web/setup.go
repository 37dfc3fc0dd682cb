package web

import (
	"net/http"

	"shangji/internal/app"
)

type setupData struct {
	Token, Name, Email string
	Problems           []problem
}

// setupForm creates the first admin from the one-time link `serve` prints
// on an empty database; nobody ever gets a default password.
func (s *server) setupForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "setup", "", "", setupData{Token: r.URL.Query().Get("token")})
}

func (s *server) setup(w http.ResponseWriter, r *http.Request) {
	d := setupData{Token: r.FormValue("token"), Name: r.FormValue("name"), Email: r.FormValue("email")}
	in := app.UserInput{Name: d.Name, Email: d.Email, Password: r.FormValue("password"), Locale: s.locale(r, nil).Lang}
	u, err := s.app.CompleteSetup(r.Context(), d.Token, in)
	if err != nil {
		d.Problems = s.problems(r, err)
		s.render(w, r, http.StatusUnprocessableEntity, "setup", "", "", d)
		return
	}
	s.startSession(w, r, u, "/board")
}
