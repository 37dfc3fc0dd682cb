// Package app holds Shangji's use cases: one method per thing a user does,
// with its validation and authorisation, each in one transaction. Rules come
// from funnel, records from store; the API, the UI, jobs and the CLI all call
// these methods, so a rule is enforced the same way everywhere.
package app

import (
	"context"
	"log/slog"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// App is the set of use cases over one database.
type App struct {
	DB  *store.DB
	Log *slog.Logger
}

// New returns the use cases over db.
func New(db *store.DB, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	return &App{DB: db, Log: log}
}

// Now is the application clock (the store's, so tests move one clock).
func (a *App) Now() time.Time { return a.DB.Now() }

type ctxKey struct{}

// WithUser returns ctx carrying the signed-in user.
func WithUser(ctx context.Context, u *store.User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// UserFrom returns the signed-in user of ctx.
func UserFrom(ctx context.Context) (*store.User, error) {
	u, ok := ctx.Value(ctxKey{}).(*store.User)
	if !ok || u == nil {
		return nil, funnel.Errorf(funnel.EUNAUTHORIZED, "sign in or send a bearer token")
	}
	return u, nil
}

// tx runs fn in one transaction.
func (a *App) tx(ctx context.Context, fn func(tx *store.Tx) error) error { return a.DB.Tx(ctx, fn) }

func forbidden(format string, args ...any) error {
	return funnel.Errorf(funnel.EFORBIDDEN, format, args...)
}

func requireAdmin(u *store.User) error {
	if u.Role != store.RoleAdmin {
		return forbidden("only an admin may do this")
	}
	return nil
}

// mayReassign checks a change of owner: seeing a record (as a collaborator,
// say) is not enough; one must act for the current owner and the new one.
func mayReassign(ctx context.Context, c actChecker, actor *store.User, from, to string) error {
	ok, err := c.CanActFor(ctx, actor.Viewer(), from)
	if err != nil {
		return err
	}
	if !ok {
		return forbidden("only the owner, a manager above them or an admin may reassign this record")
	}
	return mustActFor(ctx, c, actor, "owner_id", to)
}

// actChecker is the store (outside a transaction) or a transaction.
type actChecker interface {
	CanActFor(ctx context.Context, v store.Viewer, userID string) (bool, error)
}

// mustActFor refuses acting for someone outside the actor's view, naming field.
func mustActFor(ctx context.Context, c actChecker, actor *store.User, field, userID string) error {
	ok, err := c.CanActFor(ctx, actor.Viewer(), userID)
	if err != nil {
		return err
	}
	if !ok {
		var p funnel.Problems
		p.Add(field, "user %s not found or not in your team", userID)
		return p.Err()
	}
	return nil
}
