package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

type opportunityQuery struct {
	OwnerID    string `query:"owner_id"`
	TeamID     string `query:"team_id" doc:"the team and every team below it"`
	CustomerID string `query:"customer_id"`
	PipelineID string `query:"pipeline_id"`
	Stage      string `query:"stage" doc:"stage key"`
	Status     string `query:"status" enum:"open,won,lost,"`
	Industry   string `query:"industry"`
	Region     string `query:"region"`
	Q          string `query:"q" doc:"part of the name or number"`
	CloseFrom  string `query:"close_from" doc:"expected close date from (YYYY-MM-DD, inclusive)"`
	CloseTo    string `query:"close_to" doc:"expected close date before (YYYY-MM-DD, exclusive)"`
	Sort       string `query:"sort" enum:"id,-weighted_amount," doc:"-weighted_amount is the priority list (seed 000)"`
	Risk       string `query:"risk" enum:"high,medium," doc:"only deals with a risk flag of this level"`
	PageQuery
}

func (q opportunityQuery) filter() store.OpportunityFilter {
	return store.OpportunityFilter{OwnerID: q.OwnerID, TeamID: q.TeamID, CustomerID: q.CustomerID, PipelineID: q.PipelineID,
		Stage: q.Stage, Status: q.Status, Industry: q.Industry, Region: q.Region, Query: q.Q, CloseFrom: q.CloseFrom,
		CloseTo: q.CloseTo, Risk: q.Risk, SortByWeighted: q.Sort == "-weighted_amount", Page: q.page()}
}

type closeIn struct {
	ID      string `path:"id"`
	Version int    `query:"version" required:"true" doc:"the version you loaded"`
	Reason  string `query:"loss_reason" enum:"competitor_price,needs_changed,decision_maker_changed,insufficient_resources,other," doc:"default other"`
}

