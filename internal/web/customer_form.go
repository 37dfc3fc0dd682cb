package web

import (
	"errors"
	"net/http"
	"net/url"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Customers: the list (search by name, keyset pages, downloads), a new
// customer (app.CreateCustomer) and a new contact with its decision-chain
// role from the customer page (app.CreateContact).

type customerRow struct {
	*store.Customer
	Owner string
}

type customersData struct {
	Query  string
	Rows   []customerRow
	Cursor string
	Next   string
}

// Link is the list's search (and page) as "?query", or "".
func (d customersData) Link(cursor string) string {
	v := url.Values{}
	if d.Query != "" {
		v.Set("q", d.Query)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (s *server) customers(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	q := r.URL.Query()
	d := customersData{Query: q.Get("q"), Cursor: q.Get("cursor")}
	cs, next, err := s.app.DB.Customers(ctx, u.Viewer(), store.CustomerFilter{Query: d.Query, Page: store.Page{Limit: 50, Cursor: d.Cursor}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Next = next
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.OwnerID)
	}
	names, err := s.app.DB.UserNames(ctx, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range cs {
		d.Rows = append(d.Rows, customerRow{Customer: c, Owner: names[c.OwnerID]})
	}
	s.render(w, r, http.StatusOK, "customers", "", "customers", d)
}

var customerFields = []string{"name", "industry", "region", "address", "size"}

func (s *server) newCustomerForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	s.render(w, r, http.StatusOK, "customer_form", "", "customers", newForm())
}

func (s *server) createCustomer(w http.ResponseWriter, r *http.Request, u *store.User) {
	f := newForm()
	f.take(r, customerFields...)
	c, err := s.app.CreateCustomer(r.Context(), u, app.CustomerInput{Name: f.set("name"), Industry: f.ptr("industry"), Region: f.ptr("region"),
		Address: f.ptr("address"), Size: f.ptr("size")})
	var fe *funnel.Error
	if errors.As(err, &fe) && fe.ExistingID != "" {
		// The name is taken (after normalising width, case and spaces): point at it.
		f.Errors["name"], f.Values["existing"] = s.locale(r, u).T("custform.exists"), fe.ExistingID
		s.render(w, r, http.StatusConflict, "customer_form", "", "customers", f)
		return
	}
	if err != nil {
		status := f.refused(err, s.locale(r, u))
		if status == 0 {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status, "customer_form", "", "customers", f)
		return
	}
	http.Redirect(w, r, "/customers/"+c.ID, http.StatusSeeOther)
}

func (s *server) createContact(w http.ResponseWriter, r *http.Request, u *store.User) {
	id := r.PathValue("id")
	f := newForm()
	f.take(r, "name", "title", "role", "phone", "email")
	_, err := s.app.CreateContact(r.Context(), u, app.ContactInput{CustomerID: &id, Name: f.set("name"), Title: f.ptr("title"),
		Role: f.ptr("role"), Phone: f.ptr("phone"), Email: f.ptr("email")})
	if err == nil {
		http.Redirect(w, r, "/customers/"+id+"#decision-chain", http.StatusSeeOther)
		return
	}
	status := f.refused(err, s.locale(r, u))
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	d, derr := s.customerData(r, u, f)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	s.render(w, r, status, "customer", "", "customers", d)
}
