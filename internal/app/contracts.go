package app

import (
	"context"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// ContractInput creates a contract; on update nil fields stay as they are.
type ContractInput struct {
	OpportunityID *string `json:"opportunity_id,omitempty" doc:"a won opportunity; required when creating, fixed after"`
	Number        *string `json:"number,omitempty" doc:"contract number, unique; required"`
	SignedOn      *string `json:"signed_on,omitempty" doc:"YYYY-MM-DD; defaults to today"`
	Amount        *string `json:"amount,omitempty" doc:"decimal CNY, positive; defaults to the deal's amount"`
	Note          *string `json:"note,omitempty"`
	Version       int     `json:"version,omitempty" doc:"required when updating"`
}

// positiveMoney parses a required positive amount into *m.
func positiveMoney(p *funnel.Problems, field string, s *string, m *funnel.Money) {
	if s == nil {
		return
	}
	v, err := funnel.ParseMoney(*s)
	if err != nil {
		p.Add(field, "%v", err)
		return
	}
	if v <= 0 {
		p.Add(field, "must be positive")
	}
	*m = v
}

// date parses a YYYY-MM-DD field into *d.
func date(p *funnel.Problems, field string, s *string, d *string) {
	if s == nil {
		return
	}
	v := strings.TrimSpace(*s)
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		p.Add(field, "must be a date like 2026-12-31")
	}
	*d = v
}

func (in ContractInput) apply(k *store.Contract) error {
	var p funnel.Problems
	setStr(&k.Number, in.Number)
	setStr(&k.Note, in.Note)
	date(&p, "signed_on", in.SignedOn, &k.SignedOn)
	positiveMoney(&p, "amount", in.Amount, &k.Amount)
	if k.Number == "" {
		p.Add("number", "is required")
	} else if len([]rune(k.Number)) > 64 {
		p.Add("number", "must be at most 64 characters")
	}
	return p.Err()
}

// CreateContract signs a contract on a visible won opportunity.
func (a *App) CreateContract(ctx context.Context, actor *store.User, in ContractInput) (*store.Contract, error) {
	k := &store.Contract{Currency: "CNY", CreatedBy: actor.ID}
	err := in.apply(k)
	if in.OpportunityID == nil || strings.TrimSpace(*in.OpportunityID) == "" {
		return nil, fieldErr("opportunity_id", "is required")
	}
	if err != nil {
		return nil, err
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, actor.Viewer(), strings.TrimSpace(*in.OpportunityID))
		if err != nil {
			return fieldErr("opportunity_id", "opportunity not found")
		}
		if o.Status != funnel.StatusWon {
			return fieldErr("opportunity_id", "a contract is signed on a won opportunity; this one is %s", o.Status)
		}
		k.OpportunityID, k.CustomerID = o.ID, o.CustomerID
		if in.Amount == nil {
			k.Amount = o.Amount
		}
		if k.SignedOn == "" {
			k.SignedOn = today(tx.Now())
		}
		if k.Amount <= 0 {
			return fieldErr("amount", "must be positive")
		}
		return tx.CreateContract(ctx, k)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.Contract(ctx, actor.Viewer(), k.ID)
}

func today(t time.Time) string { return t.In(funnel.CompanyZone).Format(time.DateOnly) }

