package app

import (
	"context"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// CustomerInput creates a customer; on update nil fields stay as they are.
type CustomerInput struct {
	Name     *string `json:"name,omitempty" doc:"legal name; unique after normalisation (width, case, spaces)"`
	Industry *string `json:"industry,omitempty"`
	Region   *string `json:"region,omitempty" doc:"region code, e.g. SH; used in opportunity numbers"`
	Address  *string `json:"address,omitempty"`
	Size     *string `json:"size,omitempty"`
	OwnerID  *string `json:"owner_id,omitempty" doc:"defaults to the caller"`
	Version  int     `json:"version,omitempty" doc:"required when updating"`
}

func (in CustomerInput) apply(c *store.Customer) error {
	setStr(&c.Name, in.Name)
	setStr(&c.Industry, in.Industry)
	setStr(&c.Region, in.Region)
	setStr(&c.Address, in.Address)
	setStr(&c.Size, in.Size)
	setStr(&c.OwnerID, in.OwnerID)
	c.Region = strings.ToUpper(c.Region)
	var p funnel.Problems
	if c.Name == "" {
		p.Add("name", "is required")
	} else if len([]rune(c.Name)) > 200 {
		p.Add("name", "must be at most 200 characters")
	}
	if c.Region != "" && !funnel.ValidRegionCode(c.Region) {
		p.Add("region", "must be 2–4 capital letters, like SH")
	}
	return p.Err()
}

// CreateCustomer adds a customer. A name that normalises to an existing one is
// refused with a pointer to it (409).
func (a *App) CreateCustomer(ctx context.Context, actor *store.User, in CustomerInput) (*store.Customer, error) {
	c := &store.Customer{OwnerID: actor.ID}
	if err := in.apply(c); err != nil {
		return nil, err
	}
	if err := mustActFor(ctx, a.DB, actor, "owner_id", c.OwnerID); err != nil {
		return nil, err
	}
	return c, a.tx(ctx, func(tx *store.Tx) error { return tx.CreateCustomer(ctx, c) })
}

// UpdateCustomer changes a visible customer.
func (a *App) UpdateCustomer(ctx context.Context, actor *store.User, id string, in CustomerInput) (*store.Customer, error) {
	var c *store.Customer
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.Customer(ctx, actor.Viewer(), id); err != nil {
			return err
		}
		owner := c.OwnerID
		if err := in.apply(c); err != nil {
			return err
		}
		if c.OwnerID != owner {
			if err := mayReassign(ctx, tx, actor, owner, c.OwnerID); err != nil {
				return err
			}
		}
		c.Version = in.Version
		return tx.UpdateCustomer(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.Customer(ctx, actor.Viewer(), id)
}

// DeleteCustomer removes a visible customer without opportunities.
func (a *App) DeleteCustomer(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error { return tx.DeleteCustomer(ctx, actor.Viewer(), id) })
}

// ContactInput creates a contact; on update nil fields stay as they are.
type ContactInput struct {
	CustomerID *string `json:"customer_id,omitempty" doc:"required when creating"`
	Name       *string `json:"name,omitempty"`
	Title      *string `json:"title,omitempty"`
	Phone      *string `json:"phone,omitempty"`
	Email      *string `json:"email,omitempty"`
	WeComID    *string `json:"wecom_id,omitempty"`
	Role       *string `json:"role,omitempty" enum:"decision_maker,influencer,user" doc:"place in the decision chain"`
	Version    int     `json:"version,omitempty" doc:"required when updating"`
}

func (in ContactInput) apply(k *store.Contact) error {
	setStr(&k.Name, in.Name)
	setStr(&k.Title, in.Title)
	setStr(&k.Phone, in.Phone)
	setStr(&k.Email, in.Email)
	setStr(&k.WeComID, in.WeComID)
	setStr(&k.Role, in.Role)
	var p funnel.Problems
	if k.Name == "" {
		p.Add("name", "is required")
	}
	if !store.ValidContactRole(k.Role) {
		p.Add("role", "must be decision_maker, influencer or user")
	}
	return p.Err()
}

// CreateContact adds a contact to a visible customer.
func (a *App) CreateContact(ctx context.Context, actor *store.User, in ContactInput) (*store.Contact, error) {
	k := &store.Contact{}
	setStr(&k.CustomerID, in.CustomerID)
	err := in.apply(k)
	if k.CustomerID == "" {
		return nil, fieldErr("customer_id", "is required")
	}
	if err != nil {
		return nil, err
	}
	return k, a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Customer(ctx, actor.Viewer(), k.CustomerID); err != nil {
			return fieldErr("customer_id", "customer not found")
		}
		return tx.CreateContact(ctx, k)
	})
}

// UpdateContact changes a visible contact (it cannot move to another customer).
func (a *App) UpdateContact(ctx context.Context, actor *store.User, id string, in ContactInput) (*store.Contact, error) {
	err := a.tx(ctx, func(tx *store.Tx) error {
		k, err := tx.Contact(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if in.CustomerID != nil && *in.CustomerID != k.CustomerID {
			return fieldErr("customer_id", "a contact cannot move to another customer")
		}
		role := k.Role
		if err := in.apply(k); err != nil {
			return err
		}
		k.Version = in.Version
		if err := tx.UpdateContact(ctx, k); err != nil || k.Role == role {
			return err
		}
		return a.refreshDealsOf(ctx, tx, k.ID, actor.ID) // the decision chain changed shape
	})
	if err != nil {
		return nil, err
	}
	return a.DB.Contact(ctx, actor.Viewer(), id)
}

// DeleteContact removes a visible contact.
func (a *App) DeleteContact(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		deals, err := tx.DealsReaching(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteContact(ctx, actor.Viewer(), id); err != nil {
			return err
		}
		return a.refreshDeals(ctx, tx, deals, actor.ID)
	})
}

// refreshDealsOf recomputes the health of every deal whose follow-ups reached
// the contact.
func (a *App) refreshDealsOf(ctx context.Context, tx *store.Tx, contactID, by string) error {
	deals, err := tx.DealsReaching(ctx, contactID)
	if err != nil {
		return err
	}
	return a.refreshDeals(ctx, tx, deals, by)
}

func (a *App) refreshDeals(ctx context.Context, tx *store.Tx, deals []string, by string) error {
	for _, d := range deals {
		if err := a.refreshHealth(ctx, tx, d, by); err != nil {
			return err
		}
	}
	return nil
}
