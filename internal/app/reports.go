package app

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// ReportScope narrows a report; the caller's visibility always applies on top.
type ReportScope struct {
	PipelineID string `query:"pipeline_id" doc:"defaults to the default pipeline (funnel) or all pipelines (forecast)"`
	OwnerID    string `query:"owner_id"`
	TeamID     string `query:"team_id" doc:"the team and all teams below it"`
	Industry   string `query:"industry"`
	Region     string `query:"region"`
	// Method is for forecasts: stage (amount × stage probability) or
	// stage_competition (× the competition win rate too, seed 001).
	Method string `query:"method" enum:"stage,stage_competition," doc:"forecast method; default stage"`
}

// FunnelQuery is a funnel's scope, grouping and period.
type FunnelQuery struct {
	ReportScope
	GroupBy  string `query:"group_by" enum:"owner,team,industry,region,pipeline," doc:"also give the funnel per group"`
	Period   string `query:"period" doc:"only deals of this period: 2026-Q4, 2026-11 or 2026"`
	PeriodBy string `query:"period_by" enum:"close,created," doc:"the period is of the expected close date (default) or of creation"`
	Product  string `query:"product" doc:"only deals whose product lines include this one"`
}

func (q FunnelQuery) filter() (store.OpportunityFilter, error) {
	f := q.ReportScope.filter()
	f.Product = q.Product
	if q.Period == "" {
		return f, nil
	}
	per, err := funnel.ParsePeriod(q.Period)
	if err != nil {
		return f, fieldErr("period", "%v", err)
	}
	if q.PeriodBy == "created" {
		f.CreatedFrom = time.Date(per.Start.Year(), per.Start.Month(), per.Start.Day(), 0, 0, 0, 0, funnel.CompanyZone)
		f.CreatedTo = time.Date(per.End.Year(), per.End.Month(), per.End.Day(), 0, 0, 0, 0, funnel.CompanyZone)
	} else {
		f.CloseFrom, f.CloseTo = per.FirstDay(), per.EndDay()
	}
	return f, nil
}

func (s ReportScope) filter() store.OpportunityFilter {
	return store.OpportunityFilter{PipelineID: s.PipelineID, OwnerID: s.OwnerID, TeamID: s.TeamID, Industry: s.Industry, Region: s.Region}
}

// Totals are a count, an amount and the weighted amount.
type Totals struct {
	Count          int64        `json:"count"`
	Amount         funnel.Money `json:"amount"`
	WeightedAmount funnel.Money `json:"weighted_amount"`
}

// FunnelStage is one row of the funnel.
type FunnelStage struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	NameEN      string `json:"name_en"`
	Probability int    `json:"probability"`
	Totals
	// ForecastShare is this stage's share of the weighted total, in percent.
	ForecastShare float64 `json:"forecast_share"`
}

// Funnel is the open deals of a pipeline by stage.
type Funnel struct {
	PipelineID string        `json:"pipeline_id"`
	Stages     []FunnelStage `json:"stages"`
	Total      Totals        `json:"total"`
	Groups     []FunnelGroup `json:"groups" doc:"with group_by: the same funnel per group"`
}

// Funnel counts open opportunities per stage with amount and weighted
// amount (amount × stage probability, SPEC §5), summed exactly.
func (a *App) Funnel(ctx context.Context, actor *store.User, s ReportScope) (*Funnel, error) {
	return a.FunnelBy(ctx, actor, FunnelQuery{ReportScope: s})
}

