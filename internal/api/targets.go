package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

func (h handlers) registerTargets(api huma.API) {
	tags := []string{"targets"}
	route(api, huma.Operation{OperationID: "targetsReport", Method: http.MethodGet, Path: "/api/v1/reports/targets", Tags: tags,
		Summary:     "Targets in three paradigms (seed 004)",
		Description: "probability: what the remaining quota takes — wins, opportunities, follow-ups and follow-ups a working day — planned from the scope's win rate, average order value and follow-ups per win, beside the actuals; behaviour: coverage and penetration of the named-account list. The project paradigm: GET /api/v1/opportunities/{id}/milestones."},
		func(ctx context.Context, u *store.User, in *struct {
			Period string `query:"period" required:"true"`
			app.ReportScope
		}) (*body[*app.Targets], error) {
			return ok(h.app.Targets(ctx, u, in.Period, in.ReportScope))
		})
	for _, d := range []struct {
		method string
		add    bool
	}{{http.MethodPost, true}, {http.MethodDelete, false}} {
		route(api, huma.Operation{OperationID: map[bool]string{true: "addNamedAccount", false: "removeNamedAccount"}[d.add], Method: d.method,
			Path: "/api/v1/named-accounts", Tags: tags, DefaultStatus: 204, Summary: "Add a customer to (or remove it from) a named-account list"},
			func(ctx context.Context, u *store.User, in *struct{ Body app.NamedAccountInput }) (*Empty, error) {
				return nil, h.app.SetNamedAccount(ctx, u, in.Body, d.add)
			})
	}
	route(api, huma.Operation{OperationID: "listMilestones", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}/milestones", Tags: tags, Summary: "A deal's milestones, slips marked"},
		func(ctx context.Context, u *store.User, in *ByID) (*body[List[*store.Milestone]], error) {
			ms, err := h.app.Milestones(ctx, u, in.ID)
			return list(ms, "", err)
		})
	route(api, huma.Operation{OperationID: "addMilestone", Method: http.MethodPost, Path: "/api/v1/opportunities/{id}/milestones", Tags: tags, Summary: "Plan a milestone"},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.MilestoneInput
		}) (*body[*store.Milestone], error) {
			return ok(h.app.AddMilestone(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateMilestone", Method: http.MethodPatch, Path: "/api/v1/milestones/{id}", Tags: tags, Summary: "Change or complete a milestone"},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.MilestoneInput
		}) (*body[*store.Milestone], error) {
			return ok(h.app.UpdateMilestone(ctx, u, in.ID, in.Body))
		})
}
