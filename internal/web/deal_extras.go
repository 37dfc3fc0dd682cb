package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// The deal card's discipline panels (SPEC §4): the health score with its
// explanation, the documents (stage deliverables), the budget facts with
// their evidence, and the approval a move may be waiting for.

type healthPanel struct {
	*app.HealthReport
	Settings app.HealthSettings
	Flagged  bool
	Gate     bool // the pipeline's moves are gated by the score
	Closed   bool // won or lost: the decision no longer applies, the score stays for review
}

// Part is one dimension as a bar: points of the weight, and the width in percent.
type healthPart struct {
	Key           string
	Points        float64
	Weight, Width int
}

// Parts are the three dimensions of the score in seed 002's order.
func (h healthPanel) Parts() []healthPart {
	out := []healthPart{{Key: "need_match", Points: h.NeedMatch, Weight: h.Settings.NeedWeight},
		{Key: "decision_chain", Points: h.DecisionChain, Weight: h.Settings.ChainWeight},
		{Key: "budget", Points: h.Budget, Weight: h.Settings.BudgetWeight}}
	for i, p := range out {
		if p.Weight > 0 {
			out[i].Width = int(p.Points * 100 / float64(p.Weight))
		}
	}
	return out
}

// Level is the score's colour: good above the upper threshold, warn between, bad below.
func (h healthPanel) Level() string {
	switch h.Decision {
	case funnel.AutoAdvance:
		return "good"
	case funnel.NeedsApproval:
		return "warn"
	}
	return "bad"
}

type docItem struct {
	*store.Document
	TypeZH, TypeEN string
	By             string
}

type docType struct{ Key, ZH, EN string }

type budgetItem struct {
	store.BudgetFact
	Evidenced bool
}

type evidenceOption struct{ Value, Label string }

type approvalItem struct {
	*store.Approval
	From, To    store.Stage
	RequestedBy string
	MayDecide   bool
	Problems    []problem
}

type dealExtras struct {
	Health      healthPanel
	Docs        []docItem
	DocTypes    []docType
	Budget      []budgetItem
	BudgetKinds []string // kinds not yet recorded
	Evidence    []evidenceOption
	Approval    *approvalItem
	// Problems of a refused form, by panel: "docs", "budget", "approval".
	Problems map[string][]problem
}

func sortedDocTypes() []docType {
	var out []docType
	for k, v := range funnel.DocumentTypes {
		out = append(out, docType{Key: k, ZH: v[0], EN: v[1]})
	}
	order := []string{"needs_screening", "needs_confirmation", "proposal", "proposal_acceptance", "contract_scan", "deal_confirmation", "meeting_minutes", "loss_analysis", "other"}
	pos := func(k string) int {
		for i, o := range order {
			if o == k {
				return i
			}
		}
		return len(order)
	}
	sort.Slice(out, func(i, j int) bool { return pos(out[i].Key) < pos(out[j].Key) })
	return out
}

// budgetKinds are the budget facts seed 002 scores, in its order.
var budgetKinds = []string{string(funnel.BudgetAmountStated), string(funnel.BudgetApproved), string(funnel.BudgetInAnnualPlan)}

func (s *server) dealExtras(ctx context.Context, u *store.User, o *store.Opportunity, pl *store.Pipeline, acts []timelineItem, l Locale) (dealExtras, error) {
	x := dealExtras{DocTypes: sortedDocTypes(), Problems: map[string][]problem{}}
	h, err := s.app.Health(ctx, u, o.ID)
	if err != nil {
		return x, err
	}
	hs, err := s.app.HealthSettings(ctx)
	if err != nil {
		return x, err
	}
	x.Health = healthPanel{HealthReport: h, Settings: hs, Flagged: o.HealthFlagged, Gate: pl.HealthGate, Closed: o.Status != funnel.StatusOpen}

	docs, err := s.app.DB.Documents(ctx, o.ID)
	if err != nil {
		return x, err
	}
	var by []string
	for _, d := range docs {
		by = append(by, d.CreatedBy)
	}
	names, err := s.app.DB.UserNames(ctx, by)
	if err != nil {
		return x, err
	}
	for _, d := range docs {
		zh, en := funnel.DocumentLabel(d.Type)
		x.Docs = append(x.Docs, docItem{Document: d, TypeZH: zh, TypeEN: en, By: names[d.CreatedBy]})
		x.Evidence = append(x.Evidence, evidenceOption{Value: "d:" + d.ID, Label: l.T("budget.evidence_doc", d.Name)})
	}
	for i, a := range acts {
		if i >= 20 {
			break
		}
		x.Evidence = append(x.Evidence, evidenceOption{Value: "a:" + a.ID,
			Label: l.T("budget.evidence_activity", l.T("kind."+a.Kind), l.Date(a.OccurredAt))})
	}

	facts, err := s.app.BudgetFacts(ctx, u, o.ID)
	if err != nil {
		return x, err
	}
	have := map[string]bool{}
	for _, f := range facts {
		have[f.Kind] = true
		x.Budget = append(x.Budget, budgetItem{BudgetFact: f, Evidenced: f.EvidenceActivityID != "" || f.EvidenceDocumentID != ""})
	}
	for _, k := range budgetKinds {
		if !have[k] {
			x.BudgetKinds = append(x.BudgetKinds, k)
		}
	}

	aps, _, err := s.app.DB.Approvals(ctx, u.Viewer(), store.ApprovalFilter{OpportunityID: o.ID, Status: store.ApprovalPending, Page: store.Page{Limit: 1}})
	if err != nil {
		return x, err
	}
	if len(aps) > 0 {
		a := aps[0]
		names, err := s.app.DB.UserNames(ctx, []string{a.RequestedBy})
		if err != nil {
			return x, err
		}
		ai := &approvalItem{Approval: a, RequestedBy: names[a.RequestedBy], MayDecide: mayDecide(u, a)}
		ai.From, _ = pl.StageByID(a.FromStageID)
		ai.To, _ = pl.StageByID(a.ToStageID)
		x.Approval = ai
	}
	return x, nil
}

