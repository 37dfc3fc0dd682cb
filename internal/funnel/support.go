package funnel

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Support requests (SPEC §6, seed 002 "跨部门协作SOP"): once a deal is at the
// proposal stage with a health score above 70, its rep asks presales or
// customer success for help; the helper accepts or refuses within 24 hours
// (a refusal needs a reason and the sales director's approval); after the
// work each side rates the other 1–10, and two ratings in a row under 8
// flag the rated person's team for improvement (需整改).

// Support request statuses.
const (
	SupportRequested      = "requested"       // waiting for the helper's answer
	SupportRefusalPending = "refusal_pending" // refused, waiting for the director
	SupportAccepted       = "accepted"        // the helper works on it
	SupportRefused        = "refused"         // the director approved the refusal (final)
	SupportCompleted      = "completed"       // the work is done; both sides rate
	SupportCancelled      = "cancelled"       // the requester withdrew it before an answer (final)
)

// Support actions, the edges of the state machine.
const (
	SupportAccept         = "accept"
	SupportRefuse         = "refuse"
	SupportApproveRefusal = "approve_refusal"
	SupportRejectRefusal  = "reject_refusal" // the director overrules: the helper must help
	SupportComplete       = "complete"
	SupportCancel         = "cancel"
)

// Who is rated by a support rating.
const (
	SupportRatesHelper    = "helper"    // the requester rates the helper
	SupportRatesRequester = "requester" // the helper rates the requester
)

// supportMoves is the state machine: from status, action → to status.
var supportMoves = map[string]map[string]string{
	SupportRequested:      {SupportAccept: SupportAccepted, SupportRefuse: SupportRefusalPending, SupportCancel: SupportCancelled},
	SupportRefusalPending: {SupportApproveRefusal: SupportRefused, SupportRejectRefusal: SupportAccepted},
	SupportAccepted:       {SupportComplete: SupportCompleted},
}

// SupportNext returns the status an action leads to from status, or a
// conflict naming the status the request is in (another answer came first).
func SupportNext(status, action string) (string, error) {
	if to, ok := supportMoves[status][action]; ok {
		return to, nil
	}
	return "", Errorf(ECONFLICT, "cannot %s a support request that is %s", strings.ReplaceAll(action, "_", " "), status)
}

// SupportTypes are the kinds of help one may ask for (需求类型), with labels.
var SupportTypes = []struct{ Key, ZH, EN string }{
	{"solution", "方案设计", "Solution design"},
	{"demo", "产品演示", "Product demo"},
	{"technical", "技术交流/答疑", "Technical Q&A"},
	{"poc", "测试验证(POC)", "Proof of concept"},
	{"tender", "投标支持", "Tender support"},
	{"delivery", "交付规划", "Delivery planning"},
	{"other", "其他", "Other"},
}

// SupportTypeKeys lists the keys of SupportTypes, for the API's enum.
func SupportTypeKeys() []string {
	out := make([]string, len(SupportTypes))
	for i, t := range SupportTypes {
		out[i] = t.Key
	}
	return out
}

// SupportSetting is the settings key of SupportRules.
const SupportSetting = "support"

// SupportRules are the thresholds of support requests; admins may save their
// own under SupportSetting (zero fields keep the defaults).
type SupportRules struct {
	// MinHealth: the deal's health score must be above it (> 70).
	MinHealth float64 `json:"min_health,omitempty"`
	// MinProbability defines the proposal stage of a pipeline without a
	// stage keyed "proposal": the first open stage at least this likely.
	MinProbability int `json:"min_probability,omitempty"`
	// ResponseHours: the helper answers within them (24 clock hours, not
	// working hours: seed 002 says 24小时内).
	ResponseHours int `json:"response_hours,omitempty"`
	// DecisionHours: the director's todo to decide a refusal is due then.
	DecisionHours int `json:"decision_hours,omitempty"`
	// RatingHours: both sides' todos to rate are due then after completion.
	RatingHours int `json:"rating_hours,omitempty"`
	// A team is flagged after FlagRun ratings in a row below FlagBelow.
	FlagBelow int `json:"flag_below,omitempty"`
	FlagRun   int `json:"flag_run,omitempty"`
}

// DefaultSupportRules are seed 002's numbers.
func DefaultSupportRules() SupportRules {
	return SupportRules{MinHealth: 70, MinProbability: 50, ResponseHours: 24, DecisionHours: 24, RatingHours: 72, FlagBelow: 8, FlagRun: 2}
}

// Fill gives every unset (zero or negative) threshold its default.
func (r SupportRules) Fill() SupportRules {
	d := DefaultSupportRules()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	if r.MinHealth <= 0 {
		r.MinHealth = d.MinHealth
	}
	set(&r.MinProbability, d.MinProbability)
	set(&r.ResponseHours, d.ResponseHours)
	set(&r.DecisionHours, d.DecisionHours)
	set(&r.RatingHours, d.RatingHours)
	set(&r.FlagBelow, d.FlagBelow)
	set(&r.FlagRun, d.FlagRun)
	return r
}

