package funnel

// StageKind says whether a stage is still in the funnel or an outcome.
type StageKind string

const (
	StageOpen StageKind = "open"
	StageWon  StageKind = "won"
	StageLost StageKind = "lost"
)

// Status of an opportunity follows the kind of its stage.
const (
	StatusOpen = "open"
	StatusWon  = "won"
	StatusLost = "lost"
)

// Stage is one step of a pipeline, defined from the buyer's side (seed 000:
// work back from how the customer buys).
type Stage struct {
	Key         string    `json:"key"`
	NameZH      string    `json:"name_zh"`
	NameEN      string    `json:"name_en" required:"false"`
	Probability int       `json:"probability"` // win probability in percent, 0–100
	Kind        StageKind `json:"kind"`
	Definition  string    `json:"definition,omitempty"`
	// ExpectedDwellDays is used for stage-dwell risk until history has taught
	// the real average.
	ExpectedDwellDays int `json:"expected_dwell_days,omitempty"`
	// CadenceDays is the longest gap between touches at this stage (seed 002).
	CadenceDays int `json:"cadence_days,omitempty"`
	// Indicators (mode A): any one ticked qualifies a deal for the stage.
	Indicators []Indicator `json:"indicators" required:"false"`
	// Checklist (mode B): this stage's items of the pipeline's one ordered list.
	Checklist []Indicator `json:"checklist" required:"false"`
	// The gate: what entering the stage requires.
	RequiredFields    []string `json:"required_fields" required:"false"`
	RequiredDocuments []string `json:"required_documents" required:"false"`
}

// Name returns the stage name in lang ("zh" by default, "en").
func (s Stage) Name(lang string) string {
	if lang == "en" && s.NameEN != "" {
		return s.NameEN
	}
	return s.NameZH
}

// Preset is a pipeline shipped with the product.
type Preset struct {
	Key    string
	NameZH string
	NameEN string
	Stages []Stage
	// HealthGate makes forward moves obey the health score (seed 002's
	// method, so on for sop-5 only).
	HealthGate bool
}

// DefaultPreset is the pipeline new opportunities use unless told otherwise.
const DefaultPreset = "sop-5"

var won = Stage{Key: "won", NameZH: "赢单", NameEN: "Won", Probability: 100, Kind: StageWon}
var lost = Stage{Key: "lost", NameZH: "输单", NameEN: "Lost", Probability: 0, Kind: StageLost}

func ind(key, zh, en string) Indicator { return Indicator{Key: key, ZH: zh, EN: en} }

