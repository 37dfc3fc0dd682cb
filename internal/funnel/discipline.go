package funnel

import "slices"

// Indicator is an observable fact about the buyer, ticked by the rep (seed 001:
// 判断要素), used to derive the stage.
type Indicator struct {
	Key string `json:"key"`
	ZH  string `json:"zh"`
	EN  string `json:"en"`
}

// Stage-derivation modes of a pipeline (SPEC §3).
const (
	ModeManual     = "manual"
	ModeIndicators = "indicators" // mode A: per-stage indicators, any one qualifies
	ModeChecklist  = "checklist"  // mode B: one ordered checklist across stages
)

// ValidMode reports whether m is a derivation mode.
func ValidMode(m string) bool { return m == ModeManual || m == ModeIndicators || m == ModeChecklist }

// StageFromIndicators is mode A: the highest open stage with at least one of
// its indicators ticked. ok is false when nothing qualifies.
func StageFromIndicators(stages []Stage, ticked []string) (idx int, ok bool) {
	idx = -1
	for i, s := range stages {
		if s.Kind != StageOpen {
			continue
		}
		for _, in := range s.Indicators {
			if slices.Contains(ticked, in.Key) {
				idx = i
				break
			}
		}
	}
	return idx, idx >= 0
}

// StageFromChecklist is mode B: walking the stages in order, a stage
// qualifies when it has items and they and every item before them are ticked;
// the first unticked item stops the walk. ok is false when nothing qualifies.
func StageFromChecklist(stages []Stage, ticked []string) (idx int, ok bool) {
	idx = -1
	for i, s := range stages {
		if s.Kind != StageOpen {
			continue
		}
		for _, in := range s.Checklist {
			if !slices.Contains(ticked, in.Key) {
				return idx, idx >= 0
			}
		}
		if len(s.Checklist) > 0 {
			idx = i
		}
	}
	return idx, idx >= 0
}

// Missing is one thing a gate requires that a deal lacks.
type Missing struct {
	Kind    string `json:"kind"` // "field" or "document"
	Key     string `json:"key"`
	Label   string `json:"label"`
	LabelEN string `json:"label_en"`
	Stage   string `json:"stage"` // the stage whose gate asks for it
}

// GateFacts is what a deal has, as far as gates are concerned.
type GateFacts struct {
	Fields    []string // keys of the required-field kinds that are filled
	Documents []string // document types attached (not deleted)
}

// CheckGates lists what entering stages[to] from stages[from] lacks. Moving
// forward over several stages must pass every gate on the way, so skipping a
// stage never skips its requirements. Moving back or to lost needs nothing.
func CheckGates(stages []Stage, from, to int, f GateFacts) []Missing {
	out := []Missing{}
	if to <= from || stages[to].Kind == StageLost {
		return out // back, or out of the funnel: nothing to meet
	}
	seen := map[string]bool{}
	for i := from + 1; i <= to; i++ {
		s := stages[i]
		if s.Kind == StageLost {
			continue
		}
		for _, k := range s.RequiredFields {
			if !slices.Contains(f.Fields, k) && !seen["f:"+k] {
				seen["f:"+k] = true
				zh, en := FieldLabel(k)
				out = append(out, Missing{Kind: "field", Key: k, Label: zh, LabelEN: en, Stage: s.Key})
			}
		}
		for _, k := range s.RequiredDocuments {
			if !slices.Contains(f.Documents, k) && !seen["d:"+k] {
				seen["d:"+k] = true
				zh, en := DocumentLabel(k)
				out = append(out, Missing{Kind: "document", Key: k, Label: zh, LabelEN: en, Stage: s.Key})
			}
		}
	}
	return out
}

// GateFields are the opportunity fields a gate may require, with labels.
var GateFields = map[string][2]string{
	"amount":              {"预计金额", "Amount"},
	"expected_close_date": {"预计赢单时间", "Expected close date"},
	"next_contact_at":     {"下一次联系时间", "Next contact time"},
	"product_lines":       {"采购清单(产品线)", "Product lines"},
	"competitors":         {"竞争对手", "Competitors"},
	"need_scores":         {"需求匹配度评分", "Need-match scores"},
	"decision_maker":      {"已联系决策者", "Decision maker contacted"},
}

// DocumentTypes are the deliverables a stage may require (seed 002 输出物).
var DocumentTypes = map[string][2]string{
	"needs_screening":     {"需求初筛表", "Needs screening form"},
	"needs_confirmation":  {"需求确认单", "Needs confirmation form"},
	"proposal":            {"定制化方案", "Proposal"},
	"proposal_acceptance": {"方案认可函", "Proposal acceptance letter"},
	"contract_scan":       {"合同扫描件", "Signed contract scan"},
	"deal_confirmation":   {"成交确认单", "Deal confirmation form"},
	"loss_analysis":       {"丢单分析表", "Loss analysis form"},
	"meeting_minutes":     {"会议纪要", "Meeting minutes"},
	"other":               {"其他", "Other"},
}

// FieldLabel returns the zh and en labels of a gate field.
func FieldLabel(k string) (string, string) {
	if l, ok := GateFields[k]; ok {
		return l[0], l[1]
	}
	return k, k
}

// DocumentLabel returns the zh and en labels of a document type.
func DocumentLabel(k string) (string, string) {
	if l, ok := DocumentTypes[k]; ok {
		return l[0], l[1]
	}
	return k, k
}