// mayDecide tells whether to offer the approve/reject buttons: the named
// approver, an admin, or a manager above (app.DecideApproval has the last word).
func mayDecide(u *store.User, a *store.Approval) bool {
	if u.ID == a.RequestedBy && u.Role != store.RoleAdmin {
		return false
	}
	switch u.Role {
	case store.RoleAdmin, store.RoleDirector, store.RoleManager:
		return true
	}
	return a.ApproverID == u.ID
}

// attachDocument takes the card's document form: a file (multipart) or a link.
func (s *server) attachDocument(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, app.MaxDocumentSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.dealFormFailed(w, r, u, id, "docs", funnel.Errorf(funnel.EINVALID, "%s", s.locale(r, u).T("docs.too_big", app.MaxDocumentSize>>20)))
			return
		}
		s.fail(w, r, err)
		return
	}
	in := app.DocumentInput{Type: r.FormValue("doc_type"), Name: strings.TrimSpace(r.FormValue("name")), URL: strings.TrimSpace(r.FormValue("url"))}
	var content []byte // nil: a link
	if f, fh, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if content, err = io.ReadAll(io.LimitReader(f, app.MaxDocumentSize+1)); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.Name == "" {
			in.Name = fh.Filename
		}
		if content == nil {
			content = []byte{}
		}
	}
	if _, err := s.app.AttachDocument(r.Context(), u, id, in, content); err != nil {
		s.dealFormFailed(w, r, u, id, "docs", err)
		return
	}
	http.Redirect(w, r, "/opportunities/"+id+"#documents", http.StatusSeeOther)
}

// documentContent serves a document through the session (the API's download
// route wants a bearer token): a link redirects, a file downloads.
func (s *server) documentContent(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, b, err := s.app.DB.DocumentContent(r.Context(), u.Viewer(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.URL != "" {
		http.Redirect(w, r, d.URL, http.StatusFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.Name))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b)
}

// addBudgetFact records a budget fact with its evidence ("a:" activity or "d:" document).
func (s *server) addBudgetFact(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	in := app.BudgetFactInput{Kind: r.FormValue("kind")}
	switch ev := r.FormValue("evidence"); {
	case strings.HasPrefix(ev, "a:"):
		in.EvidenceActivityID = ev[2:]
	case strings.HasPrefix(ev, "d:"):
		in.EvidenceDocumentID = ev[2:]
	}
	if _, err := s.app.AddBudgetFact(r.Context(), u, id, in); err != nil {
		s.dealFormFailed(w, r, u, id, "budget", err)
		return
	}
	http.Redirect(w, r, "/opportunities/"+id+"#budget", http.StatusSeeOther)
}

// dealFormFailed shows the deal card again with the form's problems in its
// panel (422), or the error page when the error is not the form's.
func (s *server) dealFormFailed(w http.ResponseWriter, r *http.Request, u *store.User, id, panel string, err error) {
	var fe *funnel.Error
	if !errors.As(err, &fe) || (fe.Code != funnel.EINVALID && fe.Code != funnel.ECONFLICT && fe.Code != funnel.EFORBIDDEN) {
		s.fail(w, r, err)
		return
	}
	d, derr := s.opportunityData(r.Context(), u, id)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	d.Extras.Problems[panel] = s.problems(r, err)
	status := map[string]int{funnel.EINVALID: http.StatusUnprocessableEntity, funnel.ECONFLICT: http.StatusConflict,
		funnel.EFORBIDDEN: http.StatusForbidden}[fe.Code]
	s.render(w, r, status, "opportunity", "", "list", d)
}
