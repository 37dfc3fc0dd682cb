package funnel_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"shangji/internal/funnel"
)

// items returns ten need-match scores adding up to sum, spread unevenly so
// the average, not any single item, is what is tested.
func items(sum int) []int {
	s := make([]int, 10)
	for i := range s {
		s[i] = sum / 10
	}
	s[0] += sum % 10
	if s[0]+5 <= 100 && s[1] >= 5 {
		s[0], s[1] = s[0]+5, s[1]-5
	}
	return s
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	dm, inf, usr = funnel.RoleDecisionMaker, funnel.RoleInfluencer, funnel.RoleUser
	stated       = funnel.BudgetClaim{Fact: funnel.BudgetAmountStated, Evidenced: true}
	approved     = funnel.BudgetClaim{Fact: funnel.BudgetApproved, Evidenced: true}
	inPlan       = funnel.BudgetClaim{Fact: funnel.BudgetInAnnualPlan, Evidenced: true}
)

func mustScore(t *testing.T, in funnel.HealthInput) funnel.Health {
	t.Helper()
	h, err := funnel.HealthScore(in, funnel.DefaultHealthSettings())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func line(h funnel.Health, key string, positive bool) (funnel.HealthLine, bool) {
	for _, l := range h.Explain {
		if l.Key == key && l.Points.IsPositive() == positive {
			return l, true
		}
	}
	return funnel.HealthLine{}, false
}

// SPEC §4's worked example, exactly.
func TestHealthScoreWorkedExample(t *testing.T) {
	in := funnel.HealthInput{
		NeedScores: []int{90, 70, 80, 85, 75, 80, 60, 100, 80, 80}, // average 80
		Contacted:  []funnel.DecisionRole{dm, inf},                 // user not reached
		Budget:     []funnel.BudgetClaim{stated, approved},
	}
	h := mustScore(t, in)
	for _, c := range []struct {
		name      string
		got, want decimal.Decimal
	}{
		{"need_match", h.NeedMatch, dec("32.0")},
		{"decision_chain", h.DecisionChain, dec("24.0")},
		{"budget", h.Budget, dec("25")},
		{"total", h.Total, dec("81.0")},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if h.Total.StringFixed(1) != "81.0" {
		t.Errorf("total shows %s, want 81.0", h.Total.StringFixed(1))
	}
	if h.Decision != funnel.AutoAdvance {
		t.Errorf("decision = %s, want auto_advance", h.Decision)
	}
	for _, want := range []struct {
		key    string
		points string
	}{
		{"need_match", "32"}, {"need_match", "-8"},
		{"decision_maker", "15"}, {"influencer", "9"}, {"user", "-6"},
		{"budget.amount_stated", "10"}, {"budget.approved", "15"}, {"budget.in_annual_plan", "-5"},
		{"decision", "81"},
	} {
		l, ok := line(h, want.key, !strings.HasPrefix(want.points, "-"))
		if !ok || !l.Points.Equal(dec(want.points)) {
			t.Errorf("explain has no line %s %s; lines: %+v", want.key, want.points, h.Explain)
		}
	}
	if last := h.Explain[len(h.Explain)-1]; last.Key != "decision" || !strings.Contains(last.ZH, "自动推进") || !strings.Contains(last.EN, "advances") {
		t.Errorf("last line = %+v, want the decision", last)
	}

	t.Run("ApprovalWithoutEvidence", func(t *testing.T) {
		in.Budget = []funnel.BudgetClaim{stated, {Fact: funnel.BudgetApproved, Evidenced: false}}
		h := mustScore(t, in)
		if !h.Budget.Equal(dec("10")) || !h.Total.Equal(dec("66.0")) || h.Total.StringFixed(1) != "66.0" {
			t.Fatalf("budget %s total %s, want 10 and 66.0", h.Budget, h.Total)
		}
		if h.Decision != funnel.NeedsApproval {
			t.Fatalf("decision = %s, want needs_approval", h.Decision)
		}
		l, ok := line(h, "budget.approved", false)
		if !ok || !l.Points.Equal(dec("-15")) || !strings.Contains(l.ZH, "缺少佐证") || !strings.Contains(l.EN, "no evidence") {
			t.Fatalf("the missing approval evidence is not explained: %+v", h.Explain)
		}
		if last := h.Explain[len(h.Explain)-1]; !strings.Contains(last.ZH, "主管审批") || !strings.Contains(last.EN, "approve") {
			t.Fatalf("decision line = %+v", last)
		}
	})
}

func TestHealthScoreBoundaries(t *testing.T) {
	all := []funnel.DecisionRole{dm, inf, usr} // 30 points
	for _, tt := range []struct {
		name   string
		in     funnel.HealthInput
		exact  string // need + chain + budget before rounding
		total  string
		decide funnel.HealthDecision
	}{
		{"Exactly60", funnel.HealthInput{NeedScores: items(750), Contacted: all}, "60", "60.0", funnel.NeedsApproval},
		{"59.9", funnel.HealthInput{NeedScores: items(748), Contacted: all}, "59.92", "59.9", funnel.Regress},
		// 59.96 shows as 60.0, so it must not regress.
		{"59.96ShowsAs60", funnel.HealthInput{NeedScores: items(749), Contacted: all}, "59.96", "60.0", funnel.NeedsApproval},
		{"Exactly80", funnel.HealthInput{NeedScores: items(1000), Contacted: all, Budget: []funnel.BudgetClaim{stated}}, "80", "80.0", funnel.NeedsApproval},
		{"80.1", funnel.HealthInput{NeedScores: items(752), Contacted: all, Budget: []funnel.BudgetClaim{approved, inPlan}}, "80.08", "80.1", funnel.AutoAdvance},
		{"Zero", funnel.HealthInput{NeedScores: items(0)}, "0", "0.0", funnel.Regress},
		{"Full", funnel.HealthInput{NeedScores: items(1000), Contacted: all, Budget: []funnel.BudgetClaim{stated, approved, inPlan}}, "100", "100.0", funnel.AutoAdvance},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := mustScore(t, tt.in)
			if exact := h.NeedMatch.Add(h.DecisionChain).Add(h.Budget); !exact.Equal(dec(tt.exact)) {
				t.Errorf("parts add up to %s, want %s", exact, tt.exact)
			}
			if h.Total.StringFixed(1) != tt.total || !h.Total.Equal(dec(tt.total)) {
				t.Errorf("total = %s, want %s", h.Total, tt.total)
			}
			if h.Decision != tt.decide {
				t.Errorf("decision = %s, want %s", h.Decision, tt.decide)
			}
		})
	}
}