// Presets are the three pipelines of SPEC §3, in the order shown to admins.
// Probabilities, indicators (seed 001: three to five per stage), checklist
// items, gates (seed 002: 阶段里程碑) and cadences are defaults an admin can
// change. Indicators double as the checklist in mode B.
func Presets() []Preset {
	sop := []Stage{
		{Key: "discovery", NameZH: "商机发现", NameEN: "Discovery", Probability: 10, Kind: StageOpen, ExpectedDwellDays: 14, CadenceDays: 7,
			Definition: "MQL→SQL:客户明确表达有潜在需求",
			Indicators: []Indicator{
				ind("inquiry", "客户主动咨询或活动留资", "Customer inquired or left details at an event"),
				ind("need_expressed", "客户明确表达有潜在需求", "Customer stated a potential need"),
				ind("budget_range", "客户透露预算范围", "Customer disclosed a budget range"),
			},
			RequiredDocuments: []string{}, RequiredFields: []string{}},
		{Key: "needs_confirmed", NameZH: "需求确认", NameEN: "Needs confirmed", Probability: 30, Kind: StageOpen, ExpectedDwellDays: 14, CadenceDays: 3,
			Definition: "SQL→AQL:客户签认需求确认单",
			Indicators: []Indicator{
				ind("deep_interview", "完成需求深度访谈(5W1H)", "In-depth needs interview done (5W1H)"),
				ind("needs_signed", "客户签认《需求确认单》", "Customer signed the needs confirmation"),
				ind("chain_mapped", "已标注决策者、影响者、使用者", "Decision maker, influencer and user identified"),
			},
			RequiredFields: []string{"amount", "expected_close_date"}, RequiredDocuments: []string{"needs_confirmation"}},
		{Key: "proposal", NameZH: "方案推进", NameEN: "Proposal", Probability: 60, Kind: StageOpen, ExpectedDwellDays: 21, CadenceDays: 3,
			Definition: "AQL→CQ:客户认可方案",
			Indicators: []Indicator{
				ind("proposal_sent", "已提交定制化方案(含ROI测算)", "Tailored proposal with ROI sent"),
				ind("exec_visit", "完成高层拜访", "Executive visit held"),
				ind("proposal_accepted", "客户签字认可方案", "Customer signed off the proposal"),
			},
			RequiredFields: []string{"product_lines"}, RequiredDocuments: []string{"needs_confirmation"}},
		{Key: "closing", NameZH: "商务成交", NameEN: "Closing", Probability: 80, Kind: StageOpen, ExpectedDwellDays: 14, CadenceDays: 2,
			Definition: "CQ→Won:商务谈判与合同签署",
			Indicators: []Indicator{
				ind("priority_partner", "客户明确优先考虑合作", "Customer named us the preferred partner"),
				ind("contract_review", "法务/财务审核合同", "Legal and finance reviewing the contract"),
				ind("last_objections", "处理客户最后异议", "Handling the last objections"),
			},
			RequiredDocuments: []string{"proposal_acceptance"}, RequiredFields: []string{}},
		won, lost,
	}
	sop[len(sop)-2].RequiredDocuments = []string{"contract_scan", "deal_confirmation"}
	return []Preset{
		{Key: "simple-4", NameZH: "四阶段(简版)", NameEN: "Simple 4 stages", Stages: withChecklist([]Stage{
			{Key: "plan_confirmed", NameZH: "采购计划确认", NameEN: "Plan confirmed", Probability: 20, Kind: StageOpen, ExpectedDwellDays: 14, CadenceDays: 7,
				Definition: "客户明确告知采购计划或预算",
				Indicators: []Indicator{
					ind("plan_told", "客户告知采购计划", "Customer told us the purchase plan"),
					ind("budget_confirmed", "确认客户的采购预算", "Purchase budget confirmed"),
				}},
			{Key: "evaluation", NameZH: "深入沟通/询价", NameEN: "Evaluation & quote", Probability: 50, Kind: StageOpen, ExpectedDwellDays: 21, CadenceDays: 5,
				Definition: "客户深入了解、试用产品后询价,或进入招投标",
				Indicators: []Indicator{
					ind("trial", "客户试用产品或收到样品", "Customer trialled the product or got samples"),
					ind("quote_requested", "客户询价", "Customer asked for a quote"),
					ind("tender", "进入招投标流程", "Tender process started"),
				}},
			{Key: "contract_terms", NameZH: "敲定合同细节", NameEN: "Contract terms", Probability: 80, Kind: StageOpen, ExpectedDwellDays: 14, CadenceDays: 3,
				Definition: "双方敲定合作内容及合同细节",
				Indicators: []Indicator{
					ind("terms_agreed", "双方敲定合作内容", "Scope of cooperation agreed"),
					ind("contract_draft", "合同细节谈判中", "Negotiating the contract details"),
				}},
			won, lost,
		})},
		{Key: "sop-5", NameZH: "SOP五阶段", NameEN: "SOP 5 stages", Stages: withChecklist(sop), HealthGate: true},
		{Key: "buyer-6", NameZH: "买方六阶段", NameEN: "Buyer 6 stages", Stages: withChecklist([]Stage{
			{Key: "interest", NameZH: "兴趣", NameEN: "Interest", Probability: 5, Kind: StageOpen, ExpectedDwellDays: 14, CadenceDays: 7,
				Indicators: []Indicator{ind("interest_shown", "客户对方案表现出兴趣", "Customer showed interest")}},
			{Key: "budgeting", NameZH: "酝酿", NameEN: "Budgeting", Probability: 10, Kind: StageOpen, ExpectedDwellDays: 21, CadenceDays: 7,
				Indicators: []Indicator{ind("budget_planned", "客户开始申请或规划预算", "Customer is planning a budget")}},
			{Key: "requirements", NameZH: "设计", NameEN: "Requirements", Probability: 25, Kind: StageOpen, ExpectedDwellDays: 21, CadenceDays: 5,
				Indicators: []Indicator{ind("requirements_written", "客户形成需求规格", "Customer wrote down requirements")}},
			{Key: "comparison", NameZH: "比较", NameEN: "Comparison", Probability: 50, Kind: StageOpen, ExpectedDwellDays: 21, CadenceDays: 3,
				Indicators: []Indicator{ind("shortlisted", "进入供应商短名单", "We are on the shortlist")}},
			{Key: "commitment", NameZH: "承诺", NameEN: "Commitment", Probability: 75, Kind: StageOpen, ExpectedDwellDays: 14, CadenceDays: 2,
				Indicators: []Indicator{ind("verbal_commit", "客户口头承诺合作", "Customer committed verbally")}},
			won, lost,
		})},
	}
}

// withChecklist uses each stage's indicators as its checklist items too, so a
// pipeline switched to mode B works at once.
func withChecklist(stages []Stage) []Stage {
	for i := range stages {
		stages[i].Checklist = stages[i].Indicators
		if stages[i].Indicators == nil {
			stages[i].Indicators, stages[i].Checklist = []Indicator{}, []Indicator{}
		}
		if stages[i].RequiredFields == nil {
			stages[i].RequiredFields = []string{}
		}
		if stages[i].RequiredDocuments == nil {
			stages[i].RequiredDocuments = []string{}
		}
	}
	return stages
}
