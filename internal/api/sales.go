package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

func (h handlers) registerSales(api huma.API) {
	tags := []string{"quotas"}
	route(api, huma.Operation{OperationID: "listQuotas", Method: http.MethodGet, Path: "/api/v1/quotas", Summary: "List quotas", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			Scope   string `query:"scope" enum:"user,team,"`
			ScopeID string `query:"scope_id"`
			Period  string `query:"period"`
			PageQuery
		}) (*body[List[*store.Quota]], error) {
			return list(h.app.DB.Quotas(ctx, u.Viewer(), store.QuotaFilter{Scope: in.Scope, ScopeID: in.ScopeID, Period: in.Period, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getQuota", Method: http.MethodGet, Path: "/api/v1/quotas/{id}", Summary: "Get a quota", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Quota], error) {
			return ok(h.app.DB.Quota(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createQuota", Method: http.MethodPost, Path: "/api/v1/quotas", Summary: "Set a quota", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct{ Body app.QuotaInput }) (*body[*store.Quota], error) {
			return ok(h.app.CreateQuota(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateQuota", Method: http.MethodPatch, Path: "/api/v1/quotas/{id}", Summary: "Change a quota's amount", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.QuotaInput
		}) (*body[*store.Quota], error) {
			return ok(h.app.UpdateQuota(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteQuota", Method: http.MethodDelete, Path: "/api/v1/quotas/{id}", Summary: "Delete a quota", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteQuota(ctx, u, in.ID)
		})

	tags = []string{"direct-sales"}
	route(api, huma.Operation{OperationID: "listDirectSales", Method: http.MethodGet, Path: "/api/v1/direct-sales", Summary: "List direct sales", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			OwnerID string `query:"owner_id"`
			From    string `query:"from" doc:"sold on or after (YYYY-MM-DD)"`
			To      string `query:"to" doc:"sold before (YYYY-MM-DD)"`
			PageQuery
		}) (*body[List[*store.DirectSale]], error) {
			return list(h.app.DB.DirectSales(ctx, u.Viewer(), store.DirectSaleFilter{OwnerID: in.OwnerID, From: in.From, To: in.To, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getDirectSale", Method: http.MethodGet, Path: "/api/v1/direct-sales/{id}", Summary: "Get a direct sale", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.DirectSale], error) {
			return ok(h.app.DB.DirectSale(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createDirectSale", Method: http.MethodPost, Path: "/api/v1/direct-sales", Summary: "Record a direct sale (outside the funnel)", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct{ Body app.DirectSaleInput }) (*body[*store.DirectSale], error) {
			return ok(h.app.CreateDirectSale(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateDirectSale", Method: http.MethodPatch, Path: "/api/v1/direct-sales/{id}", Summary: "Change a direct sale; send every field", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.DirectSaleInput
		}) (*body[*store.DirectSale], error) {
			return ok(h.app.UpdateDirectSale(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteDirectSale", Method: http.MethodDelete, Path: "/api/v1/direct-sales/{id}", Summary: "Delete a direct sale", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteDirectSale(ctx, u, in.ID)
		})
}

func (h handlers) registerReports(api huma.API) {
	tags := []string{"reports"}
	route(api, huma.Operation{OperationID: "funnelReport", Method: http.MethodGet, Path: "/api/v1/reports/funnel", Tags: tags,
		Summary: "Open opportunities by stage", Description: "Count, amount and weighted amount (amount × stage probability) per open stage of a pipeline."},
		func(ctx context.Context, u *store.User, in *app.FunnelQuery) (*body[*app.Funnel], error) {
			return ok(h.app.FunnelBy(ctx, u, *in))
		})
	route(api, huma.Operation{OperationID: "forecastReport", Method: http.MethodGet, Path: "/api/v1/reports/forecast", Tags: tags,
		Summary: "Forecast against quota", Description: "Forecast = Σ amount × stage probability of open opportunities expected to close in the period; achieved = won + direct sales in the period."},
		func(ctx context.Context, u *store.User, in *struct {
			Period string `query:"period" required:"true" doc:"2026-Q4, 2026-11 or 2026"`
			app.ReportScope
		}) (*body[*app.Forecast], error) {
			return ok(h.app.Forecast(ctx, u, in.Period, in.ReportScope))
		})
	route(api, huma.Operation{OperationID: "progressReport", Method: http.MethodGet, Path: "/api/v1/reports/progress", Tags: tags,
		Summary: "Weekly progress through a quarter (销售进展)",
		Description: "One row per week: F (forecast at the week's end, from the weekly snapshot), S (won + direct sales of the quarter so far), " +
			"progress = ((F+S) − (F+S of the week before)) / quota, and the target 1/13 of the quarter."},
		func(ctx context.Context, u *store.User, in *struct {
			Period string `query:"period" required:"true" doc:"a quarter: 2026-Q4"`
			app.ReportScope
		}) (*body[*app.Progress], error) {
			return ok(h.app.Progress(ctx, u, in.Period, in.ReportScope))
		})
	route(api, huma.Operation{OperationID: "takeSnapshot", Method: http.MethodPost, Path: "/api/v1/snapshots", Tags: tags, DefaultStatus: 200,
		Summary: "Take the weekly snapshot now (admin)", Description: "The job takes it after every week's end; this takes the last closed week's, or week_end's, if it is missing. Idempotent."},
		func(ctx context.Context, u *store.User, in *struct {
			Body struct {
				WeekEnd string `json:"week_end,omitempty" doc:"YYYY-MM-DD; default the last closed week"`
			}
		}) (*body[snapshotOut], error) {
			if u.Role != store.RoleAdmin {
				return nil, &Problem{Title: "Forbidden", Status: 403, Detail: "only an admin may take snapshots by hand"}
			}
			week, took, err := h.app.TakeSnapshot(ctx, in.Body.WeekEnd)
			return ok(snapshotOut{WeekEnd: week, Taken: took}, err)
		})
	route(api, huma.Operation{OperationID: "calibrationReport", Method: http.MethodGet, Path: "/api/v1/reports/calibration", Tags: tags,
		Summary: "Probability calibration", Description: "Per open stage: the configured probability, and the share of closed deals (won or lost) that reached the stage and were won, with the sample size."},
		func(ctx context.Context, u *store.User, in *struct {
			Period string `query:"period" doc:"cohort by creation; all deals when empty"`
			app.ReportScope
		}) (*body[*app.Calibration], error) {
			return ok(h.app.Calibration(ctx, u, in.Period, in.ReportScope))
		})
	route(api, huma.Operation{OperationID: "accuracyReport", Method: http.MethodGet, Path: "/api/v1/reports/accuracy", Tags: tags,
		Summary:     "Forecast accuracy backtest",
		Description: "For each of the last full months: the forecast from the snapshot taken at least 30 days before the month's end, against what was won that month, with the error in percent."},
		func(ctx context.Context, u *store.User, in *struct {
			Months int `query:"months" minimum:"0" maximum:"24" doc:"how many past months; default 6"`
			app.ReportScope
		}) (*body[*app.Accuracy], error) {
			return ok(h.app.Accuracy(ctx, u, in.Months, in.ReportScope))
		})
	route(api, huma.Operation{OperationID: "repsReport", Method: http.MethodGet, Path: "/api/v1/reports/reps", Tags: tags,
		Summary:     "Rep profiles: opener or converter",
		Description: "Per rep of the scope: deals opened and stage conversion against the median of the reps compared (seed 000)."},
		func(ctx context.Context, u *store.User, in *struct {
			Period string `query:"period" doc:"cohort by creation; all deals when empty"`
			app.ReportScope
		}) (*body[*app.RepProfiles], error) {
			return ok(h.app.RepProfiles(ctx, u, in.Period, in.ReportScope))
		})
	route(api, huma.Operation{OperationID: "conversionReport", Method: http.MethodGet, Path: "/api/v1/reports/conversion", Tags: tags,
		Summary: "Conversion and velocity of a cohort",
		Description: "From stage history. win_rate = won / all deals of the cohort. A stage's conversion = deals that moved past it / deals that entered it. " +
			"A deal that skipped a stage (say discovery → proposal) has passed it, so it counts as entered and advanced there, but adds no dwell time; " +
			"a won deal has passed every open stage; a deal moved back counts each stage once, by the furthest stage it reached. " +
			"Dwell counts finished stays only. The cohort is the pipeline's deals in scope created in the period (all when no period)."},
		func(ctx context.Context, u *store.User, in *struct {
			Period string `query:"period" doc:"cohort by creation: 2026-Q4, 2026-11 or 2026; all deals when empty"`
			app.ReportScope
		}) (*body[*funnel.ConversionReport], error) {
			return ok(h.app.Conversion(ctx, u, in.Period, in.ReportScope))
		})
}

type snapshotOut struct {
	WeekEnd string `json:"week_end"`
	Taken   bool   `json:"taken" doc:"false when the week had been taken already"`
}
