package app

import (
	"context"
	"time"

	"shangji/internal/store"
)

// TodoQuery filters the todos a user lists.
type TodoQuery struct {
	Status    string    // open, done, "" for both
	OwnerID   string    // "" = everyone in view
	DueBefore time.Time // zero = any
	// OpportunityID: one deal's todos ("" = any).
	OpportunityID string
	store.Page
}

// Todos lists the actor's todos and, for a manager, their team's (the same
// view as opportunities: a todo is seen by its owner and those above them).
func (a *App) Todos(ctx context.Context, actor *store.User, q TodoQuery) ([]*store.Todo, string, error) {
	if q.Status != "" && q.Status != store.TodoOpen && q.Status != store.TodoDone {
		return nil, "", fieldErr("status", "must be open or done")
	}
	return a.DB.Todos(ctx, actor.Viewer(), store.TodoFilter{Status: q.Status, OwnerID: q.OwnerID, DueBefore: q.DueBefore, OpportunityID: q.OpportunityID, Page: q.Page})
}

// TodoChange is a change to a todo; Version is the one the client saw.
type TodoChange struct {
	Version int        `json:"version" minimum:"1"`
	Until   *time.Time `json:"until,omitempty" doc:"snooze: hide the todo until then"`
	OwnerID string     `json:"owner_id,omitempty" doc:"reassign: the new owner, within your team view"`
}

// TodoDone marks a visible todo done.
func (a *App) TodoDone(ctx context.Context, actor *store.User, id string, in TodoChange) (*store.Todo, error) {
	return a.changeTodo(ctx, actor, id, in.Version, func(tx *store.Tx, t *store.Todo) error {
		if t.Status == store.TodoDone {
			return nil
		}
		now := tx.Now()
		t.Status, t.DoneAt, t.DoneBy = store.TodoDone, &now, actor.ID
		return nil
	})
}

// TodoSnooze hides an open todo until a later time; it counts as overdue
// from then at the earliest.
func (a *App) TodoSnooze(ctx context.Context, actor *store.User, id string, in TodoChange) (*store.Todo, error) {
	return a.changeTodo(ctx, actor, id, in.Version, func(tx *store.Tx, t *store.Todo) error {
		if in.Until == nil {
			return fieldErr("until", "is required")
		}
		if !in.Until.After(tx.Now()) {
			return fieldErr("until", "must be in the future")
		}
		if t.Status != store.TodoOpen {
			return fieldErr("status", "only an open todo can be snoozed")
		}
		u := in.Until.UTC().Truncate(time.Millisecond)
		t.SnoozedUntil = &u
		return nil
	})
}

// TodoReassign hands a todo to someone else: the actor must act for both the
// current owner and the new one (themself, their subtree, or anyone as admin).
func (a *App) TodoReassign(ctx context.Context, actor *store.User, id string, in TodoChange) (*store.Todo, error) {
	return a.changeTodo(ctx, actor, id, in.Version, func(tx *store.Tx, t *store.Todo) error {
		if in.OwnerID == "" {
			return fieldErr("owner_id", "is required")
		}
		if err := mayReassign(ctx, tx, actor, t.OwnerID, in.OwnerID); err != nil {
			return err
		}
		t.OwnerID = in.OwnerID
		return nil
	})
}

func (a *App) changeTodo(ctx context.Context, actor *store.User, id string, version int, change func(tx *store.Tx, t *store.Todo) error) (*store.Todo, error) {
	var out *store.Todo
	err := a.tx(ctx, func(tx *store.Tx) error {
		t, err := tx.Todo(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if version == 0 {
			return fieldErr("version", "is required")
		}
		t.Version = version
		if err := change(tx, t); err != nil {
			return err
		}
		if err := tx.SaveTodo(ctx, t); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}
