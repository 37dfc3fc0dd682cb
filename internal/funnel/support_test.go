package funnel_test

import (
	"slices"
	"testing"
	"time"

	"shangji/internal/funnel"
)

func presetStages(t *testing.T, key string) []funnel.Stage {
	t.Helper()
	for _, p := range funnel.Presets() {
		if p.Key == key {
			return p.Stages
		}
	}
	t.Fatalf("no preset %s", key)
	return nil
}

// fieldsOf lists the fields an error names.
func supportFields(err error) []string {
	e, ok := err.(*funnel.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestSupportStateMachine(t *testing.T) {
	statuses := []string{funnel.SupportRequested, funnel.SupportRefusalPending, funnel.SupportAccepted,
		funnel.SupportRefused, funnel.SupportCompleted, funnel.SupportCancelled}
	actions := []string{funnel.SupportAccept, funnel.SupportRefuse, funnel.SupportApproveRefusal,
		funnel.SupportRejectRefusal, funnel.SupportComplete, funnel.SupportCancel}
	allowed := map[[2]string]string{
		{funnel.SupportRequested, funnel.SupportAccept}:              funnel.SupportAccepted,
		{funnel.SupportRequested, funnel.SupportRefuse}:              funnel.SupportRefusalPending,
		{funnel.SupportRequested, funnel.SupportCancel}:              funnel.SupportCancelled,
		{funnel.SupportRefusalPending, funnel.SupportApproveRefusal}: funnel.SupportRefused,
		{funnel.SupportRefusalPending, funnel.SupportRejectRefusal}:  funnel.SupportAccepted,
		{funnel.SupportAccepted, funnel.SupportComplete}:             funnel.SupportCompleted,
	}
	for _, s := range statuses {
		for _, a := range actions {
			to, err := funnel.SupportNext(s, a)
			want, ok := allowed[[2]string{s, a}]
			switch {
			case ok && (err != nil || to != want):
				t.Errorf("%s --%s--> %q, %v; want %s", s, a, to, err, want)
			case !ok && funnel.ErrorCode(err) != funnel.ECONFLICT:
				t.Errorf("%s --%s--> %q, %v; want a conflict", s, a, to, err)
			}
		}
	}
}

func TestSupportEligibility(t *testing.T) {
	r := funnel.DefaultSupportRules()
	custom := []funnel.Stage{{Key: "a", Kind: funnel.StageOpen, Probability: 10}, {Key: "b", Kind: funnel.StageOpen, Probability: 40},
		{Key: "won", Kind: funnel.StageWon, Probability: 100}}
	renamed := []funnel.Stage{{Key: "x", Kind: funnel.StageOpen, Probability: 55}, {Key: "proposal", Kind: funnel.StageOpen, Probability: 40},
		{Key: "y", Kind: funnel.StageOpen, Probability: 70}}
	for _, c := range []struct {
		pipeline string
		stages   []funnel.Stage
		stage    string
		health   float64
		want     []string // fields named; nil = eligible
	}{
		{"sop-5", nil, "proposal", 70.1, nil},
		{"sop-5", nil, "proposal", 70, []string{"health_score"}},
		{"sop-5", nil, "closing", 95, nil},
		{"sop-5", nil, "needs_confirmed", 95, []string{"stage"}},
		{"sop-5", nil, "discovery", 10, []string{"stage", "health_score"}},
		{"sop-5", nil, "won", 90, []string{"stage"}},
		{"sop-5", nil, "lost", 90, []string{"stage"}},
		{"simple-4", nil, "evaluation", 80, nil},
		{"simple-4", nil, "contract_terms", 80, nil},
		{"simple-4", nil, "plan_confirmed", 80, []string{"stage"}},
		{"buyer-6", nil, "comparison", 71, nil},
		{"buyer-6", nil, "requirements", 71, []string{"stage"}},
		{"custom", custom, "b", 90, []string{"stage"}},
		// A stage keyed proposal wins over probability.
		{"renamed", renamed, "x", 90, []string{"stage"}},
		{"renamed", renamed, "proposal", 90, nil},
		{"renamed", renamed, "y", 90, nil},
	} {
		stages := c.stages
		if stages == nil {
			stages = presetStages(t, c.pipeline)
		}
		err := r.SupportEligible(stages, c.stage, c.health)
		if got := supportFields(err); !slices.Equal(got, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s/%s health %v: %v, want fields %v", c.pipeline, c.stage, c.health, err, c.want)
		}
	}
	if i := r.ProposalStage(presetStages(t, "sop-5")); i != 2 {
		t.Errorf("sop-5 proposal stage at %d, want 2", i)
	}
	if i := r.ProposalStage(custom); i != -1 {
		t.Errorf("custom pipeline proposal stage at %d, want -1", i)
	}
}

func TestSupportAskValidation(t *testing.T) {
	now := time.Date(2026, 5, 15, 2, 0, 0, 0, time.UTC)
	later, past := now.Add(48*time.Hour), now
	long := string(make([]rune, 2001))
	for _, c := range []struct {
		ask  funnel.SupportAsk
		want []string
	}{
		{funnel.SupportAsk{Type: "demo", NeededBy: &later, ExpectedOutput: "演示环境与脚本"}, nil},
		{funnel.SupportAsk{}, []string{"type", "needed_by", "expected_output"}},
		{funnel.SupportAsk{Type: "lunch", NeededBy: &past, ExpectedOutput: "  "}, []string{"type", "needed_by", "expected_output"}},
		{funnel.SupportAsk{Type: "poc", NeededBy: &later, ExpectedOutput: long, Note: long}, []string{"expected_output", "note"}},
	} {
		err := c.ask.Validate(now)
		if got := supportFields(err); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want fields %v", c.ask, err, c.want)
		}
	}
	if got := supportFields(funnel.ValidateRefusal(" \t")); !slices.Equal(got, []string{"reason"}) {
		t.Errorf("blank reason: %v", got)
	}
	if err := funnel.ValidateRefusal("本周全员在外地项目"); err != nil {
		t.Errorf("a reason: %v", err)
	}
}

func TestSupportResponseDeadline(t *testing.T) {
	r := funnel.DefaultSupportRules()
	at := time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC) // a Friday: 24 clock hours, not working hours
	due := r.RespondBy(at)
	if want := at.Add(24 * time.Hour); !due.Equal(want) {
		t.Fatalf("respond by %v, want %v", due, want)
	}
	for _, c := range []struct {
		status string
		now    time.Time
		want   bool
	}{
		{funnel.SupportRequested, due.Add(-time.Millisecond), false},
		{funnel.SupportRequested, due, false},
		{funnel.SupportRequested, due.Add(time.Millisecond), true},
		{funnel.SupportRefusalPending, due.Add(time.Hour), false},
		{funnel.SupportAccepted, due.Add(time.Hour), false},
	} {
		if got := funnel.SupportOverdue(c.status, due, c.now); got != c.want {
			t.Errorf("%s at %v: overdue %v, want %v", c.status, c.now.Sub(due), got, c.want)
		}
	}
}

