package funnel_test

import (
	"fmt"
	"slices"
	"testing"

	"shangji/internal/funnel"
)

// preset returns the stages of a preset pipeline by key.
func preset(t *testing.T, key string) []funnel.Stage {
	t.Helper()
	for _, p := range funnel.Presets() {
		if p.Key == key {
			return p.Stages
		}
	}
	t.Fatalf("no preset %q", key)
	return nil
}

// stageIndex returns the index of a stage key.
func stageIndex(t *testing.T, stages []funnel.Stage, key string) int {
	t.Helper()
	i := slices.IndexFunc(stages, func(s funnel.Stage) bool { return s.Key == key })
	if i < 0 {
		t.Fatalf("no stage %q", key)
	}
	return i
}

// TestStageFromIndicators: mode A, the highest open stage with any one of its
// indicators ticked; order of the ticks and lower stages do not matter.
func TestStageFromIndicators(t *testing.T) {
	stages := preset(t, "simple-4")
	cases := []struct {
		ticked []string
		want   string // "" when nothing qualifies
	}{
		{nil, ""},
		{[]string{}, ""},
		{[]string{"no_such_key"}, ""},
		{[]string{"plan_told"}, "plan_confirmed"},
		{[]string{"budget_confirmed"}, "plan_confirmed"},
		{[]string{"quote_requested"}, "evaluation"}, // lower stages need not be ticked
		{[]string{"tender", "plan_told"}, "evaluation"},
		{[]string{"plan_told", "contract_draft", "trial"}, "contract_terms"},
		{[]string{"contract_draft", "plan_told"}, "contract_terms"},
	}
	for _, c := range cases {
		idx, ok := funnel.StageFromIndicators(stages, c.ticked)
		got := ""
		if ok {
			got = stages[idx].Key
		} else if idx != -1 {
			t.Errorf("%v: not ok but idx %d, want -1", c.ticked, idx)
		}
		if got != c.want {
			t.Errorf("StageFromIndicators(%v) = %q, want %q", c.ticked, got, c.want)
		}
	}
	// Outcomes carry no indicators and never qualify, even if given some.
	custom := slices.Clone(stages)
	w := stageIndex(t, custom, "won")
	custom[w].Indicators = []funnel.Indicator{{Key: "paid"}}
	if idx, ok := funnel.StageFromIndicators(custom, []string{"paid", "trial"}); !ok || custom[idx].Key != "evaluation" {
		t.Errorf("an indicator on won qualified: idx %d ok %v", idx, ok)
	}
}

// TestStageFromChecklist: mode B, the highest stage all of whose items and
// all items before them are ticked; a gap stops the walk.
func TestStageFromChecklist(t *testing.T) {
	stages := preset(t, "simple-4")
	plan := []string{"plan_told", "budget_confirmed"}
	eval := []string{"trial", "quote_requested", "tender"}
	terms := []string{"terms_agreed", "contract_draft"}
	cat := func(ls ...[]string) []string { return slices.Concat(ls...) }
	cases := []struct {
		name   string
		ticked []string
		want   string
	}{
		{"nothing", nil, ""},
		{"part of the first stage", []string{"plan_told"}, ""},
		{"the first stage", plan, "plan_confirmed"},
		{"the first stage, ticked in another order", []string{"budget_confirmed", "plan_told"}, "plan_confirmed"},
		{"the first and part of the second", cat(plan, eval[:2]), "plan_confirmed"},
		{"the second without the first", eval, ""},
		{"the second with part of the first", cat(plan[:1], eval), ""},
		{"the first two", cat(plan, eval), "evaluation"},
		{"all", cat(plan, eval, terms), "contract_terms"},
		{"the first and third, not the second", cat(plan, terms), "plan_confirmed"},
		{"all but one of the second", cat(plan, eval[1:], terms), "plan_confirmed"},
	}
	for _, c := range cases {
		idx, ok := funnel.StageFromChecklist(stages, c.ticked)
		got := ""
		if ok {
			got = stages[idx].Key
		} else if idx != -1 {
			t.Errorf("%s: not ok but idx %d, want -1", c.name, idx)
		}
		if got != c.want {
			t.Errorf("%s: StageFromChecklist(%v) = %q, want %q", c.name, c.ticked, got, c.want)
		}
	}
	// A stage without items is passed over: it neither qualifies nor stops
	// the walk.
	custom := slices.Clone(stages)
	custom[stageIndex(t, custom, "evaluation")].Checklist = nil
	if idx, ok := funnel.StageFromChecklist(custom, cat(plan, terms)); !ok || custom[idx].Key != "contract_terms" {
		t.Errorf("with an empty middle stage: idx %d ok %v, want contract_terms", idx, ok)
	}
	if idx, ok := funnel.StageFromChecklist(custom, plan); !ok || custom[idx].Key != "plan_confirmed" {
		t.Errorf("with an empty middle stage, first only: idx %d ok %v, want plan_confirmed", idx, ok)
	}
}

// missingKeys renders a Missing list as kind:key@stage items.
func missingKeys(ms []funnel.Missing) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Kind + ":" + m.Key + "@" + m.Stage
	}
	return fmt.Sprint(out)
}

