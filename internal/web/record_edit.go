package web

import (
	"errors"
	"net/http"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Edit a customer or a contact (app.UpdateCustomer, app.UpdateContact — the
// use cases behind PATCH /api/v1/customers/{id} and /contacts/{id}). The
// form carries the version it was opened at: a record saved meanwhile
// comes back (409) with what was typed, and saving again overwrites
// knowingly. Each problem shows at its field.

type recordEditData struct {
	Form     *form
	Version  int
	Customer *store.Customer
	Contact  *store.Contact // contact edit only
	Roles    []string
}

var contactFields = []string{"name", "title", "role", "phone", "email", "wecom_id"}

func (s *server) editCustomerForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	c, err := s.app.DB.Customer(r.Context(), u.Viewer(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm()
	f.Values = map[string]string{"name": c.Name, "industry": c.Industry, "region": c.Region, "address": c.Address, "size": c.Size}
	s.render(w, r, http.StatusOK, "customer_edit", "", "customers", &recordEditData{Form: f, Version: c.Version, Customer: c})
}

func (s *server) updateCustomer(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	l := s.locale(r, u)
	f := newForm()
	f.take(r, customerFields...)
	version, _ := strconv.Atoi(r.FormValue("version"))
	_, err := s.app.UpdateCustomer(ctx, u, id, app.CustomerInput{Name: f.set("name"), Industry: f.set("industry"), Region: f.set("region"),
		Address: f.set("address"), Size: f.set("size"), Version: version})
	if err == nil {
		http.Redirect(w, r, "/customers/"+id, http.StatusSeeOther)
		return
	}
	var status int
	var fe *funnel.Error
	if errors.As(err, &fe) && fe.ExistingID != "" && fe.ExistingID != id {
		// The name is another customer's (after normalising width, case and spaces).
		f.Errors["name"], f.Values["existing"], status = l.T("custform.exists"), fe.ExistingID, http.StatusConflict
	} else if status = f.refused(err, l); status == 0 {
		s.fail(w, r, err)
		return
	}
	c, gerr := s.app.DB.Customer(ctx, u.Viewer(), id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	d := &recordEditData{Form: f, Version: version, Customer: c}
	if f.Conflict {
		d.Version = c.Version // saving again overwrites, knowingly
	}
	s.render(w, r, status, "customer_edit", "", "customers", d)
}

func (s *server) editContactForm(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	k, err := s.app.DB.Contact(ctx, u.Viewer(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.app.DB.Customer(ctx, u.Viewer(), k.CustomerID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm()
	f.Values = map[string]string{"name": k.Name, "title": k.Title, "role": k.Role, "phone": k.Phone, "email": k.Email, "wecom_id": k.WeComID}
	s.render(w, r, http.StatusOK, "contact_edit", "", "customers", &recordEditData{Form: f, Version: k.Version, Customer: c, Contact: k, Roles: chainRoles})
}

func (s *server) updateContact(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	id := r.PathValue("id")
	l := s.locale(r, u)
	f := newForm()
	f.take(r, contactFields...)
	version, _ := strconv.Atoi(r.FormValue("version"))
	k, err := s.app.UpdateContact(ctx, u, id, app.ContactInput{Name: f.set("name"), Title: f.set("title"), Role: f.set("role"),
		Phone: f.set("phone"), Email: f.set("email"), WeComID: f.set("wecom_id"), Version: version})
	if err == nil {
		http.Redirect(w, r, "/customers/"+k.CustomerID+"#decision-chain", http.StatusSeeOther)
		return
	}
	status := f.refused(err, l)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	if k, err = s.app.DB.Contact(ctx, u.Viewer(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.app.DB.Customer(ctx, u.Viewer(), k.CustomerID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &recordEditData{Form: f, Version: version, Customer: c, Contact: k, Roles: chainRoles}
	if f.Conflict {
		d.Version = k.Version
	}
	s.render(w, r, status, "contact_edit", "", "customers", d)
}
