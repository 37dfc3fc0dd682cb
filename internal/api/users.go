package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/store"
)

type setupIn struct {
	Body struct {
		Token string `json:"token" doc:"the secret of the one-time setup link printed at first start"`
		app.UserInput
	}
}

type tokenOut struct {
	Token string `json:"token" doc:"shown once; only its hash is stored"`
}

func (h handlers) registerSetup(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "completeSetup", Method: http.MethodPost, Path: "/api/v1/setup",
		Summary: "Create the first admin with the one-time setup link", Tags: []string{"setup"}, DefaultStatus: 201,
		Security: []map[string][]string{}},
		func(ctx context.Context, in *setupIn) (*body[*store.User], error) {
			u, err := h.app.CompleteSetup(ctx, in.Body.Token, in.Body.UserInput)
			if err != nil {
				return nil, problemOf(err)
			}
			return &body[*store.User]{Body: u}, nil
		})
}

type userCreated struct {
	*store.User
	Password string `json:"password,omitempty" doc:"the generated password, shown once"`
}

type tokenIn struct {
	ID   string `path:"id"`
	Body struct {
		Name string `json:"name,omitempty"`
	}
}

func (h handlers) registerUsers(api huma.API) {
	tags := []string{"users"}
	route(api, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/api/v1/me", Summary: "The signed-in user", Tags: tags},
		func(ctx context.Context, u *store.User, _ *struct{}) (*body[*store.User], error) { return ok(u, nil) })
	route(api, huma.Operation{OperationID: "listUsers", Method: http.MethodGet, Path: "/api/v1/users", Summary: "List users", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			TeamID string `query:"team_id"`
			PageQuery
		}) (*body[List[*store.User]], error) {
			return list(h.app.DB.Users(ctx, store.UserFilter{TeamID: in.TeamID, Page: in.page()}))
		})
	route(api, huma.Operation{OperationID: "getUser", Method: http.MethodGet, Path: "/api/v1/users/{id}", Summary: "Get a user", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.User], error) {
			return ok(h.app.DB.User(ctx, in.ID))
		})
	route(api, huma.Operation{OperationID: "createUser", Method: http.MethodPost, Path: "/api/v1/users", Summary: "Create a user (admin)", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct{ Body app.UserInput }) (*body[userCreated], error) {
			nu, pw, err := h.app.CreateUser(ctx, u, in.Body)
			if in.Body.Password != "" {
				pw = ""
			}
			return ok(userCreated{User: nu, Password: pw}, err)
		})
	route(api, huma.Operation{OperationID: "updateUser", Method: http.MethodPatch, Path: "/api/v1/users/{id}", Summary: "Change a user", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.UserPatch
		}) (*body[*store.User], error) {
			return ok(h.app.UpdateUser(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "createToken", Method: http.MethodPost, Path: "/api/v1/users/{id}/tokens", Summary: "Create an API token", Tags: tags},
		func(ctx context.Context, u *store.User, in *tokenIn) (*body[tokenOut], error) {
			t, err := h.app.CreateToken(ctx, u, in.ID, in.Body.Name)
			return ok(tokenOut{Token: t}, err)
		})

	tags = []string{"teams"}
	route(api, huma.Operation{OperationID: "listTeams", Method: http.MethodGet, Path: "/api/v1/teams", Summary: "List teams", Tags: tags},
		func(ctx context.Context, u *store.User, in *PageQuery) (*body[List[*store.Team]], error) {
			return list(h.app.DB.Teams(ctx, in.page()))
		})
	route(api, huma.Operation{OperationID: "getTeam", Method: http.MethodGet, Path: "/api/v1/teams/{id}", Summary: "Get a team", Tags: tags},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.Team], error) {
			return ok(h.app.DB.Team(ctx, in.ID))
		})
	route(api, huma.Operation{OperationID: "createTeam", Method: http.MethodPost, Path: "/api/v1/teams", Summary: "Create a team (admin)", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct{ Body app.TeamInput }) (*body[*store.Team], error) {
			return ok(h.app.CreateTeam(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "updateTeam", Method: http.MethodPatch, Path: "/api/v1/teams/{id}", Summary: "Change a team (admin); send every field", Tags: tags},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.TeamInput
		}) (*body[*store.Team], error) {
			return ok(h.app.UpdateTeam(ctx, u, in.ID, in.Body))
		})
	route(api, huma.Operation{OperationID: "deleteTeam", Method: http.MethodDelete, Path: "/api/v1/teams/{id}", Summary: "Delete an empty team (admin)", Tags: tags, DefaultStatus: 204},
		func(ctx context.Context, u *store.User, in *ByID) (*Empty, error) {
			return nil, h.app.DeleteTeam(ctx, u, in.ID)
		})
}
