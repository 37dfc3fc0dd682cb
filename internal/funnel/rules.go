package funnel

import (
	"fmt"
	"time"
)

// The follow-up rhythm rules (SPEC §6, seeds 000–002). Each is a small pure
// function of a deal's facts, the instant and the settings; the jobs package
// evaluates them over the open deals and writes what they say idempotently.

// Rule names, as they appear in todos, points and risks.
const (
	RuleNextContact = "next_contact"
	RuleCadence     = "cadence"
	RuleZombie      = "zombie"
	RuleStageDwell  = "stage_dwell"
	RuleJump        = "jump_anomaly"
)

// Risk levels.
const (
	RiskHigh   = "high"
	RiskMedium = "medium"
)

// RhythmSetting is the settings key of RhythmSettings.
const RhythmSetting = "rhythm"

// RhythmSettings are the thresholds of the rhythm rules; admins may save
// their own under RhythmSetting (missing fields keep the defaults).
type RhythmSettings struct {
	// NextContactLeadHours: the todo for a next contact appears this long
	// before it is due (seed 001: "a reminder before it is due").
	NextContactLeadHours int `json:"next_contact_lead_hours,omitempty"`
	// Zombie 僵尸商机: ZombiePenaltyDays without any update cost the owner
	// ZombiePenaltyPoints discipline points, once per spell; after
	// ZombieReviewDays the manager gets a review todo.
	ZombiePenaltyDays   int `json:"zombie_penalty_days,omitempty"`
	ZombiePenaltyPoints int `json:"zombie_penalty_points,omitempty"`
	ZombieReviewDays    int `json:"zombie_review_days,omitempty"`
	// Stage dwell: high risk beyond DwellFactor × the stage's average dwell,
	// learned from at least DwellMinSamples finished stays, else ×
	// the stage's expected dwell.
	DwellFactor     float64 `json:"dwell_factor,omitempty"`
	DwellMinSamples int     `json:"dwell_min_samples,omitempty"`
	// Jump anomaly (seed 000): at least JumpFirstStageDays in the first
	// stage, then won within JumpWonWithinDays of leaving it.
	JumpFirstStageDays int `json:"jump_first_stage_days,omitempty"`
	JumpWonWithinDays  int `json:"jump_won_within_days,omitempty"`
	// Escalation: an overdue todo goes to the manager this many working
	// days after the owner was told.
	OverdueGraceWorkingDays int `json:"overdue_grace_working_days,omitempty"`
	// EscalateWithinDays: a todo is escalated only while it fell overdue
	// less than this many days ago, so a first start over old history does
	// not flood everyone with stale news.
	EscalateWithinDays int `json:"escalate_within_days,omitempty"`
	// Advice lists recommended actions per stage key for a dwell risk;
	// "*" is the fallback.
	Advice map[string][]string `json:"advice,omitempty"`

	// Slowing replies: the last reply (or open wait) took longer than
	// SlowReplyDays while the SlowReplyMinReplies or more replies before it
	// (the last SlowReplyWindow of them) averaged at most
	// SlowReplyBaselineDays ("from about a day to over three").
	SlowReplyDays         float64  `json:"slow_reply_days,omitempty"`
	SlowReplyBaselineDays float64  `json:"slow_reply_baseline_days,omitempty"`
	SlowReplyMinReplies   int      `json:"slow_reply_min_replies,omitempty"`
	SlowReplyWindow       int      `json:"slow_reply_window,omitempty"`
	SlowReplyAdvice       []string `json:"slow_reply_advice,omitempty"`
	// Archive (SPEC §7): a closed deal is archived within
	// ArchiveWorkingDays; deals closed more than ArchiveLookbackDays ago
	// are left alone (history loaded before the rule existed).
	ArchiveWorkingDays  int `json:"archive_working_days,omitempty"`
	ArchiveLookbackDays int `json:"archive_lookback_days,omitempty"`
	// Resource priority queue (seed 002): health above PriorityMinHealth
	// and amount above PriorityMinAmount → presales within PresalesHours,
	// a director meeting within DirectorMeetingWorkingDays, a contract
	// review within ContractReviewWorkingDays.
	PriorityMinHealth          float64 `json:"priority_min_health,omitempty"`
	PriorityMinAmount          Money   `json:"priority_min_amount,omitempty"`
	PresalesHours              int     `json:"presales_hours,omitempty"`
	DirectorMeetingWorkingDays int     `json:"director_meeting_working_days,omitempty"`
	ContractReviewWorkingDays  int     `json:"contract_review_working_days,omitempty"`
	// EveryMinutes: how often the rules job evaluates the deals.
	EveryMinutes int `json:"every_minutes,omitempty"`
}

