package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

// registerContracts mounts contracts, their payments (plan lines and
// receipts, one resource told apart by kind), their invoices (nested: an
// invoice is never looked at without its contract) and the deal lifecycle.
func (h handlers) registerContracts(api huma.API) {
	tags := []string{"contracts"}
	route(api, huma.Operation{OperationID: "listContracts", Method: http.MethodGet, Path: "/api/v1/contracts", Summary: "List contracts", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			OpportunityID string `query:"opportunity_id"`
			CustomerID    string `query:"customer_id"`
			PageQuery
		}) (*body[List[*store.Contract]], error) {
			return list(h.app.DB.Contracts(ctx, u.Viewer(), store.ContractFilter{OpportunityID: in.OpportunityID, CustomerID: in.CustomerID, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getContract", Method: http.MethodGet, Path: "/api/v1/contracts/{id}", Summary: "Get a contract with received, outstanding and overdue", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Contract], error) {
			return ok(h.app.DB.Contract(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createContract", Method: http.MethodPost, Path: "/api/v1/contracts", Tags: tags,
		Summary: "Sign a contract on a won opportunity", Description: "The opportunity must be won (422 naming opportunity_id otherwise); the number is unique (409 with existing_id)."},
		func(ctx context.Context, u *store.User, in *struct{ Body app.ContractInput }) (*body[*store.Contract], error) {
			return ok(h.app.CreateContract(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateContract", Method: http.MethodPatch, Path: "/api/v1/contracts/{id}", Summary: "Change a contract", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.ContractInput
		}) (*body[*store.Contract], error) {
			return ok(h.app.UpdateContract(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteContract", Method: http.MethodDelete, Path: "/api/v1/contracts/{id}", Summary: "Delete a contract without receipts or invoices", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteContract(ctx, u, in.ID)
		})

	route(api, huma.Operation{OperationID: "listInvoices", Method: http.MethodGet, Path: "/api/v1/contracts/{id}/invoices", Summary: "List a contract's invoices", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID string `path:"id"`
			PageQuery
		}) (*body[List[*store.Invoice]], error) {
			if _, err := h.app.DB.Contract(ctx, u.Viewer(), in.ID); err != nil {
				return nil, err
			}
			return list(h.app.DB.Invoices(ctx, u.Viewer(), in.ID, in.page()))
		})
	route(api, huma.Operation{OperationID: "createInvoice", Method: http.MethodPost, Path: "/api/v1/contracts/{id}/invoices", Tags: tags,
		Summary: "Issue an invoice", Description: "Invoices may not total more than the contract amount (422 naming amount)."},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.InvoiceInput
		}) (*body[*store.Invoice], error) {
			return ok(h.app.CreateInvoice(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateInvoice", Method: http.MethodPatch, Path: "/api/v1/contracts/{id}/invoices/{invoice_id}", Summary: "Change an invoice", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID        string `path:"id"`
			InvoiceID string `path:"invoice_id"`
			Body      app.InvoiceInput
		}) (*body[*store.Invoice], error) {
			return ok(h.app.UpdateInvoice(ctx, u, in.ID, in.InvoiceID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteInvoice", Method: http.MethodDelete, Path: "/api/v1/contracts/{id}/invoices/{invoice_id}", Summary: "Delete an invoice", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *struct {
			ID        string `path:"id"`
			InvoiceID string `path:"invoice_id"`
		}) (*Empty, error) {
			return nil, h.app.DeleteInvoice(ctx, u, in.ID, in.InvoiceID)
		})

	tags = []string{"payments"}
	route(api, huma.Operation{OperationID: "listPayments", Method: http.MethodGet, Path: "/api/v1/payments", Summary: "List payment plan lines and receipts", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ContractID string `query:"contract_id"`
			Kind       string `query:"kind" enum:"plan,receipt,"`
			PageQuery
		}) (*body[List[*store.Payment]], error) {
			return list(h.app.DB.Payments(ctx, u.Viewer(), store.PaymentFilter{ContractID: in.ContractID, Kind: in.Kind, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getPayment", Method: http.MethodGet, Path: "/api/v1/payments/{id}", Summary: "Get a payment plan line or receipt", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Payment], error) {
			return ok(h.app.DB.Payment(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "createPayment", Method: http.MethodPost, Path: "/api/v1/payments", Tags: tags,
		Summary: "Add a payment plan line or a receipt", Description: "kind plan: a due date and amount; kind receipt: a received date and amount. " +
			"Plan lines, and receipts, may each not total more than the contract amount (422 naming amount)."},
		func(ctx context.Context, u *store.User, in *struct{ Body app.PaymentInput }) (*body[*store.Payment], error) {
			return ok(h.app.CreatePayment(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updatePayment", Method: http.MethodPatch, Path: "/api/v1/payments/{id}", Summary: "Change a payment plan line or receipt", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.PaymentInput
		}) (*body[*store.Payment], error) {
			return ok(h.app.UpdatePayment(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deletePayment", Method: http.MethodDelete, Path: "/api/v1/payments/{id}", Summary: "Delete a payment plan line or receipt", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeletePayment(ctx, u, in.ID)
		})

	route(api, huma.Operation{OperationID: "getLifecycle", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}/lifecycle", Tags: []string{"opportunities"},
		Summary: "Lifecycle report of a deal", Description: "Stages with durations, activities, score history, documents, outcome (with the archive), contracts with payments and invoices (SPEC §7)."},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*app.Lifecycle], error) {
			return ok(h.app.Lifecycle(ctx, u, in.ID))
		})
}
