package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

func (h handlers) registerRollup(api huma.API) {
	tags := []string{"reports"}
	route(api, huma.Operation{OperationID: "forecastRollup", Method: http.MethodGet, Path: "/api/v1/reports/rollup", Tags: tags,
		Summary:     "Forecast roll-up with sign-off",
		Description: "A team's forecast for a period: each sub-team and member with the live forecast beside their latest submission, and the team's own sign-off (seed 003's weekly cadence)."},
		func(ctx context.Context, u *store.User, in *struct {
			Period string `query:"period" required:"true"`
			TeamID string `query:"team_id" doc:"default: the highest team I manage"`
		}) (*body[*app.Rollup], error) {
			return ok(h.app.Rollup(ctx, u, in.Period, in.TeamID))
		})
	route(api, huma.Operation{OperationID: "submitForecast", Method: http.MethodPost, Path: "/api/v1/reports/rollup/submissions", Tags: tags,
		Summary: "Sign off a forecast", Description: "A rep submits their own forecast; a manager their team's, adjusted with a comment if they disagree with the live figure."},
		func(ctx context.Context, u *store.User, in *struct{ Body app.SubmitInput }) (*body[*store.Submission], error) {
			return ok(h.app.SubmitForecast(ctx, u, in.Body))
		})
}
