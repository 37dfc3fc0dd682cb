package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

func (h handlers) registerCustomers(api huma.API) {
	tags := []string{"customers"}
	route(api, huma.Operation{OperationID: "listCustomers", Method: http.MethodGet, Path: "/api/v1/customers", Summary: "List customers", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			Q        string `query:"q" doc:"part of the name"`
			OwnerID  string `query:"owner_id"`
			Industry string `query:"industry"`
			Region   string `query:"region"`
			PageQuery
		}) (*body[List[*store.Customer]], error) {
			return list(h.app.DB.Customers(ctx, u.Viewer(), store.CustomerFilter{Query: in.Q, OwnerID: in.OwnerID,
				Industry: in.Industry, Region: in.Region, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getCustomer", Method: http.MethodGet, Path: "/api/v1/customers/{id}", Summary: "Get a customer", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Customer], error) {
			return ok(h.app.DB.Customer(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createCustomer", Method: http.MethodPost, Path: "/api/v1/customers", Tags: tags,
		Summary: "Create a customer", Description: "A name equal to an existing one after normalisation (width, case, spaces) gives 409 with existing_id."},
		func(ctx context.Context, u *store.User, in *struct{ Body app.CustomerInput }) (*body[*store.Customer], error) {
			return ok(h.app.CreateCustomer(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateCustomer", Method: http.MethodPatch, Path: "/api/v1/customers/{id}", Summary: "Change a customer", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.CustomerInput
		}) (*body[*store.Customer], error) {
			return ok(h.app.UpdateCustomer(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteCustomer", Method: http.MethodDelete, Path: "/api/v1/customers/{id}", Summary: "Delete a customer without opportunities", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteCustomer(ctx, u, in.ID)
		})

	tags = []string{"contacts"}
	route(api, huma.Operation{OperationID: "listContacts", Method: http.MethodGet, Path: "/api/v1/contacts", Summary: "List contacts", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			CustomerID string `query:"customer_id"`
			Role       string `query:"role" enum:"decision_maker,influencer,user,"`
			PageQuery
		}) (*body[List[*store.Contact]], error) {
			return list(h.app.DB.Contacts(ctx, u.Viewer(), store.ContactFilter{CustomerID: in.CustomerID, Role: in.Role, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getContact", Method: http.MethodGet, Path: "/api/v1/contacts/{id}", Summary: "Get a contact", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Contact], error) {
			return ok(h.app.DB.Contact(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createContact", Method: http.MethodPost, Path: "/api/v1/contacts", Summary: "Create a contact", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct{ Body app.ContactInput }) (*body[*store.Contact], error) {
			return ok(h.app.CreateContact(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateContact", Method: http.MethodPatch, Path: "/api/v1/contacts/{id}", Summary: "Change a contact", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.ContactInput
		}) (*body[*store.Contact], error) {
			return ok(h.app.UpdateContact(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteContact", Method: http.MethodDelete, Path: "/api/v1/contacts/{id}", Summary: "Delete a contact", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteContact(ctx, u, in.ID)
		})
}
