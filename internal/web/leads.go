package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Leads 线索 (docs/records.md): the list (search, status and owner filters,
// keyset pages), a new lead, editing one with its version (discarding needs
// a reason) and converting it (app.ConvertLead) into a customer — picked or
// made from the company name —, maybe a contact and a deal.

var leadStatuses = []string{store.LeadNew, store.LeadQualified, store.LeadConverted, store.LeadDiscarded}

type leadRow struct {
	*store.Lead
	Owner string
}

type leadsData struct {
	Query, Status, Owner string
	Statuses             []string
	People               []*store.User
	Rows                 []leadRow
	Cursor, Next         string
	Saved                bool // back from saving a lead
}

// Link is the list's filters (and page) as "?query", or "".
func (d leadsData) Link(cursor string) string {
	v := url.Values{}
	for k, x := range map[string]string{"q": d.Query, "status": d.Status, "owner": d.Owner, "cursor": cursor} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (s *server) leads(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	q := r.URL.Query()
	d := leadsData{Query: q.Get("q"), Status: q.Get("status"), Owner: q.Get("owner"), Cursor: q.Get("cursor"), Statuses: leadStatuses,
		Saved: q.Get("saved") != ""}
	var err error
	if d.People, err = s.app.DB.PeopleInView(ctx, u.Viewer()); err != nil {
		s.fail(w, r, err)
		return
	}
	ls, next, err := s.app.DB.Leads(ctx, u.Viewer(), store.LeadFilter{Query: d.Query, Status: d.Status, OwnerID: d.Owner,
		Page: store.Page{Limit: 50, Cursor: d.Cursor}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Next = next
	var ids []string
	for _, l := range ls {
		ids = append(ids, l.OwnerID)
	}
	names, err := s.app.DB.UserNames(ctx, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, l := range ls {
		d.Rows = append(d.Rows, leadRow{Lead: l, Owner: names[l.OwnerID]})
	}
	s.render(w, r, http.StatusOK, "leads", "", "leads", d)
}

type leadFormData struct {
	Form    *form
	Lead    *store.Lead // when editing
	Version int
	People  []*store.User
	Choices []string // statuses a lead can be set to (converted only by converting)
}

var leadFields = []string{"company_name", "contact_name", "phone", "email", "source", "need", "owner_id", "status", "discard_reason"}

func (s *server) renderLeadForm(w http.ResponseWriter, r *http.Request, u *store.User, status int, d *leadFormData) {
	var err error
	if d.People, err = s.app.DB.PeopleInView(r.Context(), u.Viewer()); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Choices = []string{store.LeadNew, store.LeadQualified, store.LeadDiscarded}
	s.render(w, r, status, "lead_form", "", "leads", d)
}

func (s *server) newLeadForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	f := newForm()
	f.Values["owner_id"] = u.ID
	s.renderLeadForm(w, r, u, http.StatusOK, &leadFormData{Form: f})
}

func (s *server) createLead(w http.ResponseWriter, r *http.Request, u *store.User) {
	f := newForm()
	f.take(r, leadFields...)
	_, err := s.app.CreateLead(r.Context(), u, app.LeadInput{CompanyName: f.set("company_name"), ContactName: f.ptr("contact_name"),
		Phone: f.ptr("phone"), Email: f.ptr("email"), Source: f.ptr("source"), Need: f.ptr("need"), OwnerID: f.ptr("owner_id")})
	if err == nil {
		http.Redirect(w, r, "/leads?saved=1", http.StatusSeeOther)
		return
	}
	status := f.refused(err, s.locale(r, u))
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	s.renderLeadForm(w, r, u, status, &leadFormData{Form: f})
}

func (s *server) editLeadForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	l, err := s.app.DB.Lead(r.Context(), u.Viewer(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm()
	f.Values = map[string]string{"company_name": l.CompanyName, "contact_name": l.ContactName, "phone": l.Phone, "email": l.Email,
		"source": l.Source, "need": l.Need, "owner_id": l.OwnerID, "status": l.Status, "discard_reason": l.DiscardReason}
	s.renderLeadForm(w, r, u, http.StatusOK, &leadFormData{Form: f, Lead: l, Version: l.Version})
}

func (s *server) updateLead(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	f := newForm()
	f.take(r, leadFields...)
	version, _ := strconv.Atoi(r.FormValue("version"))
	_, err := s.app.UpdateLead(ctx, u, id, app.LeadInput{CompanyName: f.set("company_name"), ContactName: f.set("contact_name"),
		Phone: f.set("phone"), Email: f.set("email"), Source: f.set("source"), Need: f.set("need"), OwnerID: f.ptr("owner_id"),
		Status: f.ptr("status"), DiscardReason: f.set("discard_reason"), Version: version})
	if err == nil {
		http.Redirect(w, r, "/leads?saved=1", http.StatusSeeOther)
		return
	}
	status := f.refused(err, s.locale(r, u))
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	l, gerr := s.app.DB.Lead(ctx, u.Viewer(), id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	if l.Status == store.LeadConverted {
		f.Conflict = false // read-only, not stale: the page says so
	}
	d := &leadFormData{Form: f, Lead: l, Version: version}
	if f.Conflict {
		d.Version = l.Version // saving again overwrites, knowingly
	}
	s.renderLeadForm(w, r, u, status, d)
}

type leadConvertData struct {
	Form      *form
	Lead      *store.Lead
	Customers []*store.Customer
	Pipelines []*store.Pipeline
	Roles     []string
}

var convertFields = []string{"customer_id", "industry", "region", "contact", "role", "title", "deal", "deal_name", "amount", "pipeline_id"}

func (s *server) renderConvert(w http.ResponseWriter, r *http.Request, u *store.User, status int, f *form, l *store.Lead) {
	ctx := r.Context()
	d := &leadConvertData{Form: f, Lead: l, Roles: chainRoles}
	var err error
	if d.Customers, err = s.customerChoices(ctx, u, f.V("customer_id")); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Pipelines, err = s.app.DB.Pipelines(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "lead_convert", "", "leads", d)
}

func (s *server) convertLeadForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	l, err := s.app.DB.Lead(r.Context(), u.Viewer(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm()
	f.Values["deal_name"] = l.Need
	f.Values["version"] = strconv.Itoa(l.Version)
	s.renderConvert(w, r, u, http.StatusOK, f, l)
}

func (s *server) convertLead(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	loc := s.locale(r, u)
	f := newForm()
	f.take(r, convertFields...)
	f.take(r, "version")
	version, _ := strconv.Atoi(f.V("version"))
	in := app.LeadConvertInput{Version: version, CustomerID: f.ptr("customer_id")}
	if in.CustomerID == nil && (f.V("industry") != "" || f.V("region") != "") {
		in.Customer = &app.CustomerInput{Industry: f.ptr("industry"), Region: f.ptr("region")}
	}
	if f.V("contact") != "" {
		in.Contact = &app.ContactInput{Role: f.set("role"), Title: f.ptr("title")}
	}
	if f.V("deal") != "" {
		in.Opportunity = &app.OpportunityInput{Name: f.set("deal_name"), Amount: f.amount("amount"), PipelineID: f.ptr("pipeline_id")}
	}
	out, err := s.app.ConvertLead(ctx, u, id, in)
	if err == nil {
		if out.Opportunity != nil {
			http.Redirect(w, r, "/opportunities/"+out.Opportunity.ID, http.StatusSeeOther)
		} else {
			http.Redirect(w, r, "/customers/"+out.Customer.ID, http.StatusSeeOther)
		}
		return
	}
	var fe *funnel.Error
	status := 0
	if errors.As(err, &fe) && fe.ExistingID != "" && len(fe.Fields) > 0 && fe.Fields[0].Field == "customer.name" {
		// A customer of the company's name exists: point at it, offer to pick it.
		f.Errors["customer_id"], f.Values["existing"], status = loc.T("custform.exists"), fe.ExistingID, http.StatusConflict
	} else if status = f.refused(err, loc); status == 0 {
		s.fail(w, r, err)
		return
	}
	// Fields named within their part: "opportunity.amount" shows at "amount".
	for k, v := range map[string]string{"opportunity.name": "deal_name", "opportunity.amount": "amount", "opportunity.pipeline_id": "pipeline_id",
		"contact.role": "role", "contact.title": "title", "customer.region": "region", "customer.industry": "industry", "customer.name": "customer_id"} {
		if msg := f.Errors[k]; msg != "" && f.Errors[v] == "" {
			f.Errors[v] = msg
		}
	}
	l, gerr := s.app.DB.Lead(ctx, u.Viewer(), id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	if f.Conflict && (l.Status == store.LeadConverted || l.Status == store.LeadDiscarded) {
		// Not a stale form: this lead cannot be converted (again).
		f.Conflict = false
		key := "convert.not_convertible_converted"
		if l.Status == store.LeadDiscarded {
			key = "convert.not_convertible_discarded"
		}
		f.General = append(f.General, problem{Message: loc.T(key)})
	} else if f.Conflict && f.V("existing") == "" {
		f.Values["version"] = strconv.Itoa(l.Version)
	}
	s.renderConvert(w, r, u, status, f, l)
}
