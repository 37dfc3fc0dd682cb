package funnel

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// NeedItems is the number of scored items on the needs-confirmation form
// (需求确认单), seed 002.
const NeedItems = 10

// DecisionRole is a contact's place in the buyer's decision chain.
type DecisionRole string

const (
	RoleDecisionMaker DecisionRole = "decision_maker" // 决策者
	RoleInfluencer    DecisionRole = "influencer"     // 影响者
	RoleUser          DecisionRole = "user"           // 使用者
)

// BudgetFact is one thing known about the customer's budget (seed 002).
type BudgetFact string

const (
	BudgetAmountStated BudgetFact = "amount_stated"  // 客户明确预算金额
	BudgetApproved     BudgetFact = "approved"       // 预算已获批
	BudgetInAnnualPlan BudgetFact = "in_annual_plan" // 预算包含在年度计划
)

// BudgetClaim says a budget fact holds. Seed 002 wants it proven by an
// e-mail or meeting notes, so a claim without evidence scores nothing; it is
// still listed so the rep knows what to attach.
type BudgetClaim struct {
	Fact      BudgetFact `json:"fact"`
	Evidenced bool       `json:"evidenced"` // a document or an activity backs it
}

// HealthInput is what the health score reads about one opportunity.
type HealthInput struct {
	NeedScores []int          `json:"need_scores"` // the NeedItems items, 0–100 each
	Contacted  []DecisionRole `json:"contacted"`   // roles reached in logged activities
	Budget     []BudgetClaim  `json:"budget"`
}

// HealthDecision is what a score means for the next stage move (SPEC §4).
type HealthDecision string

const (
	AutoAdvance   HealthDecision = "auto_advance"   // above the upper threshold
	NeedsApproval HealthDecision = "needs_approval" // between the thresholds, both included
	Regress       HealthDecision = "regress"        // below the lower threshold
)

// HealthLine explains one part of a score to the rep. Points are positive
// for what was earned and negative for what is still missing; the last line,
// key "decision", carries the total.
type HealthLine struct {
	Key    string          `json:"key"` // need_match, decision_maker, budget.approved, decision …
	Points decimal.Decimal `json:"points"`
	ZH     string          `json:"zh"`
	EN     string          `json:"en"`
}

// Health is an opportunity's health score (商机健康度).
type Health struct {
	// Total is rounded to one decimal (half up) and the decision reads this
	// rounded figure, so a rep never sees "60.0" next to "regress".
	Total         decimal.Decimal `json:"total"`
	NeedMatch     decimal.Decimal `json:"need_match"` // the parts are exact
	DecisionChain decimal.Decimal `json:"decision_chain"`
	Budget        decimal.Decimal `json:"budget"`
	Decision      HealthDecision  `json:"decision"`
	Explain       []HealthLine    `json:"explain"`
}

// HealthScore scores an opportunity with seed 002's three-dimension model:
// need match + decision-chain coverage + budget certainty.
func HealthScore(in HealthInput, s HealthSettings) (Health, error) {
	return healthScore(in, s, true)
}

// HealthTotals is HealthScore without the explanation (Explain is empty),
// for keeping the score: the same arithmetic, without formatting a dozen
// lines nobody reads then.
func HealthTotals(in HealthInput, s HealthSettings) (Health, error) {
	return healthScore(in, s, false)
}

func healthScore(in HealthInput, s HealthSettings, explain bool) (Health, error) {
	if err := s.Validate(); err != nil {
		return Health{}, err
	}
	if err := in.validate(); err != nil {
		return Health{}, err
	}
	var h Health
	h.NeedMatch, h.Explain = needMatch(in.NeedScores, s, explain)
	chain, lines := decisionChain(in.Contacted, s, explain)
	h.DecisionChain, h.Explain = chain, append(h.Explain, lines...)
	budget, lines := budgetCertainty(in.Budget, s, explain)
	h.Budget, h.Explain = budget, append(h.Explain, lines...)

	h.Total = h.NeedMatch.Add(h.DecisionChain).Add(h.Budget).Round(1)
	h.Decision = s.Decide(h.Total)
	if explain {
		h.Explain = append(h.Explain, decisionLine(h.Total, h.Decision, s))
	}
	return h, nil
}

