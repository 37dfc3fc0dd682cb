package funnel

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

func at(days float64) time.Time  { return t0.Add(time.Duration(days * float64(Day))) }
func ptr(t time.Time) *time.Time { return &t }

func TestNextContactDue(t *testing.T) {
	s := DefaultRhythmSettings()
	for _, c := range []struct {
		name      string
		next, ctc *time.Time
		now       time.Time
		want      bool
	}{
		{"none set", nil, nil, at(5), false},
		{"two days ahead", ptr(at(3)), nil, at(1), false},
		{"within the lead", ptr(at(3)), nil, at(2.01), true},
		{"overdue", ptr(at(3)), nil, at(9), true},
		{"contacted at it", ptr(at(3)), ptr(at(3)), at(9), false},
		{"contacted before it", ptr(at(3)), ptr(at(1)), at(9), true},
	} {
		_, ok := NextContactDue(DealFacts{NextContactAt: c.next, LastContactAt: c.ctc}, c.now, s)
		if ok != c.want {
			t.Errorf("%s: %v", c.name, ok)
		}
	}
}

func TestCadenceMissed(t *testing.T) {
	for _, c := range []struct {
		name    string
		cadence int
		entered time.Time
		contact *time.Time
		now     time.Time
		want    bool
		since   time.Time
	}{
		{"no cadence", 0, at(0), nil, at(50), false, time.Time{}},
		{"within", 3, at(0), nil, at(3), false, at(0)},
		{"missed since the stage entry", 3, at(0), nil, at(3.01), true, at(0)},
		{"a contact restarts it", 3, at(0), ptr(at(2)), at(4), false, at(2)},
		{"missed since the contact", 3, at(0), ptr(at(2)), at(5.5), true, at(2)},
		{"an old contact before the move does not count", 2, at(10), ptr(at(2)), at(11), false, at(10)},
	} {
		since, due, ok := CadenceMissed(DealFacts{CadenceDays: c.cadence, StageEnteredAt: c.entered, LastContactAt: c.contact}, c.now)
		if ok != c.want || (ok && (!since.Equal(c.since) || !due.Equal(c.since.Add(time.Duration(c.cadence)*Day)))) {
			t.Errorf("%s: ok %v since %v due %v", c.name, ok, since, due)
		}
	}
}

func TestZombie(t *testing.T) {
	s := DefaultRhythmSettings()
	d := DealFacts{StageEnteredAt: at(0), UpdatedAt: at(1), LastContactAt: ptr(at(0.5))}
	for _, c := range []struct {
		now             time.Time
		penalty, review bool
	}{{at(3.9), false, false}, {at(4), true, false}, {at(7.9), true, false}, {at(8), true, true}} {
		since, p, r := Zombie(d, c.now, s)
		if p != c.penalty || r != c.review || !since.Equal(at(1)) {
			t.Errorf("at %v: since %v penalty %v review %v", c.now, since, p, r)
		}
	}
}

func TestStageDwell(t *testing.T) {
	s := DefaultRhythmSettings()
	for _, c := range []struct {
		name    string
		d       DealFacts
		now     time.Time
		want    bool
		sinceAt float64
	}{
		// SPEC's example: average 7 days → risk after 10.5.
		{"learned 7 days, at 10.4", DealFacts{Stage: "proposal", ExpectedDwellDays: 21, AverageDwellDays: 7, DwellSamples: 3}, at(10.4), false, 0},
		{"learned 7 days, at 10.6", DealFacts{Stage: "proposal", ExpectedDwellDays: 21, AverageDwellDays: 7, DwellSamples: 3}, at(10.6), true, 10.5},
		{"too few samples: expected dwell", DealFacts{Stage: "proposal", ExpectedDwellDays: 14, AverageDwellDays: 7, DwellSamples: 2}, at(20), false, 0},
		{"expected 14 → 21", DealFacts{Stage: "proposal", ExpectedDwellDays: 14}, at(21.1), true, 21},
		{"no basis", DealFacts{Stage: "x"}, at(100), false, 0},
	} {
		c.d.StageEnteredAt = at(0)
		r, ok := StageDwell(c.d, c.now, s)
		if ok != c.want {
			t.Errorf("%s: %v", c.name, ok)
			continue
		}
		if ok && (!r.Since.Equal(at(c.sinceAt)) || r.Level != RiskHigh || len(r.Advice) == 0 || r.Advice[0] != "建议增加高层拜访") {
			t.Errorf("%s: %+v", c.name, r)
		}
	}
	r, _ := StageDwell(DealFacts{Stage: "unknown", ExpectedDwellDays: 1, StageEnteredAt: at(0)}, at(5), s)
	if len(r.Advice) == 0 {
		t.Error("a stage without advice gets the fallback")
	}
}

func TestFinishedStaysAndAverage(t *testing.T) {
	st := FinishedStays([][]StageEntry{
		{{"a", at(0)}, {"b", at(4)}, {"c", at(10)}},
		{{"a", at(0)}, {"b", at(2)}},
	})
	if len(st["a"]) != 2 || Average(st["a"]) != 3 || len(st["b"]) != 1 || st["b"][0] != 6 || len(st["c"]) != 0 {
		t.Errorf("%v", st)
	}
}

func TestJumpAnomaly(t *testing.T) {
	s := DefaultRhythmSettings()
	for _, c := range []struct {
		name string
		h    []StageEntry
		want bool
	}{
		{"long then straight to won", []StageEntry{{"first", at(0)}, {"won", at(40)}}, true},
		{"long then a rush through", []StageEntry{{"first", at(0)}, {"p", at(35)}, {"won", at(37)}}, true},
		{"long then a normal path", []StageEntry{{"first", at(0)}, {"p", at(35)}, {"won", at(50)}}, false},
		{"short first stage", []StageEntry{{"first", at(0)}, {"won", at(10)}}, false},
		{"created later in the funnel", []StageEntry{{"p", at(0)}, {"won", at(40)}}, false},
		{"not won", []StageEntry{{"first", at(0)}, {"p", at(40)}}, false},
	} {
		r, ok := JumpAnomaly(c.h, "first", "won", s)
		if ok != c.want || (ok && !r.Since.Equal(c.h[len(c.h)-1].At)) {
			t.Errorf("%s: %v %+v", c.name, ok, r)
		}
	}
}

func TestRhythmSettingsFill(t *testing.T) {
	s := RhythmSettings{ZombieReviewDays: 10}.Fill()
	if s.ZombieReviewDays != 10 || s.ZombiePenaltyDays != 3 || s.DwellFactor != 1.5 || s.OverdueGraceWorkingDays != 1 || s.Advice == nil {
		t.Errorf("%+v", s)
	}
}