func TestSupportScores(t *testing.T) {
	for _, c := range []struct {
		score *int
		want  []string
	}{{nil, []string{"score"}}, {ptr(0), []string{"score"}}, {ptr(11), []string{"score"}}, {ptr(1), nil}, {ptr(10), nil}} {
		if got := supportFields(funnel.ValidateSupportScore(c.score, "")); !slices.Equal(got, c.want) {
			t.Errorf("score %v: fields %v, want %v", c.score, got, c.want)
		}
	}
}

func ptr(i int) *int { return &i }

func TestSupportTeamFlag(t *testing.T) {
	r := funnel.DefaultSupportRules()
	for _, c := range []struct {
		newestFirst []int
		want        bool
	}{
		{nil, false},
		{[]int{3}, false},      // one bad rating is not a run
		{[]int{7, 7}, true},    // two in a row under 8
		{[]int{7, 8}, false},   // 8 is not under 8
		{[]int{8, 7}, false},   // a good rating clears the flag
		{[]int{1, 5, 9}, true}, // only the latest two count
		{[]int{9, 5, 1}, false},
	} {
		if got := r.TeamFlagged(c.newestFirst); got != c.want {
			t.Errorf("%v: flagged %v, want %v", c.newestFirst, got, c.want)
		}
	}
	r.FlagRun = 3
	if r.TeamFlagged([]int{7, 7}) || !r.TeamFlagged([]int{7, 7, 7}) {
		t.Error("FlagRun 3 is not honoured")
	}
}

func TestSupportRulesSettings(t *testing.T) {
	if got := (funnel.SupportRules{}).Fill(); got != funnel.DefaultSupportRules() {
		t.Errorf("empty settings fill to %+v", got)
	}
	own := funnel.SupportRules{MinHealth: 60, ResponseHours: 48, FlagRun: 3}.Fill()
	if own.MinHealth != 60 || own.ResponseHours != 48 || own.FlagRun != 3 || own.FlagBelow != 8 || own.RatingHours != 72 {
		t.Errorf("own settings fill to %+v", own)
	}
	if at := time.Date(2026, 5, 15, 2, 0, 0, 0, time.UTC); !own.RespondBy(at).Equal(at.Add(48 * time.Hour)) {
		t.Errorf("48 response hours: %v", own.RespondBy(at))
	}
	if err := (funnel.SupportRules{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	bad := funnel.SupportRules{MinHealth: 100, MinProbability: 101, ResponseHours: -1, DecisionHours: 721, RatingHours: -5, FlagBelow: 12, FlagRun: -1}
	want := []string{"min_health", "min_probability", "response_hours", "decision_hours", "rating_hours", "flag_below", "flag_run"}
	if got := supportFields(bad.Validate()); !slices.Equal(got, want) {
		t.Errorf("bad settings name %v", got)
	}
}
