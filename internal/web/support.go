package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Support requests (docs/support.md): a rep asks presales or customer
// success for help from the deal card; the helper accepts or refuses on
// /support; a refusal goes to the sales director, who lets it stand or
// overrules it; either side completes, then each rates the other. Every
// answer carries the request's version: a request answered meanwhile is
// refused (409) and shown as it is now. The buttons offered follow who the
// reader acts for; app has the last word.

// supportItem is a request with names and the actions the reader may take.
type supportItem struct {
	*store.SupportRequest
	Requester, Helper, Approver string
	TypeZH, TypeEN              string
	MayAnswer, MayDecide        bool
	MayComplete, MayCancel      bool
	MayRate                     bool
	SeesDeal                    bool      // the deal's card opens for the reader (a helper may not see the deal)
	Problems                    []problem // a refused action on this request
}

// Open tells whether the request still occupies its helper.
func (it supportItem) Open() bool {
	switch it.Status {
	case funnel.SupportRequested, funnel.SupportRefusalPending, funnel.SupportAccepted:
		return true
	}
	return false
}

// supportActor knows whom the reader acts for (themself, their subtree, or
// everyone for an admin), so each request offers only the reader's buttons.
type supportActor struct {
	u    *store.User
	acts map[string]bool
}

func (s *server) supportActor(ctx context.Context, u *store.User) (supportActor, error) {
	a := supportActor{u: u, acts: map[string]bool{u.ID: true}}
	people, err := s.app.DB.PeopleInView(ctx, u.Viewer())
	for _, p := range people {
		a.acts[p.ID] = true
	}
	return a, err
}

func (a supportActor) actsFor(id string) bool {
	return id != "" && (a.u.Role == store.RoleAdmin || a.acts[id])
}

func (s *server) supportItems(ctx context.Context, u *store.User, reqs []*store.SupportRequest) ([]supportItem, error) {
	act, err := s.supportActor(ctx, u)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, q := range reqs {
		ids = append(ids, q.RequesterID, q.HelperID, q.ApproverID)
	}
	names, err := s.app.DB.UserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]supportItem, len(reqs))
	for i, q := range reqs {
		it := supportItem{SupportRequest: q, Requester: names[q.RequesterID], Helper: names[q.HelperID], Approver: names[q.ApproverID],
			TypeZH: q.Type, TypeEN: q.Type}
		for _, t := range funnel.SupportTypes {
			if t.Key == q.Type {
				it.TypeZH, it.TypeEN = t.ZH, t.EN
			}
		}
		switch q.Status {
		case funnel.SupportRequested:
			it.MayAnswer, it.MayCancel = act.actsFor(q.HelperID), act.actsFor(q.RequesterID)
		case funnel.SupportRefusalPending:
			it.MayDecide = u.Role == store.RoleAdmin || act.actsFor(q.ApproverID)
		case funnel.SupportAccepted:
			it.MayComplete = act.actsFor(q.RequesterID) || act.actsFor(q.HelperID)
		case funnel.SupportCompleted:
			it.MayRate = (u.ID == q.RequesterID && q.HelperRating == nil) || (u.ID == q.HelperID && q.RequesterRating == nil)
		}
		out[i] = it
	}
	return out, nil
}

// Scores are the choices of a rating.
func (supportItem) Scores() []int { return []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1} }

type supportPageData struct {
	View      string // "", assigned, mine, to_decide, overdue
	Views     []string
	Items     []supportItem
	Cursor    string
	Next      string
	Flags     []store.SupportTeamFlag
	ShowFlags bool
	Back      string
	// A refusal no longer on this page goes above the list.
	Problems []problem
}

var supportViews = []string{"", "assigned", "mine", "to_decide", "overdue"}

const supportPerPage = 30

func (s *server) supportPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.supportPageData(r.Context(), r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "support", "", "support", d)
}

