package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"shangji/internal/store"
)

// Worker delivers due outbox rows. It holds no state of its own: any number
// of workers, in any number of processes, may run against one database.
type Worker struct {
	DB      *store.DB
	Senders map[string]Sender // by channel kind; see Senders
	// Batch is how many rows one claim takes (default 20); MaxBatches
	// bounds one Run so a long queue does not starve other jobs of a tick.
	Batch, MaxBatches int
	// Lease is how long a claimed row is left to its worker before another
	// may take it (default 2 min, well above the senders' timeouts).
	Lease time.Duration
	Log   *slog.Logger
}

// Senders returns a sender for every channel kind; e-mail only when smtp is
// configured.
func Senders(smtp *SMTP) map[string]Sender {
	m := map[string]Sender{
		store.ChannelWeCom:    WeCom{},
		store.ChannelDingTalk: DingTalk{},
		store.ChannelFeishu:   Feishu{},
		store.ChannelWebhook:  Webhook{},
	}
	if smtp != nil {
		m[store.ChannelEmail] = smtp
	}
	return m
}

// Backoff is the wait after the given failed attempt: 30 s doubling each
// time, at most 6 h. No jitter: claims are serialised by the database, so
// retries falling due together do not stampede a receiver beyond one batch.
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Result counts what one Run did.
type Result struct{ Sent, Retrying, Failed int }

// Run delivers what is due now and returns when nothing due is left (or
// after MaxBatches claims).
func (w *Worker) Run(ctx context.Context) (Result, error) {
	batch, batches, lease := w.Batch, w.MaxBatches, w.Lease
	if batch <= 0 {
		batch = 20
	}
	if batches <= 0 {
		batches = 10
	}
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	// Only kinds this worker can send: the rest wait for one that can.
	kinds := slices.Sorted(maps.Keys(w.Senders))
	var r Result
	if len(kinds) == 0 {
		return r, nil
	}
	for range batches {
		claimed, err := w.DB.ClaimNotifications(ctx, batch, lease, kinds...)
		if err != nil {
			return r, err
		}
		for i := range claimed {
			if err := w.deliver(ctx, &claimed[i], log, &r); err != nil {
				return r, err
			}
		}
		if len(claimed) < batch {
			break
		}
	}
	return r, nil
}

// deliver sends one claimed row and records the outcome; only a failure to
// record is returned (a failed send is the row's business, not the run's).
func (w *Worker) deliver(ctx context.Context, n *store.Notification, log *slog.Logger, r *Result) error {
	var err error
	sender, ok := w.Senders[n.Kind]
	switch {
	case !n.ChannelActive:
		err = Permanent(errors.New("channel switched off"))
	case !ok: // not claimed by Run; a caller's own claim could still hold one
		err = fmt.Errorf("no sender for %s: not configured", n.Kind)
	default:
		err = sender.Send(ctx, n, w.DB.Now())
	}
	if err == nil {
		r.Sent++
		return w.DB.NotificationSent(ctx, n.ID, n.Attempts)
	}
	if ctx.Err() != nil {
		// Shutting down: the lease brings the row back; do not count this
		// interrupted attempt against the destination.
		return ctx.Err()
	}
	var retryAt *time.Time
	if !IsPermanent(err) && n.Attempts < n.MaxAttempts {
		t := w.DB.Now().Add(Backoff(n.Attempts))
		retryAt = &t
		r.Retrying++
	} else {
		r.Failed++
	}
	log.Warn("notification not delivered", "id", n.ID, "kind", n.Kind, "attempt", n.Attempts, "retry_at", retryAt, "err", err)
	return w.DB.NotificationFailed(ctx, n.ID, n.Attempts, err.Error(), retryAt)
}