// Validate names every threshold out of range (zero means the default).
func (r SupportRules) Validate() error {
	var p Problems
	if r.MinHealth < 0 || r.MinHealth >= 100 {
		p.Add("min_health", "is a health score: 0 (default 70) to below 100")
	}
	if r.MinProbability < 0 || r.MinProbability > 100 {
		p.Add("min_probability", "is a percentage: 0 (default 50) to 100")
	}
	for _, h := range []struct {
		field string
		v     int
	}{{"response_hours", r.ResponseHours}, {"decision_hours", r.DecisionHours}, {"rating_hours", r.RatingHours}} {
		if h.v < 0 || h.v > 24*30 {
			p.Add(h.field, "must be from 0 (the default) to 720 hours")
		}
	}
	if r.FlagBelow < 0 || r.FlagBelow > 11 {
		p.Add("flag_below", "is a score: ratings under it count, 0 (default 8) to 11")
	}
	if r.FlagRun < 0 || r.FlagRun > 20 {
		p.Add("flag_run", "must be from 0 (default 2) to 20 ratings in a row")
	}
	return p.Err()
}

// ProposalStage is the index of a pipeline's proposal stage: the stage keyed
// "proposal" (sop-5's 方案推进), else the first open stage at least
// MinProbability likely (simple-4's evaluation, buyer-6's comparison), else
// -1 (the pipeline has none, so no deal of it qualifies).
func (r SupportRules) ProposalStage(stages []Stage) int {
	for i, s := range stages {
		if s.Key == "proposal" && s.Kind == StageOpen {
			return i
		}
	}
	for i, s := range stages {
		if s.Kind == StageOpen && s.Probability >= r.MinProbability {
			return i
		}
	}
	return -1
}

// SupportEligible says why a deal in stage stageKey of a pipeline with
// these stages (in order) and this health score may not ask for support,
// or nil. The proposal stage and the open stages after it qualify:
// customer success joins at closing (seed 002: 成交阶段提前介入).
func (r SupportRules) SupportEligible(stages []Stage, stageKey string, health float64) error {
	var p Problems
	at := -1
	for i, s := range stages {
		if s.Key == stageKey {
			at = i
		}
	}
	prop := r.ProposalStage(stages)
	switch {
	case at < 0 || stages[at].Kind != StageOpen:
		p.Add("stage", "the deal is closed: support is for open deals at the proposal stage or later")
	case prop < 0:
		p.Add("stage", "this pipeline has no proposal stage")
	case at < prop:
		p.Add("stage", "is %s: support can be asked from the proposal stage (%s) on", stageKey, stages[prop].Key)
	}
	if health <= r.MinHealth {
		p.Add("health_score", "is %g: support needs a health score above %g", health, r.MinHealth)
	}
	return p.Err()
}

// SupportAsk is what a rep fills in (seed 002: 需求类型、时间节点、期望输出).
type SupportAsk struct {
	Type           string
	NeededBy       *time.Time
	ExpectedOutput string
	Note           string
}

// Validate names every bad field of an ask made at now.
func (a SupportAsk) Validate(now time.Time) error {
	var p Problems
	known := false
	for _, t := range SupportTypes {
		known = known || t.Key == a.Type
	}
	if a.Type == "" {
		p.Add("type", "is required")
	} else if !known {
		p.Add("type", "must be one of %s", strings.Join(SupportTypeKeys(), ", "))
	}
	if a.NeededBy == nil {
		p.Add("needed_by", "is required: when the help is needed")
	} else if !a.NeededBy.After(now) {
		p.Add("needed_by", "must be in the future")
	}
	switch out := strings.TrimSpace(a.ExpectedOutput); {
	case out == "":
		p.Add("expected_output", "is required: what the helper should deliver")
	case utf8.RuneCountInString(out) > 2000:
		p.Add("expected_output", "is longer than 2000 characters")
	}
	if utf8.RuneCountInString(a.Note) > 2000 {
		p.Add("note", "is longer than 2000 characters")
	}
	return p.Err()
}

// RespondBy is when the helper's answer is due for a request made at.
func (r SupportRules) RespondBy(at time.Time) time.Time {
	return at.Add(time.Duration(r.ResponseHours) * time.Hour)
}

// SupportOverdue reports whether a request still waits for its answer past
// the deadline. A late answer is still taken (the lateness stays visible).
func SupportOverdue(status string, respondBy, now time.Time) bool {
	return status == SupportRequested && now.After(respondBy)
}

// ValidateRefusal checks a refusal's reason (required, seed 002: 拒绝需说明原因).
func ValidateRefusal(reason string) error {
	var p Problems
	switch r := strings.TrimSpace(reason); {
	case r == "":
		p.Add("reason", "is required: say why the request is refused")
	case utf8.RuneCountInString(r) > 2000:
		p.Add("reason", "is longer than 2000 characters")
	}
	return p.Err()
}

// ValidateSupportScore checks a rating: a whole number from 1 to 10.
func ValidateSupportScore(score *int, comment string) error {
	var p Problems
	if score == nil {
		p.Add("score", "is required: 1 to 10")
	} else if *score < 1 || *score > 10 {
		p.Add("score", "must be from 1 to 10")
	}
	if utf8.RuneCountInString(comment) > 2000 {
		p.Add("comment", "is longer than 2000 characters")
	}
	return p.Err()
}

// TeamFlagged reports whether a team's latest ratings (newest first) hold
// FlagRun in a row below FlagBelow. A rating at or above FlagBelow breaks the
// run, so the next good rating clears the flag.
func (r SupportRules) TeamFlagged(newestFirst []int) bool {
	if r.FlagRun <= 0 || len(newestFirst) < r.FlagRun {
		return false
	}
	for _, s := range newestFirst[:r.FlagRun] {
		if s >= r.FlagBelow {
			return false
		}
	}
	return true
}