func (h handlers) registerOpportunities(api huma.API) {
	tags := []string{"opportunities"}
	route(api, huma.Operation{OperationID: "listOpportunities", Method: http.MethodGet, Path: "/api/v1/opportunities", Summary: "List opportunities", Tags: tags},
		func(ctx context.Context, u *store.User, in *opportunityQuery) (*body[List[*store.Opportunity]], error) {
			return list(h.app.DB.Opportunities(ctx, u.Viewer(), in.filter()))
		})
	route(api, huma.Operation{OperationID: "getOpportunity", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}", Summary: "Get an opportunity", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Opportunity], error) {
			return ok(h.app.DB.Opportunity(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createOpportunity", Method: http.MethodPost, Path: "/api/v1/opportunities", Tags: tags,
		Summary: "Open an opportunity", Description: "Numbered YYYY-RR-NNN (year, region, sequence per year and region)."},
		func(ctx context.Context, u *store.User, in *struct{ Body app.OpportunityInput }) (*body[*store.Opportunity], error) {
			return ok(h.app.CreateOpportunity(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateOpportunity", Method: http.MethodPatch, Path: "/api/v1/opportunities/{id}", Summary: "Change an opportunity", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.OpportunityInput
		}) (*body[*store.Opportunity], error) {
			return ok(h.app.UpdateOpportunity(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "moveStage", Method: http.MethodPost, Path: "/api/v1/opportunities/{id}/stage", Tags: tags, DefaultStatus: 200,
		Summary: "Move to another stage",
		Description: "200 with the moved opportunity; 202 with the pending approval when the health score (60–80) needs the manager; " +
			"422 with `missing` when a stage gate is not met, or with `health` when the score is below 60."},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.StageMoveInput
		}) (*moveOut, error) {
			return moved(h.app.MoveStage(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "closeOpportunity", Method: http.MethodDelete, Path: "/api/v1/opportunities/{id}", Tags: tags,
		Summary: "Close as lost", Description: "Opportunities are never deleted: their history feeds conversion and forecasts. DELETE closes one as lost."},
		func(ctx context.Context, u *store.User, in *closeIn) (*body[*store.Opportunity], error) {
			reason := in.Reason
			if reason == "" {
				reason = "other"
			}
			r, err := h.app.MoveStage(ctx, u, in.ID, app.StageMoveInput{To: "lost", Version: in.Version, LossReason: reason})
			if err != nil {
				return nil, err
			}
			return ok(r.Opportunity, nil)
		})
	route(api, huma.Operation{OperationID: "opportunityHistory", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}/history", Summary: "Stage moves and field changes, oldest first", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*app.OpportunityHistory], error) {
			return ok(h.app.History(ctx, u, in.ID))
		})
}

func (h handlers) registerActivities(api huma.API) {
	tags := []string{"activities"}
	route(api, huma.Operation{OperationID: "listActivities", Method: http.MethodGet, Path: "/api/v1/activities", Summary: "List activities", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			OpportunityID string `query:"opportunity_id"`
			CustomerID    string `query:"customer_id"`
			PageQuery
		}) (*body[List[*store.Activity]], error) {
			return list(h.app.DB.Activities(ctx, u.Viewer(), store.ActivityFilter{OpportunityID: in.OpportunityID, CustomerID: in.CustomerID, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getActivity", Method: http.MethodGet, Path: "/api/v1/activities/{id}", Summary: "Get an activity", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Activity], error) {
			return ok(h.app.DB.Activity(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "logActivity", Method: http.MethodPost, Path: "/api/v1/activities", Tags: tags,
		Summary: "Log a follow-up", Description: "Sets the opportunity's last_contact_at."},
		func(ctx context.Context, u *store.User, in *struct{ Body app.ActivityInput }) (*body[*store.Activity], error) {
			return ok(h.app.LogActivity(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteActivity", Method: http.MethodDelete, Path: "/api/v1/activities/{id}", Summary: "Delete an activity", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteActivity(ctx, u, in.ID)
		})
}

func (h handlers) registerPipelines(api huma.API) {
	tags := []string{"pipelines"}
	route(api, huma.Operation{OperationID: "listPipelines", Method: http.MethodGet, Path: "/api/v1/pipelines", Summary: "List pipelines with their stages", Tags: tags},
		func(ctx context.Context, u *store.User, in *PageQuery) (*body[List[*store.Pipeline]], error) {
			pls, err := h.app.DB.Pipelines(ctx)
			return list(pls, "", err)
		})
	route(api, huma.Operation{OperationID: "getPipeline", Method: http.MethodGet, Path: "/api/v1/pipelines/{id}", Summary: "Get a pipeline", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Pipeline], error) {
			return ok(h.app.DB.Pipeline(ctx, in.ID))
		})
	route(api, huma.Operation{OperationID: "createPipeline", Method: http.MethodPost, Path: "/api/v1/pipelines", Summary: "Create a pipeline (admin)", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct{ Body app.PipelineInput }) (*body[*store.Pipeline], error) {
			return ok(h.app.CreatePipeline(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updatePipeline", Method: http.MethodPatch, Path: "/api/v1/pipelines/{id}", Tags: tags,
		Summary: "Change a pipeline (admin)", Description: "Names, derivation mode, health gate, and the whole ordered stage list (matched by key). Stage history keeps the probabilities that held at each move."},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.PipelineInput
		}) (*body[*store.Pipeline], error) {
			return ok(h.app.UpdatePipeline(ctx, u, in.ID, in.Body))
		})
}

// moveOut is a stage move's answer: the moved opportunity (200) or the
// approval it now waits for (202).
type moveOut struct {
	Status int
	Body   any
}

func moved(r *app.MoveResult, err error) (*moveOut, error) {
	if err != nil {
		return nil, err
	}
	if r.Outcome == app.OutcomeApprovalRequested {
		return &moveOut{Status: http.StatusAccepted, Body: r.Approval}, nil
	}
	return &moveOut{Status: http.StatusOK, Body: r.Opportunity}, nil
}