// DefaultRhythmSettings are SPEC §6's numbers.
func DefaultRhythmSettings() RhythmSettings {
	return RhythmSettings{
		NextContactLeadHours: 24,
		ZombiePenaltyDays:    3, ZombiePenaltyPoints: 5, ZombieReviewDays: 7,
		DwellFactor: 1.5, DwellMinSamples: 3,
		JumpFirstStageDays: 30, JumpWonWithinDays: 3,
		OverdueGraceWorkingDays: 1, EscalateWithinDays: 7,
		Advice: map[string][]string{
			"discovery":       {"建议尽快确认客户需求与预算", "建议约见关键用户，明确痛点"},
			"needs_confirmed": {"建议增加高层拜访", "建议补齐决策链，确认预算来源"},
			"proposal":        {"建议增加高层拜访", "建议安排方案演示或样板参观", "建议申请售前支持"},
			"closing":         {"建议经理参与商务谈判", "建议确认合同条款与付款方式"},
			// simple-4 and buyer-6 presets.
			"plan_confirmed": {"建议确认采购预算与时间表", "建议约见采购决策人"},
			"evaluation":     {"建议安排试用或样板参观", "建议申请售前支持，尽快给出报价"},
			"contract_terms": {"建议经理参与合同谈判", "建议法务/财务提前审核合同条款"},
			"interest":       {"建议确认客户的真实需求与时间表"},
			"budgeting":      {"建议协助客户梳理预算申请路径", "建议增加高层拜访"},
			"requirements":   {"建议参与客户需求规格编写", "建议安排方案演示"},
			"comparison":     {"建议提供竞品对比与价值测算", "建议增加高层拜访"},
			"commitment":     {"建议尽快推动合同签署", "建议经理参与商务谈判"},
			"*":              {"建议增加高层拜访", "建议与经理复盘推进计划"},
		},
		SlowReplyDays: 3, SlowReplyBaselineDays: 1.5, SlowReplyMinReplies: 2, SlowReplyWindow: 3,
		SlowReplyAdvice: []string{"建议增加关键人触达频次（每周 1 次增至 2 次），询问内部讨论的争议点",
			"建议组织客户内部研讨会（销售 + 售前 + 决策人 + 影响者）现场解决分歧",
			"若卡在客户方流程（如预算审批），协助客户梳理审批路径"},
		ArchiveWorkingDays: 7, ArchiveLookbackDays: 30,
		PriorityMinHealth: 85, PriorityMinAmount: 500000_00,
		PresalesHours: 48, DirectorMeetingWorkingDays: 7, ContractReviewWorkingDays: 3,
		EveryMinutes: 15,
	}
}