func (s *server) supportPageData(ctx context.Context, r *http.Request, u *store.User) (*supportPageData, error) {
	q := r.URL.Query()
	d := &supportPageData{Views: supportViews, Cursor: q.Get("cursor")}
	for _, v := range supportViews {
		if v == q.Get("view") {
			d.View = v
		}
	}
	sq := app.SupportQuery{Mine: d.View == "mine", Assigned: d.View == "assigned", ToDecide: d.View == "to_decide", Overdue: d.View == "overdue",
		Page: store.Page{Limit: supportPerPage, Cursor: d.Cursor}}
	reqs, next, err := s.app.SupportRequests(ctx, u, sq)
	if err != nil {
		return nil, err
	}
	// Newest first within the page (ids are UUIDv7).
	for i, j := 0, len(reqs)-1; i < j; i, j = i+1, j-1 {
		reqs[i], reqs[j] = reqs[j], reqs[i]
	}
	d.Next = next
	if d.Items, err = s.supportItems(ctx, u, reqs); err != nil {
		return nil, err
	}
	// Link the deal only for readers who see it: the helper's side often does not.
	sees := map[string]bool{}
	for i, it := range d.Items {
		seen, ok := sees[it.OpportunityID]
		if !ok {
			_, oerr := s.app.DB.Opportunity(ctx, u.Viewer(), it.OpportunityID)
			if oerr != nil && funnel.ErrorCode(oerr) != funnel.ENOTFOUND {
				return nil, oerr
			}
			seen = oerr == nil
			sees[it.OpportunityID] = seen
		}
		d.Items[i].SeesDeal = seen
	}
	switch u.Role {
	case store.RoleAdmin, store.RoleDirector, store.RoleManager:
		d.ShowFlags = true
		if d.Flags, err = s.app.SupportTeamFlags(ctx, u, ""); err != nil {
			return nil, err
		}
	}
	d.Back = "/support" + d.Link(d.Cursor)
	return d, nil
}

// Link is the page's view (and page) as "?query", or "".
func (d *supportPageData) Link(cursor string) string {
	var parts []string
	if d.View != "" {
		parts = append(parts, "view="+d.View)
	}
	if cursor != "" {
		parts = append(parts, "cursor="+cursor)
	}
	if len(parts) == 0 {
		return ""
	}
	return "?" + strings.Join(parts, "&")
}

// supportPanel is the deal card's part: the deal's requests, the helpers to
// ask and, when the deal may not ask yet, why.
type supportPanel struct {
	OppID    string
	Items    []supportItem
	Helpers  []*store.User
	Types    []struct{ Key, ZH, EN string }
	Blocked  []string // why the deal may not ask (in the reader's language)
	Form     *form
	Problems []problem // a refused action on one of the requests
}

func (s *server) supportPanel(ctx context.Context, u *store.User, o *store.Opportunity, pl *store.Pipeline, l Locale) (supportPanel, error) {
	p := supportPanel{OppID: o.ID, Types: funnel.SupportTypes, Form: newForm()}
	p.Form.Values["type"] = "solution"
	reqs, _, err := s.app.SupportRequests(ctx, u, app.SupportQuery{OpportunityID: o.ID, Page: store.Page{Limit: 50}})
	if err != nil {
		return p, err
	}
	for i, j := 0, len(reqs)-1; i < j; i, j = i+1, j-1 {
		reqs[i], reqs[j] = reqs[j], reqs[i]
	}
	if p.Items, err = s.supportItems(ctx, u, reqs); err != nil {
		return p, err
	}
	if p.Helpers, err = s.app.DB.SupportHelpers(ctx); err != nil {
		return p, err
	}
	p.Blocked, err = s.supportBlocked(ctx, o, pl, l)
	return p, err
}

