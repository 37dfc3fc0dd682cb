package funnel

import (
	"fmt"
	"strconv"
	"time"
)

// The rhythm rules beyond the basic cadence (SPEC §6–7, seed 002): slowing
// replies, archive overdue and the resource priority queue. Like the others
// they are pure functions of facts, the instant and the settings.

// More rule names.
const (
	RuleSlowReplies    = "slow_replies"
	RuleArchiveOverdue = "archive_overdue"
	RulePriorityQueue  = "priority_queue"
)

// Touch is one follow-up on a deal as the reply rule sees it: Inbound is
// the customer speaking (an activity logged with direction inbound), any
// other is ours.
type Touch struct {
	At      time.Time
	Inbound bool
}

// Reply is one measured customer reply: how long the customer took to
// answer the first of our touches since their previous reply. Pending is a
// wait not answered yet (measured up to now).
type Reply struct {
	Asked   time.Time
	Days    float64
	Pending bool
}

// Replies measures the customer's reply times from a deal's touches in time
// order. Only an inbound touch after one of ours is a reply (the customer
// starting a conversation measures nothing); several touches of ours in a
// row wait from the first of them. A last wait not answered yet is returned
// as Pending, measured up to now.
func Replies(touches []Touch, now time.Time) []Reply {
	var out []Reply
	var asked *time.Time
	for _, t := range touches {
		switch {
		case !t.Inbound && asked == nil:
			at := t.At
			asked = &at
		case t.Inbound && asked != nil:
			out = append(out, Reply{Asked: *asked, Days: t.At.Sub(*asked).Hours() / 24})
			asked = nil
		}
	}
	if asked != nil && now.After(*asked) {
		out = append(out, Reply{Asked: *asked, Days: now.Sub(*asked).Hours() / 24, Pending: true})
	}
	return out
}

// SlowingReplies (SPEC §6, seed 002's 预警信号 "客户响应时间从24小时延长至3天以上"):
// the customer answered within SlowReplyBaselineDays on average over at
// least SlowReplyMinReplies earlier replies, and the latest reply (or the
// wait still open) took longer than SlowReplyDays. The spell is the touch of
// ours the slow reply answers; since is when the wait passed the threshold.
func SlowingReplies(touches []Touch, now time.Time, s RhythmSettings) (r RiskFlag, spell string, ok bool) {
	rs := Replies(touches, now)
	if len(rs) == 0 {
		return RiskFlag{}, "", false
	}
	// A wait still open counts once it is slow itself: asking again after
	// a slow answer does not end the spell before the customer answers.
	if l := rs[len(rs)-1]; l.Pending && l.Days <= s.SlowReplyDays {
		rs = rs[:len(rs)-1]
		if len(rs) == 0 {
			return RiskFlag{}, "", false
		}
	}
	last := rs[len(rs)-1]
	base := rs[:len(rs)-1]
	if len(base) > s.SlowReplyWindow {
		base = base[len(base)-s.SlowReplyWindow:]
	}
	if len(base) < s.SlowReplyMinReplies || last.Days <= s.SlowReplyDays {
		return RiskFlag{}, "", false
	}
	sum := 0.0
	for _, b := range base {
		sum += b.Days
	}
	avg := sum / float64(len(base))
	if avg > s.SlowReplyBaselineDays {
		return RiskFlag{}, "", false
	}
	what := "最近一次客户回复用了"
	if last.Pending {
		what = "客户已有"
	}
	ev := fmt.Sprintf("此前 %d 次回复平均 %.1f 天，%s %.1f 天", len(base), avg, what, last.Days)
	if last.Pending { // whole days while it grows: the flag is rewritten once a day
		ev = fmt.Sprintf("此前 %d 次回复平均 %.1f 天，%s %d 天未回复", len(base), avg, what, int(last.Days))
	}
	return RiskFlag{Rule: RuleSlowReplies, Level: RiskMedium, Evidence: ev, Advice: s.SlowReplyAdvice,
		Since: last.Asked.Add(time.Duration(s.SlowReplyDays * float64(Day)))}, strconv.FormatInt(last.Asked.UnixMilli(), 10), true
}

// ArchiveDeadline (SPEC §7): a deal closed on closedOn (YYYY-MM-DD) must be
// archived — success points for a win, the loss analysis for a loss — by
// the end of the ArchiveWorkingDays-th working day after the close date.
func ArchiveDeadline(closedOn string, cal *Calendar, s RhythmSettings) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, closedOn, CompanyZone)
	if err != nil {
		return time.Time{}, err
	}
	return cal.AddWorkingDays(d, s.ArchiveWorkingDays).AddDate(0, 0, 1), nil
}

// ArchiveOverdue: past the deadline without the archive.
func ArchiveOverdue(status string, deadline time.Time, archived bool, now time.Time, s RhythmSettings) (RiskFlag, bool) {
	if archived || !now.After(deadline) || (status != StatusWon && status != StatusLost) {
		return RiskFlag{}, false
	}
	what, advice := "成功经验点", "请填写成功经验点（如“高层拜访促成决策”）完成归档"
	if status == StatusLost {
		what, advice = "丢单分析表", "请填写丢单分析表（丢单原因、竞品优势、真实原因、自身短板）完成归档"
	}
	return RiskFlag{Rule: RuleArchiveOverdue, Level: RiskMedium, Since: deadline, Advice: []string{advice},
		Evidence: fmt.Sprintf("关单后 %d 个工作日内未提交%s", s.ArchiveWorkingDays, what)}, true
}

// PriorityTask is one of the resource priority queue's tracked tasks.
type PriorityTask struct {
	Kind  string    // todo kind
	Title string    // what is to be done
	Due   time.Time // its SLA deadline
	// Assignee says who does it: "manager" (the owner's manager arranges
	// presales), "director" (the nearest director above the owner), "owner".
	Assignee string
}

// Priority queue todo kinds.
const (
	TaskPresales       = "priority_presales"
	TaskDirectorMeet   = "priority_director_meeting"
	TaskContractReview = "priority_contract_review"
)

// PriorityQueue (seed 002 资源优先级队列): an open deal with health above
// PriorityMinHealth and amount above PriorityMinAmount gets three tracked
// tasks from the instant it qualified: presales support within
// PresalesHours, a director meeting within DirectorMeetingWorkingDays and a
// contract review within ContractReviewWorkingDays.
func PriorityQueue(health float64, amount Money, qualified time.Time, cal *Calendar, s RhythmSettings) ([]PriorityTask, bool) {
	if health <= s.PriorityMinHealth || amount <= s.PriorityMinAmount {
		return nil, false
	}
	return []PriorityTask{
		{TaskPresales, "售前团队 " + strconv.Itoa(s.PresalesHours) + " 小时内安排专属支持",
			qualified.Add(time.Duration(s.PresalesHours) * time.Hour), "manager"},
		{TaskDirectorMeet, "销售总监 " + strconv.Itoa(s.DirectorMeetingWorkingDays) + " 个工作日内参与客户会议",
			cal.AddWorkingDays(qualified, s.DirectorMeetingWorkingDays), "director"},
		{TaskContractReview, "财务/法务 " + strconv.Itoa(s.ContractReviewWorkingDays) + " 个工作日内完成合同审核",
			cal.AddWorkingDays(qualified, s.ContractReviewWorkingDays), "owner"},
	}, true
}
