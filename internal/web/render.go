package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"strings"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// server holds what every page handler needs.
type server struct {
	app   *app.App
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"asset": assetURL,
	// pct rounds a percentage to one decimal (33.333… → 33.3).
	"pct": func(f float64) float64 { return math.Round(f*10) / 10 },
	// initial is the avatar letter: the first character of a name.
	"initial": func(name string) string {
		for _, r := range name {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
	// indent shows a team's depth in a select (non-breaking spaces).
	"indent": func(depth int) string { return strings.Repeat("\u00a0\u00a0", depth) },
	// kb is a file size in KiB with one decimal.
	"kb": func(n int64) float64 { return math.Round(float64(n)/102.4) / 10 },
	// dict builds the data of a partial from key/value pairs.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// loadPages parses each page with the layout and the shared partials: every
// page is its own template set, so each may define "content" and "title".
func loadPages() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		short := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if short == "layout" || strings.HasPrefix(short, "_") {
			continue
		}
		out[short] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// view is what every page template gets.
type view struct {
	L    Locale
	User *store.User
	Nav  string // the menu entry to highlight
	Path string // this page, to come back to after switching language
	Page string // the template's name, a class for page-specific layout
	Data any
}

func (s *server) locale(r *http.Request, u *store.User) Locale {
	if u != nil {
		return newLocale(u.Locale, u.TimeZone)
	}
	lang := ""
	if c, err := r.Cookie(langCookie); err == nil {
		lang = c.Value
	}
	return newLocale(lang, "")
}

// render writes page (its "layout", or block when given: htmx fragments).
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page, block string, nav string, data any) {
	u, _ := app.UserFrom(r.Context())
	v := view{L: s.locale(r, u), User: u, Nav: nav, Data: data, Path: r.URL.RequestURI(), Page: page}
	t, ok := s.pages[page]
	if !ok {
		panic("no page " + page)
	}
	if block == "" {
		block = "layout"
	}
	// Render into a buffer so a template error becomes a clean 500, not half a page.
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		slog.Error("render", "page", page, "block", block, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers an error from a use case: not found and forbidden get their
// page, a lost session goes back to sign-in, anything else is logged.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch funnel.ErrorCode(err) {
	case funnel.ENOTFOUND:
		s.render(w, r, http.StatusNotFound, "error", "", "", "error.not_found")
	case funnel.EFORBIDDEN:
		s.render(w, r, http.StatusForbidden, "error", "", "", "error.forbidden")
	case funnel.EUNAUTHORIZED:
		http.Redirect(w, r, "/", http.StatusSeeOther)
	default:
		var fe *funnel.Error
		if !errors.As(err, &fe) || fe.Code == funnel.EINTERNAL {
			slog.Error("page", "path", r.URL.Path, "err", err)
		}
		s.render(w, r, http.StatusInternalServerError, "error", "", "", "error.internal")
	}
}

// isHTMX tells an htmx request (wants a fragment) from a plain one (wants a page).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// WithData hands a partial the same reader with other data, so a fragment
// renders alike inside its page and alone as an htmx answer.
func (v view) WithData(d any) view { v.Data = d; return v }
