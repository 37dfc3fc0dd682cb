package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// DefaultMaxAttempts is how often a notification is tried before it is
// given up and left for an admin to see (with the worker's backoff doubling
// from 30 s, the ten attempts span about four and a quarter hours).
const DefaultMaxAttempts = 10

// Notice is what a rule or a use case wants said, and to whom. It fans out
// to one outbox row per destination, so each destination succeeds or fails
// on its own: a broken robot URL never re-sends the e-mail.
type Notice struct {
	// UserID: the user's active channels; without any, their account e-mail
	// (so escalations reach people who configured nothing).
	UserID string
	// TeamID: the team's active channels (group robots).
	TeamID string
	// Event: an outbound event type ("opportunity.won", …) for the company
	// channels subscribed to it.
	Event string
	// Key makes the notice idempotent: the same key to the same destination
	// is queued once, however often it is enqueued ("each notification
	// once, never twice"). Empty means never deduplicated.
	Key     string
	Subject string
	Body    string
	// Data is the JSON the generic webhook carries (the event's record).
	Data json.RawMessage
	// Payload, if Data is empty, is marshalled into Data — only when the
	// notice has somewhere to go (most events have no subscriber).
	Payload     any
	MaxAttempts int
}

// Notification is one outbox row: a message to one destination and the
// state of its delivery.
type Notification struct {
	ID          string          `json:"id"`
	ChannelID   string          `json:"channel_id,omitempty"`
	Kind        string          `json:"kind"`
	Address     string          `json:"address"`
	Event       string          `json:"event,omitempty"`
	Key         string          `json:"key"`
	Subject     string          `json:"subject"`
	Body        string          `json:"body"`
	Data        json.RawMessage `json:"data"`
	Status      string          `json:"status"` // pending, sending, sent, failed
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	NextAttempt time.Time       `json:"next_attempt_at"`
	LastAttempt *time.Time      `json:"last_attempt_at,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	SentAt      *time.Time      `json:"sent_at,omitempty"`
	Created     time.Time       `json:"created_at"`
	// Secret and ChannelActive are read from the channel when the row is
	// claimed, so a rotated secret or a switched-off channel takes effect
	// for rows already queued.
	Secret        string `json:"-"`
	ChannelActive bool   `json:"-"`
}

// EnqueueNotification queues n in this transaction: it is sent only if the
// change that caused it commits. It returns how many rows were queued (0
// when every destination already has the key, or there is none).
func (tx *Tx) EnqueueNotification(ctx context.Context, n Notice) (int, error) {
	type dest struct{ channelID, kind, address, dest string }
	var dests []dest
	add := func(cs []Channel, event string) {
		for _, c := range cs {
			if c.Active && (event == "" || c.Wants(event)) {
				dests = append(dests, dest{c.ID, c.Kind, c.Address, c.ID})
			}
		}
	}
	if n.UserID != "" {
		cs, err := channels(ctx, tx.tx, n.UserID, "")
		if err != nil {
			return 0, err
		}
		add(cs, "")
		if len(dests) == 0 {
			u, err := tx.User(ctx, n.UserID)
			if err != nil {
				return 0, err
			}
			if u.Active {
				dests = append(dests, dest{"", ChannelEmail, u.Email, "email:" + u.Email})
			}
		}
	}
	if n.TeamID != "" {
		cs, err := channels(ctx, tx.tx, "", n.TeamID)
		if err != nil {
			return 0, err
		}
		add(cs, "")
	}
	if n.Event != "" {
		// Most events find no company channel: asked with one row first,
		// the list is read only when there is one.
		var some bool
		if err := tx.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM channels WHERE user_id IS NULL AND team_id IS NULL)`).Scan(&some); err != nil {
			return 0, err
		}
		if some {
			cs, err := channels(ctx, tx.tx, "", "")
			if err != nil {
				return 0, err
			}
			add(cs, n.Event)
		}
	}
	if n.MaxAttempts <= 0 {
		n.MaxAttempts = DefaultMaxAttempts
	}
	if len(dests) == 0 {
		return 0, nil
	}
	if len(n.Data) == 0 && n.Payload != nil {
		b, err := json.Marshal(n.Payload)
		if err != nil {
			return 0, err
		}
		n.Data = b
	}
	data := string(n.Data)
	if data == "" {
		data = "{}"
	}
	queued := 0
	for _, d := range dests {
		id := tx.db.NewID()
		key := n.Key
		if key == "" {
			key = id
		}
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO notifications (id, channel_id, kind, address, dest, dedupe_key, event, subject, body, data,
			status, attempts, max_attempts, next_attempt_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $12, $12, $12)
			ON CONFLICT (dest, dedupe_key) DO NOTHING`,
			id, nullStr(d.channelID), d.kind, d.address, d.dest, key, n.Event, n.Subject, n.Body, data, n.MaxAttempts, tx.nowMS())
		if err != nil {
			return queued, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			queued++
		}
	}
	return queued, nil
}

const notificationCols = `n.id, COALESCE(n.channel_id, ''), n.kind, n.address, n.event, n.dedupe_key, n.subject, n.body, n.data, n.status,
	n.attempts, n.max_attempts, n.next_attempt_at, n.last_attempt_at, n.last_error, n.sent_at, n.created_at,
	COALESCE(c.secret, ''), COALESCE(c.active, 1)`

func scanNotification(s interface{ Scan(...any) error }) (*Notification, error) {
	var n Notification
	var data string
	var next, created int64
	var last, sent sql.NullInt64
	var active int
	if err := s.Scan(&n.ID, &n.ChannelID, &n.Kind, &n.Address, &n.Event, &n.Key, &n.Subject, &n.Body, &data, &n.Status,
		&n.Attempts, &n.MaxAttempts, &next, &last, &n.LastError, &sent, &created, &n.Secret, &active); err != nil {
		return nil, err
	}
	n.Data, n.NextAttempt, n.Created = json.RawMessage(data), msTime(next), msTime(created)
	n.LastAttempt, n.SentAt, n.ChannelActive = nullMS(last), nullMS(sent), active == 1
	return &n, nil
}

// ClaimNotifications takes up to limit due rows for this worker: it marks
// them 'sending', counts the attempt, and makes them due again only when
// lease has passed (so a worker that dies mid-send does not lose them).
// On PostgreSQL SKIP LOCKED lets several workers claim side by side, each
// row going to exactly one; on SQLite the write transaction serialises them.
//
// kinds limits the claim to the channel kinds the caller can send (none
// given: every kind). Rows of other kinds stay pending, their attempts
// untouched, until a process that can send them comes by: e-mail queued
// while SMTP is not configured waits instead of failing ten times.
func (db *DB) ClaimNotifications(ctx context.Context, limit int, lease time.Duration, kinds ...string) ([]Notification, error) {
	var out []Notification
	err := db.Tx(ctx, func(tx *Tx) error {
		lock := ""
		if db.Engine == Postgres {
			lock = " FOR UPDATE OF n SKIP LOCKED"
		}
		p := params{tx.nowMS()}
		only := ""
		if len(kinds) > 0 {
			marks := make([]string, len(kinds))
			for i, k := range kinds {
				marks[i] = p.add(k)
			}
			only = " AND n.kind IN (" + strings.Join(marks, ", ") + ")"
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications n LEFT JOIN channels c ON c.id = n.channel_id
			WHERE n.status IN ('pending', 'sending') AND n.next_attempt_at <= $1`+only+`
			ORDER BY n.next_attempt_at, n.id LIMIT `+p.add(limit)+lock, p...)
		if err != nil {
			return err
		}
		for rows.Next() {
			n, err := scanNotification(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, *n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := tx.now.Add(lease)
		for i := range out {
			n, claimed := &out[i], tx.now
			n.Status, n.Attempts, n.NextAttempt, n.LastAttempt = "sending", n.Attempts+1, until, &claimed
			if _, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET status = 'sending', attempts = $1, last_attempt_at = $2,
				next_attempt_at = $3, updated_at = $2 WHERE id = $4`, n.Attempts, tx.nowMS(), until.UnixMilli(), n.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NotificationSent records a successful delivery of the claimed attempt.
// The attempt number guards against a worker whose lease ran out and whose
// row another worker has claimed since: its late report changes nothing.
func (db *DB) NotificationSent(ctx context.Context, id string, attempt int) error {
	return db.Tx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET status = 'sent', sent_at = $1, last_error = '', updated_at = $1
			WHERE id = $2 AND attempts = $3 AND status = 'sending'`, tx.nowMS(), id, attempt)
		return err
	})
}