// Fill replaces zero fields with the defaults.
func (s RhythmSettings) Fill() RhythmSettings {
	d := DefaultRhythmSettings()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&s.NextContactLeadHours, d.NextContactLeadHours)
	set(&s.ZombiePenaltyDays, d.ZombiePenaltyDays)
	set(&s.ZombiePenaltyPoints, d.ZombiePenaltyPoints)
	set(&s.ZombieReviewDays, d.ZombieReviewDays)
	set(&s.DwellMinSamples, d.DwellMinSamples)
	set(&s.JumpFirstStageDays, d.JumpFirstStageDays)
	set(&s.JumpWonWithinDays, d.JumpWonWithinDays)
	set(&s.OverdueGraceWorkingDays, d.OverdueGraceWorkingDays)
	set(&s.EscalateWithinDays, d.EscalateWithinDays)
	set(&s.SlowReplyMinReplies, d.SlowReplyMinReplies)
	set(&s.SlowReplyWindow, d.SlowReplyWindow)
	set(&s.ArchiveWorkingDays, d.ArchiveWorkingDays)
	set(&s.ArchiveLookbackDays, d.ArchiveLookbackDays)
	set(&s.PresalesHours, d.PresalesHours)
	set(&s.DirectorMeetingWorkingDays, d.DirectorMeetingWorkingDays)
	set(&s.ContractReviewWorkingDays, d.ContractReviewWorkingDays)
	set(&s.EveryMinutes, d.EveryMinutes)
	for _, f := range []struct {
		v   *float64
		def float64
	}{{&s.DwellFactor, d.DwellFactor}, {&s.SlowReplyDays, d.SlowReplyDays},
		{&s.SlowReplyBaselineDays, d.SlowReplyBaselineDays}, {&s.PriorityMinHealth, d.PriorityMinHealth}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	if s.PriorityMinAmount <= 0 {
		s.PriorityMinAmount = d.PriorityMinAmount
	}
	if s.Advice == nil {
		s.Advice = d.Advice
	}
	if s.SlowReplyAdvice == nil {
		s.SlowReplyAdvice = d.SlowReplyAdvice
	}
	return s
}

// Day is a calendar day (the rhythm's "N days" are calendar days; working
// days are used for deadlines that say so).
const Day = 24 * time.Hour

// DealFacts are what the rhythm rules look at for one open deal.
type DealFacts struct {
	Stage             string // the stage key
	StageName         string // shown in evidence (the key when empty)
	CadenceDays       int    // longest gap between touches in this stage (0: no cadence)
	ExpectedDwellDays int
	// AverageDwellDays is learned from history (0: not enough history).
	AverageDwellDays float64
	DwellSamples     int
	StageEnteredAt   time.Time
	LastContactAt    *time.Time
	NextContactAt    *time.Time
	UpdatedAt        time.Time
}

// lastTouch is the latest contact, or the stage entry if later (a deal that
// just moved has its cadence counted from the move).
func (d DealFacts) lastTouch() time.Time {
	t := d.StageEnteredAt
	if d.LastContactAt != nil && d.LastContactAt.After(t) {
		t = *d.LastContactAt
	}
	return t
}

// lastUpdate is the latest of any update, contact or stage move.
func (d DealFacts) lastUpdate() time.Time {
	t := d.lastTouch()
	if d.UpdatedAt.After(t) {
		t = d.UpdatedAt
	}
	return t
}

// NextContactDue: a todo for the owner once the next contact time is
// within the lead time. due is the contact time; ok false when not yet
// (or no next contact is set, or a contact already happened at or after it).
func NextContactDue(d DealFacts, now time.Time, s RhythmSettings) (due time.Time, ok bool) {
	if d.NextContactAt == nil {
		return time.Time{}, false
	}
	due = *d.NextContactAt
	if d.LastContactAt != nil && !d.LastContactAt.Before(due) {
		return due, false
	}
	return due, !now.Before(due.Add(-time.Duration(s.NextContactLeadHours) * time.Hour))
}

// CadenceMissed: no touch within the stage's cadence days. since is the
// last touch (it names the spell: one todo per silence), due the instant
// the cadence ran out.
func CadenceMissed(d DealFacts, now time.Time) (since, due time.Time, ok bool) {
	if d.CadenceDays <= 0 {
		return time.Time{}, time.Time{}, false
	}
	since = d.lastTouch()
	due = since.Add(time.Duration(d.CadenceDays) * Day)
	return since, due, now.After(due)
}

