package app

import (
	"context"
	"slices"

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

// RepProfiles profiles each rep with deals in the scope's cohort.
func (a *App) RepProfiles(ctx context.Context, actor *store.User, period string, s ReportScope) (*RepProfiles, error) {
	pl, from, to, err := a.cohortBounds(ctx, period, &s)
	if err != nil {
		return nil, err
	}
	index := stagePositions(pl)
	per := map[string]*funnel.Conversion{}
	var order []string
	err = a.DB.Cohort(ctx, actor.Viewer(), s.filter(), from, to, func(p store.CohortPath) error {
		c := per[p.OwnerID]
		if c == nil {
			c = funnel.NewConversion(funnelStages(pl), HighValueThreshold)
			per[p.OwnerID] = c
			order = append(order, p.OwnerID)
		}
		c.Add(dealPath(index, p))
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &RepProfiles{Reps: []RepProfile{}}
	var opened, conv []float64
	for _, id := range order {
		r := per[id].Report()
		entered, advanced := 0, 0
		for _, st := range r.Stages {
			entered, advanced = entered+st.Entered, advanced+st.Advanced
		}
		p := RepProfile{OwnerID: id, Opened: r.Deals, Won: r.Won, WinRate: r.WinRate.InexactFloat64()}
		if entered > 0 {
			p.Conversion = decimal.NewFromInt(int64(advanced*100)).DivRound(decimal.NewFromInt(int64(entered)), 2).InexactFloat64()
		}
		if u, err := a.DB.User(ctx, id); err == nil {
			p.Name = u.Name
		}
		out.Reps = append(out.Reps, p)
		opened, conv = append(opened, float64(p.Opened)), append(conv, p.Conversion)
	}
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
