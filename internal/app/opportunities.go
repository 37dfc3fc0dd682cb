package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// OpportunityInput creates an opportunity; on update nil fields stay as they are.
type OpportunityInput struct {
	Name              *string   `json:"name,omitempty"`
	CustomerID        *string   `json:"customer_id,omitempty" doc:"required when creating"`
	OwnerID           *string   `json:"owner_id,omitempty" doc:"defaults to the caller"`
	CollaboratorIDs   *[]string `json:"collaborator_ids,omitempty"`
	PipelineID        *string   `json:"pipeline_id,omitempty" doc:"defaults to the default pipeline; fixed after creation"`
	Stage             *string   `json:"stage,omitempty" doc:"stage key when creating (defaults to the first stage); move later with POST …/stage"`
	Amount            *string   `json:"amount,omitempty" doc:"decimal CNY, e.g. \"1000000.00\"; required when creating"`
	ExpectedCloseDate *string   `json:"expected_close_date,omitempty" doc:"YYYY-MM-DD; defaults to the end of the current quarter"`
	Region            *string   `json:"region,omitempty" doc:"region code for the number; defaults to the customer's, then the owner's team's"`
	Source            *string   `json:"source,omitempty"`
	ProductLines      *[]string `json:"product_lines,omitempty"`
	Competitors       *[]string `json:"competitors,omitempty"`
	NextContactAt     *string   `json:"next_contact_at,omitempty" doc:"RFC 3339; empty string clears it"`
	NeedScores        *[]int    `json:"need_scores,omitempty" doc:"the needs-confirmation form: 10 scores, 0–100 each"`
	Version           int       `json:"version,omitempty" doc:"required when updating"`
}

// apply copies the given fields into o, collecting every problem.
func (in OpportunityInput) apply(o *store.Opportunity, p *funnel.Problems) {
	setStr(&o.Name, in.Name)
	setStr(&o.OwnerID, in.OwnerID)
	setStr(&o.Source, in.Source)
	if in.Region != nil {
		o.Region = strings.ToUpper(strings.TrimSpace(*in.Region))
		if !funnel.ValidRegionCode(o.Region) {
			p.Add("region", "must be 2–4 capital letters, like SH")
		}
	}
	if in.CollaboratorIDs != nil {
		o.CollaboratorIDs = cleanList(*in.CollaboratorIDs)
	}
	if in.ProductLines != nil {
		o.ProductLines = cleanList(*in.ProductLines)
	}
	if in.Competitors != nil {
		o.Competitors = cleanList(*in.Competitors)
	}
	if in.Amount != nil {
		m, err := funnel.ParseMoney(*in.Amount)
		if err != nil {
			p.Add("amount", "%v", err)
		}
		o.Amount = m
	}
	if in.ExpectedCloseDate != nil {
		d := strings.TrimSpace(*in.ExpectedCloseDate)
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			p.Add("expected_close_date", "must be a date like 2026-12-31")
		}
		o.ExpectedCloseDate = d
	}
	if in.NextContactAt != nil {
		if *in.NextContactAt == "" {
			o.NextContactAt = nil
		} else if t, err := time.Parse(time.RFC3339, *in.NextContactAt); err != nil {
			p.Add("next_contact_at", "must be an RFC 3339 time like 2026-12-01T09:00:00Z")
		} else {
			t = t.UTC()
			o.NextContactAt = &t
		}
	}
	if in.NeedScores != nil {
		o.NeedScores = *in.NeedScores
		if len(o.NeedScores) != funnel.NeedItems {
			p.Add("need_scores", "must hold %d scores, one per item of the needs-confirmation form", funnel.NeedItems)
		}
		for i, v := range o.NeedScores {
			if v < 0 || v > 100 {
				p.Add("need_scores["+itoa(i)+"]", "must be between 0 and 100")
			}
		}
	}
	if o.Name == "" {
		p.Add("name", "is required")
	} else if len([]rune(o.Name)) > 200 {
		p.Add("name", "must be at most 200 characters")
	}
}

