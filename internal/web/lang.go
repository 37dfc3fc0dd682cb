package web

import (
	"net/http"
	"slices"

	"shangji/internal/app"
)

// setLanguage switches the UI language: for a signed-in user it is saved on
// their account (it follows them to every device); before sign-in a cookie
// remembers it.
func (s *server) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.FormValue("lang")
	if !slices.Contains(Languages, lang) {
		http.Error(w, "unknown language", http.StatusUnprocessableEntity)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: 365 * 24 * 3600})
	if u := s.sessionUser(r); u != nil && u.Locale != lang {
		if _, err := s.app.UpdateUser(r.Context(), u, u.ID, app.UserPatch{Locale: &lang, Version: u.Version}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

// backTo is the page a form came from, if it is on this site.
func backTo(r *http.Request) string {
	if b := r.FormValue("back"); b != "" {
		return safeNext(b)
	}
	return "/"
}
