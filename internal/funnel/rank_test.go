package funnel_test

import (
	"slices"
	"testing"

	"shangji/internal/funnel"
)

type deal struct {
	name    string
	amount  funnel.Money
	percent int
}

func weighted(d deal) funnel.Money { return funnel.Weighted(d.amount, d.percent) }

func names(ds []deal) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.name
	}
	return out
}

// Seed 000, verbatim: 100万 at 20% is worth 20万 and 50万 at 50% is worth 25万,
// so the 50万 deal ranks first; when the 100万 deal reaches stage 2 (50%) it
// is worth 50万 and ranks first.
func TestRankByWeightedSeed000(t *testing.T) {
	simple4 := funnel.Presets()[0]
	if simple4.Key != "simple-4" {
		t.Fatalf("first preset is %s, want simple-4", simple4.Key)
	}
	stage1, stage2 := simple4.Stages[0].Probability, simple4.Stages[1].Probability
	if stage1 != 20 || stage2 != 50 {
		t.Fatalf("simple-4 stages 1 and 2 are %d%% and %d%%, seed 000 says 20%% and 50%%", stage1, stage2)
	}

	big := deal{"100万", funnel.Wan(100), stage1}
	small := deal{"50万", funnel.Wan(50), stage2}
	if got := weighted(big); got != funnel.Wan(20) {
		t.Fatalf("100万 at 20%% = %s, want 20万", funnel.FormatWan(got))
	}
	if got := weighted(small); got != funnel.Wan(25) {
		t.Fatalf("50万 at 50%% = %s, want 25万", funnel.FormatWan(got))
	}
	if got := names(funnel.RankByWeighted([]deal{big, small}, weighted)); !slices.Equal(got, []string{"50万", "100万"}) {
		t.Fatalf("ranking = %v, want the 50万 deal first", got)
	}

	big.percent = stage2
	if got := weighted(big); got != funnel.Wan(50) {
		t.Fatalf("100万 at stage 2 = %s, want 50万", funnel.FormatWan(got))
	}
	if got := names(funnel.RankByWeighted([]deal{small, big}, weighted)); !slices.Equal(got, []string{"100万", "50万"}) {
		t.Fatalf("ranking = %v, want the 100万 deal first", got)
	}
}

func TestRankByWeighted(t *testing.T) {
	for _, tt := range []struct {
		name  string
		deals []deal
		want  []string
	}{
		{"Empty", nil, []string{}},
		{"One", []deal{{"a", 100, 10}}, []string{"a"}},
		// The largest amount is not the most valuable deal.
		{"WeightedNotAmount", []deal{{"a", funnel.Wan(1000), 5}, {"b", funnel.Wan(100), 75}, {"c", funnel.Wan(300), 25}},
			[]string{"b", "c", "a"}},
		// Equal weighted values keep the caller's order.
		{"TiesStable", []deal{{"x", funnel.Wan(100), 20}, {"y", funnel.Wan(40), 50}, {"z", funnel.Wan(20), 100}, {"w", funnel.Wan(1), 10}},
			[]string{"x", "y", "z", "w"}},
		{"LostLast", []deal{{"lost", funnel.Wan(999), 0}, {"won", funnel.Wan(1), 100}}, []string{"won", "lost"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.deals)
			got := names(funnel.RankByWeighted(in, weighted))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("ranking = %v, want %v", got, tt.want)
			}
			if !slices.Equal(in, tt.deals) {
				t.Fatalf("input reordered to %v", names(in))
			}
		})
	}
}