// UpdateContract changes a visible contract; its amount may not fall below
// the payment plan, the receipts or the invoices already recorded.
func (a *App) UpdateContract(ctx context.Context, actor *store.User, id string, in ContractInput) (*store.Contract, error) {
	err := a.tx(ctx, func(tx *store.Tx) error {
		k, err := tx.Contract(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if in.OpportunityID != nil && strings.TrimSpace(*in.OpportunityID) != k.OpportunityID {
			return fieldErr("opportunity_id", "a contract cannot move to another opportunity")
		}
		if err := in.apply(k); err != nil {
			return err
		}
		for _, floor := range []struct {
			what string
			sum  funnel.Money
		}{{"the payment plan", k.Planned}, {"the receipts", k.Received}, {"the invoices", k.Invoiced}} {
			if k.Amount < floor.sum {
				return fieldErr("amount", "must be at least %s, the total of %s", floor.sum, floor.what)
			}
		}
		k.Version = in.Version
		return tx.UpdateContract(ctx, k)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.Contract(ctx, actor.Viewer(), id)
}

// DeleteContract removes a visible contract and its payment plan; one that
// holds receipts or invoices is kept (409): money was received against it.
func (a *App) DeleteContract(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		k, err := tx.Contract(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if k.Received > 0 || k.Invoiced > 0 {
			return funnel.Errorf(funnel.ECONFLICT, "the contract holds receipts or invoices; delete them first")
		}
		return tx.DeleteContract(ctx, id)
	})
}

// PaymentInput adds a payment plan line or a receipt; on update nil fields
// stay as they are (contract and kind are fixed).
type PaymentInput struct {
	ContractID *string `json:"contract_id,omitempty" doc:"required when creating"`
	Kind       *string `json:"kind,omitempty" enum:"plan,receipt" doc:"plan: a line of the payment plan 回款计划; receipt: money received 回款. Required when creating"`
	Date       *string `json:"date,omitempty" doc:"YYYY-MM-DD: the due date of a plan line, the received date of a receipt; required"`
	Amount     *string `json:"amount,omitempty" doc:"decimal CNY, positive; required"`
	Note       *string `json:"note,omitempty"`
	Version    int     `json:"version,omitempty" doc:"required when updating"`
}

func (in PaymentInput) apply(y *store.Payment) error {
	var p funnel.Problems
	setStr(&y.Note, in.Note)
	date(&p, "date", in.Date, &y.Date)
	positiveMoney(&p, "amount", in.Amount, &y.Amount)
	if y.Date == "" && in.Date == nil {
		p.Add("date", "is required")
	}
	if y.Amount == 0 && in.Amount == nil {
		p.Add("amount", "is required")
	}
	return p.Err()
}

// fitsContract checks that the plan lines (or the receipts) of the contract,
// with y in place of its stored self, stay within the contract amount.
func fitsContract(ctx context.Context, tx *store.Tx, k *store.Contract, y *store.Payment) error {
	others, err := tx.PaymentTotal(ctx, k.ID, y.Kind, y.ID)
	if err != nil {
		return err
	}
	if total := others + y.Amount; total > k.Amount {
		what := "payment plan"
		if y.Kind == store.PaymentReceipt {
			what = "receipts"
		}
		return fieldErr("amount", "the %s would total %s, more than the contract amount %s (%s left)", what, total, k.Amount, k.Amount-others)
	}
	return nil
}

// CreatePayment adds a plan line or a receipt to a visible contract.
func (a *App) CreatePayment(ctx context.Context, actor *store.User, in PaymentInput) (*store.Payment, error) {
	y := &store.Payment{CreatedBy: actor.ID}
	var p funnel.Problems
	setStr(&y.ContractID, in.ContractID)
	setStr(&y.Kind, in.Kind)
	if y.ContractID == "" {
		p.Add("contract_id", "is required")
	}
	if y.Kind != store.PaymentPlan && y.Kind != store.PaymentReceipt {
		p.Add("kind", "must be plan or receipt")
	}
	if err := in.apply(y); err != nil {
		p = append(p, err.(*funnel.Error).Fields...)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return y, a.tx(ctx, func(tx *store.Tx) error {
		k, err := tx.Contract(ctx, actor.Viewer(), y.ContractID)
		if err != nil {
			return fieldErr("contract_id", "contract not found")
		}
		if err := fitsContract(ctx, tx, k, y); err != nil {
			return err
		}
		return tx.CreatePayment(ctx, y)
	})
}

// UpdatePayment changes a visible plan line or receipt.
func (a *App) UpdatePayment(ctx context.Context, actor *store.User, id string, in PaymentInput) (*store.Payment, error) {
	err := a.tx(ctx, func(tx *store.Tx) error {
		y, err := tx.Payment(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if in.ContractID != nil && strings.TrimSpace(*in.ContractID) != y.ContractID {
			return fieldErr("contract_id", "a payment cannot move to another contract")
		}
		if in.Kind != nil && strings.TrimSpace(*in.Kind) != y.Kind {
			return fieldErr("kind", "a plan line cannot become a receipt; record the receipt separately")
		}
		if err := in.apply(y); err != nil {
			return err
		}
		k, err := tx.Contract(ctx, store.System, y.ContractID)
		if err != nil {
			return err
		}
		if err := fitsContract(ctx, tx, k, y); err != nil {
			return err
		}
		y.Version = in.Version
		return tx.UpdatePayment(ctx, y)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.Payment(ctx, actor.Viewer(), id)
}

// DeletePayment removes a visible plan line or receipt.
func (a *App) DeletePayment(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Payment(ctx, actor.Viewer(), id); err != nil {
			return err
		}
		return tx.DeletePayment(ctx, id)
	})
}

// InvoiceInput issues an invoice; on update nil fields stay as they are.
type InvoiceInput struct {
	Number   *string `json:"number,omitempty" doc:"invoice number, unique; required"`
	IssuedOn *string `json:"issued_on,omitempty" doc:"YYYY-MM-DD; defaults to today"`
	Amount   *string `json:"amount,omitempty" doc:"decimal CNY, positive; required"`
	Version  int     `json:"version,omitempty" doc:"required when updating"`
}

func (in InvoiceInput) apply(i *store.Invoice) error {
	var p funnel.Problems
	setStr(&i.Number, in.Number)
	date(&p, "issued_on", in.IssuedOn, &i.IssuedOn)
	positiveMoney(&p, "amount", in.Amount, &i.Amount)
	if i.Number == "" {
		p.Add("number", "is required")
	}
	if i.Amount == 0 && in.Amount == nil {
		p.Add("amount", "is required")
	}
	return p.Err()
}

// invoicesFit: invoices may not total more than the contract.
func invoicesFit(ctx context.Context, tx *store.Tx, k *store.Contract, i *store.Invoice) error {
	others, err := tx.InvoiceTotal(ctx, k.ID, i.ID)
	if err != nil {
		return err
	}
	if others+i.Amount > k.Amount {
		return fieldErr("amount", "the invoices would total %s, more than the contract amount %s", others+i.Amount, k.Amount)
	}
	return nil
}

// CreateInvoice issues an invoice on a visible contract.
func (a *App) CreateInvoice(ctx context.Context, actor *store.User, contractID string, in InvoiceInput) (*store.Invoice, error) {
	i := &store.Invoice{ContractID: contractID, CreatedBy: actor.ID}
	if err := in.apply(i); err != nil {
		return nil, err
	}
	return i, a.tx(ctx, func(tx *store.Tx) error {
		k, err := tx.Contract(ctx, actor.Viewer(), contractID)
		if err != nil {
			return err
		}
		if i.IssuedOn == "" {
			i.IssuedOn = today(tx.Now())
		}
		if err := invoicesFit(ctx, tx, k, i); err != nil {
			return err
		}
		return tx.CreateInvoice(ctx, i)
	})
}

// UpdateInvoice changes an invoice of a visible contract.
func (a *App) UpdateInvoice(ctx context.Context, actor *store.User, contractID, id string, in InvoiceInput) (*store.Invoice, error) {
	var i *store.Invoice
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if i, err = tx.Invoice(ctx, actor.Viewer(), id); err != nil || i.ContractID != contractID {
			return orNotFound(err, "invoice")
		}
		if err := in.apply(i); err != nil {
			return err
		}
		k, err := tx.Contract(ctx, store.System, contractID)
		if err != nil {
			return err
		}
		if err := invoicesFit(ctx, tx, k, i); err != nil {
			return err
		}
		i.Version = in.Version
		if err := tx.UpdateInvoice(ctx, i); err != nil {
			return err
		}
		i, err = tx.Invoice(ctx, store.System, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}

// DeleteInvoice removes an invoice of a visible contract.
func (a *App) DeleteInvoice(ctx context.Context, actor *store.User, contractID, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		i, err := tx.Invoice(ctx, actor.Viewer(), id)
		if err != nil || i.ContractID != contractID {
			return orNotFound(err, "invoice")
		}
		return tx.DeleteInvoice(ctx, id)
	})
}
