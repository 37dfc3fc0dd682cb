package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

func (h handlers) registerLeads(api huma.API) {
	tags := []string{"leads"}
	route(api, huma.Operation{OperationID: "listLeads", Method: http.MethodGet, Path: "/api/v1/leads", Summary: "List leads", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			Q       string `query:"q" doc:"part of the company or contact name"`
			OwnerID string `query:"owner_id"`
			Status  string `query:"status" enum:"new,qualified,converted,discarded,"`
			Source  string `query:"source"`
			PageQuery
		}) (*body[List[*store.Lead]], error) {
			return list(h.app.DB.Leads(ctx, u.Viewer(), store.LeadFilter{Query: in.Q, OwnerID: in.OwnerID, Status: in.Status,
				Source: in.Source, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getLead", Method: http.MethodGet, Path: "/api/v1/leads/{id}", Summary: "Get a lead", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Lead], error) {
			return ok(h.app.DB.Lead(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createLead", Method: http.MethodPost, Path: "/api/v1/leads", Summary: "Record a lead", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct{ Body app.LeadInput }) (*body[*store.Lead], error) {
			return ok(h.app.CreateLead(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateLead", Method: http.MethodPatch, Path: "/api/v1/leads/{id}", Tags: tags,
		Summary: "Change a lead", Description: "Qualify, discard (with discard_reason) or reopen a lead. A converted lead is read-only (409)."},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.LeadInput
		}) (*body[*store.Lead], error) {
			return ok(h.app.UpdateLead(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteLead", Method: http.MethodDelete, Path: "/api/v1/leads/{id}", Summary: "Delete a lead that is not converted", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteLead(ctx, u, in.ID)
		})
	route(api, huma.Operation{OperationID: "convertLead", Method: http.MethodPost, Path: "/api/v1/leads/{id}/convert", Tags: tags, DefaultStatus: 200,
		Summary: "Convert a lead into a customer, contact and opportunity",
		Description: "In one transaction: picks customer_id or creates a customer from the company name (409 with existing_id when the " +
			"normalised name exists), optionally creates a contact and opens an opportunity. Any refusal writes nothing. " +
			"A converted lead links to what it made and cannot be converted again (409)."},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.LeadConvertInput
		}) (*body[*app.LeadConversion], error) {
			return ok(h.app.ConvertLead(ctx, u, in.ID, in.Body))
		})
}
