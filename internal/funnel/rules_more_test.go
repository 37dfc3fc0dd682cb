package funnel

import (
	"testing"
	"time"
)

func touches(spec ...any) []Touch {
	// spec: day (float64), inbound (bool) pairs
	var out []Touch
	for i := 0; i < len(spec); i += 2 {
		out = append(out, Touch{At: at(spec[i].(float64)), Inbound: spec[i+1].(bool)})
	}
	return out
}

func TestReplies(t *testing.T) {
	rs := Replies(touches(0.0, true, 1.0, false, 1.5, false, 2.0, true, 3.0, false), at(4))
	if len(rs) != 2 {
		t.Fatalf("replies %+v", rs)
	}
	if rs[0].Asked != at(1) || rs[0].Days != 1 || rs[0].Pending {
		t.Errorf("first reply waits from our first unanswered touch: %+v", rs[0])
	}
	if !rs[1].Pending || rs[1].Days != 1 {
		t.Errorf("open wait: %+v", rs[1])
	}
}

func TestSlowingReplies(t *testing.T) {
	s := DefaultRhythmSettings()
	fast := []any{0.0, false, 1.0, true, 2.0, false, 2.8, true}
	for _, c := range []struct {
		name  string
		ts    []Touch
		now   float64
		want  bool
		since float64
	}{
		{"always fast", touches(append(fast, 4.0, false, 5.0, true)...), 10, false, 0},
		{"slow reply after fast ones", touches(append(fast, 4.0, false, 7.5, true)...), 10, true, 7},
		{"exactly three days is not over three", touches(append(fast, 4.0, false, 7.0, true)...), 10, false, 0},
		{"open wait past three days", touches(append(fast, 4.0, false)...), 7.2, true, 7},
		{"open wait not yet three days", touches(append(fast, 4.0, false)...), 6.9, false, 0},
		{"only one earlier reply", touches(0.0, false, 1.0, true, 2.0, false), 9, false, 0},
		{"always slow (no slowdown)", touches(0.0, false, 4.0, true, 5.0, false, 9.0, true, 10.0, false), 15, false, 0},
		{"fast again ends it", touches(append(fast, 4.0, false, 7.5, true, 8.0, false, 8.5, true)...), 10, false, 0},
		{"asked again, not answered yet: still slow", touches(append(fast, 4.0, false, 7.5, true, 8.0, false)...), 8.5, true, 7},
	} {
		r, spell, ok := SlowingReplies(c.ts, at(c.now), s)
		if ok != c.want {
			t.Errorf("%s: ok %v (%+v)", c.name, ok, r)
			continue
		}
		if ok && (!r.Since.Equal(at(c.since)) || r.Level != RiskMedium || spell == "" || len(r.Advice) == 0) {
			t.Errorf("%s: %+v spell %q", c.name, r, spell)
		}
	}
}

func TestArchiveOverdue(t *testing.T) {
	s := DefaultRhythmSettings()
	cal := ChinaCalendar()
	dl, err := ArchiveDeadline("2026-11-20", cal, s) // a Friday; no holidays follow
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 2, 0, 0, 0, 0, CompanyZone); !dl.Equal(want) {
		t.Fatalf("deadline %v, want the end of Tuesday 1 December", dl)
	}
	if _, ok := ArchiveOverdue(StatusLost, dl, false, dl.Add(-time.Minute), s); ok {
		t.Error("before the deadline")
	}
	if r, ok := ArchiveOverdue(StatusLost, dl, false, dl.Add(time.Minute), s); !ok || r.Rule != RuleArchiveOverdue || !r.Since.Equal(dl) {
		t.Errorf("after the deadline: %+v %v", r, ok)
	}
	if _, ok := ArchiveOverdue(StatusWon, dl, true, dl.Add(time.Hour), s); ok {
		t.Error("archived in time")
	}
	if _, ok := ArchiveOverdue(StatusOpen, dl, false, dl.Add(time.Hour), s); ok {
		t.Error("an open deal has no archive deadline")
	}
	// Across the 2026 National Day break the deadline counts working days only.
	dl2, _ := ArchiveDeadline("2026-09-30", cal, s)
	if n := cal.WorkingDaysBetween(time.Date(2026, 9, 30, 0, 0, 0, 0, CompanyZone), dl2.AddDate(0, 0, -1)); n != 7 {
		t.Errorf("working days to the deadline across the holiday: %d", n)
	}
	if dl2.Sub(time.Date(2026, 9, 30, 0, 0, 0, 0, CompanyZone)) < 10*Day {
		t.Errorf("the National Day break must push the deadline out: %v", dl2)
	}
}

func TestPriorityQueue(t *testing.T) {
	s := DefaultRhythmSettings()
	cal := ChinaCalendar()
	q := time.Date(2026, 11, 20, 10, 0, 0, 0, CompanyZone) // Friday
	for _, c := range []struct {
		health float64
		amount Money
		want   bool
	}{{90, 600000_00, true}, {85, 600000_00, false}, {90, 500000_00, false}, {99, 50000_00, false}} {
		if _, ok := PriorityQueue(c.health, c.amount, q, cal, s); ok != c.want {
			t.Errorf("%v %v: %v", c.health, c.amount, ok)
		}
	}
	ts, _ := PriorityQueue(86, 500001_00, q, cal, s)
	want := map[string]time.Time{
		TaskPresales:       q.Add(48 * time.Hour),
		TaskDirectorMeet:   time.Date(2026, 12, 1, 10, 0, 0, 0, CompanyZone),
		TaskContractReview: time.Date(2026, 11, 25, 10, 0, 0, 0, CompanyZone),
	}
	if len(ts) != 3 {
		t.Fatalf("%+v", ts)
	}
	for _, x := range ts {
		if !x.Due.Equal(want[x.Kind]) {
			t.Errorf("%s due %v, want %v", x.Kind, x.Due, want[x.Kind])
		}
	}
}

func TestRhythmSettingsFillMore(t *testing.T) {
	s := RhythmSettings{SlowReplyDays: 5}.Fill()
	d := DefaultRhythmSettings()
	if s.SlowReplyDays != 5 || s.ArchiveWorkingDays != 7 || s.PriorityMinAmount != d.PriorityMinAmount || s.ZombiePenaltyDays != 3 || len(s.SlowReplyAdvice) == 0 {
		t.Errorf("%+v", s)
	}
}
