package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/store"
)

// scope is the owner/team/pipeline filter shared by the board, the priority
// list and the dashboard, read from the query string so a view can be
// bookmarked and shared.
type scope struct {
	Owner, Team, Pipeline string
	// Choices offered; a rep who manages nobody gets no owner/team filter.
	People    []*store.User
	Teams     []*store.Team
	Pipelines []*store.Pipeline
	Current   *store.Pipeline
}

func (s *server) scopeOf(ctx context.Context, r *http.Request, u *store.User) (*scope, error) {
	q := r.URL.Query()
	sc := &scope{Owner: q.Get("owner"), Team: q.Get("team"), Pipeline: q.Get("pipeline")}
	var err error
	if sc.People, err = s.app.DB.PeopleInView(ctx, u.Viewer()); err != nil {
		return nil, err
	}
	if len(sc.People) <= 1 {
		sc.People, sc.Owner = nil, ""
	}
	if sc.Teams, err = s.app.DB.TeamsInView(ctx, u.Viewer()); err != nil {
		return nil, err
	}
	if sc.Pipelines, err = s.app.DB.Pipelines(ctx); err != nil {
		return nil, err
	}
	for _, pl := range sc.Pipelines {
		if pl.ID == sc.Pipeline || (sc.Pipeline == "" && pl.IsDefault) {
			sc.Current = pl
		}
	}
	if sc.Current == nil && len(sc.Pipelines) > 0 {
		sc.Current = sc.Pipelines[0]
	}
	if sc.Current != nil {
		sc.Pipeline = sc.Current.ID
	}
	return sc, nil
}

func (sc *scope) report() app.ReportScope {
	return app.ReportScope{PipelineID: sc.Pipeline, OwnerID: sc.Owner, TeamID: sc.Team}
}

func (sc *scope) filter() store.OpportunityFilter {
	return store.OpportunityFilter{PipelineID: sc.Pipeline, OwnerID: sc.Owner, TeamID: sc.Team, Status: "open"}
}

// Query is the filter as a query string, for links between views. It is
// typed a URL so a template leaves its = and & alone after the "?" (a plain
// string there is escaped whole, and the next view lost the filter).
func (sc *scope) Query() template.URL {
	v := url.Values{}
	for k, x := range map[string]string{"owner": sc.Owner, "team": sc.Team, "pipeline": sc.Pipeline} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return template.URL(v.Encode())
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return def
	}
	return n
}
