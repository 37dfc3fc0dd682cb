package web

import (
	"errors"
	"net/http"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// refusal is why the server did not move a card, shown on the card itself.
type refusal struct {
	ID, To, StageName string
	Version           int
	Problems          []problem
	// NeedLossReason offers the loss-reason form right on the card, so the
	// refusal is also the way forward.
	NeedLossReason bool
	LossReasons    []string
	Conflict       bool
	// Approval: the move waits for a manager's approval.
	Approval bool
	// Missing is what the target stage's gate asks for and the deal lacks.
	Missing []string
}

type problem struct{ Field, Message string }

// moveStage is the board's drop: the server decides through app.MoveStage,
// which holds every rule (and, with the stage-gate work, the gates and
// approvals). 200 means moved; anything else carries the reason as HTML for
// the card, and the script puts the card back.
func (s *server) moveStage(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.FormValue("version"))
	in := app.StageMoveInput{To: r.FormValue("to"), Version: version, LossReason: r.FormValue("loss_reason"), Comment: r.FormValue("comment")}
	res, err := s.app.MoveStage(r.Context(), u, id, in)
	if err == nil && res.Outcome == app.OutcomeApprovalRequested {
		// Not moved yet: the owner's manager decides (SPEC §4, 60–80 points).
		s.render(w, r, http.StatusAccepted, "board", "refusal", "board", refusal{ID: id, To: in.To, Approval: true})
		return
	}
	if err == nil {
		if r.Header.Get("X-Shangji-Board") == "" {
			http.Redirect(w, r, "/opportunities/"+id, http.StatusSeeOther)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	var fe *funnel.Error
	if !errors.As(err, &fe) || (fe.Code != funnel.EINVALID && fe.Code != funnel.ECONFLICT && fe.Code != funnel.EFORBIDDEN) {
		s.fail(w, r, err)
		return
	}
	ref := refusal{ID: id, To: in.To, Version: version, LossReasons: app.LossReasons, Conflict: fe.Code == funnel.ECONFLICT}
	if pl, err := s.pipelineOf(r, u, id); err == nil {
		if st, ok := pl.StageByKey(in.To); ok {
			ref.StageName = s.locale(r, u).StageName(st.Stage)
		}
	}
	l := s.locale(r, u)
	for _, f := range fe.Fields {
		p := problem{Field: f.Field, Message: f.Message}
		if l.Has("field." + f.Field) {
			p.Field = l.T("field." + f.Field)
		}
		if l.Has("err." + f.Field) {
			p.Message = l.T("err." + f.Field)
		}
		ref.NeedLossReason = ref.NeedLossReason || f.Field == "loss_reason"
		ref.Problems = append(ref.Problems, p)
	}
	for _, m := range fe.Missing {
		ref.Missing = append(ref.Missing, l.Name(m.Label, m.LabelEN))
	}
	if len(fe.Fields) == 0 && len(fe.Missing) == 0 && fe.Code != funnel.ECONFLICT {
		ref.Problems = append(ref.Problems, problem{Message: fe.Message})
	}
	status := map[string]int{funnel.EINVALID: http.StatusUnprocessableEntity, funnel.ECONFLICT: http.StatusConflict,
		funnel.EFORBIDDEN: http.StatusForbidden}[fe.Code]
	s.render(w, r, status, "board", "refusal", "board", ref)
}

func (s *server) pipelineOf(r *http.Request, u *store.User, oppID string) (*store.Pipeline, error) {
	o, err := s.app.DB.Opportunity(r.Context(), u.Viewer(), oppID)
	if err != nil {
		return nil, err
	}
	return s.app.DB.Pipeline(r.Context(), o.PipelineID)
}

// problems translates the fields of an error for a form; an error without
// fields becomes one line.
func (s *server) problems(r *http.Request, err error) []problem {
	u, _ := app.UserFrom(r.Context())
	l := s.locale(r, u)
	var fe *funnel.Error
	if !errors.As(err, &fe) {
		return []problem{{Message: l.T("error.internal")}}
	}
	if len(fe.Fields) == 0 {
		return []problem{{Message: fe.Message}}
	}
	var out []problem
	for _, f := range fe.Fields {
		p := problem{Field: f.Field, Message: f.Message}
		if l.Has("field." + f.Field) {
			p.Field = l.T("field." + f.Field)
		}
		out = append(out, p)
	}
	return out
}