func (in HealthInput) validate() error {
	var p Problems
	if len(in.NeedScores) != NeedItems {
		p.Add("need_scores", "needs %d item scores, got %d", NeedItems, len(in.NeedScores))
	}
	for i, v := range in.NeedScores {
		if v < 0 || v > 100 {
			p.Add(fmt.Sprintf("need_scores[%d]", i), "must be between 0 and 100, got %d", v)
		}
	}
	for i, r := range in.Contacted {
		if _, ok := roleNames[r]; !ok {
			p.Add(fmt.Sprintf("contacted[%d]", i), "must be decision_maker, influencer or user")
		}
	}
	for i, c := range in.Budget {
		if _, ok := budgetNames[c.Fact]; !ok {
			p.Add(fmt.Sprintf("budget[%d].fact", i), "must be amount_stated, approved or in_annual_plan")
		}
	}
	return p.Err()
}

// needMatch is the items' average × the need weight, exact: with 10 items
// and integer weights the result has at most three decimals.
func needMatch(scores []int, s HealthSettings, explain bool) (decimal.Decimal, []HealthLine) {
	sum, low := 0, 100
	for _, v := range scores {
		sum += v
		low = min(low, v)
	}
	n := int64(len(scores))
	got := decimal.NewFromInt(int64(sum * s.NeedWeight)).Div(decimal.NewFromInt(100 * n))
	if !explain {
		return got, nil
	}
	avg := decimal.NewFromInt(int64(sum)).Div(decimal.NewFromInt(n))
	weight := decimal.NewFromInt(int64(s.NeedWeight))
	lines := []HealthLine{{Key: "need_match", Points: got,
		ZH: fmt.Sprintf("需求匹配度：%d 项平均 %s 分，得 %s 分（满分 %d）", n, pts(avg), pts(got), s.NeedWeight),
		EN: fmt.Sprintf("Need match: %d items average %s, %s of %d points", n, pts(avg), pts(got), s.NeedWeight),
	}}
	if short := weight.Sub(got); short.IsPositive() {
		var weakest []string
		for i, v := range scores {
			if v == low {
				weakest = append(weakest, fmt.Sprint(i+1))
			}
		}
		lines = append(lines, HealthLine{Key: "need_match", Points: short.Neg(),
			ZH: fmt.Sprintf("需求匹配度还差 %s 分：得分最低的是第 %s 项（%d 分）", pts(short), strings.Join(weakest, "、"), low),
			EN: fmt.Sprintf("Need match is %s points short: weakest item no. %s (%d)", pts(short), strings.Join(weakest, ", "), low),
		})
	}
	return got, lines
}

var roleNames = map[DecisionRole][2]string{
	RoleDecisionMaker: {"决策者", "Decision maker"},
	RoleInfluencer:    {"影响者", "Influencer"},
	RoleUser:          {"使用者", "User"},
}

// decisionChain counts each role once however many contacts hold it: the
// seed asks whether the role was reached, not how often.
func decisionChain(contacted []DecisionRole, s HealthSettings, explain bool) (decimal.Decimal, []HealthLine) {
	reached := map[DecisionRole]bool{}
	for _, r := range contacted {
		reached[r] = true
	}
	total := decimal.Zero
	var lines []HealthLine
	for _, rs := range []struct {
		role  DecisionRole
		share int
	}{{RoleDecisionMaker, s.DecisionMakerShare}, {RoleInfluencer, s.InfluencerShare}, {RoleUser, s.UserShare}} {
		p := decimal.NewFromInt(int64(s.ChainWeight * rs.share)).Div(decimal.NewFromInt(100))
		if p.IsZero() {
			continue
		}
		if !explain {
			if reached[rs.role] {
				total = total.Add(p)
			}
			continue
		}
		zh, en := roleNames[rs.role][0], roleNames[rs.role][1]
		if reached[rs.role] {
			total = total.Add(p)
			lines = append(lines, HealthLine{Key: string(rs.role), Points: p,
				ZH: fmt.Sprintf("已接触%s +%s 分", zh, pts(p)),
				EN: fmt.Sprintf("%s contacted: +%s", en, pts(p)),
			})
			continue
		}
		lines = append(lines, HealthLine{Key: string(rs.role), Points: p.Neg(),
			ZH: fmt.Sprintf("尚未接触%s（缺 %s 分）：与%s联系并记录跟进", zh, pts(p), zh),
			EN: fmt.Sprintf("%s not contacted yet (%s points missing): reach one and log the activity", en, pts(p)),
		})
	}
	return total, lines
}