// Zombie: a deal without any update. since names the spell (the last
// update); penalty after ZombiePenaltyDays, review after ZombieReviewDays.
func Zombie(d DealFacts, now time.Time, s RhythmSettings) (since time.Time, penalty, review bool) {
	since = d.lastUpdate()
	idle := now.Sub(since)
	return since, idle >= time.Duration(s.ZombiePenaltyDays)*Day, idle >= time.Duration(s.ZombieReviewDays)*Day
}

// RiskFlag is a risk the rules raise on a deal.
type RiskFlag struct {
	Rule     string    `json:"rule"`
	Level    string    `json:"level"`
	Since    time.Time `json:"since"`
	Evidence string    `json:"evidence"`
	Advice   []string  `json:"advice"`
}

// StageDwell: in the stage longer than DwellFactor × the average dwell
// learned from history (with enough samples), else × the expected dwell.
// Since is the instant the limit was passed.
func StageDwell(d DealFacts, now time.Time, s RhythmSettings) (RiskFlag, bool) {
	base, basis := float64(d.ExpectedDwellDays), "预期停留"
	if d.AverageDwellDays > 0 && d.DwellSamples >= s.DwellMinSamples {
		base, basis = d.AverageDwellDays, "历史平均停留"
	}
	if base <= 0 {
		return RiskFlag{}, false
	}
	limit := time.Duration(base * s.DwellFactor * float64(Day))
	since := d.StageEnteredAt.Add(limit)
	if !now.After(since) {
		return RiskFlag{}, false
	}
	advice := s.Advice[d.Stage]
	if len(advice) == 0 {
		advice = s.Advice["*"]
	}
	days := now.Sub(d.StageEnteredAt).Hours() / 24
	name := d.StageName
	if name == "" {
		name = d.Stage
	}
	return RiskFlag{Rule: RuleStageDwell, Level: RiskHigh, Since: since, Advice: advice,
		// Whole days: the evidence (and so the stored flag) changes once a
		// day, not on every run.
		Evidence: fmt.Sprintf("在阶段「%s」已停留 %d 天，超过%s %.1f 天的 %.1f 倍（%.1f 天）", name, int(days), basis, base, s.DwellFactor, base*s.DwellFactor)}, true
}

// StageEntry is one row of a deal's stage history.
type StageEntry struct {
	StageID string
	At      time.Time
}

// FinishedStays returns, per stage id, the days of each finished stay in
// the histories (a stay ends when the next entry of the same deal begins).
func FinishedStays(histories [][]StageEntry) map[string][]float64 {
	out := map[string][]float64{}
	for _, h := range histories {
		for i := 0; i+1 < len(h); i++ {
			out[h[i].StageID] = append(out[h[i].StageID], h[i+1].At.Sub(h[i].At).Hours()/24)
		}
	}
	return out
}

// Average is the mean of xs (0 for none).
func Average(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// JumpAnomaly (seed 000): the deal sat at least JumpFirstStageDays in the
// pipeline's first stage and was won within JumpWonWithinDays of leaving it.
// history is the deal's stage history in order; wonStageID its won stage.
func JumpAnomaly(history []StageEntry, firstStageID, wonStageID string, s RhythmSettings) (RiskFlag, bool) {
	if len(history) < 2 || history[0].StageID != firstStageID || history[len(history)-1].StageID != wonStageID {
		return RiskFlag{}, false
	}
	inFirst := history[1].At.Sub(history[0].At)
	won := history[len(history)-1].At
	rush := won.Sub(history[1].At)
	if inFirst < time.Duration(s.JumpFirstStageDays)*Day || rush > time.Duration(s.JumpWonWithinDays)*Day {
		return RiskFlag{}, false
	}
	return RiskFlag{Rule: RuleJump, Level: RiskMedium, Since: won,
		Evidence: fmt.Sprintf("在首阶段停留 %.0f 天后，%.1f 天内直接赢单", inFirst.Hours()/24, rush.Hours()/24),
		Advice:   []string{"请经理核实阶段记录是否及时更新（数据质量）"}}, true
}
