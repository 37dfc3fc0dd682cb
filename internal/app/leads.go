package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// LeadInput creates a lead; on update nil fields stay as they are.
type LeadInput struct {
	CompanyName   *string `json:"company_name,omitempty" doc:"required when creating; becomes the customer's name on conversion"`
	ContactName   *string `json:"contact_name,omitempty"`
	Phone         *string `json:"phone,omitempty"`
	Email         *string `json:"email,omitempty"`
	Source        *string `json:"source,omitempty" doc:"where the lead came from, e.g. 展会, 官网, 转介绍"`
	Need          *string `json:"need,omitempty" doc:"the potential need, as heard"`
	OwnerID       *string `json:"owner_id,omitempty" doc:"defaults to the caller"`
	Status        *string `json:"status,omitempty" enum:"new,qualified,discarded" doc:"converted is reached only by POST …/convert"`
	DiscardReason *string `json:"discard_reason,omitempty" doc:"required when discarding"`
	Version       int     `json:"version,omitempty" doc:"required when updating"`
}

func (in LeadInput) apply(l *store.Lead) error {
	setStr(&l.CompanyName, in.CompanyName)
	setStr(&l.ContactName, in.ContactName)
	setStr(&l.Phone, in.Phone)
	setStr(&l.Email, in.Email)
	setStr(&l.Source, in.Source)
	setStr(&l.Need, in.Need)
	setStr(&l.OwnerID, in.OwnerID)
	setStr(&l.Status, in.Status)
	setStr(&l.DiscardReason, in.DiscardReason)
	var p funnel.Problems
	if l.CompanyName == "" {
		p.Add("company_name", "is required")
	} else if len([]rune(l.CompanyName)) > 200 {
		p.Add("company_name", "must be at most 200 characters")
	}
	if l.Email != "" && !strings.Contains(l.Email, "@") {
		p.Add("email", "must be an e-mail address")
	}
	switch l.Status {
	case store.LeadNew, store.LeadQualified:
		l.DiscardReason = "" // reopened
	case store.LeadDiscarded:
		if l.DiscardReason == "" {
			p.Add("discard_reason", "is required when discarding a lead")
		}
	case store.LeadConverted:
		p.Add("status", "a lead becomes converted only by converting it (POST /api/v1/leads/{id}/convert)")
	default:
		p.Add("status", "must be new, qualified or discarded")
	}
	return p.Err()
}

// CreateLead records a lead for the caller or someone in their team.
func (a *App) CreateLead(ctx context.Context, actor *store.User, in LeadInput) (*store.Lead, error) {
	l := &store.Lead{OwnerID: actor.ID, Status: store.LeadNew}
	if err := in.apply(l); err != nil {
		return nil, err
	}
	return l, a.tx(ctx, func(tx *store.Tx) error {
		if err := mustActFor(ctx, tx, actor, "owner_id", l.OwnerID); err != nil {
			return err
		}
		return tx.CreateLead(ctx, l)
	})
}

// errConverted: a converted lead is the record of where a customer came
// from; it is not edited, deleted or converted again.
func errConverted(l *store.Lead) error {
	return &funnel.Error{Code: funnel.ECONFLICT, Message: "the lead was converted on " + l.ConvertedAt.Format(time.DateOnly) +
		" into customer " + l.CustomerID + " and is read-only", ExistingID: l.CustomerID, Current: l}
}