// supportBlocked words why the deal may not ask for support now (the
// checks of funnel.SupportRules.SupportEligible), or nil.
func (s *server) supportBlocked(ctx context.Context, o *store.Opportunity, pl *store.Pipeline, l Locale) ([]string, error) {
	rules, err := s.app.SupportSettings(ctx)
	if err != nil {
		return nil, err
	}
	stages := make([]funnel.Stage, len(pl.Stages))
	at := -1
	for i, st := range pl.Stages {
		stages[i] = st.Stage
		if st.Key == o.Stage {
			at = i
		}
	}
	var out []string
	prop := rules.ProposalStage(stages)
	switch {
	case at < 0 || stages[at].Kind != funnel.StageOpen:
		out = append(out, l.T("support.why_closed"))
	case prop < 0:
		out = append(out, l.T("support.why_no_proposal"))
	case at < prop:
		out = append(out, l.T("support.why_early", l.StageName(stages[prop])))
	}
	if o.HealthScore <= rules.MinHealth {
		out = append(out, l.T("support.why_health", o.HealthScore, rules.MinHealth))
	}
	return out, nil
}

var supportFields = []string{"helper_id", "type", "needed_by", "expected_output", "note"}

// askSupport takes the card's form (app.AskSupport). A deal that may not ask
// comes back (422) with the reasons; each other problem shows at its field.
func (s *server) askSupport(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	l := s.locale(r, u)
	f := newForm()
	f.take(r, supportFields...)
	in := app.SupportInput{HelperID: f.V("helper_id"), Type: f.V("type"), ExpectedOutput: f.V("expected_output"), Note: f.V("note")}
	if v := f.V("needed_by"); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, l.Zone)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02", v, l.Zone)
		}
		if err == nil {
			in.NeededBy = &t
		} else {
			f.Errors["needed_by"] = l.T("todo.bad_time")
		}
	}
	var err error
	if len(f.Errors) == 0 {
		if _, err = s.app.AskSupport(ctx, u, id, in); err == nil {
			http.Redirect(w, r, "/opportunities/"+id+"#support", http.StatusSeeOther)
			return
		}
	}
	var fe *funnel.Error
	status := http.StatusUnprocessableEntity
	if err != nil {
		if !errors.As(err, &fe) || (fe.Code != funnel.EINVALID && fe.Code != funnel.ECONFLICT && fe.Code != funnel.EFORBIDDEN) {
			s.fail(w, r, err)
			return
		}
		status = map[string]int{funnel.EINVALID: http.StatusUnprocessableEntity, funnel.ECONFLICT: http.StatusConflict,
			funnel.EFORBIDDEN: http.StatusForbidden}[fe.Code]
	}
	d, derr := s.opportunityData(ctx, u, id)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	sp := &d.More.Support
	blocked := false
	if fe != nil {
		switch {
		case fe.Code == funnel.ECONFLICT:
			f.General = append(f.General, problem{Message: l.T("support.already_open")})
		case len(fe.Fields) == 0:
			f.General = append(f.General, problem{Message: fe.Message})
		}
		for _, fld := range fe.Fields {
			switch fld.Field {
			case "stage", "health_score":
				blocked = true
			default:
				if f.Errors[fld.Field] == "" {
					f.Errors[fld.Field] = supportFieldMessage(fld.Message, l)
				}
			}
		}
	}
	if blocked && len(sp.Blocked) == 0 { // changed since: say what the use case said
		for _, fld := range fe.Fields {
			if fld.Field == "stage" || fld.Field == "health_score" {
				sp.Blocked = append(sp.Blocked, fld.Message)
			}
		}
	}
	if blocked {
		f.Values["refused"] = "1"
	}
	sp.Form = f
	s.render(w, r, status, "opportunity", "", "list", d)
}

// supportFieldMessage words the use case's usual field messages.
func supportFieldMessage(msg string, l Locale) string {
	switch {
	case strings.HasPrefix(msg, "is required"):
		return l.T("form.required")
	case msg == "must be in the future":
		return l.T("support.err_future")
	case strings.HasPrefix(msg, "cannot ask yourself"):
		return l.T("support.err_yourself")
	}
	return msg
}

