package web

import (
	"errors"
	"net/http"
	"strconv"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Contracts on a won deal (docs/records.md): sign one (number, signed date,
// amount), add payment plan lines and receipts, issue invoices, change a
// contract with its version. The panel is loaded into the deal card (htmx)
// and is also a page of its own, which is where a refused form comes back
// with each problem at its field.

type contractsData struct {
	Opp     *store.Opportunity
	Records []app.ContractRecord
	// The refused form and which one it was: "new", "edit:<id>",
	// "pay:<id>" or "invoice:<id>".
	Form *form
	Spot string
}

// F is the form shown at spot: the refused one with what was typed, or a
// fresh one.
func (d *contractsData) F(spot string) *form {
	if d.Spot == spot && d.Form != nil {
		return d.Form
	}
	return newForm()
}

// Won: contracts are signed on won deals only.
func (d *contractsData) Won() bool { return d.Opp.Status == funnel.StatusWon }

func (s *server) contractsData(r *http.Request, u *store.User, oppID string) (*contractsData, error) {
	ctx := r.Context()
	v := u.Viewer()
	o, err := s.app.DB.Opportunity(ctx, v, oppID)
	if err != nil {
		return nil, err
	}
	d := &contractsData{Opp: o}
	ks, _, err := s.app.DB.Contracts(ctx, v, store.ContractFilter{OpportunityID: o.ID, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		rec := app.ContractRecord{Contract: k}
		if rec.Payments, _, err = s.app.DB.Payments(ctx, v, store.PaymentFilter{ContractID: k.ID, Page: store.Page{Limit: store.MaxLimit}}); err != nil {
			return nil, err
		}
		if rec.Invoices, _, err = s.app.DB.Invoices(ctx, v, k.ID, store.Page{Limit: store.MaxLimit}); err != nil {
			return nil, err
		}
		d.Records = append(d.Records, rec)
	}
	return d, nil
}

// contracts answers the panel alone to htmx (the deal card loads it) and the
// page otherwise.
func (s *server) contracts(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.contractsData(r, u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	block := ""
	if isHTMX(r) {
		block = "contracts_panel"
	}
	s.render(w, r, http.StatusOK, "contracts", block, "list", d)
}

// contractRefused shows the page again with the refused form at its spot,
// or answers the error when it is not the form's.
func (s *server) contractRefused(w http.ResponseWriter, r *http.Request, u *store.User, oppID, spot string, f *form, err error) {
	var status int
	var fe *funnel.Error
	if errors.As(err, &fe) && fe.Code == funnel.ECONFLICT && fe.ExistingID != "" {
		// The number is another contract's or invoice's.
		f.Errors["number"], status = s.locale(r, u).T("contracts.number_taken"), http.StatusConflict
	} else if status = f.refused(err, s.locale(r, u)); status == 0 {
		s.fail(w, r, err)
		return
	}
	d, derr := s.contractsData(r, u, oppID)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	d.Form, d.Spot = f, spot
	if f.Conflict {
		for _, rec := range d.Records {
			if "edit:"+rec.ID == spot {
				f.Values["version"] = strconv.Itoa(rec.Version) // saving again overwrites, knowingly
			}
		}
	}
	s.render(w, r, status, "contracts", "", "list", d)
}

func backToCard(w http.ResponseWriter, r *http.Request, oppID string) {
	http.Redirect(w, r, "/opportunities/"+oppID+"#contracts", http.StatusSeeOther)
}

var contractFields = []string{"number", "signed_on", "amount", "note"}

func (s *server) createContract(w http.ResponseWriter, r *http.Request, u *store.User) {
	oppID := r.PathValue("id")
	f := newForm()
	f.take(r, contractFields...)
	_, err := s.app.CreateContract(r.Context(), u, app.ContractInput{OpportunityID: &oppID, Number: f.set("number"),
		SignedOn: f.ptr("signed_on"), Amount: f.amount("amount"), Note: f.ptr("note")})
	if err != nil {
		s.contractRefused(w, r, u, oppID, "new", f, err)
		return
	}
	backToCard(w, r, oppID)
}

// visibleContract is the contract of the path, through the reader's view.
func (s *server) visibleContract(w http.ResponseWriter, r *http.Request, u *store.User) *store.Contract {
	k, err := s.app.DB.Contract(r.Context(), u.Viewer(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	return k
}

func (s *server) updateContract(w http.ResponseWriter, r *http.Request, u *store.User) {
	k := s.visibleContract(w, r, u)
	if k == nil {
		return
	}
	f := newForm()
	f.take(r, contractFields...)
	f.take(r, "version")
	version, _ := strconv.Atoi(f.V("version"))
	_, err := s.app.UpdateContract(r.Context(), u, k.ID, app.ContractInput{Number: f.set("number"), SignedOn: f.ptr("signed_on"),
		Amount: f.amount("amount"), Note: f.set("note"), Version: version})
	if err != nil {
		s.contractRefused(w, r, u, k.OpportunityID, "edit:"+k.ID, f, err)
		return
	}
	backToCard(w, r, k.OpportunityID)
}

func (s *server) addPayment(w http.ResponseWriter, r *http.Request, u *store.User) {
	k := s.visibleContract(w, r, u)
	if k == nil {
		return
	}
	f := newForm()
	f.take(r, "kind", "date", "amount", "note")
	_, err := s.app.CreatePayment(r.Context(), u, app.PaymentInput{ContractID: &k.ID, Kind: f.set("kind"), Date: f.ptr("date"),
		Amount: f.amount("amount"), Note: f.ptr("note")})
	if err != nil {
		s.contractRefused(w, r, u, k.OpportunityID, "pay:"+k.ID, f, err)
		return
	}
	backToCard(w, r, k.OpportunityID)
}

func (s *server) addInvoice(w http.ResponseWriter, r *http.Request, u *store.User) {
	k := s.visibleContract(w, r, u)
	if k == nil {
		return
	}
	f := newForm()
	f.take(r, "number", "issued_on", "amount")
	_, err := s.app.CreateInvoice(r.Context(), u, k.ID, app.InvoiceInput{Number: f.set("number"), IssuedOn: f.ptr("issued_on"),
		Amount: f.amount("amount")})
	if err != nil {
		s.contractRefused(w, r, u, k.OpportunityID, "invoice:"+k.ID, f, err)
		return
	}
	backToCard(w, r, k.OpportunityID)
}
