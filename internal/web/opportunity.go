package web

import (
	"context"
	"net/http"
	"time"

	"shangji/internal/app"
	"shangji/internal/store"
)

// chainRoles orders the decision chain as seed 002 draws it.
var chainRoles = []string{store.RoleDecisionMaker, store.RoleInfluencer, store.RoleUser}

type chainContact struct {
	*store.Contact
	Contacted *time.Time
}

type chainGroup struct {
	Role     string
	Contacts []chainContact
}

type followUps struct {
	OppID      string
	Activities []timelineItem
	Contacts   []*store.Contact
	Kinds      []string
	Form       app.ActivityInput
	Problems   []problem
	Saved      bool
}

type timelineItem struct {
	*store.Activity
	By       string
	Contacts []string
}

type opportunityData struct {
	Card     card
	Pipeline *store.Pipeline
	Chain    []chainGroup
	History  []historyItem
	Follow   followUps
	Extras   dealExtras
	More     dealMore // risks, todos, support requests, warnings (deal_card.go)
}

type historyItem struct {
	store.StageMove
	FromStage, ToStage store.Stage
	By                 string
}

// opportunity is the deal card (seed 002: everything in one view in ten
// seconds): basics, decision chain, follow-ups with a quick log form, history.
func (s *server) opportunity(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.opportunityData(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.More.Warnings, err = s.dealWarnings(r.Context(), u, d.Card.Opportunity, r.URL.Query()["warn"], s.locale(r, u)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "opportunity", "", "list", d)
}

func (s *server) opportunityData(ctx context.Context, u *store.User, id string) (*opportunityData, error) {
	o, err := s.app.DB.Opportunity(ctx, u.Viewer(), id)
	if err != nil {
		return nil, err
	}
	pl, err := s.app.DB.Pipeline(ctx, o.PipelineID)
	if err != nil {
		return nil, err
	}
	cs, err := s.cards(ctx, []*store.Opportunity{o}, []*store.Pipeline{pl})
	if err != nil {
		return nil, err
	}
	d := &opportunityData{Card: cs[0], Pipeline: pl}
	if d.Follow, err = s.followUps(ctx, u, o); err != nil {
		return nil, err
	}
	contacted, err := s.app.DB.LastContacted(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	for _, role := range chainRoles {
		g := chainGroup{Role: role}
		for _, k := range d.Follow.Contacts {
			if k.Role == role {
				cc := chainContact{Contact: k}
				if t, ok := contacted[k.ID]; ok {
					cc.Contacted = &t
				}
				g.Contacts = append(g.Contacts, cc)
			}
		}
		d.Chain = append(d.Chain, g)
	}
	h, err := s.app.History(ctx, u, o.ID)
	if err != nil {
		return nil, err
	}
	var by []string
	for _, m := range h.Stages {
		by = append(by, m.ByUserID)
	}
	names, err := s.app.DB.UserNames(ctx, by)
	if err != nil {
		return nil, err
	}
	for i := len(h.Stages) - 1; i >= 0; i-- { // newest first
		m := h.Stages[i]
		hi := historyItem{StageMove: m, By: names[m.ByUserID]}
		hi.FromStage, _ = pl.StageByID(m.FromStageID)
		hi.ToStage, _ = pl.StageByID(m.ToStageID)
		d.History = append(d.History, hi)
	}
	if d.Extras, err = s.dealExtras(ctx, u, o, pl, d.Follow.Activities, s.locale(nil, u)); err != nil {
		return nil, err
	}
	if d.More, err = s.dealMore(ctx, u, &d.Card, o, pl, s.locale(nil, u)); err != nil {
		return nil, err
	}
	return d, nil
}

// followUps is the timeline and the log form of a deal.
func (s *server) followUps(ctx context.Context, u *store.User, o *store.Opportunity) (followUps, error) {
	f := followUps{OppID: o.ID, Kinds: store.ActivityKinds, Form: app.ActivityInput{Kind: "visit"}}
	contacts, _, err := s.app.DB.Contacts(ctx, u.Viewer(), store.ContactFilter{CustomerID: o.CustomerID, Page: store.Page{Limit: 200}})
	if err != nil {
		return f, err
	}
	f.Contacts = contacts
	acts, err := s.app.DB.RecentActivities(ctx, u.Viewer(), o.ID, "", 100)
	if err != nil {
		return f, err
	}
	f.Activities, err = s.timeline(ctx, acts, contacts)
	return f, err
}

func (s *server) timeline(ctx context.Context, acts []*store.Activity, contacts []*store.Contact) ([]timelineItem, error) {
	var by []string
	for _, a := range acts {
		by = append(by, a.CreatedBy)
	}
	names, err := s.app.DB.UserNames(ctx, by)
	if err != nil {
		return nil, err
	}
	kname := map[string]string{}
	for _, k := range contacts {
		kname[k.ID] = k.Name
	}
	out := make([]timelineItem, len(acts))
	for i, a := range acts {
		out[i] = timelineItem{Activity: a, By: names[a.CreatedBy]}
		for _, id := range a.ContactIDs {
			out[i].Contacts = append(out[i].Contacts, kname[id])
		}
	}
	return out, nil
}