// changeSupport takes the answer, decision, completion, withdrawal and
// rating forms of a request, from /support or from the deal card ("back").
func (s *server) changeSupport(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	l := s.locale(r, u)
	version, _ := strconv.Atoi(r.FormValue("version"))
	var err error
	switch r.PathValue("verb") {
	case "accept":
		_, err = s.app.AnswerSupport(ctx, u, id, true, app.SupportAnswer{Version: version})
	case "refuse":
		_, err = s.app.AnswerSupport(ctx, u, id, false, app.SupportAnswer{Version: version, Reason: r.FormValue("reason")})
	case "decide":
		approve := r.FormValue("decision") == "approve"
		_, err = s.app.DecideSupportRefusal(ctx, u, id, app.RefusalDecision{Version: version, Approve: &approve, Comment: r.FormValue("comment")})
	case "complete":
		_, err = s.app.CompleteSupport(ctx, u, id, app.SupportVersion{Version: version})
	case "cancel":
		_, err = s.app.CancelSupport(ctx, u, id, app.SupportVersion{Version: version})
	case "rate":
		in := app.SupportRatingInput{Comment: r.FormValue("comment")}
		if n, aerr := strconv.Atoi(r.FormValue("score")); aerr == nil {
			in.Score = &n
		}
		_, err = s.app.RateSupport(ctx, u, id, in)
	default:
		s.fail(w, r, funnel.Errorf(funnel.ENOTFOUND, "no such change"))
		return
	}
	back := r.FormValue("back")
	oppID, toCard := strings.CutPrefix(back, "/opportunities/")
	if toCard && (oppID == "" || strings.ContainsAny(oppID, "/?#")) {
		toCard = false
	}
	if !toCard && back != "/support" && !strings.HasPrefix(back, "/support?") {
		back = "/support"
	}
	if err == nil {
		if toCard {
			back += "#support"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	var fe *funnel.Error
	if !errors.As(err, &fe) || (fe.Code != funnel.EINVALID && fe.Code != funnel.ECONFLICT && fe.Code != funnel.EFORBIDDEN) {
		s.fail(w, r, err)
		return
	}
	status := map[string]int{funnel.EINVALID: http.StatusUnprocessableEntity, funnel.ECONFLICT: http.StatusConflict,
		funnel.EFORBIDDEN: http.StatusForbidden}[fe.Code]
	var probs []problem
	switch fe.Code {
	case funnel.ECONFLICT:
		probs = []problem{{Message: l.T("support.stale")}}
	case funnel.EFORBIDDEN:
		probs = []problem{{Message: l.T("support.forbidden")}}
	default:
		for _, fld := range fe.Fields {
			p := problem{Field: fld.Field, Message: supportFieldMessage(fld.Message, l)}
			if l.Has("field." + fld.Field) {
				p.Field = l.T("field." + fld.Field)
			}
			probs = append(probs, p)
		}
		if len(probs) == 0 {
			probs = []problem{{Message: fe.Message}}
		}
	}
	// Show the page as it is now, with the refusal at the request it was about.
	if toCard {
		d, derr := s.opportunityData(ctx, u, oppID)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		if !placeProblems(d.More.Support.Items, id, probs) {
			d.More.Support.Problems = probs
		}
		s.render(w, r, status, "opportunity", "", "list", d)
		return
	}
	br, _ := http.NewRequestWithContext(ctx, http.MethodGet, back, nil)
	d, derr := s.supportPageData(ctx, br, u)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	if !placeProblems(d.Items, id, probs) {
		d.Problems = probs
	}
	s.render(w, r, status, "support", "", "support", d)
}

// placeProblems puts a refusal at its request; false when the request is not listed.
func placeProblems(items []supportItem, id string, probs []problem) bool {
	for i := range items {
		if items[i].ID == id {
			items[i].Problems = probs
			return true
		}
	}
	return false
}
