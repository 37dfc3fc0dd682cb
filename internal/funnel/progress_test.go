package funnel_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"shangji/internal/funnel"
)

// SPEC §5, seed 003, exactly: Q = 1,300万; end of week 1 F = 500万, S = 0;
// end of week 2 F = 520万, S = 80万 → progress = 100/1300 = 7.69%, on target.
func TestWeeklyProgressSeed003(t *testing.T) {
	got, err := funnel.WeeklyProgress(funnel.Wan(1300), []funnel.WeekEnd{
		{Week: 1, Forecast: funnel.Wan(500), Sales: 0},
		{Week: 2, Forecast: funnel.Wan(520), Sales: funnel.Wan(80)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d weeks, want week 2 only", len(got))
	}
	w := got[0]
	if w.Week != 2 || w.Moved != funnel.Wan(100) {
		t.Fatalf("week %d moved %s, want week 2 and 100万", w.Week, funnel.FormatWan(w.Moved))
	}
	if w.Percent.String() != "7.69" || w.Target.String() != "7.69" || !w.OnTarget {
		t.Fatalf("progress %s%% target %s%% on target %v, want 7.69, 7.69, true", w.Percent, w.Target, w.OnTarget)
	}
}

func TestWeeklyProgress(t *testing.T) {
	q := funnel.Wan(1300)
	for _, tt := range []struct {
		name     string
		ends     []funnel.WeekEnd
		percents []string
		on       []bool
	}{
		{"Nothing", nil, []string{}, []bool{}},
		{"OnlyBaseline", []funnel.WeekEnd{{Week: 0, Forecast: funnel.Wan(400)}}, []string{}, []bool{}},
		{"WonFromForecastIsNoProgress", []funnel.WeekEnd{ // a win only moves F into S
			{Week: 3, Forecast: funnel.Wan(600), Sales: funnel.Wan(100)},
			{Week: 4, Forecast: funnel.Wan(500), Sales: funnel.Wan(200)},
		}, []string{"0"}, []bool{false}},
		{"StageAdvanceIsProgress", []funnel.WeekEnd{
			{Week: 0, Forecast: funnel.Wan(400)},
			{Week: 1, Forecast: funnel.Wan(530)},
		}, []string{"10"}, []bool{true}},
		{"LostDealIsNegative", []funnel.WeekEnd{
			{Week: 5, Forecast: funnel.Wan(700), Sales: funnel.Wan(300)},
			{Week: 6, Forecast: funnel.Wan(570), Sales: funnel.Wan(300)},
		}, []string{"-10"}, []bool{false}},
		{"JustShort", []funnel.WeekEnd{
			{Week: 0}, {Week: 1, Forecast: funnel.Wan(99)}, // 7.615…%
		}, []string{"7.62"}, []bool{false}},
		{"SeedsRoundedTarget", []funnel.WeekEnd{ // the seed's 7.8% is above 1/13
			{Week: 0}, {Week: 1, Forecast: 1_014_000_00},
		}, []string{"7.8"}, []bool{true}},
		{"ThreeWeeks", []funnel.WeekEnd{
			{Week: 0, Forecast: funnel.Wan(300)},
			{Week: 1, Forecast: funnel.Wan(400)},
			{Week: 2, Forecast: funnel.Wan(350), Sales: funnel.Wan(100)},
			{Week: 3, Forecast: funnel.Wan(350), Sales: funnel.Wan(100)},
		}, []string{"7.69", "3.85", "0"}, []bool{true, false, false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := funnel.WeeklyProgress(q, tt.ends)
			if err != nil {
				t.Fatal(err)
			}
			percents, on := []string{}, []bool{}
			for i, w := range got {
				percents, on = append(percents, w.Percent.String()), append(on, w.OnTarget)
				if w.Week != tt.ends[i+1].Week {
					t.Errorf("entry %d is week %d, want %d", i, w.Week, tt.ends[i+1].Week)
				}
			}
			if !slices.Equal(percents, tt.percents) || !slices.Equal(on, tt.on) {
				t.Fatalf("progress %v on target %v, want %v %v", percents, on, tt.percents, tt.on)
			}
		})
	}
}

// Thirteen weeks at the target add up to the whole quota.
func TestWeeklyProgressWholeQuarter(t *testing.T) {
	ends := []funnel.WeekEnd{{Week: 0, Forecast: funnel.Wan(200)}}
	for w := 1; w <= funnel.WeeksPerQuarter; w++ {
		ends = append(ends, funnel.WeekEnd{Week: w, Forecast: funnel.Wan(200), Sales: funnel.Wan(int64(100 * w))})
	}
	got, err := funnel.WeeklyProgress(funnel.Wan(1300), ends)
	if err != nil {
		t.Fatal(err)
	}
	var moved funnel.Money
	for _, w := range got {
		moved += w.Moved
		if !w.OnTarget {
			t.Errorf("week %d (%s%%) off target", w.Week, w.Percent)
		}
	}
	if len(got) != 13 || moved != funnel.Wan(1300) {
		t.Fatalf("%d weeks moved %s, want 13 and the quota", len(got), funnel.FormatWan(moved))
	}
}

func TestWeeklyProgressInvalid(t *testing.T) {
	for _, tt := range []struct {
		name   string
		quota  funnel.Money
		ends   []funnel.WeekEnd
		fields []string
	}{
		{"NoQuota", 0, nil, []string{"quota"}},
		{"NegativeQuota", -1, nil, []string{"quota"}},
		{"GapInWeeks", funnel.Wan(1), []funnel.WeekEnd{{Week: 1}, {Week: 3}}, []string{"weeks[1].week"}},
		{"Backwards", funnel.Wan(1), []funnel.WeekEnd{{Week: 2}, {Week: 1}}, []string{"weeks[1].week"}},
		{"Negative", funnel.Wan(1), []funnel.WeekEnd{{Week: 0, Forecast: -1}, {Week: 1, Sales: -1}}, []string{"weeks[0].forecast", "weeks[1].sales"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := funnel.WeeklyProgress(tt.quota, tt.ends)
			var e *funnel.Error
			if !errors.As(err, &e) || e.Code != funnel.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestWeeksOf(t *testing.T) {
	for _, tt := range []struct {
		period      string
		n           int
		first, last [2]string // first and last week: first day, last day
	}{
		// Starts on a Monday and ends on a Sunday: thirteen whole weeks.
		{"2024-Q2", 13, [2]string{"2024-04-01", "2024-04-07"}, [2]string{"2024-06-24", "2024-06-30"}},
		// Starts on a Thursday: a 4-day first week and a 2-day last one.
		{"2026-Q1", 14, [2]string{"2026-01-01", "2026-01-04"}, [2]string{"2026-03-30", "2026-03-31"}},
		{"2026-Q4", 14, [2]string{"2026-10-01", "2026-10-04"}, [2]string{"2026-12-28", "2026-12-31"}},
		// Starts on a Sunday: a one-day first week.
		{"2023-Q4", 14, [2]string{"2023-10-01", "2023-10-01"}, [2]string{"2023-12-25", "2023-12-31"}},
		{"2026-02", 5, [2]string{"2026-02-01", "2026-02-01"}, [2]string{"2026-02-23", "2026-02-28"}},
	} {
		t.Run(tt.period, func(t *testing.T) {
			p, err := funnel.ParsePeriod(tt.period)
			if err != nil {
				t.Fatal(err)
			}
			weeks := funnel.WeeksOf(p)
			if len(weeks) != tt.n {
				t.Fatalf("%d weeks, want %d: %+v", len(weeks), tt.n, weeks)
			}
			f, l := weeks[0], weeks[len(weeks)-1]
			if f.FirstDay != tt.first[0] || f.LastDay != tt.first[1] || l.FirstDay != tt.last[0] || l.LastDay != tt.last[1] {
				t.Fatalf("first %s–%s last %s–%s, want %v %v", f.FirstDay, f.LastDay, l.FirstDay, l.LastDay, tt.first, tt.last)
			}
			// Weeks tile the period: numbered from 1, each starting the day
			// after the previous ends, every inner week Monday to Sunday.
			for i, w := range weeks {
				if w.Number != i+1 {
					t.Errorf("week %d numbered %d", i+1, w.Number)
				}
				last, _ := time.Parse(time.DateOnly, w.LastDay)
				if i < len(weeks)-1 && last.Weekday() != time.Sunday {
					t.Errorf("week %d ends on %s", w.Number, last.Weekday())
				}
				if i > 0 {
					prev, _ := time.Parse(time.DateOnly, weeks[i-1].LastDay)
					if w.FirstDay != prev.AddDate(0, 0, 1).Format(time.DateOnly) {
						t.Errorf("week %d starts %s after %s", w.Number, w.FirstDay, weeks[i-1].LastDay)
					}
				}
				if got := funnel.Today(w.Closes.Add(-time.Nanosecond)); got != w.LastDay {
					t.Errorf("week %d closes at %s, which is not the end of %s", w.Number, w.Closes, w.LastDay)
				}
			}
		})
	}
}

// A week closes at midnight in Shanghai, which is 16:00 UTC on the Sunday.
func TestWeeksOfClosesInCompanyZone(t *testing.T) {
	p, _ := funnel.ParsePeriod("2024-Q2")
	got := funnel.WeeksOf(p)[0].Closes
	if want := time.Date(2024, 4, 7, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("week 1 closes %s, want %s", got.UTC(), want)
	}
	if got.Location() != funnel.CompanyZone {
		t.Fatalf("Closes is in %s, want the company zone", got.Location())
	}
}

func TestLastClosedWeek(t *testing.T) {
	sh := funnel.CompanyZone
	cases := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 11, 23, 0, 0, 0, 0, sh), "2026-11-22"},        // Monday midnight: Sunday's week just closed
		{time.Date(2026, 11, 22, 23, 59, 0, 0, sh), "2026-11-15"},      // late Sunday: still open
		{time.Date(2026, 10, 1, 8, 0, 0, 0, sh), "2026-09-30"},         // a quarter's last, short week
		{time.Date(2026, 10, 5, 0, 0, 0, 0, sh), "2026-10-04"},         // the new quarter's first Sunday
		{time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC), "2026-11-22"}, // 00:00 Monday in Shanghai
	}
	for _, c := range cases {
		if got := funnel.LastClosedWeek(c.now).LastDay; got != c.want {
			t.Errorf("LastClosedWeek(%v) = %s, want %s", c.now, got, c.want)
		}
	}
}
