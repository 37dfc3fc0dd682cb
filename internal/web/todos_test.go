package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// addTodos gives owner n open todos on deal, due one hour apart from an hour ago.
func (s *site) addTodos(owner *store.User, deal *store.Opportunity, n int) {
	s.t.Helper()
	err := s.app.DB.Tx(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			if _, err := tx.AddTodo(context.Background(), &store.Todo{Kind: store.TodoNextContact, OpportunityID: deal.ID, DueKey: fmt.Sprintf("%s-%d", owner.ID, i),
				OwnerID: owner.ID, Title: fmt.Sprintf("按计划联系客户:%s 第%d次", deal.Number, i+1), DueAt: s.app.Now().Add(time.Duration(i-1) * time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

func (s *site) todosOf(u *store.User) []*store.Todo {
	s.t.Helper()
	ts, _, err := s.app.DB.Todos(context.Background(), store.System, store.TodoFilter{OwnerID: u.ID, Page: store.Page{Limit: 500}})
	if err != nil {
		s.t.Fatal(err)
	}
	return ts
}

func TestTodos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 40)
		ctx := context.Background()
		rep, mgr := s.user(s.demo.Rep.Email), s.user(s.demo.Manager.Email)
		people, _ := db.PeopleInView(ctx, mgr.Viewer())
		var other *store.User
		for _, p := range people {
			if p.ID != rep.ID && p.ID != mgr.ID {
				other = p
				break
			}
		}
		deal := s.openDeal(rep, "")
		s.addTodos(rep, deal, 23)
		c := s.client()
		c.login(rep.Email)

		t.Run("MineWithPages", func(t *testing.T) {
			res, body := c.do("GET", "/todos", nil)
			if res.StatusCode != 200 || strings.Count(body, `<li class="todo`) != 20 || !strings.Contains(body, `id="todos-next"`) {
				t.Fatalf("first page: %d, %d todos", res.StatusCode, strings.Count(body, `<li class="todo`))
			}
			if strings.Contains(body, `id="team-todos"`) || strings.Contains(body, "/reassign") {
				t.Error("a rep is offered the team's todos or reassigning")
			}
			if !strings.Contains(body, "todo overdue") {
				t.Error("the todo due an hour ago is not marked overdue")
			}
			i := strings.Index(body, `href="/todos?cursor=`)
			if i < 0 {
				t.Fatal("no next page link")
			}
			next := body[i+len(`href="`):]
			next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
			_, body = c.do("GET", next, nil)
			if n := strings.Count(body, `<li class="todo`); n != 3 || strings.Contains(body, `id="todos-next"`) {
				t.Fatalf("second page shows %d todos", n)
			}
		})

		todos := s.todosOf(rep)
		t.Run("DoneAndAStaleVersion", func(t *testing.T) {
			a := todos[0]
			res, _ := c.do("POST", "/todos/"+a.ID+"/done", url.Values{"version": {strconv.Itoa(a.Version)}, "back": {"/todos"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/todos" {
				t.Fatalf("done: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if got := s.todosOf(rep)[0]; got.Status != store.TodoDone || got.DoneBy != rep.ID {
				t.Fatalf("todo after done: %+v", got)
			}
			// The same form again, from a page that still showed the old version.
			res, body := c.do("POST", "/todos/"+a.ID+"/done", url.Values{"version": {strconv.Itoa(a.Version)}, "back": {"/todos"}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "刚被别人处理过") {
				t.Fatalf("stale done: %d, want 409 with the message: %s", res.StatusCode, body[strings.Index(body, "<main"):])
			}
			_, body = c.do("GET", "/todos?status=done", nil)
			if !strings.Contains(body, "todo-"+a.ID) || !strings.Contains(body, "完成于") {
				t.Error("the done list lacks the todo")
			}
		})

		t.Run("Snooze", func(t *testing.T) {
			b := todos[1]
			until := s.app.Now().Add(72 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
			res, _ := c.do("POST", "/todos/"+b.ID+"/snooze", url.Values{"version": {strconv.Itoa(b.Version)}, "until": {until}, "back": {"/todos"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("snooze: %d", res.StatusCode)
			}
			got := s.todosOf(rep)[1]
			if got.SnoozedUntil == nil || got.SnoozedUntil.Before(s.app.Now().Add(71*time.Hour)) {
				t.Fatalf("snoozed until %v", got.SnoozedUntil)
			}
			past := s.app.Now().Add(-72 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
			res, body := c.do("POST", "/todos/"+b.ID+"/snooze", url.Values{"version": {strconv.Itoa(got.Version)}, "until": {past}, "back": {"/todos"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>推迟到</b>") {
				t.Fatalf("snooze into the past: %d, want 422 naming the field", res.StatusCode)
			}
			i := strings.Index(body, `id="todo-`+b.ID+`"`)
			if i < 0 || !strings.Contains(body[i:i+3000], `class="problems"`) {
				t.Error("the problem is not shown at the todo")
			}
		})

		t.Run("ManagerSeesTheTeamAndReassigns", func(t *testing.T) {
			m := s.client()
			m.login(mgr.Email)
			_, body := m.do("GET", "/todos", nil)
			if !strings.Contains(body, `id="todos-empty"`) || !strings.Contains(body, `id="team-todos"`) {
				t.Fatal("the manager's own list is not empty, or offers no team view")
			}
			_, body = m.do("GET", "/todos?who=team&owner="+rep.ID, nil)
			cTodo := todos[2]
			if !strings.Contains(body, "todo-"+cTodo.ID) || !strings.Contains(body, rep.Name) {
				t.Fatal("the team view lacks the rep's todo")
			}
			res, _ := m.do("POST", "/todos/"+cTodo.ID+"/reassign", url.Values{"version": {strconv.Itoa(cTodo.Version)}, "owner_id": {other.ID},
				"back": {"/todos?who=team&owner=" + rep.ID}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/todos?who=team&owner="+rep.ID {
				t.Fatalf("reassign: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if got, _, _ := db.Todos(ctx, store.System, store.TodoFilter{OwnerID: other.ID}); len(got) != 1 || got[0].ID != cTodo.ID {
				t.Fatalf("%s's todos after reassigning: %d", other.Name, len(got))
			}
			res, _ = c.do("POST", "/todos/"+todos[3].ID+"/reassign", url.Values{"version": {strconv.Itoa(todos[3].Version)}, "owner_id": {mgr.ID}})
			if res.StatusCode == http.StatusSeeOther {
				t.Fatal("a rep handed a todo to the manager")
			}
		})
	})
}
