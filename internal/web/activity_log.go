package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// logActivity is the card's quick "log a follow-up" form (a rep on the road
// logs a visit in a few taps). htmx swaps the follow-up section in place;
// without JavaScript the form posts and the page reloads.
func (s *server) logActivity(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	in := app.ActivityInput{OpportunityID: id, Kind: r.FormValue("kind"), Direction: r.FormValue("direction"),
		Note: r.FormValue("note"), NextStep: r.FormValue("next_step"), ContactIDs: r.Form["contact_ids"]}
	l := s.locale(r, u)
	if at := strings.TrimSpace(r.FormValue("occurred_at")); at != "" {
		// datetime-local carries no zone: it is the reader's wall clock.
		if t, err := time.ParseInLocation("2006-01-02T15:04", at, l.Zone); err == nil {
			in.OccurredAt = t.Format(time.RFC3339)
		} else {
			in.OccurredAt = at // let the use case name the field
		}
	}
	_, err := s.app.LogActivity(ctx, u, in)
	var fe *funnel.Error
	if err != nil && (!errors.As(err, &fe) || fe.Code != funnel.EINVALID) {
		s.fail(w, r, err)
		return
	}
	if err == nil && !isHTMX(r) {
		http.Redirect(w, r, "/opportunities/"+id, http.StatusSeeOther)
		return
	}
	o, oerr := s.app.DB.Opportunity(ctx, u.Viewer(), id)
	if oerr != nil {
		s.fail(w, r, oerr)
		return
	}
	f, ferr := s.followUps(ctx, u, o)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
		f.Form = in
		for _, fld := range fe.Fields {
			p := problem{Field: fld.Field, Message: fld.Message}
			if l.Has("field." + fld.Field) {
				p.Field = l.T("field." + fld.Field)
			}
			f.Problems = append(f.Problems, p)
		}
	} else {
		f.Saved = true
	}
	if !isHTMX(r) {
		d, derr := s.opportunityData(ctx, u, id)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.Follow = f
		s.render(w, r, status, "opportunity", "", "list", d)
		return
	}
	s.render(w, r, status, "opportunity", "followups", "list", f)
}