// UpdateLead changes a visible lead that is not converted.
func (a *App) UpdateLead(ctx context.Context, actor *store.User, id string, in LeadInput) (*store.Lead, error) {
	err := a.tx(ctx, func(tx *store.Tx) error {
		l, err := tx.Lead(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if l.Status == store.LeadConverted {
			return errConverted(l)
		}
		owner := l.OwnerID
		if err := in.apply(l); err != nil {
			return err
		}
		if l.OwnerID != owner {
			if err := mayReassign(ctx, tx, actor, owner, l.OwnerID); err != nil {
				return err
			}
		}
		l.Version = in.Version
		return tx.UpdateLead(ctx, l)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.Lead(ctx, actor.Viewer(), id)
}

// DeleteLead removes a visible lead that is not converted.
func (a *App) DeleteLead(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		l, err := tx.Lead(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if l.Status == store.LeadConverted {
			return errConverted(l)
		}
		return tx.DeleteLead(ctx, id)
	})
}

// LeadConvertInput turns a lead into a customer (an existing one, or a new
// one named after the lead's company), optionally a contact and an
// opportunity — all in one transaction.
type LeadConvertInput struct {
	Version     int               `json:"version" doc:"the lead's version"`
	CustomerID  *string           `json:"customer_id,omitempty" doc:"an existing customer; without it one is created from the lead's company name (409 with existing_id when that name exists)"`
	Customer    *CustomerInput    `json:"customer,omitempty" doc:"fields of the customer to create; name defaults to the company name, owner to the lead's owner"`
	Contact     *ContactInput     `json:"contact,omitempty" doc:"create a contact on the customer; name, phone and email default to the lead's, role is required"`
	Opportunity *OpportunityInput `json:"opportunity,omitempty" doc:"open an opportunity on the customer (name and amount required; owner defaults to the lead's owner)"`
}

// LeadConversion is what a conversion made.
type LeadConversion struct {
	Lead        *store.Lead        `json:"lead"`
	Customer    *store.Customer    `json:"customer"`
	Contact     *store.Contact     `json:"contact,omitempty"`
	Opportunity *store.Opportunity `json:"opportunity,omitempty"`
}

// within renames the fields of a validation or duplicate error to say which
// part of a composite input they belong to ("opportunity.amount").
func within(prefix string, err error) error {
	var fe *funnel.Error
	if !errors.As(err, &fe) || len(fe.Fields) == 0 {
		return err
	}
	c := *fe
	c.Fields = make([]funnel.FieldError, len(fe.Fields))
	for i, f := range fe.Fields {
		c.Fields[i] = funnel.FieldError{Field: prefix + "." + f.Field, Message: f.Message}
	}
	return &c
}

// ConvertLead converts a visible lead. Nothing is written unless every part
// succeeds: a refused opportunity leaves no customer or contact behind.
func (a *App) ConvertLead(ctx context.Context, actor *store.User, id string, in LeadConvertInput) (*LeadConversion, error) {
	if in.Version == 0 {
		return nil, fieldErr("version", "is required: the version of the lead you saw")
	}
	if in.CustomerID != nil && in.Customer != nil {
		return nil, fieldErr("customer", "give customer_id or customer, not both")
	}
	out := &LeadConversion{}
	err := a.tx(ctx, func(tx *store.Tx) error {
		l, err := tx.Lead(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		switch {
		case l.Status == store.LeadConverted:
			return errConverted(l)
		case l.Status == store.LeadDiscarded:
			return &funnel.Error{Code: funnel.ECONFLICT, Message: "the lead was discarded; reopen it (status new or qualified) before converting", Current: l}
		case in.Version != l.Version:
			return &funnel.Error{Code: funnel.ECONFLICT, Message: "lead was changed by someone else since you loaded it: reload and retry", Current: l}
		}
		if out.Customer, err = a.leadCustomer(ctx, tx, actor, l, in); err != nil {
			return err
		}
		if in.Contact != nil {
			k := &store.Contact{CustomerID: out.Customer.ID, Name: l.ContactName, Phone: l.Phone, Email: l.Email}
			c := *in.Contact
			c.CustomerID = nil
			if err := c.apply(k); err != nil {
				return within("contact", err)
			}
			if err := tx.CreateContact(ctx, k); err != nil {
				return err
			}
			out.Contact, l.ContactID = k, k.ID
		}
		if in.Opportunity != nil {
			o, err := a.leadOpportunity(ctx, tx, actor, out.Customer, l, *in.Opportunity)
			if err != nil {
				return within("opportunity", err)
			}
			out.Opportunity, l.OpportunityID = o, o.ID
		}
		now := tx.Now()
		l.Status, l.CustomerID, l.ConvertedAt = store.LeadConverted, out.Customer.ID, &now
		if err := tx.UpdateLead(ctx, l); err != nil {
			return err
		}
		l.Version++
		l.UpdatedAt = now
		out.Lead = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// leadCustomer picks the visible customer named, or creates one from the
// lead through the same checks as creating a customer (the normalised name
// is unique: a duplicate is a 409 naming the existing one).
func (a *App) leadCustomer(ctx context.Context, tx *store.Tx, actor *store.User, l *store.Lead, in LeadConvertInput) (*store.Customer, error) {
	if in.CustomerID != nil {
		c, err := tx.Customer(ctx, actor.Viewer(), strings.TrimSpace(*in.CustomerID))
		if err != nil {
			return nil, fieldErr("customer_id", "customer not found")
		}
		return c, nil
	}
	c := &store.Customer{Name: l.CompanyName, OwnerID: l.OwnerID}
	var ci CustomerInput
	if in.Customer != nil {
		ci = *in.Customer
	}
	if err := ci.apply(c); err != nil {
		return nil, within("customer", err)
	}
	if err := mustActFor(ctx, tx, actor, "customer.owner_id", c.OwnerID); err != nil {
		return nil, err
	}
	if err := tx.CreateCustomer(ctx, c); err != nil {
		return nil, within("customer", err)
	}
	return c, nil
}

// leadOpportunity opens the lead's deal on cust inside the conversion's
// transaction: the lead's owner and source unless the input says otherwise.
func (a *App) leadOpportunity(ctx context.Context, tx *store.Tx, actor *store.User, cust *store.Customer, l *store.Lead, in OpportunityInput) (*store.Opportunity, error) {
	o := &store.Opportunity{OwnerID: l.OwnerID, Source: l.Source}
	var p funnel.Problems
	in.CustomerID = nil
	in.apply(o, &p)
	if in.Amount == nil {
		p.Add("amount", "is required")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return o, a.openOpportunity(ctx, tx, actor, cust, o, in)
}
