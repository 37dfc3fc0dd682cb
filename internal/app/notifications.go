package app

import (
	"context"

	"shangji/internal/store"
)

// The outbox seen by admins (issue 5: "failures are visible to admin"):
// every channel, what was sent, what waits and what failed with its last
// error, and a retry once the channel is fixed. Admin only, like channel
// creation: the addresses and message bodies span every team.

// AllChannels lists every notification channel.
func (a *App) AllChannels(ctx context.Context, actor *store.User) ([]store.Channel, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return a.DB.AllChannels(ctx)
}

// Notifications lists outbox rows, newest first, optionally of one status.
func (a *App) Notifications(ctx context.Context, actor *store.User, f store.NotificationFilter) ([]store.Notification, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return a.DB.Notifications(ctx, f)
}

// RetryNotification queues a failed notification again with fresh attempts.
func (a *App) RetryNotification(ctx context.Context, actor *store.User, id string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error { return tx.RetryNotification(ctx, id) })
}
