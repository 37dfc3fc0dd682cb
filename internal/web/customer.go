package web

import (
	"net/http"

	"shangji/internal/store"
)

type customerData struct {
	Customer *store.Customer
	Owner    string
	Chain    []chainGroup
	Deals    []card
	Timeline []timelineItem
	// The "add a contact" form (customer_form.go).
	Contact *form
	Roles   []string
}

// customer shows a customer with its contacts by decision-chain role, all its
// deals and its latest follow-ups.
func (s *server) customer(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.customerData(r, u, newForm())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "customer", "", "list", d)
}

func (s *server) customerData(r *http.Request, u *store.User, contact *form) (*customerData, error) {
	ctx := r.Context()
	c, err := s.app.DB.Customer(ctx, u.Viewer(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &customerData{Customer: c, Contact: contact, Roles: chainRoles}
	names, err := s.app.DB.UserNames(ctx, []string{c.OwnerID})
	if err != nil {
		return nil, err
	}
	d.Owner = names[c.OwnerID]
	contacts, _, err := s.app.DB.Contacts(ctx, u.Viewer(), store.ContactFilter{CustomerID: c.ID, Page: store.Page{Limit: 200}})
	if err != nil {
		return nil, err
	}
	for _, role := range chainRoles {
		g := chainGroup{Role: role}
		for _, k := range contacts {
			if k.Role == role {
				g.Contacts = append(g.Contacts, chainContact{Contact: k})
			}
		}
		d.Chain = append(d.Chain, g)
	}
	opps, _, err := s.app.DB.Opportunities(ctx, u.Viewer(), store.OpportunityFilter{CustomerID: c.ID, SortByWeighted: true, Page: store.Page{Limit: 200}})
	if err != nil {
		return nil, err
	}
	pls, err := s.app.DB.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	if d.Deals, err = s.cards(ctx, opps, pls); err != nil {
		return nil, err
	}
	acts, err := s.app.DB.RecentActivities(ctx, u.Viewer(), "", c.ID, 30)
	if err != nil {
		return nil, err
	}
	if d.Timeline, err = s.timeline(ctx, acts, contacts); err != nil {
		return nil, err
	}
	return d, nil
}