func TestHealthDecide(t *testing.T) {
	s := funnel.DefaultHealthSettings()
	for _, tt := range []struct {
		total string
		want  funnel.HealthDecision
	}{
		{"0", funnel.Regress},
		{"59.9", funnel.Regress},
		{"59.99", funnel.Regress},
		{"60", funnel.NeedsApproval},
		{"60.0", funnel.NeedsApproval},
		{"70", funnel.NeedsApproval},
		{"80.0", funnel.NeedsApproval},
		{"80.1", funnel.AutoAdvance},
		{"100", funnel.AutoAdvance},
	} {
		if got := s.Decide(dec(tt.total)); got != tt.want {
			t.Errorf("Decide(%s) = %s, want %s", tt.total, got, tt.want)
		}
	}
}

func TestHealthScoreRules(t *testing.T) {
	for _, tt := range []struct {
		name          string
		in            funnel.HealthInput
		chain, budget string
	}{
		{"ClaimWithoutEvidenceCountsZero", funnel.HealthInput{Budget: []funnel.BudgetClaim{
			{Fact: funnel.BudgetAmountStated}, {Fact: funnel.BudgetApproved}, {Fact: funnel.BudgetInAnnualPlan}}}, "0", "0"},
		{"EvidenceOnAnyCopyCounts", funnel.HealthInput{Budget: []funnel.BudgetClaim{
			{Fact: funnel.BudgetApproved}, approved}}, "0", "15"},
		{"FactCountsOnce", funnel.HealthInput{Budget: []funnel.BudgetClaim{approved, approved, approved}}, "0", "15"},
		{"AllBudgetFacts", funnel.HealthInput{Budget: []funnel.BudgetClaim{inPlan, approved, stated}}, "0", "30"},
		{"RoleCountsOnce", funnel.HealthInput{Contacted: []funnel.DecisionRole{dm, dm, dm}}, "15", "0"},
		{"InfluencerOnly", funnel.HealthInput{Contacted: []funnel.DecisionRole{inf}}, "9", "0"},
		{"UserOnly", funnel.HealthInput{Contacted: []funnel.DecisionRole{usr}}, "6", "0"},
		{"WholeChain", funnel.HealthInput{Contacted: []funnel.DecisionRole{usr, inf, dm}}, "30", "0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.NeedScores = items(500)
			h := mustScore(t, tt.in)
			if !h.NeedMatch.Equal(dec("20")) || !h.DecisionChain.Equal(dec(tt.chain)) || !h.Budget.Equal(dec(tt.budget)) {
				t.Fatalf("need %s chain %s budget %s, want 20, %s, %s", h.NeedMatch, h.DecisionChain, h.Budget, tt.chain, tt.budget)
			}
			// Every line speaks both languages, and what was earned plus
			// what is missing is the whole 100 points.
			earned, missing := decimal.Zero, decimal.Zero
			for _, l := range h.Explain {
				if l.ZH == "" || l.EN == "" {
					t.Errorf("line %s lacks a language: %+v", l.Key, l)
				}
				if l.Key == "decision" {
					continue
				}
				if l.Points.IsPositive() {
					earned = earned.Add(l.Points)
				} else {
					missing = missing.Sub(l.Points)
				}
			}
			if parts := h.NeedMatch.Add(h.DecisionChain).Add(h.Budget); !earned.Equal(parts) {
				t.Errorf("earned lines add up to %s, the score to %s", earned, parts)
			}
			if !earned.Add(missing).Equal(dec("100")) {
				t.Errorf("earned %s + missing %s ≠ 100", earned, missing)
			}
		})
	}
}

