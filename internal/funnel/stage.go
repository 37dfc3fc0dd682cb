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
	NameEN      string    `json:"name_en"`
	Probability int       `json:"probability"` // win probability in percent, 0–100
	Kind        StageKind `json:"kind"`
	Definition  string    `json:"definition,omitempty"`
	// ExpectedDwellDays is used for stage-dwell risk until history has taught
	// the real average.
	ExpectedDwellDays int `json:"expected_dwell_days,omitempty"`
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
}

// DefaultPreset is the pipeline new opportunities use unless told otherwise.
const DefaultPreset = "sop-5"

var won = Stage{Key: "won", NameZH: "赢单", NameEN: "Won", Probability: 100, Kind: StageWon}
var lost = Stage{Key: "lost", NameZH: "输单", NameEN: "Lost", Probability: 0, Kind: StageLost}

// Presets are the three pipelines of SPEC §3, in the order shown to admins.
// Probabilities are defaults an admin can change.
func Presets() []Preset {
	return []Preset{
		{Key: "simple-4", NameZH: "四阶段(简版)", NameEN: "Simple 4 stages", Stages: []Stage{
			{Key: "plan_confirmed", NameZH: "采购计划确认", NameEN: "Plan confirmed", Probability: 20, Kind: StageOpen, ExpectedDwellDays: 14,
				Definition: "客户明确告知采购计划或预算"},
			{Key: "evaluation", NameZH: "深入沟通/询价", NameEN: "Evaluation & quote", Probability: 50, Kind: StageOpen, ExpectedDwellDays: 21,
				Definition: "客户深入了解、试用产品后询价,或进入招投标"},
			{Key: "contract_terms", NameZH: "敲定合同细节", NameEN: "Contract terms", Probability: 80, Kind: StageOpen, ExpectedDwellDays: 14,
				Definition: "双方敲定合作内容及合同细节"},
			won, lost,
		}},
		{Key: "sop-5", NameZH: "SOP五阶段", NameEN: "SOP 5 stages", Stages: []Stage{
			{Key: "discovery", NameZH: "商机发现", NameEN: "Discovery", Probability: 10, Kind: StageOpen, ExpectedDwellDays: 14,
				Definition: "MQL→SQL:客户有明确痛点与采购意向"},
			{Key: "needs_confirmed", NameZH: "需求确认", NameEN: "Needs confirmed", Probability: 30, Kind: StageOpen, ExpectedDwellDays: 14,
				Definition: "SQL→AQL:客户签认需求确认单"},
			{Key: "proposal", NameZH: "方案推进", NameEN: "Proposal", Probability: 60, Kind: StageOpen, ExpectedDwellDays: 21,
				Definition: "AQL→CQ:客户认可方案"},
			{Key: "closing", NameZH: "商务成交", NameEN: "Closing", Probability: 80, Kind: StageOpen, ExpectedDwellDays: 14,
				Definition: "CQ→Won:商务谈判与合同签署"},
			won, lost,
		}},
		{Key: "buyer-6", NameZH: "买方六阶段", NameEN: "Buyer 6 stages", Stages: []Stage{
			{Key: "interest", NameZH: "兴趣", NameEN: "Interest", Probability: 5, Kind: StageOpen, ExpectedDwellDays: 14},
			{Key: "budgeting", NameZH: "酝酿", NameEN: "Budgeting", Probability: 10, Kind: StageOpen, ExpectedDwellDays: 21},
			{Key: "requirements", NameZH: "设计", NameEN: "Requirements", Probability: 25, Kind: StageOpen, ExpectedDwellDays: 21},
			{Key: "comparison", NameZH: "比较", NameEN: "Comparison", Probability: 50, Kind: StageOpen, ExpectedDwellDays: 21},
			{Key: "commitment", NameZH: "承诺", NameEN: "Commitment", Probability: 75, Kind: StageOpen, ExpectedDwellDays: 14},
			won, lost,
		}},
	}
}
