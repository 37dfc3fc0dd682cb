package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Channel kinds: where a notification can go.
const (
	ChannelEmail    = "email"
	ChannelWeCom    = "wecom"
	ChannelDingTalk = "dingtalk"
	ChannelFeishu   = "feishu"
	ChannelWebhook  = "webhook"
)

// Channel is a destination a user, a team or (neither set) the company
// configured. Secret is stored as given (see the migration).
type Channel struct {
	ID      string    `json:"id"`
	UserID  string    `json:"user_id,omitempty"`
	TeamID  string    `json:"team_id,omitempty"`
	Kind    string    `json:"kind"`
	Name    string    `json:"name"`
	Address string    `json:"address"`
	Secret  string    `json:"-"`
	Events  string    `json:"events,omitempty"`
	Active  bool      `json:"active"`
	Version int       `json:"version"`
	Created time.Time `json:"created_at"`
	Updated time.Time `json:"updated_at"`
}

// Wants reports whether a company channel subscribed to an outbound event.
func (c *Channel) Wants(event string) bool {
	if event == "" || c.Events == "" {
		return false
	}
	for _, e := range strings.Split(c.Events, ",") {
		if e = strings.TrimSpace(e); e == "*" || e == event {
			return true
		}
	}
	return false
}

func (c *Channel) check() error {
	var p funnel.Problems
	switch c.Kind {
	case ChannelEmail:
		if !strings.Contains(c.Address, "@") {
			p.Add("address", "must be an e-mail address")
		}
	case ChannelWeCom, ChannelDingTalk, ChannelFeishu, ChannelWebhook:
		if !strings.HasPrefix(c.Address, "https://") && !strings.HasPrefix(c.Address, "http://") {
			p.Add("address", "must be an http(s) URL")
		}
	default:
		p.Add("kind", "must be email, wecom, dingtalk, feishu or webhook")
	}
	if c.UserID != "" && c.TeamID != "" {
		p.Add("team_id", "a channel belongs to a user or a team, not both")
	}
	return p.Err()
}

// CreateChannel stores a new channel.
func (tx *Tx) CreateChannel(ctx context.Context, c *Channel) error {
	if err := c.check(); err != nil {
		return err
	}
	c.ID, c.Version, c.Active = tx.db.NewID(), 1, true
	c.Created, c.Updated = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO channels (id, user_id, team_id, kind, name, address, secret, events, active, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 1, $9, $9)`,
		c.ID, nullStr(c.UserID), nullStr(c.TeamID), c.Kind, c.Name, c.Address, c.Secret, c.Events, tx.nowMS())
	return err
}

// SetChannelActive switches a channel on or off; notifications already
// queued for a switched-off channel are given up when their turn comes.
func (tx *Tx) SetChannelActive(ctx context.Context, id string, version int, active bool) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE channels SET active = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4`,
		boolInt(active), tx.nowMS(), id, version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.channel(ctx, id); err != nil {
			return err
		}
		return funnel.Errorf(funnel.ECONFLICT, "channel was changed by someone else")
	}
	return nil
}

// Channels lists the channels of a user (userID set), a team (teamID set)
// or the company (both empty).
func (db *DB) Channels(ctx context.Context, userID, teamID string) ([]Channel, error) {
	return channels(ctx, db.r, userID, teamID)
}

// AllChannels lists every channel for the settings page and the admin API:
// the company's first, then teams' and users', oldest first within each.
func (db *DB) AllChannels(ctx context.Context) ([]Channel, error) {
	return queryChannels(ctx, db.r, `SELECT `+channelCols+` FROM channels
		ORDER BY CASE WHEN user_id IS NULL AND team_id IS NULL THEN 0 WHEN team_id IS NOT NULL THEN 1 ELSE 2 END, id`)
}

func (tx *Tx) channel(ctx context.Context, id string) (*Channel, error) {
	c, err := scanChannel(tx.tx.QueryRowContext(ctx, `SELECT `+channelCols+` FROM channels WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("channel")
	}
	return c, err
}

const channelCols = `id, COALESCE(user_id, ''), COALESCE(team_id, ''), kind, name, address, secret, events, active, version, created_at, updated_at`

func channels(ctx context.Context, q querier, userID, teamID string) ([]Channel, error) {
	where := `user_id IS NULL AND team_id IS NULL`
	var args []any
	switch {
	case userID != "":
		where, args = `user_id = $1`, []any{userID}
	case teamID != "":
		where, args = `team_id = $1`, []any{teamID}
	}
	return queryChannels(ctx, q, `SELECT `+channelCols+` FROM channels WHERE `+where+` ORDER BY id`, args...)
}

func queryChannels(ctx context.Context, q querier, query string, args ...any) ([]Channel, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

func scanChannel(s interface{ Scan(...any) error }) (*Channel, error) {
	var c Channel
	var active int
	var created, updated int64
	if err := s.Scan(&c.ID, &c.UserID, &c.TeamID, &c.Kind, &c.Name, &c.Address, &c.Secret, &c.Events, &active, &c.Version, &created, &updated); err != nil {
		return nil, err
	}
	c.Active, c.Created, c.Updated = active == 1, msTime(created), msTime(updated)
	return &c, nil
}