var budgetNames = map[BudgetFact][2]string{
	BudgetAmountStated: {"客户明确预算金额", "Budget amount stated"},
	BudgetApproved:     {"预算已获批", "Budget approved"},
	BudgetInAnnualPlan: {"预算已列入年度计划", "Budget in the annual plan"},
}

// budgetCertainty adds the points of evidenced facts, capped at the budget
// weight; facts count in the seed's order so the lines add up to the score.
func budgetCertainty(claims []BudgetClaim, s HealthSettings, explain bool) (decimal.Decimal, []HealthLine) {
	claimed, proven := map[BudgetFact]bool{}, map[BudgetFact]bool{}
	for _, c := range claims {
		claimed[c.Fact] = true
		proven[c.Fact] = proven[c.Fact] || c.Evidenced
	}
	room := s.BudgetWeight
	var lines []HealthLine
	for _, fp := range []struct {
		fact   BudgetFact
		points int
	}{{BudgetAmountStated, s.AmountStatedPoints}, {BudgetApproved, s.ApprovedPoints}, {BudgetInAnnualPlan, s.InAnnualPlanPoints}} {
		p := min(fp.points, room)
		if p == 0 {
			continue
		}
		if !explain {
			if proven[fp.fact] {
				room -= p
			}
			continue
		}
		d := decimal.NewFromInt(int64(p))
		key := "budget." + string(fp.fact)
		zh, en := budgetNames[fp.fact][0], budgetNames[fp.fact][1]
		switch {
		case proven[fp.fact]:
			room -= p
			lines = append(lines, HealthLine{Key: key, Points: d,
				ZH: fmt.Sprintf("%s（有佐证）+%s 分", zh, pts(d)),
				EN: fmt.Sprintf("%s, with evidence: +%s", en, pts(d)),
			})
		case claimed[fp.fact]:
			lines = append(lines, HealthLine{Key: key, Points: d.Neg(),
				ZH: fmt.Sprintf("%s但缺少佐证（缺 %s 分）：上传邮件或会议纪要", zh, pts(d)),
				EN: fmt.Sprintf("%s but no evidence (%s points missing): attach the e-mail or meeting notes", en, pts(d)),
			})
		default:
			lines = append(lines, HealthLine{Key: key, Points: d.Neg(),
				ZH: fmt.Sprintf("未确认：%s（缺 %s 分）", zh, pts(d)),
				EN: fmt.Sprintf("Not confirmed: %s (%s points missing)", strings.ToLower(en[:1])+en[1:], pts(d)),
			})
		}
	}
	return decimal.NewFromInt(int64(s.BudgetWeight - room)), lines
}

func decisionLine(total decimal.Decimal, d HealthDecision, s HealthSettings) HealthLine {
	l := HealthLine{Key: "decision", Points: total}
	t := pts(total)
	switch d {
	case AutoAdvance:
		l.ZH = fmt.Sprintf("总分 %s（高于 %d）：满足下一阶段门槛后自动推进", t, s.AutoAbove)
		l.EN = fmt.Sprintf("Total %s (above %d): advances by itself once the next stage's gate is met", t, s.AutoAbove)
	case NeedsApproval:
		l.ZH = fmt.Sprintf("总分 %s（%d–%d）：补充上面缺少的材料后提交主管审批", t, s.RegressBelow, s.AutoAbove)
		l.EN = fmt.Sprintf("Total %s (%d–%d): add what is missing above, then ask your manager to approve", t, s.RegressBelow, s.AutoAbove)
	default:
		l.ZH = fmt.Sprintf("总分 %s（低于 %d）：退回上一阶段重新推进", t, s.RegressBelow)
		l.EN = fmt.Sprintf("Total %s (below %d): goes back one stage to be worked again", t, s.RegressBelow)
	}
	return l
}

// pts shows points with one decimal, or more when the exact value needs it,
// so a line never claims a precision it does not have.
func pts(d decimal.Decimal) string {
	if d.Equal(d.Round(1)) {
		return d.StringFixed(1)
	}
	return d.String()
}
