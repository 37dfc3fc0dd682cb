package funnel

import (
	"cmp"
	"slices"
)

// RankByWeighted returns deals ordered by weighted value, largest first: the
// order of every priority list (SPEC §5, seed 000). weighted gives a deal's
// value, usually Weighted(amount, probability). The sort is stable, so deals
// worth the same keep the caller's order (e.g. by close date); the input
// slice is not changed.
func RankByWeighted[D any](deals []D, weighted func(D) Money) []D {
	type keyed struct {
		deal D
		w    Money
	}
	ks := make([]keyed, len(deals))
	for i, d := range deals {
		ks[i] = keyed{d, weighted(d)} // once per deal, not once per comparison
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Compare(b.w, a.w) })
	out := make([]D, len(ks))
	for i, k := range ks {
		out[i] = k.deal
	}
	return out
}
