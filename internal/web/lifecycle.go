package web

import (
	"net/http"

	"shangji/internal/app"
	"shangji/internal/store"
)

// The deal's lifecycle as a timeline (app.Lifecycle, the data of
// GET /api/v1/opportunities/{id}/lifecycle): stages with how long the deal
// stayed, follow-ups, documents, the outcome and the contracts.

type lifecycleSpell struct {
	app.StageSpell
	Info store.Stage
	By   string
}

type lifecycleData struct {
	*app.Lifecycle
	Spells []lifecycleSpell
	Names  map[string]string
}

// Who is the name of a user id.
func (d *lifecycleData) Who(id string) string { return d.Names[id] }

func (s *server) lifecycle(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	lc, err := s.app.Lifecycle(ctx, u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pl, err := s.app.DB.Pipeline(ctx, lc.Opportunity.PipelineID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := []string{lc.Opportunity.OwnerID}
	for _, sp := range lc.Stages {
		ids = append(ids, sp.ByUserID)
	}
	for _, a := range lc.Activities {
		ids = append(ids, a.CreatedBy)
	}
	names, err := s.app.DB.UserNames(ctx, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &lifecycleData{Lifecycle: lc, Names: names}
	for _, sp := range lc.Stages {
		info, _ := pl.StageByID(sp.StageID)
		d.Spells = append(d.Spells, lifecycleSpell{StageSpell: sp, Info: info, By: names[sp.ByUserID]})
	}
	s.render(w, r, http.StatusOK, "lifecycle", "", "list", d)
}