// TestCheckGates: sop-5's gates; skipping stages collects every gate on the
// way (each requirement once, at the first stage asking for it); moving back
// or to lost needs nothing.
func TestCheckGates(t *testing.T) {
	stages := preset(t, "sop-5")
	at := func(k string) int { return stageIndex(t, stages, k) }
	none := funnel.GateFacts{}
	all := funnel.GateFacts{
		Fields:    []string{"amount", "expected_close_date", "product_lines"},
		Documents: []string{"needs_confirmation", "proposal_acceptance", "contract_scan", "deal_confirmation"},
	}
	cases := []struct {
		name     string
		from, to string
		facts    funnel.GateFacts
		want     string
	}{
		{"needs confirmed, nothing there", "discovery", "needs_confirmed", none,
			"[field:amount@needs_confirmed field:expected_close_date@needs_confirmed document:needs_confirmation@needs_confirmed]"},
		{"needs confirmed, fields there", "discovery", "needs_confirmed",
			funnel.GateFacts{Fields: []string{"amount", "expected_close_date"}}, "[document:needs_confirmation@needs_confirmed]"},
		{"needs confirmed, all there", "discovery", "needs_confirmed", all, "[]"},
		{"skip to proposal", "discovery", "proposal",
			funnel.GateFacts{Fields: []string{"amount", "expected_close_date"}},
			"[document:needs_confirmation@needs_confirmed field:product_lines@proposal]"},
		{"skip to won", "discovery", "won", funnel.GateFacts{Fields: []string{"amount", "expected_close_date"}},
			"[document:needs_confirmation@needs_confirmed field:product_lines@proposal document:proposal_acceptance@closing " +
				"document:contract_scan@won document:deal_confirmation@won]"},
		{"won from closing", "closing", "won", funnel.GateFacts{Documents: []string{"contract_scan"}}, "[document:deal_confirmation@won]"},
		{"won from closing, all there", "closing", "won", all, "[]"},
		{"skip to won, all there", "discovery", "won", all, "[]"},
		{"one step with later gates unmet", "needs_confirmed", "proposal",
			funnel.GateFacts{Fields: []string{"product_lines"}, Documents: []string{"needs_confirmation"}}, "[]"},
		{"backwards", "closing", "discovery", none, "[]"},
		{"backwards one", "proposal", "needs_confirmed", none, "[]"},
		{"same stage", "proposal", "proposal", none, "[]"},
		{"lost from discovery", "discovery", "lost", none, "[]"},
		{"lost from closing", "closing", "lost", none, "[]"},
	}
	for _, c := range cases {
		got := funnel.CheckGates(stages, at(c.from), at(c.to), c.facts)
		if got == nil {
			t.Errorf("%s: nil, want an empty list (it is JSON)", c.name)
		}
		if s := missingKeys(got); s != c.want {
			t.Errorf("%s: %s → %s missing %s\nwant %s", c.name, c.from, c.to, s, c.want)
		}
	}
	// Labels come in both languages, from the tables.
	got := funnel.CheckGates(stages, at("discovery"), at("needs_confirmed"), none)
	for _, m := range got {
		var want [2]string
		if m.Kind == "field" {
			want = funnel.GateFields[m.Key]
		} else {
			want = funnel.DocumentTypes[m.Key]
		}
		if m.Label != want[0] || m.LabelEN != want[1] || m.Label == "" {
			t.Errorf("%s %s: labels %q / %q, want %q / %q", m.Kind, m.Key, m.Label, m.LabelEN, want[0], want[1])
		}
	}
	// The presets only require what the tables know, so every label is real.
	for _, p := range funnel.Presets() {
		for _, s := range p.Stages {
			for _, k := range s.RequiredFields {
				if _, ok := funnel.GateFields[k]; !ok {
					t.Errorf("%s/%s requires unknown field %q", p.Key, s.Key, k)
				}
			}
			for _, k := range s.RequiredDocuments {
				if _, ok := funnel.DocumentTypes[k]; !ok {
					t.Errorf("%s/%s requires unknown document %q", p.Key, s.Key, k)
				}
			}
		}
	}
}

// TestPresetsDiscipline: sop-5 carries the gates and the health gate; the
// other presets have neither; every open stage has indicators that double as
// its checklist, with keys unique across the pipeline.
func TestPresetsDiscipline(t *testing.T) {
	gates := func(st []funnel.Stage) string {
		var out []string
		for _, s := range st {
			if len(s.RequiredFields)+len(s.RequiredDocuments) > 0 {
				out = append(out, fmt.Sprintf("%s%v%v", s.Key, s.RequiredFields, s.RequiredDocuments))
			}
		}
		return fmt.Sprint(out)
	}
	for _, p := range funnel.Presets() {
		want, wantGate := "[]", false
		if p.Key == "sop-5" {
			want = "[needs_confirmed[amount expected_close_date][needs_confirmation] proposal[product_lines][needs_confirmation] " +
				"closing[][proposal_acceptance] won[][contract_scan deal_confirmation]]"
			wantGate = true
		}
		if got := gates(p.Stages); got != want || p.HealthGate != wantGate {
			t.Errorf("%s: gates %s health gate %v\nwant %s %v", p.Key, got, p.HealthGate, want, wantGate)
		}
		seen := map[string]string{}
		for _, s := range p.Stages {
			if s.Kind != funnel.StageOpen {
				continue
			}
			if len(s.Indicators) == 0 || !slices.Equal(s.Indicators, s.Checklist) {
				t.Errorf("%s/%s: indicators %v checklist %v", p.Key, s.Key, s.Indicators, s.Checklist)
			}
			for _, in := range s.Indicators {
				if prev, dup := seen[in.Key]; dup {
					t.Errorf("%s: indicator %q on %s and %s", p.Key, in.Key, prev, s.Key)
				}
				seen[in.Key] = s.Key
			}
		}
	}
	if !funnel.ValidMode("manual") || !funnel.ValidMode("indicators") || !funnel.ValidMode("checklist") || funnel.ValidMode("") || funnel.ValidMode("auto") {
		t.Error("ValidMode")
	}
}
