package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

func (h handlers) registerTodos(api huma.API) {
	tags := []string{"follow-up rhythm"}
	h.registerRhythm(api)
	route(api, huma.Operation{OperationID: "listTodos", Method: http.MethodGet, Path: "/api/v1/todos", Tags: tags,
		Summary:     "List todos",
		Description: "My todos and, for a manager, those of the teams below me (admins: all). Rules create them from next contact times, stage cadence, zombie deals, jump anomalies, closed deals to archive and the resource priority queue (kinds next_contact, cadence, zombie_review, jump_review, archive, priority_presales, priority_director_meeting, priority_contract_review); see docs/rhythm.md."},
		func(ctx context.Context, u *store.User, in *struct {
			Status    string `query:"status" enum:"open,done,"`
			OwnerID   string `query:"owner_id"`
			DueBefore string `query:"due_before" doc:"RFC 3339 instant: todos due (and not snoozed) before it"`
			PageQuery
		}) (*body[List[*store.Todo]], error) {
			q := app.TodoQuery{Status: in.Status, OwnerID: in.OwnerID, Page: in.page()}
			if in.DueBefore != "" {
				t, err := time.Parse(time.RFC3339, in.DueBefore)
				if err != nil {
					return nil, huma.Error422UnprocessableEntity("due_before must be an RFC 3339 instant", &huma.ErrorDetail{Location: "query.due_before", Value: in.DueBefore})
				}
				q.DueBefore = t
			}
			return list(h.app.Todos(ctx, u, q))
		})
	for _, d := range []struct {
		verb, summary string
		do            func(*app.App) func(context.Context, *store.User, string, app.TodoChange) (*store.Todo, error)
	}{
		{"done", "Mark a todo done", func(a *app.App) func(context.Context, *store.User, string, app.TodoChange) (*store.Todo, error) {
			return a.TodoDone
		}},
		{"snooze", "Snooze a todo until a time", func(a *app.App) func(context.Context, *store.User, string, app.TodoChange) (*store.Todo, error) {
			return a.TodoSnooze
		}},
		{"reassign", "Hand a todo to someone in my team view", func(a *app.App) func(context.Context, *store.User, string, app.TodoChange) (*store.Todo, error) {
			return a.TodoReassign
		}},
	} {
		route(api, huma.Operation{OperationID: d.verb + "Todo", Method: http.MethodPost, Path: "/api/v1/todos/{id}/" + d.verb, Tags: tags,
			DefaultStatus: 200, Summary: d.summary, Errors: []int{409}},
			func(ctx context.Context, u *store.User, in *struct {
				ID   string `path:"id"`
				Body app.TodoChange
			}) (*body[*store.Todo], error) {
				return ok(d.do(h.app)(ctx, u, in.ID, in.Body))
			})
	}
}
