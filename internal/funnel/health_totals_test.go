package funnel_test

import (
	"testing"

	"shangji/internal/funnel"
)

// HealthTotals must give exactly HealthScore's figures and decision, only
// without the explanation: checked over need sums, every set of roles
// reached, every claim of each budget fact (none, unproven, proven) and
// settings that cap the budget.
func TestHealthTotalsAreHealthScoreWithoutExplanation(t *testing.T) {
	capped := funnel.DefaultHealthSettings()
	capped.AmountStatedPoints, capped.ApprovedPoints, capped.InAnnualPlanPoints = 10, capped.BudgetWeight, 10
	noUsers := funnel.DefaultHealthSettings()
	noUsers.DecisionMakerShare, noUsers.InfluencerShare, noUsers.UserShare = 60, 40, 0
	roles := []funnel.DecisionRole{funnel.RoleDecisionMaker, funnel.RoleInfluencer, funnel.RoleUser}
	facts := []funnel.BudgetFact{funnel.BudgetAmountStated, funnel.BudgetApproved, funnel.BudgetInAnnualPlan}
	n := 0
	for _, s := range []funnel.HealthSettings{funnel.DefaultHealthSettings(), capped, noUsers} {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		for sum := 0; sum <= 1000; sum += 30 { // multiples of ten: items keeps each under 100
			for reached := range 1 << len(roles) {
				var in funnel.HealthInput
				in.NeedScores = items(sum)
				for i, r := range roles {
					if reached&(1<<i) != 0 {
						in.Contacted = append(in.Contacted, r)
					}
				}
				for claims := range 27 { // each fact: 0 none, 1 claimed, 2 proven
					in.Budget = nil
					for i, c := 0, claims; i < len(facts); i, c = i+1, c/3 {
						if c%3 > 0 {
							in.Budget = append(in.Budget, funnel.BudgetClaim{Fact: facts[i], Evidenced: c%3 == 2})
						}
					}
					full, err := funnel.HealthScore(in, s)
					if err != nil {
						t.Fatal(err)
					}
					bare, err := funnel.HealthTotals(in, s)
					if err != nil {
						t.Fatal(err)
					}
					if !bare.Total.Equal(full.Total) || !bare.NeedMatch.Equal(full.NeedMatch) || !bare.DecisionChain.Equal(full.DecisionChain) ||
						!bare.Budget.Equal(full.Budget) || bare.Decision != full.Decision || len(bare.Explain) != 0 {
						t.Fatalf("%+v with %+v: totals %+v, score %+v", in, s, bare, full)
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d cases", n)
	}
}