func cleanList(l []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range l {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// CreateOpportunity opens a deal on a visible customer.
func (a *App) CreateOpportunity(ctx context.Context, actor *store.User, in OpportunityInput) (*store.Opportunity, error) {
	o := &store.Opportunity{OwnerID: actor.ID}
	var p funnel.Problems
	in.apply(o, &p)
	if in.CustomerID == nil || strings.TrimSpace(*in.CustomerID) == "" {
		p.Add("customer_id", "is required")
	}
	if in.Amount == nil {
		p.Add("amount", "is required")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		cust, err := tx.Customer(ctx, actor.Viewer(), strings.TrimSpace(*in.CustomerID))
		if err != nil {
			return fieldErr("customer_id", "customer not found")
		}
		return a.openOpportunity(ctx, tx, actor, cust, o, in)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// openOpportunity writes o, holding the validated input, on cust inside the
// caller's transaction: the owner, collaborators, pipeline and first stage,
// default close date and region, then health, the overlap warning and the
// created event. Creating a deal and converting a lead share it.
func (a *App) openOpportunity(ctx context.Context, tx *store.Tx, actor *store.User, cust *store.Customer, o *store.Opportunity, in OpportunityInput) error {
	o.CustomerID, o.Industry = cust.ID, cust.Industry
	if err := mustActFor(ctx, tx, actor, "owner_id", o.OwnerID); err != nil {
		return err
	}
	if err := a.checkUsers(ctx, tx, o.CollaboratorIDs); err != nil {
		return err
	}
	pl, err := a.pipelineFor(ctx, tx, in.PipelineID)
	if err != nil {
		return err
	}
	st := pl.FirstOpen()
	if in.Stage != nil {
		var ok bool
		if st, ok = pl.StageByKey(*in.Stage); !ok {
			return fieldErr("stage", "pipeline %s has no stage %q", pl.Key, *in.Stage)
		}
	}
	o.PipelineID, o.StageID = pl.ID, st.ID
	if o.ExpectedCloseDate == "" {
		per, _ := funnel.ParsePeriod(funnel.QuarterOf(tx.Now().In(funnel.CompanyZone)))
		o.ExpectedCloseDate = per.End.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if o.Region == "" {
		o.Region = a.defaultRegion(ctx, tx, cust, o.OwnerID)
	}
	moveBack, err := a.scoreNewDeal(ctx, tx, o, pl, st, actor.ID)
	if err != nil {
		return err
	}
	if err := tx.CreateOpportunity(ctx, o, pl, actor.ID); err != nil {
		return err
	}
	if err := moveBack(); err != nil {
		return err
	}
	if err := a.customerOverlap(ctx, tx, actor, cust, o); err != nil {
		return err
	}
	return opportunityCreatedEvent(ctx, tx, o)
}

// customerOverlap: a deal opened for someone other than the customer's
// owner is allowed (a manager's team works together) but said out loud —
// seed 002's customer was touched by three reps until it marked them spam.
// The opener is warned in the answer; the customer's owner hears of it once.
// Nothing is said when the owner opens it for a colleague.
func (a *App) customerOverlap(ctx context.Context, tx *store.Tx, actor *store.User, cust *store.Customer, o *store.Opportunity) error {
	if o.OwnerID == cust.OwnerID || actor.ID == cust.OwnerID {
		return nil
	}
	owner, err := tx.User(ctx, cust.OwnerID)
	if err != nil {
		return err
	}
	o.Warnings = append(o.Warnings, store.Warning{Code: "customer_owned_by_other",
		Message: "客户 " + cust.Name + " 由 " + owner.Name + " 负责，已通知对方"})
	opener, err := tx.User(ctx, o.OwnerID)
	if err != nil {
		return err
	}
	_, err = tx.EnqueueNotification(ctx, store.Notice{UserID: cust.OwnerID, Key: "customer-overlap:" + o.ID,
		Subject: "您负责的客户 " + cust.Name + " 有新商机：" + o.Number,
		Body:    opener.Name + " 在您负责的客户 " + cust.Name + " 上新建了商机 " + o.Number + " " + o.Name + "，请协调跟进，避免重复打扰客户。"})
	return err
}

// defaultRegion picks the number's region: the customer's, else the owner's
// team's, else "CN".
func (a *App) defaultRegion(ctx context.Context, tx *store.Tx, c *store.Customer, ownerID string) string {
	if funnel.ValidRegionCode(c.Region) {
		return c.Region
	}
	if u, err := tx.User(ctx, ownerID); err == nil && u.TeamID != "" {
		if t, err := tx.Team(ctx, u.TeamID); err == nil && funnel.ValidRegionCode(t.Region) {
			return t.Region
		}
	}
	return "CN"
}

func (a *App) pipelineFor(ctx context.Context, tx *store.Tx, id *string) (*store.Pipeline, error) {
	if id == nil || *id == "" {
		return tx.DefaultPipeline(ctx)
	}
	pl, err := tx.Pipeline(ctx, *id)
	if err != nil {
		return nil, fieldErr("pipeline_id", "pipeline not found")
	}
	return pl, nil
}

func (a *App) checkUsers(ctx context.Context, tx *store.Tx, ids []string) error {
	for _, id := range ids {
		if _, err := tx.User(ctx, id); err != nil {
			return fieldErr("collaborator_ids", "user %s not found", id)
		}
	}
	return nil
}

// UpdateOpportunity changes the fields of a visible opportunity. Stage and
// pipeline change only through MoveStage.
func (a *App) UpdateOpportunity(ctx context.Context, actor *store.User, id string, in OpportunityInput) (*store.Opportunity, error) {
	if in.Stage != nil || in.PipelineID != nil {
		var p funnel.Problems
		if in.Stage != nil {
			p.Add("stage", "move stages with POST /api/v1/opportunities/{id}/stage")
		}
		if in.PipelineID != nil {
			p.Add("pipeline_id", "cannot change after creation")
		}
		return nil, p.Err()
	}
	var o *store.Opportunity
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if o, err = tx.Opportunity(ctx, actor.Viewer(), id); err != nil {
			return err
		}
		owner, customer := o.OwnerID, o.CustomerID
		var p funnel.Problems
		in.apply(o, &p)
		if in.CustomerID != nil && *in.CustomerID != customer {
			c, err := tx.Customer(ctx, actor.Viewer(), *in.CustomerID)
			if err != nil {
				p.Add("customer_id", "customer not found")
			} else {
				o.CustomerID, o.Industry = c.ID, c.Industry
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if o.OwnerID != owner {
			if err := mayReassign(ctx, tx, actor, owner, o.OwnerID); err != nil {
				return err
			}
		}
		if in.CollaboratorIDs != nil {
			if err := a.checkUsers(ctx, tx, o.CollaboratorIDs); err != nil {
				return err
			}
		}
		o.Version = in.Version
		if err := tx.UpdateOpportunity(ctx, o, actor.ID); err != nil {
			return err
		}
		if in.NeedScores == nil {
			return nil
		}
		if err := a.refreshHealth(ctx, tx, o.ID, actor.ID); err != nil {
			return err
		}
		o, err = tx.Opportunity(ctx, store.System, o.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// LossReasons is seed 002's taxonomy for lost deals.
var LossReasons = []string{"competitor_price", "needs_changed", "decision_maker_changed", "insufficient_resources", "other"}

// StageMoveInput asks to move an opportunity to another stage.
type StageMoveInput struct {
	To         string `json:"to" doc:"stage key"`
	Version    int    `json:"version"`
	LossReason string `json:"loss_reason,omitempty" enum:"competitor_price,needs_changed,decision_maker_changed,insufficient_resources,other" doc:"required when moving to lost"`
	Amount     string `json:"amount,omitempty" doc:"final amount when moving to won"`
	ClosedOn   string `json:"closed_on,omitempty" doc:"close date when moving to won or lost; defaults to today"`
	Comment    string `json:"comment,omitempty"`
}

func validLossReason(r string) bool {
	for _, x := range LossReasons {
		if r == x {
			return true
		}
	}
	return false
}

// OpportunityHistory is everything that happened to a deal, oldest first:
// Events merges stage moves and field changes; Stages and Changes keep them
// apart for reports.
type OpportunityHistory struct {
	Events  []HistoryEvent    `json:"events"`
	Stages  []store.StageMove `json:"stages"`
	Changes []store.Change    `json:"changes"`
}

// HistoryEvent is one stage move or field change.
type HistoryEvent struct {
	At       time.Time `json:"at"`
	ByUserID string    `json:"by_user_id"`
	Kind     string    `json:"kind" enum:"stage,field"`
	Field    string    `json:"field" doc:"the field changed; \"stage\" for a move"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
	Via      string    `json:"via,omitempty" doc:"for a move: create, manual, indicator, checklist, approval, rule or import"`
	Comment  string    `json:"comment,omitempty"`
}

// History returns the stage moves and field changes of a visible opportunity.
func (a *App) History(ctx context.Context, actor *store.User, id string) (*OpportunityHistory, error) {
	if _, err := a.DB.Opportunity(ctx, actor.Viewer(), id); err != nil {
		return nil, err
	}
	st, err := a.DB.StageHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	ch, err := a.DB.Changes(ctx, id)
	if err != nil {
		return nil, err
	}
	h := &OpportunityHistory{Stages: st, Changes: ch, Events: make([]HistoryEvent, 0, len(st)+len(ch))}
	for _, m := range st {
		h.Events = append(h.Events, HistoryEvent{At: m.At, ByUserID: m.ByUserID, Kind: "stage", Field: "stage", Old: m.From, New: m.To, Via: m.Via, Comment: m.Comment})
	}
	for _, c := range ch {
		h.Events = append(h.Events, HistoryEvent{At: c.At, ByUserID: c.ByUserID, Kind: "field", Field: c.Field, Old: c.Old, New: c.New})
	}
	// Stable: within one instant a move precedes the field changes it caused.
	slices.SortStableFunc(h.Events, func(x, y HistoryEvent) int { return x.At.Compare(y.At) })
	return h, nil
}