// NotificationFailed records a failed attempt: due again at retryAt, or
// given up (status 'failed') when retryAt is nil.
func (db *DB) NotificationFailed(ctx context.Context, id string, attempt int, reason string, retryAt *time.Time) error {
	if len(reason) > 2000 {
		reason = reason[:2000]
	}
	return db.Tx(ctx, func(tx *Tx) error {
		status, next := "failed", tx.nowMS()
		if retryAt != nil {
			status, next = "pending", retryAt.UnixMilli()
		}
		_, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET status = $1, next_attempt_at = $2, last_error = $3, updated_at = $4
			WHERE id = $5 AND attempts = $6 AND status = 'sending'`, status, next, reason, tx.nowMS(), id, attempt)
		return err
	})
}

// NotificationFilter selects outbox rows for the admin view.
type NotificationFilter struct {
	Status string // "" = any
	Limit  int
}

// Notifications lists outbox rows, newest first: what was sent, what is
// waiting, and what failed with its last error. For admins only; the caller
// checks the role.
func (db *DB) Notifications(ctx context.Context, f NotificationFilter) ([]Notification, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var p params
	where := "1 = 1"
	if f.Status != "" {
		where = "n.status = " + p.add(f.Status)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications n LEFT JOIN channels c ON c.id = n.channel_id
		WHERE `+where+` ORDER BY n.id DESC LIMIT `+p.add(f.Limit), p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		n.Secret = ""
		out = append(out, *n)
	}
	return out, rows.Err()
}

// RetryNotification puts a given-up notification back in the queue with a
// fresh set of attempts (an admin fixed the channel).
func (tx *Tx) RetryNotification(ctx context.Context, id string) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1
		WHERE id = $2 AND status = 'failed'`, tx.nowMS(), id)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		var status string
		err := tx.tx.QueryRowContext(ctx, `SELECT status FROM notifications WHERE id = $1`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("notification")
		}
		if err != nil {
			return err
		}
		return funnel.Errorf(funnel.ECONFLICT, "notification is %s, only a failed one can be retried", status)
	}
	return nil
}
