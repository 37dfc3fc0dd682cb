package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

// Notification channels and the outbox (admin only; docs/notifications.md).
func (h handlers) registerChannels(api huma.API) {
	tags := []string{"notifications"}
	route(api, huma.Operation{OperationID: "listChannels", Method: http.MethodGet, Path: "/api/v1/channels", Tags: tags,
		Summary: "List notification channels (admin)", Description: "The company's channels first (outbound events), then teams' (group robots) and users'. Secrets are never shown."},
		func(ctx context.Context, u *store.User, _ *struct{}) (*body[List[store.Channel]], error) {
			cs, err := h.app.AllChannels(ctx, u)
			return list(cs, "", err)
		})
	route(api, huma.Operation{OperationID: "createChannel", Method: http.MethodPost, Path: "/api/v1/channels", Tags: tags,
		Summary:     "Add a notification channel (admin)",
		Description: "kind email (address: an e-mail address) or wecom, dingtalk, feishu, webhook (address: the robot's URL; secret: DingTalk's signing secret or the HMAC key of the generic webhook). With user_id it is that user's, with team_id the team's, with neither the company's, which receives the outbound events listed in events (comma-separated, * for all)."},
		func(ctx context.Context, u *store.User, in *struct{ Body app.ChannelInput }) (*body[*store.Channel], error) {
			return ok(h.app.CreateChannel(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "setChannelActive", Method: http.MethodPatch, Path: "/api/v1/channels/{id}", Tags: tags,
		DefaultStatus: 204, Summary: "Switch a channel on or off (admin)", Errors: []int{409}},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body struct {
				Active  bool `json:"active"`
				Version int  `json:"version"`
			}
		}) (*struct{}, error) {
			return nil, h.app.SetChannelActive(ctx, u, in.ID, in.Body.Version, in.Body.Active)
		})
	route(api, huma.Operation{OperationID: "listNotifications", Method: http.MethodGet, Path: "/api/v1/notifications", Tags: tags,
		Summary: "The notification outbox (admin)", Description: "Newest first: what was sent, what waits for its next attempt, and what failed with its last error."},
		func(ctx context.Context, u *store.User, in *struct {
			Status string `query:"status" enum:"pending,sending,sent,failed,"`
			Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"default 50"`
		}) (*body[List[store.Notification]], error) {
			ns, err := h.app.Notifications(ctx, u, store.NotificationFilter{Status: in.Status, Limit: in.Limit})
			return list(ns, "", err)
		})
	route(api, huma.Operation{OperationID: "retryNotification", Method: http.MethodPost, Path: "/api/v1/notifications/{id}/retry", Tags: tags,
		DefaultStatus: 204, Summary: "Queue a failed notification again (admin)", Errors: []int{409}},
		func(ctx context.Context, u *store.User, in *ByID) (*struct{}, error) {
			return nil, h.app.RetryNotification(ctx, u, in.ID)
		})
}
