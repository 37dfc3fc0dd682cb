package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// My todos (SPEC §6's rhythm rules write them): the reader's own and, for a
// manager, the team's; done, snooze and reassign post a form carrying the
// version the reader saw, so a todo changed meanwhile is refused (409) with
// the fresh state shown instead of being overwritten.

type todoItem struct {
	*store.Todo
	Owner   string
	Overdue bool
	Snoozed bool
}

type todoChoice struct{ Value, Label string }

type todosData struct {
	Team    bool   // the team's todos, not only mine
	Manager bool   // may see the team's and reassign
	Status  string // open or done
	Owner   string // team view: one member
	People  []*store.User
	Items   []todoItem
	Cursor  string // this page's cursor ("" = first page)
	Next    string
	Snooze  []todoChoice
	Back    string
	// A refused change: the todo it was about, and why.
	ProblemID string
	Problems  []problem
}

// ProblemAbove tells whether the refusal goes above the list: its todo is
// no longer on this page (done or handed on by someone else meanwhile).
func (d *todosData) ProblemAbove() bool {
	for _, it := range d.Items {
		if it.ID == d.ProblemID {
			return false
		}
	}
	return len(d.Problems) > 0
}

// Link is the page's filter as "?query" (or ""), to link pages and views.
func (d *todosData) Link(cursor string) string {
	if q := d.query(cursor); q != "" {
		return "?" + q
	}
	return ""
}

func (d *todosData) query(cursor string) string {
	v := url.Values{}
	if d.Team {
		v.Set("who", "team")
	}
	if d.Status != store.TodoOpen {
		v.Set("status", d.Status)
	}
	if d.Owner != "" {
		v.Set("owner", d.Owner)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return v.Encode()
}

const todosPerPage = 20

func (s *server) todos(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.todosData(r.Context(), r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "todos", "", "todos", d)
}

func (s *server) todosData(ctx context.Context, r *http.Request, u *store.User) (*todosData, error) {
	q := r.URL.Query()
	d := &todosData{Status: store.TodoOpen, Cursor: q.Get("cursor")}
	if q.Get("status") == store.TodoDone {
		d.Status = store.TodoDone
	}
	people, err := s.app.DB.PeopleInView(ctx, u.Viewer())
	if err != nil {
		return nil, err
	}
	d.Manager = len(people) > 1
	if d.Manager {
		d.People = people
		d.Team = q.Get("who") == "team"
	}
	owner := u.ID
	if d.Team {
		owner, d.Owner = q.Get("owner"), q.Get("owner")
	}
	todos, next, err := s.app.Todos(ctx, u, app.TodoQuery{Status: d.Status, OwnerID: owner, Page: store.Page{Limit: todosPerPage, Cursor: d.Cursor}})
	if err != nil {
		return nil, err
	}
	d.Next = next
	var ids []string
	for _, t := range todos {
		ids = append(ids, t.OwnerID)
	}
	names, err := s.app.DB.UserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.app.Now()
	for _, t := range todos {
		d.Items = append(d.Items, todoItem{Todo: t, Owner: names[t.OwnerID],
			Overdue: t.Status == store.TodoOpen && t.OverdueFrom().Before(now),
			Snoozed: t.SnoozedUntil != nil && t.SnoozedUntil.After(now)})
	}
	d.Snooze = snoozeChoices(now, s.locale(r, u))
	d.Back = "/todos" + d.Link(d.Cursor)
	return d, nil
}

// snoozeChoices are the usual "remind me later" times: tomorrow, in three
// days and next Monday, each at nine in the reader's zone.
func snoozeChoices(now time.Time, l Locale) []todoChoice {
	local := now.In(l.Zone)
	at9 := func(days int) time.Time {
		d := local.AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, l.Zone)
	}
	monday := (8 - int(local.Weekday())) % 7
	if monday == 0 {
		monday = 7
	}
	out := []todoChoice{}
	for _, c := range []struct {
		key  string
		days int
	}{{"todo.snooze_tomorrow", 1}, {"todo.snooze_3days", 3}, {"todo.snooze_monday", monday}} {
		t := at9(c.days)
		out = append(out, todoChoice{Value: t.Format("2006-01-02T15:04"), Label: l.T(c.key, t.Format("01-02 15:04"))})
	}
	return out
}

// changeTodo takes the done, snooze and reassign forms.
func (s *server) changeTodo(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	l := s.locale(r, u)
	in := app.TodoChange{Version: atoiOr(r.FormValue("version"), 0), OwnerID: r.FormValue("owner_id")}
	var err error
	switch r.PathValue("verb") {
	case "done":
		_, err = s.app.TodoDone(ctx, u, id, in)
	case "snooze":
		if v := strings.TrimSpace(r.FormValue("until")); v != "" {
			t, perr := time.ParseInLocation("2006-01-02T15:04", v, l.Zone)
			if perr != nil {
				var p funnel.Problems
				p.Add("until", "%s", l.T("todo.bad_time"))
				err = p.Err()
				break
			}
			in.Until = &t
		}
		_, err = s.app.TodoSnooze(ctx, u, id, in)
	case "reassign":
		_, err = s.app.TodoReassign(ctx, u, id, in)
	default:
		s.fail(w, r, funnel.Errorf(funnel.ENOTFOUND, "no such change"))
		return
	}
	back := r.FormValue("back")
	if back != "/todos" && !strings.HasPrefix(back, "/todos?") {
		back = "/todos"
	}
	if err == nil {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	var fe *funnel.Error
	if !errors.As(err, &fe) || (fe.Code != funnel.EINVALID && fe.Code != funnel.ECONFLICT && fe.Code != funnel.EFORBIDDEN) {
		s.fail(w, r, err)
		return
	}
	// Show the list as it is now (the page the form came from), with the
	// refusal at the todo it was about.
	br, _ := http.NewRequestWithContext(ctx, http.MethodGet, back, nil)
	d, derr := s.todosData(ctx, br, u)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	d.ProblemID = id
	status := http.StatusUnprocessableEntity
	switch fe.Code {
	case funnel.ECONFLICT:
		status, d.Problems = http.StatusConflict, []problem{{Message: l.T("todo.stale")}}
	case funnel.EFORBIDDEN:
		status, d.Problems = http.StatusForbidden, s.problems(r, err)
	default:
		d.Problems = s.problems(r, err)
	}
	s.render(w, r, status, "todos", "", "todos", d)
}