// FunnelBy is Funnel with a period, a product and a grouping.
func (a *App) FunnelBy(ctx context.Context, actor *store.User, q FunnelQuery) (*Funnel, error) {
	s := &q.ReportScope
	var pl *store.Pipeline
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		pl, err = a.pipelineFor(ctx, tx, &s.PipelineID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.PipelineID = pl.ID
	f, err := q.filter()
	if err != nil {
		return nil, err
	}
	totals, err := a.DB.StageTotals(ctx, actor.Viewer(), f)
	if err != nil {
		return nil, err
	}
	out := funnelOf(pl, totals)
	out.Groups = []FunnelGroup{}
	if q.GroupBy == "" {
		return out, nil
	}
	rows, err := a.DB.GroupedStageTotals(ctx, actor.Viewer(), f, q.GroupBy)
	if err != nil {
		return nil, err
	}
	byGroup := map[string]map[string]store.StageTotal{}
	var order []string
	for _, r := range rows {
		if byGroup[r.Group] == nil {
			byGroup[r.Group] = map[string]store.StageTotal{}
			order = append(order, r.Group)
		}
		byGroup[r.Group][r.StageID] = r.StageTotal
	}
	for _, g := range order {
		f := funnelOf(pl, byGroup[g])
		out.Groups = append(out.Groups, FunnelGroup{Key: g, Label: a.groupLabel(ctx, q.GroupBy, g), Stages: f.Stages, Total: f.Total})
	}
	return out, nil
}

// FunnelGroup is the funnel of one owner, team, industry, region or pipeline.
type FunnelGroup struct {
	Key    string        `json:"key"`
	Label  string        `json:"label"`
	Stages []FunnelStage `json:"stages"`
	Total  Totals        `json:"total"`
}

func (a *App) groupLabel(ctx context.Context, group, key string) string {
	switch group {
	case "owner":
		if u, err := a.DB.User(ctx, key); err == nil {
			return u.Name
		}
	case "team":
		if t, err := a.DB.Team(ctx, key); err == nil {
			return t.Name
		}
	case "pipeline":
		if p, err := a.DB.Pipeline(ctx, key); err == nil {
			return p.NameZH
		}
	}
	return key
}

// funnelOf lays stage totals out along a pipeline's open stages.
func funnelOf(pl *store.Pipeline, totals map[string]store.StageTotal) *Funnel {
	out := &Funnel{PipelineID: pl.ID, Stages: []FunnelStage{}}
	var all funnel.WeightedSum
	for _, st := range pl.Stages {
		if st.Kind != funnel.StageOpen {
			continue
		}
		t := totals[st.ID]
		var w funnel.WeightedSum
		w.Add(t.Amount, st.Probability)
		all.Add(t.Amount, st.Probability)
		out.Stages = append(out.Stages, FunnelStage{Key: st.Key, Name: st.NameZH, NameEN: st.NameEN, Probability: st.Probability,
			Totals: Totals{Count: t.Count, Amount: t.Amount, WeightedAmount: w.Money()}})
		out.Total.Count += t.Count
		out.Total.Amount += t.Amount
	}
	out.Total.WeightedAmount = all.Money()
	for i := range out.Stages {
		out.Stages[i].ForecastShare = share(out.Stages[i].WeightedAmount, out.Total.WeightedAmount)
	}
	return out
}

func share(part, whole funnel.Money) float64 {
	if whole == 0 {
		return 0
	}
	return part.Decimal().Shift(2).DivRound(whole.Decimal(), 2).InexactFloat64()
}

// Forecast measures a scope's forecast against its quota for a period.
type Forecast struct {
	Period         string           `json:"period"`
	Scope          string           `json:"scope" doc:"user, team or company"`
	ScopeID        string           `json:"scope_id,omitempty"`
	Forecast       funnel.Money     `json:"forecast"`
	Quota          funnel.Money     `json:"quota"`
	Achieved       funnel.Money     `json:"achieved"`
	Won            funnel.Money     `json:"won"`
	DirectSales    funnel.Money     `json:"direct_sales"`
	RemainingQuota funnel.Money     `json:"remaining_quota"`
	Gap            funnel.Money     `json:"gap"`
	Coverage       float64          `json:"coverage" doc:"forecast / remaining quota; 0 when nothing remains"`
	EarlyShare     float64          `json:"early_share" doc:"percent of the forecast held by the first stage"`
	Diagnosis      funnel.Diagnosis `json:"diagnosis" enum:"on_track,needs_new_opportunities,needs_conversion"`
	Method         string           `json:"method" enum:"stage,stage_competition"`
}

// weighForecast sums the open deals f selects, weighted by stage probability
// (and by the competition win rate for stage_competition), and the part of it
// in each pipeline's first stage.
func (a *App) weighForecast(ctx context.Context, actor *store.User, f store.OpportunityFilter, method string) (all, early funnel.Money, err error) {
	pls, err := a.DB.Pipelines(ctx)
	if err != nil {
		return 0, 0, err
	}
	stages, first := map[string]store.Stage{}, map[string]bool{}
	for _, pl := range pls {
		first[pl.FirstOpen().ID] = true
		for _, st := range pl.Stages {
			stages[st.ID] = st
		}
	}
	if method != "stage_competition" {
		totals, err := a.DB.StageTotals(ctx, actor.Viewer(), f)
		if err != nil {
			return 0, 0, err
		}
		var sum, e funnel.WeightedSum
		for id, t := range totals {
			sum.Add(t.Amount, stages[id].Probability)
			if first[id] {
				e.Add(t.Amount, stages[id].Probability)
			}
		}
		return sum.Money(), e.Money(), nil
	}
	totals, err := a.DB.CompetitionTotals(ctx, actor.Viewer(), f)
	if err != nil {
		return 0, 0, err
	}
	sum, e := decimal.Zero, decimal.Zero
	for _, t := range totals {
		w := funnel.CompetitionWeighted(t.Amount, stages[t.StageID].Probability, t.Competitors)
		sum = sum.Add(w)
		if first[t.StageID] {
			e = e.Add(w)
		}
	}
	return toFen(sum), toFen(e), nil
}

func toFen(yuan decimal.Decimal) funnel.Money { return funnel.Money(yuan.Shift(2).Round(0).IntPart()) }

// Forecast sums the weighted amounts of open opportunities expected to close
// in the period (SPEC §5), with the quota and sales achieved of the scope. A
// scope not given is the caller's: their own deals for a rep, their team for
// a manager, the company for an admin.
func (a *App) Forecast(ctx context.Context, actor *store.User, period string, s ReportScope) (*Forecast, error) {
	per, err := funnel.ParsePeriod(period)
	if err != nil {
		return nil, fieldErr("period", "%v", err)
	}
	out := &Forecast{Period: per.Name}
	if err := a.resolveScope(ctx, actor, &s, out); err != nil {
		return nil, err
	}
	f := s.filter()
	f.CloseFrom, f.CloseTo = per.FirstDay(), per.EndDay()
	forecast, early, err := a.weighForecast(ctx, actor, f, s.Method)
	if err != nil {
		return nil, err
	}
	out.Method = "stage"
	if s.Method == "stage_competition" {
		out.Method = s.Method
	}
	out.Won, out.DirectSales, err = a.DB.Achieved(ctx, actor.Viewer(), s.filter(), per.FirstDay(), per.EndDay())
	if err != nil {
		return nil, err
	}
	if out.Quota, err = a.quota(ctx, out.Scope, out.ScopeID, per); err != nil {
		return nil, err
	}
	g := funnel.Diagnose(forecast, out.Quota, out.Won+out.DirectSales, early)
	out.Forecast, out.Achieved, out.RemainingQuota, out.Gap, out.Diagnosis = g.Forecast, g.Achieved, g.RemainingQuota, g.Gap, g.Diagnosis
	out.EarlyShare = share(early, forecast)
	if g.RemainingQuota > 0 {
		out.Coverage = g.Forecast.Decimal().DivRound(g.RemainingQuota.Decimal(), 2).InexactFloat64()
	}
	return out, nil
}

func (a *App) resolveScope(ctx context.Context, actor *store.User, s *ReportScope, out *Forecast) error {
	// A scope outside the caller's view is 404, like a record: its quota
	// and sales are not theirs to see.
	switch {
	case s.OwnerID != "":
		if ok, err := a.DB.CanActFor(ctx, actor.Viewer(), s.OwnerID); err != nil || !ok {
			return orNotFound(err, "user")
		}
		out.Scope, out.ScopeID = "user", s.OwnerID
	case s.TeamID != "":
		if ok, err := a.DB.CanSeeTeam(ctx, actor.Viewer(), s.TeamID); err != nil || !ok {
			return orNotFound(err, "team")
		}
		out.Scope, out.ScopeID = "team", s.TeamID
	case actor.Role == store.RoleAdmin:
		out.Scope = "company"
	default:
		team, err := a.DB.ManagedTeam(ctx, actor.ID)
		if err != nil {
			return err
		}
		if team != "" {
			s.TeamID = team
			out.Scope, out.ScopeID = "team", team
		} else {
			s.OwnerID = actor.ID
			out.Scope, out.ScopeID = "user", actor.ID
		}
	}
	return nil
}

// quota of a scope for a period: the quota set for exactly that period, else
// the sum of the months of a quarter. The company's quota is the sum of the
// top-level teams'.
func (a *App) quota(ctx context.Context, scope, id string, per funnel.Period) (funnel.Money, error) {
	if scope == "company" {
		return a.DB.TopTeamsQuota(ctx, per.Name)
	}
	q, err := a.DB.QuotaAmount(ctx, scope, id, per.Name)
	if err != nil || q > 0 || per.End.Sub(per.Start).Hours() < 24*80 {
		return q, err
	}
	for m := per.Start; m.Before(per.End); m = m.AddDate(0, 1, 0) {
		mq, err := a.DB.QuotaAmount(ctx, scope, id, m.Format("2006-01"))
		if err != nil {
			return 0, err
		}
		q += mq
	}
	return q, nil
}

func orNotFound(err error, what string) error {
	if err != nil {
		return err
	}
	return funnel.Errorf(funnel.ENOTFOUND, "%s not found", what)
}
