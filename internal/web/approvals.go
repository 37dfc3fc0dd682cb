package web

import (
	"errors"
	"net/http"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// inboxItem is a pending approval with the deal it would move.
type inboxItem struct {
	A    approvalItem
	Deal card
}

type inboxData struct {
	Items []inboxItem
	Mine  bool // only approvals addressed to the reader
}

// approvals is the manager's inbox: moves waiting for a decision (SPEC §4,
// health 60–80), with the deal's figures and what the score lacks.
func (s *server) approvals(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	d := inboxData{}
	f := store.ApprovalFilter{Status: store.ApprovalPending, Page: store.Page{Limit: 200}}
	if u.Role != store.RoleAdmin {
		// A manager decides what is addressed to them; anything else they see
		// (their reps' requests waiting on someone above) is not theirs to clear.
		f.ApproverID, d.Mine = u.ID, true
	}
	pending, _, err := s.app.DB.Approvals(ctx, u.Viewer(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Items, err = s.inboxItems(r, u, pending); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "approvals", "", "approvals", d)
}

func (s *server) inboxItems(r *http.Request, u *store.User, aps []*store.Approval) ([]inboxItem, error) {
	ctx := r.Context()
	var by []string
	var opps []*store.Opportunity
	for _, a := range aps {
		by = append(by, a.RequestedBy)
	}
	names, err := s.app.DB.UserNames(ctx, by)
	if err != nil {
		return nil, err
	}
	pls, err := s.app.DB.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	var kept []*store.Approval
	for _, a := range aps {
		o, err := s.app.DB.Opportunity(ctx, u.Viewer(), a.OpportunityID)
		if err != nil {
			continue // addressed to the reader but the deal is out of view: DecideApproval would refuse too
		}
		opps = append(opps, o)
		kept = append(kept, a)
	}
	cs, err := s.cards(ctx, opps, pls)
	if err != nil {
		return nil, err
	}
	out := make([]inboxItem, len(kept))
	for i, a := range kept {
		it := inboxItem{A: approvalItem{Approval: a, RequestedBy: names[a.RequestedBy], MayDecide: mayDecide(u, a)}, Deal: cs[i]}
		for _, pl := range pls {
			if st, ok := pl.StageByID(a.FromStageID); ok {
				it.A.From = st
			}
			if st, ok := pl.StageByID(a.ToStageID); ok {
				it.A.To = st
			}
		}
		out[i] = it
	}
	return out, nil
}

// decideApproval approves or rejects (with a comment) from the inbox or the
// deal card, then goes back where the form came from.
func (s *server) decideApproval(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.FormValue("version"))
	approve := r.FormValue("decision") == "approve"
	_, err := s.app.DecideApproval(r.Context(), u, id, approve, app.DecisionInput{Comment: r.FormValue("comment"), Version: version})
	back := safeNext(r.FormValue("back"))
	if err != nil {
		if opp := r.FormValue("opportunity_id"); opp != "" && back == "/opportunities/"+opp {
			s.dealFormFailed(w, r, u, opp, "approval", err)
			return
		}
		s.inboxFailed(w, r, u, id, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// inboxFailed shows the inbox again with the refusal next to the approval.
func (s *server) inboxFailed(w http.ResponseWriter, r *http.Request, u *store.User, id string, err error) {
	var fe *funnel.Error
	if !errors.As(err, &fe) || (fe.Code != funnel.EINVALID && fe.Code != funnel.ECONFLICT && fe.Code != funnel.EFORBIDDEN) {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	f := store.ApprovalFilter{Status: store.ApprovalPending, Page: store.Page{Limit: 200}}
	d := inboxData{Mine: u.Role != store.RoleAdmin}
	if d.Mine {
		f.ApproverID = u.ID
	}
	pending, _, lerr := s.app.DB.Approvals(ctx, u.Viewer(), f)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	items, lerr := s.inboxItems(r, u, pending)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	for i := range items {
		if items[i].A.ID == id {
			items[i].A.Problems = s.problems(r, err)
		}
	}
	d.Items = items
	s.render(w, r, http.StatusUnprocessableEntity, "approvals", "", "approvals", d)
}