func TestHealthScoreNeedMatchNamesWeakestItems(t *testing.T) {
	h := mustScore(t, funnel.HealthInput{NeedScores: []int{100, 100, 40, 100, 100, 100, 40, 100, 100, 100}})
	l, ok := line(h, "need_match", false)
	if !ok || !strings.Contains(l.ZH, "第 3、7 项") || !strings.Contains(l.EN, "no. 3, 7") {
		t.Fatalf("missing line = %+v", l)
	}
	if !h.NeedMatch.Equal(dec("35.2")) || !l.Points.Equal(dec("-4.8")) {
		t.Fatalf("need %s short %s, want 35.2 and -4.8", h.NeedMatch, l.Points)
	}
}

func TestHealthScoreInvalidInput(t *testing.T) {
	for _, tt := range []struct {
		name   string
		in     funnel.HealthInput
		fields []string
	}{
		{"NoItems", funnel.HealthInput{}, []string{"need_scores"}},
		{"NineItems", funnel.HealthInput{NeedScores: make([]int, 9)}, []string{"need_scores"}},
		{"ElevenItems", funnel.HealthInput{NeedScores: make([]int, 11)}, []string{"need_scores"}},
		{"Above100", funnel.HealthInput{NeedScores: []int{0, 0, 0, 101, 0, 0, 0, 0, 0, 0}}, []string{"need_scores[3]"}},
		{"Negative", funnel.HealthInput{NeedScores: []int{-1, 0, 0, 0, 0, 0, 0, 0, 0, 100}}, []string{"need_scores[0]"}},
		{"EveryBadItemNamed", funnel.HealthInput{NeedScores: []int{0, 0, 0, 0, 0, 0, 0, 0, 200, -5}}, []string{"need_scores[8]", "need_scores[9]"}},
		{"UnknownRole", funnel.HealthInput{NeedScores: items(500), Contacted: []funnel.DecisionRole{dm, "ceo"}}, []string{"contacted[1]"}},
		{"UnknownFact", funnel.HealthInput{NeedScores: items(500), Budget: []funnel.BudgetClaim{{Fact: "rumoured"}}}, []string{"budget[0].fact"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := funnel.HealthScore(tt.in, funnel.DefaultHealthSettings())
			var e *funnel.Error
			if !errors.As(err, &e) || e.Code != funnel.EINVALID {
				t.Fatalf("err = %v, want *funnel.Error with EINVALID", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestHealthSettings(t *testing.T) {
	if err := funnel.DefaultHealthSettings().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for _, tt := range []struct {
		name  string
		edit  func(*funnel.HealthSettings)
		field string
	}{
		{"WeightsNot100", func(s *funnel.HealthSettings) { s.NeedWeight = 50 }, "need_weight"},
		{"SharesNot100", func(s *funnel.HealthSettings) { s.UserShare = 30 }, "decision_maker_share"},
		{"NegativePoints", func(s *funnel.HealthSettings) { s.ApprovedPoints = -1 }, "approved_points"},
		{"ThresholdsCrossed", func(s *funnel.HealthSettings) { s.RegressBelow, s.AutoAbove = 85, 80 }, "regress_below"},
		{"ThresholdAbove100", func(s *funnel.HealthSettings) { s.AutoAbove = 101 }, "auto_above"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := funnel.DefaultHealthSettings()
			tt.edit(&s)
			err := s.Validate()
			var e *funnel.Error
			if !errors.As(err, &e) || e.Code != funnel.EINVALID || e.Fields[0].Field != tt.field {
				t.Fatalf("err = %v, want EINVALID naming %s", err, tt.field)
			}
			if _, err := funnel.HealthScore(funnel.HealthInput{NeedScores: items(500)}, s); funnel.ErrorCode(err) != funnel.EINVALID {
				t.Fatalf("HealthScore accepted bad settings: %v", err)
			}
		})
	}

	t.Run("CustomWeights", func(t *testing.T) {
		// An admin who trusts needs more: 50/25/25, budget capped at 25
		// although the three facts are worth 30.
		s := funnel.DefaultHealthSettings()
		s.NeedWeight, s.ChainWeight, s.BudgetWeight = 50, 25, 25
		s.RegressBelow, s.AutoAbove = 50, 90
		h, err := funnel.HealthScore(funnel.HealthInput{
			NeedScores: items(800),
			Contacted:  []funnel.DecisionRole{dm, inf},
			Budget:     []funnel.BudgetClaim{stated, approved, inPlan},
		}, s)
		if err != nil {
			t.Fatal(err)
		}
		// 80 × 0.5 = 40; (50% + 30%) of 25 = 20; min(30, 25) = 25.
		if !h.NeedMatch.Equal(dec("40")) || !h.DecisionChain.Equal(dec("20")) || !h.Budget.Equal(dec("25")) ||
			!h.Total.Equal(dec("85")) || h.Decision != funnel.NeedsApproval {
			t.Fatalf("got need %s chain %s budget %s total %s %s", h.NeedMatch, h.DecisionChain, h.Budget, h.Total, h.Decision)
		}
		if l, ok := line(h, "budget.in_annual_plan", true); ok {
			t.Fatalf("a fact past the cap was credited: %+v", l)
		}
	})
}
