package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Settings (admin only): pipelines and stages, health scoring, the
// working-day calendar, notification channels, users and teams. Each form
// posts, and a success redirects back with ?saved=; a refusal shows the page
// again with the problems beside the form that caused them.

// settingsTabs are the sections of the settings menu, in order.
var settingsTabs = []string{"pipelines", "health", "calendar", "channels", "people"}

// settingsPage is what every settings template gets besides its own data.
type settingsPage struct {
	Tab   string
	Tabs  []string
	Saved string // what was just saved, a catalogue key
	// Problems of a refused form, by the form's id.
	Problems map[string][]problem
	// Conflict: the record changed since the form was loaded.
	Conflict bool
}

func newSettingsPage(r *http.Request, tab string) settingsPage {
	p := settingsPage{Tab: tab, Tabs: settingsTabs, Problems: map[string][]problem{}}
	if saved := r.URL.Query().Get("saved"); saved != "" && keyRe.MatchString(saved) {
		p.Saved = "settings.saved." + saved
	}
	return p
}

var keyRe = regexp.MustCompile(`^[a-z_]{1,30}$`)

// admin wraps a settings page: others get the forbidden page.
func (s *server) admin(h func(w http.ResponseWriter, r *http.Request, u *store.User)) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, u *store.User) {
		if u.Role != store.RoleAdmin {
			s.fail(w, r, funnel.Errorf(funnel.EFORBIDDEN, "admins only"))
			return
		}
		h(w, r, u)
	})
}

func (s *server) settingsIndex(w http.ResponseWriter, r *http.Request, u *store.User) {
	http.Redirect(w, r, "/settings/pipelines", http.StatusSeeOther)
}

// savedRedirect answers a successful settings form.
func savedRedirect(w http.ResponseWriter, r *http.Request, path, what string) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+"saved="+what, http.StatusSeeOther)
}

// formRefused tells whether err is the form's fault (shown beside the
// form), and the status to answer with.
func formRefused(err error) (int, bool) {
	var fe *funnel.Error
	if !errors.As(err, &fe) {
		return 0, false
	}
	switch fe.Code {
	case funnel.EINVALID:
		return http.StatusUnprocessableEntity, true
	case funnel.ECONFLICT:
		return http.StatusConflict, true
	}
	return 0, false
}

// indexed strips list positions from a field path: "stages[3].probability"
// is the form's "probability".
var indexed = regexp.MustCompile(`^(?:[a-z_]+\[\d+\]\.)+|\[\d+\]$`)

// settingsProblems names each problem by the form's label for its field.
func (s *server) settingsProblems(r *http.Request, u *store.User, err error) []problem {
	l := s.locale(r, u)
	var fe *funnel.Error
	if !errors.As(err, &fe) {
		return []problem{{Message: l.T("error.internal")}}
	}
	if isStale(err) {
		return nil // the page's banner says it (settingsPage.Conflict)
	}
	if len(fe.Fields) == 0 {
		return []problem{{Message: fe.Message}}
	}
	var out []problem
	for _, f := range fe.Fields {
		name := indexed.ReplaceAllString(f.Field, "")
		p := problem{Field: f.Field, Message: f.Message}
		if l.Has("field." + name) {
			p.Field = l.T("field." + name)
		}
		out = append(out, p)
	}
	return out
}

// formInt reads a whole number from a form; a bad one is a field problem.
func formInt(r *http.Request, name string, p *funnel.Problems) int {
	v := strings.TrimSpace(r.FormValue(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.Add(name, "must be a whole number")
	}
	return n
}

// fieldError is a form's own refusal of one field.
func fieldError(field, format string, args ...any) error {
	var p funnel.Problems
	p.Add(field, format, args...)
	return p.Err()
}

// stamp fingerprints a setting as a form showed it. Settings rows carry no
// version the app exposes, so a form sends back the stamp of what it
// showed, and a save over something changed meanwhile is a conflict, as a
// stale version is for records.
func stamp(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// isStale tells a stale version (someone saved in between) from other
// conflicts, such as a taken key or a team that still has members.
func isStale(err error) bool {
	var fe *funnel.Error
	return errors.As(err, &fe) && fe.Code == funnel.ECONFLICT && strings.Contains(fe.Message, "changed by someone else")
}

// errStale is the conflict of a form saved over a change made meanwhile.
var errStale = funnel.Errorf(funnel.ECONFLICT, "changed by someone else")
