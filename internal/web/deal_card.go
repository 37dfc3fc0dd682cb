package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// The deal card's action panels (seed 002: everything in one view in ten
// seconds): the risk flags the rules stored with their advice, the deal's
// open todos with a done button, the support requests with the form to ask
// for help, and the warnings of the change that led here.

type dealMore struct {
	Risks    []funnel.RiskFlag // high first
	Todos    []todoItem
	Support  supportPanel
	Warnings []string // said once, after the change that caused them
}

// dealTodosShown is how many of a deal's open todos the card lists.
const dealTodosShown = 20

func (s *server) dealMore(ctx context.Context, u *store.User, c *card, o *store.Opportunity, pl *store.Pipeline, l Locale) (dealMore, error) {
	m := dealMore{Risks: slices.Clone(o.Risks)}
	// The stored dwell flag (learned averages) says more than the card's
	// estimate from the expected dwell: the strip above shows only one.
	if slices.ContainsFunc(o.Risks, func(r funnel.RiskFlag) bool { return r.Rule == funnel.RuleStageDwell }) {
		c.Stalled = false
	}
	slices.SortStableFunc(m.Risks, func(a, b funnel.RiskFlag) int { return riskRank(a.Level) - riskRank(b.Level) })
	todos, _, err := s.app.Todos(ctx, u, app.TodoQuery{Status: store.TodoOpen, OpportunityID: o.ID, Page: store.Page{Limit: dealTodosShown}})
	if err != nil {
		return m, err
	}
	var ids []string
	for _, t := range todos {
		ids = append(ids, t.OwnerID)
	}
	names, err := s.app.DB.UserNames(ctx, ids)
	if err != nil {
		return m, err
	}
	now := s.app.Now()
	for _, t := range todos {
		m.Todos = append(m.Todos, todoItem{Todo: t, Owner: names[t.OwnerID], Overdue: t.OverdueFrom().Before(now),
			Snoozed: t.SnoozedUntil != nil && t.SnoozedUntil.After(now)})
	}
	m.Support, err = s.supportPanel(ctx, u, o, pl, l)
	return m, err
}

func riskRank(level string) int {
	if level == funnel.RiskHigh {
		return 0
	}
	return 1
}

// dealWarnings words the warnings a redirect carried (?warn=code), each
// from the catalogue; an unknown code says nothing.
func (s *server) dealWarnings(ctx context.Context, u *store.User, o *store.Opportunity, codes []string, l Locale) ([]string, error) {
	var out []string
	for _, code := range codes {
		switch code {
		case "customer_owned_by_other":
			c, err := s.app.DB.Customer(ctx, u.Viewer(), o.CustomerID)
			if err != nil {
				return nil, err
			}
			names, err := s.app.DB.UserNames(ctx, []string{c.OwnerID})
			if err != nil {
				return nil, err
			}
			out = append(out, l.T("warn.customer_owned_by_other", c.Name, names[c.OwnerID]))
		}
	}
	return out, nil
}

// doneDealTodo is the card's done button for one of the deal's todos.
func (s *server) doneDealTodo(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.FormValue("version"))
	_, err := s.app.TodoDone(r.Context(), u, r.PathValue("todo"), app.TodoChange{Version: version})
	if err == nil {
		http.Redirect(w, r, "/opportunities/"+id+"#deal-todos", http.StatusSeeOther)
		return
	}
	if funnel.ErrorCode(err) == funnel.ECONFLICT {
		err = funnel.Errorf(funnel.ECONFLICT, "%s", s.locale(r, u).T("todo.stale"))
	}
	s.dealFormFailed(w, r, u, id, "todos", err)
}

// warnQuery carries a change's warnings to the page it leads to ("?warn=code").
func warnQuery(ws []store.Warning) string {
	q := url.Values{}
	for _, w := range ws {
		q.Add("warn", w.Code)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
