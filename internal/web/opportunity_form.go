package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"shangji/internal/app"
	"shangji/internal/store"
)

// New opportunity and edit basics (app.CreateOpportunity,
// app.UpdateOpportunity). Editing carries the version the form was opened
// at: when someone saved the deal meanwhile the form comes back (409) with
// what was typed and a warning, and saving again overwrites knowingly.

type oppFormData struct {
	Form      *form
	Edit      bool
	Opp       *store.Opportunity // when editing
	Version   int
	Customers []*store.Customer
	Pipelines []*store.Pipeline
}

var oppFields = []string{"name", "customer_id", "amount", "expected_close_date", "pipeline_id", "region", "product_lines", "competitors", "source", "next_contact_at"}

// customerChoices are the customers a deal can be opened on, by name, with
// the one asked for included even past the first page.
func (s *server) customerChoices(ctx context.Context, u *store.User, want string) ([]*store.Customer, error) {
	cs, _, err := s.app.DB.Customers(ctx, u.Viewer(), store.CustomerFilter{Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return nil, err
	}
	if want != "" && !slices.ContainsFunc(cs, func(c *store.Customer) bool { return c.ID == want }) {
		if c, err := s.app.DB.Customer(ctx, u.Viewer(), want); err == nil {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, func(a, b *store.Customer) int { return strings.Compare(a.Name, b.Name) })
	return cs, nil
}

func (s *server) newOpportunityForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	f := newForm()
	f.Values["customer_id"] = r.URL.Query().Get("customer")
	s.renderOppForm(w, r, u, http.StatusOK, &oppFormData{Form: f})
}

func (s *server) renderOppForm(w http.ResponseWriter, r *http.Request, u *store.User, status int, d *oppFormData) {
	ctx := r.Context()
	var err error
	if !d.Edit {
		if d.Customers, err = s.customerChoices(ctx, u, d.Form.V("customer_id")); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Pipelines, err = s.app.DB.Pipelines(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, "opportunity_form", "", "list", d)
}

// localTime reads a datetime-local field in the reader's zone as RFC 3339.
func localTime(v string, l Locale) string {
	if v == "" {
		return ""
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, l.Zone)
	if err != nil {
		return v // the use case names the problem
	}
	return t.Format(time.RFC3339)
}

func (s *server) createOpportunity(w http.ResponseWriter, r *http.Request, u *store.User) {
	l := s.locale(r, u)
	f := newForm()
	f.take(r, oppFields...)
	in := app.OpportunityInput{Name: f.set("name"), CustomerID: f.set("customer_id"), Amount: f.amount("amount"),
		ExpectedCloseDate: f.ptr("expected_close_date"), PipelineID: f.ptr("pipeline_id"), Region: f.ptr("region"),
		ProductLines: f.list("product_lines"), Source: f.ptr("source")}
	o, err := s.app.CreateOpportunity(r.Context(), u, in)
	if err != nil {
		status := f.refused(err, l)
		if status == 0 {
			s.fail(w, r, err)
			return
		}
		s.renderOppForm(w, r, u, status, &oppFormData{Form: f})
		return
	}
	http.Redirect(w, r, "/opportunities/"+o.ID+warnQuery(o.Warnings), http.StatusSeeOther)
}

func (s *server) editOpportunityForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	o, err := s.app.DB.Opportunity(r.Context(), u.Viewer(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := s.locale(r, u)
	f := newForm()
	f.Values = map[string]string{"name": o.Name, "amount": o.Amount.String(), "expected_close_date": o.ExpectedCloseDate, "region": o.Region,
		"product_lines": strings.Join(o.ProductLines, ", "), "competitors": strings.Join(o.Competitors, ", "), "source": o.Source}
	if o.NextContactAt != nil {
		f.Values["next_contact_at"] = o.NextContactAt.In(l.Zone).Format("2006-01-02T15:04")
	}
	s.renderOppForm(w, r, u, http.StatusOK, &oppFormData{Form: f, Edit: true, Opp: o, Version: o.Version})
}

func (s *server) updateOpportunity(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	l := s.locale(r, u)
	id := r.PathValue("id")
	f := newForm()
	f.take(r, oppFields...)
	next := localTime(f.V("next_contact_at"), l)
	version, _ := strconv.Atoi(r.FormValue("version"))
	in := app.OpportunityInput{Name: f.set("name"), Amount: f.amount("amount"), ExpectedCloseDate: f.set("expected_close_date"),
		Region: f.set("region"), ProductLines: f.list("product_lines"), Competitors: f.list("competitors"), Source: f.set("source"),
		NextContactAt: &next, Version: version}
	if in.Amount == nil {
		in.Amount = f.set("amount") // empty: the use case says it is not an amount
	}
	if *in.Region == "" {
		in.Region = nil // the region only changes when given (it is part of the number)
	}
	_, err := s.app.UpdateOpportunity(ctx, u, id, in)
	if err == nil {
		http.Redirect(w, r, "/opportunities/"+id, http.StatusSeeOther)
		return
	}
	status := f.refused(err, l)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	o, gerr := s.app.DB.Opportunity(ctx, u.Viewer(), id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	d := &oppFormData{Form: f, Edit: true, Opp: o, Version: version}
	if f.Conflict {
		d.Version = o.Version // saving again overwrites, knowingly
	}
	s.renderOppForm(w, r, u, status, d)
}
