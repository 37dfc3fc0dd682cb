package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

func (h handlers) registerDiscipline(api huma.API) {
	tags := []string{"stage discipline"}
	route(api, huma.Operation{OperationID: "opportunityHealth", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}/health", Tags: tags,
		Summary: "Health score", Description: "Need match (40) + decision chain (30, from activities with contacts) + budget certainty (30, evidenced facts); the decision and an explanation."},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*app.HealthReport], error) {
			return ok(h.app.Health(ctx, u, in.ID))
		})
	route(api, huma.Operation{OperationID: "setTicks", Method: http.MethodPut, Path: "/api/v1/opportunities/{id}/ticked", Tags: tags,
		Summary: "Tick indicators or checklist items", Description: "In the indicators and checklist modes the stage is derived and the deal moves under the same gate and health rules as a manual move."},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.TicksInput
		}) (*body[*app.MoveResult], error) {
			return ok(h.app.SetTicks(ctx, u, in.ID, in.Body))
		})

	route(api, huma.Operation{OperationID: "listApprovals", Method: http.MethodGet, Path: "/api/v1/approvals", Summary: "List stage-move approvals", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			Status        string `query:"status" enum:"pending,approved,rejected,"`
			OpportunityID string `query:"opportunity_id"`
			Mine          bool   `query:"mine" doc:"only those waiting for me"`
			PageQuery
		}) (*body[List[*store.Approval]], error) {
			f := store.ApprovalFilter{Status: in.Status, OpportunityID: in.OpportunityID, Page: in.page()}
			if in.Mine {
				f.ApproverID = u.ID
			}
			return list(h.app.DB.Approvals(ctx, u.Viewer(), f))
		})
	for _, d := range []struct {
		verb    string
		approve bool
	}{{"approve", true}, {"reject", false}} {
		route(api, huma.Operation{OperationID: d.verb + "Approval", Method: http.MethodPost, Path: "/api/v1/approvals/{id}/" + d.verb, Tags: tags, DefaultStatus: 200,
			Summary: d.verb + " a stage move"},
			func(ctx context.Context, u *store.User, in *struct {
				ID   string `path:"id"`
				Body app.DecisionInput
			}) (*body[*store.Approval], error) {
				return ok(h.app.DecideApproval(ctx, u, in.ID, d.approve, in.Body))
			})
	}

	route(api, huma.Operation{OperationID: "listBudgetFacts", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}/budget-facts", Summary: "Budget facts", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[List[store.BudgetFact]], error) {
			facts, err := h.app.BudgetFacts(ctx, u, in.ID)
			return list(facts, "", err)
		})
	route(api, huma.Operation{OperationID: "addBudgetFact", Method: http.MethodPost, Path: "/api/v1/opportunities/{id}/budget-facts", Summary: "Record a budget fact with its evidence", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.BudgetFactInput
		}) (*body[*store.BudgetFact], error) {
			return ok(h.app.AddBudgetFact(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteBudgetFact", Method: http.MethodDelete, Path: "/api/v1/opportunities/{id}/budget-facts/{kind}", Summary: "Remove a budget fact", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Kind string `path:"kind" enum:"amount_stated,approved,in_annual_plan"`
		}) (*Empty, error) {
			return nil, h.app.DeleteBudgetFact(ctx, u, in.ID, in.Kind)
		})

	route(api, huma.Operation{OperationID: "getHealthSettings", Method: http.MethodGet, Path: "/api/v1/settings/health", Summary: "Health score weights and thresholds", Tags: []string{"settings"}},
		func(ctx context.Context, u *store.User, _ *struct{}) (*body[app.HealthSettings], error) {
			return ok(h.app.HealthSettings(ctx))
		})
	route(api, huma.Operation{OperationID: "putHealthSettings", Method: http.MethodPut, Path: "/api/v1/settings/health", Summary: "Change the health score settings (admin)", Tags: []string{"settings"}},
		func(ctx context.Context, u *store.User, in *struct{ Body app.HealthSettings }) (*body[app.HealthSettings], error) {
			return ok(h.app.SaveHealthSettings(ctx, u, in.Body))
		})
}

func (h handlers) registerDocuments(api huma.API) {
	tags := []string{"documents"}
	route(api, huma.Operation{OperationID: "listDocuments", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}/documents", Summary: "Documents of an opportunity", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[List[*store.Document]], error) {
			if _, err := h.app.DB.Opportunity(ctx, u.Viewer(), in.ID); err != nil {
				return nil, err
			}
			docs, err := h.app.DB.Documents(ctx, in.ID)
			return list(docs, "", err)
		})
	route(api, huma.Operation{OperationID: "attachLink", Method: http.MethodPost, Path: "/api/v1/opportunities/{id}/documents", Summary: "Attach a link as a document", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.DocumentInput
		}) (*body[*store.Document], error) {
			return ok(h.app.AttachDocument(ctx, u, in.ID, in.Body, nil))
		})
	route(api, huma.Operation{OperationID: "uploadDocument", Method: http.MethodPost, Path: "/api/v1/opportunities/{id}/documents/upload", Tags: tags,
		Summary: "Upload a file as a document", Description: "The request body is the file itself (at most 20 MiB); its type is sniffed from the content.",
		MaxBodyBytes: app.MaxDocumentSize + 1}, // huma sets no limit on a raw body: stop reading past the limit (413)
		func(ctx context.Context, u *store.User, in *struct {
			ID      string `path:"id"`
			DocType string `query:"doc_type" required:"true"`
			Name    string `query:"name" required:"true" doc:"file name; any path in it is dropped"`
			RawBody []byte `contentType:"application/octet-stream"`
		}) (*body[*store.Document], error) {
			content := in.RawBody
			if content == nil {
				content = []byte{}
			}
			return ok(h.app.AttachDocument(ctx, u, in.ID, app.DocumentInput{Type: in.DocType, Name: in.Name}, content))
		})
	route(api, huma.Operation{OperationID: "getDocument", Method: http.MethodGet, Path: "/api/v1/documents/{id}", Summary: "Get a document's metadata", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Document], error) {
			return ok(h.app.DB.Document(ctx, u.Viewer(), in.ID))
		})
	route(api, huma.Operation{OperationID: "downloadDocument", Method: http.MethodGet, Path: "/api/v1/documents/{id}/content", Summary: "Download a document's file", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*fileOut, error) {
			d, b, err := h.app.DB.DocumentContent(ctx, u.Viewer(), in.ID)
			if err != nil {
				return nil, err
			}
			if d.URL != "" {
				return &fileOut{Status: http.StatusFound, Location: d.URL}, nil
			}
			return &fileOut{Status: 200, ContentType: d.ContentType, Disposition: "attachment; filename*=UTF-8''" + urlEscape(d.Name),
				Length: strconv.Itoa(len(b)), Sniff: "nosniff", Body: b}, nil
		})
	route(api, huma.Operation{OperationID: "deleteDocument", Method: http.MethodDelete, Path: "/api/v1/documents/{id}", Summary: "Delete a document (kept for audit)", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteDocument(ctx, u, in.ID)
		})
}

type fileOut struct {
	Status      int
	ContentType string `header:"Content-Type"`
	Disposition string `header:"Content-Disposition"`
	Length      string `header:"Content-Length"`
	Location    string `header:"Location"`
	Sniff       string `header:"X-Content-Type-Options"`
	Body        []byte
}
