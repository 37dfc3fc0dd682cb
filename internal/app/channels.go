package app

import (
	"context"
	"strings"

	"shangji/internal/store"
)

// ChannelInput creates a notification channel: a user's, a team's (a group
// robot) or, with neither, the company's.
type ChannelInput struct {
	UserID  string `json:"user_id,omitempty"`
	TeamID  string `json:"team_id,omitempty"`
	Kind    string `json:"kind" enum:"email,wecom,dingtalk,feishu,webhook"`
	Name    string `json:"name"`
	Address string `json:"address"`
	Secret  string `json:"secret,omitempty"`
	Events  string `json:"events,omitempty" doc:"company channels: comma-separated event types, * for all"`
}

// CreateChannel adds a channel (admin only: the server fetches webhook URLs,
// so who may point it at an address is limited).
func (a *App) CreateChannel(ctx context.Context, actor *store.User, in ChannelInput) (*store.Channel, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	c := &store.Channel{UserID: in.UserID, TeamID: in.TeamID, Kind: in.Kind, Name: strings.TrimSpace(in.Name),
		Address: strings.TrimSpace(in.Address), Secret: strings.TrimSpace(in.Secret), Events: strings.TrimSpace(in.Events)}
	err := a.tx(ctx, func(tx *store.Tx) error {
		if c.UserID != "" {
			if _, err := tx.User(ctx, c.UserID); err != nil {
				return fieldErr("user_id", "user not found")
			}
		}
		if c.TeamID != "" {
			if _, err := tx.Team(ctx, c.TeamID); err != nil {
				return fieldErr("team_id", "team not found")
			}
		}
		return tx.CreateChannel(ctx, c)
	})
	return c, err
}

// SetChannelActive switches a channel on or off (admin only); version is
// the one the admin saw.
func (a *App) SetChannelActive(ctx context.Context, actor *store.User, id string, version int, active bool) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error { return tx.SetChannelActive(ctx, id, version, active) })
}
