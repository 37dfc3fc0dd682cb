package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// registerSupport: support requests (SPEC §6, seed 002; docs/support.md).
func (h handlers) registerSupport(api huma.API) {
	tags := []string{"support requests"}
	route(api, huma.Operation{OperationID: "askSupport", Method: http.MethodPost, Path: "/api/v1/opportunities/{id}/support-requests", Tags: tags,
		Summary: "Ask presales or customer success for help",
		Description: "From the proposal stage on, with a health score above 70. The helper answers within 24 hours; " +
			"a refusal needs a reason and the sales director's approval."},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.SupportInput
		}) (*body[*store.SupportRequest], error) {
			return ok(h.app.AskSupport(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "listSupportRequests", Method: http.MethodGet, Path: "/api/v1/support-requests", Tags: tags,
		Summary: "Support requests", Description: "Those the caller sees: the requester's line, the helper's line, the deciding director."},
		func(ctx context.Context, u *store.User, in *struct {
			Mine          bool   `query:"mine" doc:"asked by me"`
			Assigned      bool   `query:"assigned" doc:"asked of me"`
			ToDecide      bool   `query:"to_decide" doc:"refusals waiting for my decision"`
			Overdue       bool   `query:"overdue" doc:"unanswered past the 24-hour deadline"`
			Status        string `query:"status" enum:"requested,refusal_pending,accepted,refused,completed,cancelled,"`
			OpportunityID string `query:"opportunity_id"`
			PageQuery
		}) (*body[List[*store.SupportRequest]], error) {
			return list(h.app.SupportRequests(ctx, u, app.SupportQuery{Mine: in.Mine, Assigned: in.Assigned, ToDecide: in.ToDecide,
				Overdue: in.Overdue, Status: in.Status, OpportunityID: in.OpportunityID, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getSupportRequest", Method: http.MethodGet, Path: "/api/v1/support-requests/{id}", Tags: tags,
		Summary: "A support request"},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.SupportRequest], error) {
			return ok(h.app.SupportRequest(ctx, u, in.ID))
		})
	for _, d := range []struct {
		verb   string
		accept bool
	}{{"accept", true}, {"refuse", false}} {
		route(api, huma.Operation{OperationID: d.verb + "SupportRequest", Method: http.MethodPost, Path: "/api/v1/support-requests/{id}/" + d.verb,
			Tags: tags, DefaultStatus: 200, Summary: d.verb + " a support request (the helper)"},
			func(ctx context.Context, u *store.User, in *struct {
				ID   string `path:"id"`
				Body app.SupportAnswer
			}) (*body[*store.SupportRequest], error) {
				return ok(h.app.AnswerSupport(ctx, u, in.ID, d.accept, in.Body))
			})
	}
	route(api, huma.Operation{OperationID: "decideSupportRefusal", Method: http.MethodPost, Path: "/api/v1/support-requests/{id}/refusal-approval",
		Tags: tags, DefaultStatus: 200, Summary: "Approve or overrule a refusal (the sales director)"},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.RefusalDecision
		}) (*body[*store.SupportRequest], error) {
			return ok(h.app.DecideSupportRefusal(ctx, u, in.ID, in.Body))
		})
	for _, d := range []struct {
		verb, summary string
		do            func(context.Context, *store.User, string, app.SupportVersion) (*store.SupportRequest, error)
	}{{"complete", "Mark an accepted request done (either party)", h.app.CompleteSupport},
		{"cancel", "Withdraw a request before its answer (the requester)", h.app.CancelSupport}} {
		route(api, huma.Operation{OperationID: d.verb + "SupportRequest", Method: http.MethodPost, Path: "/api/v1/support-requests/{id}/" + d.verb,
			Tags: tags, DefaultStatus: 200, Summary: d.summary},
			func(ctx context.Context, u *store.User, in *struct {
				ID   string `path:"id"`
				Body app.SupportVersion
			}) (*body[*store.SupportRequest], error) {
				return ok(d.do(ctx, u, in.ID, in.Body))
			})
	}
	route(api, huma.Operation{OperationID: "rateSupportRequest", Method: http.MethodPost, Path: "/api/v1/support-requests/{id}/rate",
		Tags: tags, DefaultStatus: 200, Summary: "Rate the other side of a completed request, 1–10"},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.SupportRatingInput
		}) (*body[*store.SupportRequest], error) {
			return ok(h.app.RateSupport(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "listSupportTeamFlags", Method: http.MethodGet, Path: "/api/v1/support-flags", Tags: tags,
		Summary: "Teams flagged by support ratings", Description: "A team is flagged after two ratings in a row under 8; a rating of 8 or more clears it."},
		func(ctx context.Context, u *store.User, in *struct {
			TeamID string `query:"team_id"`
		}) (*body[List[store.SupportTeamFlag]], error) {
			flags, err := h.app.SupportTeamFlags(ctx, u, in.TeamID)
			return list(flags, "", err)
		})
	route(api, huma.Operation{OperationID: "listSupportHelpers", Method: http.MethodGet, Path: "/api/v1/support-helpers", Tags: tags,
		Summary: "Who can be asked for support", Description: "Active presales and customer-success users, by name."},
		func(ctx context.Context, u *store.User, _ *struct{}) (*body[List[*store.User]], error) {
			helpers, err := h.app.DB.SupportHelpers(ctx)
			if helpers == nil {
				helpers = []*store.User{}
			}
			return list(helpers, "", err)
		})
	route(api, huma.Operation{OperationID: "getSupportSettings", Method: http.MethodGet, Path: "/api/v1/settings/support", Tags: []string{"settings"},
		Summary: "Support-request thresholds"},
		func(ctx context.Context, u *store.User, _ *struct{}) (*body[funnel.SupportRules], error) {
			return ok(h.app.SupportSettings(ctx))
		})
	route(api, huma.Operation{OperationID: "putSupportSettings", Method: http.MethodPut, Path: "/api/v1/settings/support", Tags: []string{"settings"},
		Summary: "Change the support-request thresholds (admin)", Description: "Zero or missing fields keep seed 002's defaults."},
		func(ctx context.Context, u *store.User, in *struct{ Body funnel.SupportRules }) (*body[funnel.SupportRules], error) {
			return ok(h.app.SaveSupportSettings(ctx, u, in.Body))
		})
}
