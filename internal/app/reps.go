package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// RepProfile says whether a rep opens deals or converts them (seed 000:
// some are good at opening new opportunities and stuck at converting them,
// others the reverse), against the median of the reps compared.
type RepProfile struct {
	OwnerID    string  `json:"owner_id"`
	Name       string  `json:"name"`
	Opened     int     `json:"opened" doc:"deals of the cohort"`
	Won        int     `json:"won"`
	WinRate    float64 `json:"win_rate" doc:"percent of the rep's deals won"`
	Conversion float64 `json:"conversion" doc:"percent: moves past a stage / entries into it, over all open stages"`
	Profile    string  `json:"profile" enum:"all_round,opener,converter,developing" doc:"opened and conversion each at or above the median, or not"`
}

// RepProfiles compares reps of a scope (their own deals in one pipeline,
// created in the period when given).
type RepProfiles struct {
	MedianOpened     float64      `json:"median_opened"`
	MedianConversion float64      `json:"median_conversion"`
	Reps             []RepProfile `json:"reps"`
}

// RepProfiles profiles each rep with deals in the scope's cohort, most
// deals opened first.
func (a *App) RepProfiles(ctx context.Context, actor *store.User, period string, s ReportScope) (*RepProfiles, error) {
	pl, from, to, err := a.cohortBounds(ctx, period, &s)
	if err != nil {
		return nil, err
	}
	per, err := a.ownerConversion(ctx, actor, pl, from, to, s)
	if err != nil {
		return nil, err
	}
	out := &RepProfiles{Reps: []RepProfile{}}
	var opened, conv []float64
	for id, o := range per {
		p := RepProfile{OwnerID: id, Opened: o.Deals, Won: o.Won, WinRate: percent(o.Won, o.Deals), Conversion: percent(o.Advanced, o.Entered)}
		if u, err := a.DB.User(ctx, id); err == nil {
			p.Name = u.Name
		}
		out.Reps = append(out.Reps, p)
		opened, conv = append(opened, float64(p.Opened)), append(conv, p.Conversion)
	}
	slices.SortFunc(out.Reps, func(x, y RepProfile) int {
		if x.Opened != y.Opened {
			return y.Opened - x.Opened
		}
		return strings.Compare(x.OwnerID, y.OwnerID)
	})
	out.MedianOpened, out.MedianConversion = medianOf(opened), medianOf(conv)
	for i := range out.Reps {
		r := &out.Reps[i]
		switch hiO, hiC := float64(r.Opened) >= out.MedianOpened, r.Conversion >= out.MedianConversion; {
		case hiO && hiC:
			r.Profile = "all_round"
		case hiO:
			r.Profile = "opener"
		case hiC:
			r.Profile = "converter"
		default:
			r.Profile = "developing"
		}
	}
	return out, nil
}

// ownerConversion is each owner's deals, wins and stage entries and moves
// in the cohort: from the kept totals (plus shared deals one by one) when
// they can answer, else from stage history.
func (a *App) ownerConversion(ctx context.Context, actor *store.User, pl *store.Pipeline, from, to time.Time, s ReportScope) (map[string]*store.OwnerConversion, error) {
	scope, ok, err := a.keptScope(ctx, pl, from, to, s)
	if err != nil || !ok {
		if err == nil {
			return a.ownerConversionFromHistory(ctx, actor, pl, from, to, s, false)
		}
		return nil, err
	}
	per, err := a.DB.ConversionByOwner(ctx, actor.Viewer(), scope)
	if err != nil {
		return nil, err
	}
	shared, err := a.ownerConversionFromHistory(ctx, actor, pl, from, to, s, true)
	for id, o := range shared {
		if per[id] == nil {
			per[id] = &store.OwnerConversion{}
		}
		p := per[id]
		p.Deals, p.Won, p.Entered, p.Advanced = p.Deals+o.Deals, p.Won+o.Won, p.Entered+o.Entered, p.Advanced+o.Advanced
	}
	return per, err
}

// ownerConversionFromHistory reads the cohort (only the deals shared with
// the viewer from owners out of view, when sharedOnly) deal by deal.
func (a *App) ownerConversionFromHistory(ctx context.Context, actor *store.User, pl *store.Pipeline, from, to time.Time, s ReportScope, sharedOnly bool) (map[string]*store.OwnerConversion, error) {
	index, stages := stagePositions(pl), funnelStages(pl)
	per := map[string]*store.OwnerConversion{}
	add := func(p store.CohortPath) error {
		t := funnel.Contribute(stages, HighValueThreshold, dealPath(index, p)).ConversionTotals
		o := per[p.OwnerID]
		if o == nil {
			o = &store.OwnerConversion{}
			per[p.OwnerID] = o
		}
		o.Deals, o.Won = o.Deals+t.Deals, o.Won+t.Won
		for _, st := range t.Stages {
			o.Entered, o.Advanced = o.Entered+st.Entered, o.Advanced+st.Advanced
		}
		return nil
	}
	read := a.DB.Cohort
	if sharedOnly {
		read = a.DB.SharedCohort
	}
	return per, read(ctx, actor.Viewer(), s.filter(), from, to, add)
}

// percent is n of total in percent, to two decimals.
func percent(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return decimal.NewFromInt(int64(n*100)).DivRound(decimal.NewFromInt(int64(total)), 2).InexactFloat64()
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
