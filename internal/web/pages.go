package web

import (
	"net/http"

	"shangji/internal/app"
)

// registerPages mounts the web UI: every route of it is listed here.
func registerPages(mux *http.ServeMux, a *app.App) {
	s := &server{app: a, pages: loadPages()}
	mux.HandleFunc("GET /static/{hash}/{name...}", serveAsset)
	mux.HandleFunc("GET /{$}", s.root)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("POST /lang", s.setLanguage)
	mux.HandleFunc("GET /setup", s.setupForm)
	mux.HandleFunc("POST /setup", s.setup)

	mux.HandleFunc("GET /board", s.signedIn(s.board))
	mux.HandleFunc("POST /opportunities/{id}/stage", s.signedIn(s.moveStage))
	mux.HandleFunc("GET /list", s.signedIn(s.priorityList))
	mux.HandleFunc("GET /opportunities/{id}", s.signedIn(s.opportunity))
	mux.HandleFunc("POST /opportunities/{id}/activities", s.signedIn(s.logActivity))
	mux.HandleFunc("POST /opportunities/{id}/documents", s.signedIn(s.attachDocument))
	mux.HandleFunc("GET /documents/{id}", s.signedIn(s.documentContent))
	mux.HandleFunc("POST /opportunities/{id}/budget", s.signedIn(s.addBudgetFact))
	mux.HandleFunc("GET /approvals", s.signedIn(s.approvals))
	mux.HandleFunc("POST /approvals/{id}/decide", s.signedIn(s.decideApproval))
	mux.HandleFunc("GET /customers/{id}", s.signedIn(s.customer))
	mux.HandleFunc("GET /dashboard", s.signedIn(s.dashboard))
	mux.HandleFunc("GET /exports/{kind}", s.signedIn(s.download))
	mux.HandleFunc("GET /todos", s.signedIn(s.todos))
	mux.HandleFunc("POST /todos/{id}/{verb}", s.signedIn(s.changeTodo))
	mux.HandleFunc("GET /opportunities/new", s.signedIn(s.newOpportunityForm))
	mux.HandleFunc("POST /opportunities", s.signedIn(s.createOpportunity))
	mux.HandleFunc("GET /opportunities/{id}/edit", s.signedIn(s.editOpportunityForm))
	mux.HandleFunc("POST /opportunities/{id}/edit", s.signedIn(s.updateOpportunity))
	mux.HandleFunc("GET /customers", s.signedIn(s.customers))
	mux.HandleFunc("GET /customers/new", s.signedIn(s.newCustomerForm))
	mux.HandleFunc("POST /customers", s.signedIn(s.createCustomer))
	mux.HandleFunc("POST /customers/{id}/contacts", s.signedIn(s.createContact))
	mux.HandleFunc("GET /account", s.signedIn(s.account))
	mux.HandleFunc("POST /account/password", s.signedIn(s.changePassword))
	mux.HandleFunc("POST /account/tokens", s.signedIn(s.createToken))

	// Settings and imports: admins only.
	mux.HandleFunc("GET /settings", s.admin(s.settingsIndex))
	mux.HandleFunc("GET /settings/pipelines", s.admin(s.pipelineSettings))
	mux.HandleFunc("POST /settings/pipelines", s.admin(s.createPipeline))
	mux.HandleFunc("GET /settings/pipelines/{id}", s.admin(s.pipelineSettings))
	mux.HandleFunc("POST /settings/pipelines/{id}", s.admin(s.savePipeline))
	mux.HandleFunc("POST /settings/pipelines/{id}/stages", s.admin(s.addStage))
	mux.HandleFunc("POST /settings/pipelines/{id}/stages/{key}", s.admin(s.saveStage))
	mux.HandleFunc("POST /settings/pipelines/{id}/stages/{key}/move", s.admin(s.moveStageOrder))
	mux.HandleFunc("GET /settings/health", s.admin(s.healthSettings))
	mux.HandleFunc("POST /settings/health", s.admin(s.saveHealthSettings))
	mux.HandleFunc("GET /settings/calendar", s.admin(s.calendarSettings))
	mux.HandleFunc("POST /settings/calendar", s.admin(s.saveCalendarYear))
	mux.HandleFunc("POST /settings/calendar/{year}/reset", s.admin(s.resetCalendarYear))
	mux.HandleFunc("GET /settings/channels", s.admin(s.channelSettings))
	mux.HandleFunc("POST /settings/channels", s.admin(s.createChannel))
	mux.HandleFunc("POST /settings/channels/{id}/active", s.admin(s.setChannelActive))
	mux.HandleFunc("GET /settings/people", s.admin(s.peopleSettings))
	mux.HandleFunc("POST /settings/users", s.admin(s.createUser))
	mux.HandleFunc("POST /settings/users/{id}", s.admin(s.updateUser))
	mux.HandleFunc("POST /settings/teams", s.admin(s.saveTeam))
	mux.HandleFunc("POST /settings/teams/{id}", s.admin(s.saveTeam))
	mux.HandleFunc("POST /settings/teams/{id}/delete", s.admin(s.deleteTeam))
	mux.HandleFunc("GET /imports", s.admin(s.imports))
	mux.HandleFunc("POST /imports", s.admin(s.postImport))
}
