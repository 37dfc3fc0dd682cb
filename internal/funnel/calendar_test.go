package funnel_test

import (
	"testing"
	"time"

	"shangji/internal/funnel"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, funnel.CompanyZone)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, funnel.CompanyZone)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIsWorkingDay2026(t *testing.T) {
	for _, tc := range []struct {
		date string
		want bool
		why  string
	}{
		{"2026-09-18", true, "Friday before Mid-Autumn"},
		{"2026-09-19", false, "ordinary Saturday"},
		{"2026-09-20", true, "Sunday made up for National Day"},
		{"2026-09-25", false, "Mid-Autumn (Friday)"},
		{"2026-09-30", true, "Wednesday before National Day"},
		{"2026-10-01", false, "National Day"},
		{"2026-10-05", false, "National Day week Monday"},
		{"2026-10-07", false, "last day of the break (Wednesday)"},
		{"2026-10-08", true, "first day back"},
		{"2026-10-10", true, "Saturday made up for National Day"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2026-01-01", false, "New Year"},
		{"2026-01-04", true, "Sunday made up for New Year"},
		{"2026-02-13", true, "Friday before Spring Festival"},
		{"2026-02-14", true, "Saturday made up for Spring Festival"},
		{"2026-02-15", false, "Spring Festival starts (腊月二十八)"},
		{"2026-02-17", false, "Spring Festival day (正月初一)"},
		{"2026-02-23", false, "Spring Festival Monday (正月初七)"},
		{"2026-02-24", true, "back after Spring Festival"},
		{"2026-02-28", true, "second Saturday made up for Spring Festival"},
		{"2026-04-06", false, "Qingming Monday"},
		{"2026-05-04", false, "Labour Day Monday"},
		{"2026-05-09", true, "Saturday made up for Labour Day"},
		{"2026-06-19", false, "Dragon Boat Friday"},
		{"2026-11-23", true, "ordinary Monday"},
		{"2027-10-01", false, "National Day 2027 (statutory, provisional year)"},
		{"2027-10-04", true, "provisional 2027 lists statutory days only"},
		{"2025-10-01", true, "no schedule for 2025: Monday to Friday"},
	} {
		if got := funnel.IsWorkingDay(day(tc.date)); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tc.date, got, tc.want, tc.why)
		}
	}
}

// Counted by hand from the State Council notice: 2026 has 261 weekdays, 19
// of them holidays, and 6 make-up weekend days.
func TestWorkingDaysIn2026(t *testing.T) {
	if got := funnel.WorkingDaysBetween(day("2025-12-31"), day("2026-12-31")); got != 248 {
		t.Fatalf("working days in 2026 = %d, want 248", got)
	}
}

func TestAddWorkingDays(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
		why  string
	}{
		{"2026-09-28 10:00", 7, "2026-10-13 10:00", "7 working days after a close crossing National Day and its make-up Saturday"},
		{"2026-09-30 15:30", 7, "2026-10-15 15:30", "close on the eve of National Day"},
		{"2026-10-03 09:00", 1, "2026-10-08 09:00", "close inside the break counts from the break's end"},
		{"2026-09-18 18:00", 1, "2026-09-20 18:00", "the next working day is a make-up Sunday"},
		{"2026-10-09 12:00", 1, "2026-10-10 12:00", "the next working day is a make-up Saturday"},
		{"2026-02-13 17:00", 3, "2026-02-25 17:00", "Spring Festival: make-up Saturday, then nine days off"},
		{"2026-02-12 09:00", 7, "2026-02-28 09:00", "7 working days across Spring Festival, ending on its second make-up Saturday"},
		{"2026-12-31 11:00", 1, "2027-01-04 11:00", "New Year 2027 (provisional) then a weekend"},
		{"2026-10-08 09:00", -1, "2026-09-30 09:00", "backwards across National Day"},
		{"2026-10-12 09:00", -2, "2026-10-09 09:00", "backwards over a make-up Saturday"},
		{"2026-10-04 09:00", 0, "2026-10-04 09:00", "zero leaves the instant alone, even on a holiday"},
		{"2026-11-20 09:00", 3, "2026-11-25 09:00", "ordinary weekend"},
	} {
		got := funnel.AddWorkingDays(at(tc.from), tc.n)
		if want := at(tc.want); !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s (%s)", tc.from, tc.n, got.In(funnel.CompanyZone).Format("2006-01-02 15:04"), tc.want, tc.why)
		}
	}
}

// A UTC instant is counted on its Shanghai date: 17:00 UTC on 30 September
// is already 1 October (a holiday) in Shanghai.
func TestAddWorkingDaysUsesCompanyZone(t *testing.T) {
	got := funnel.AddWorkingDays(time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC), 1)
	if want := at("2026-10-08 01:00"); !got.Equal(want) {
		t.Fatalf("got %s, want %s", got.In(funnel.CompanyZone), want)
	}
	if funnel.IsWorkingDay(time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)) {
		t.Fatal("17:00 UTC on 30 September is National Day in Shanghai")
	}
}

// WorkingDaysBetween is the inverse of AddWorkingDays, and a deadline always
// lands on a working day, for every start day of 2026.
func TestWorkingDaysBetweenInvertsAdd(t *testing.T) {
	for d := day("2026-01-01"); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		for _, n := range []int{1, 3, 7, 20, -3, -7} {
			end := funnel.AddWorkingDays(d, n)
			if got := funnel.WorkingDaysBetween(d, end); got != n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", d.Format(time.DateOnly), end.Format(time.DateOnly), got, n)
			}
			if !funnel.IsWorkingDay(end) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", d.Format(time.DateOnly), n, end.Format(time.DateOnly))
			}
		}
	}
	if got := funnel.WorkingDaysBetween(day("2026-10-13"), day("2026-09-28")); got != -7 {
		t.Fatalf("reversed = %d, want -7", got)
	}
	if got := funnel.WorkingDaysBetween(at("2026-10-13 08:00"), at("2026-10-13 20:00")); got != 0 {
		t.Fatalf("same day = %d, want 0", got)
	}
}

// An admin's schedule replaces the shipped year as a whole.
func TestCalendarOverride(t *testing.T) {
	years, err := funnel.ParseHolidayYears([]byte(`[{"year":2027,
		"holidays":[{"name":"春节","from":"2027-02-05","to":"2027-02-11"}],
		"workdays":["2027-02-13"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := funnel.ChinaCalendar().With(years...)
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkingDay(day("2027-02-08")) {
		t.Error("2027-02-08 is in the overriding Spring Festival")
	}
	if !c.IsWorkingDay(day("2027-02-13")) {
		t.Error("2027-02-13 is an overriding make-up Saturday")
	}
	if !c.IsWorkingDay(day("2027-10-01")) {
		t.Error("the override replaces the whole of 2027, National Day included")
	}
	if c.IsWorkingDay(day("2026-10-01")) {
		t.Error("other years keep the shipped schedule")
	}
	if !funnel.IsWorkingDay(day("2027-02-08")) {
		t.Error("overriding must not change the shipped calendar")
	}
	var plain funnel.Calendar
	if !plain.IsWorkingDay(day("2026-10-01")) || plain.IsWorkingDay(day("2026-10-10")) {
		t.Error("the zero Calendar is Monday to Friday")
	}
	for _, y := range funnel.ChinaCalendar().Years() {
		if y.Year == 2027 && !y.Provisional {
			t.Error("2027 must be marked provisional until the official schedule is set")
		}
	}
}

func TestCalendarRejectsNonsense(t *testing.T) {
	for name, js := range map[string]string{
		"make-up weekday":  `[{"year":2027,"holidays":[],"workdays":["2027-02-10"]}]`,
		"both off and on":  `[{"year":2027,"holidays":[{"name":"x","from":"2027-02-13","to":"2027-02-14"}],"workdays":["2027-02-13"]}]`,
		"reversed range":   `[{"year":2027,"holidays":[{"name":"x","from":"2027-02-13","to":"2027-02-10"}]}]`,
		"other year":       `[{"year":2027,"holidays":[{"name":"x","from":"2028-02-13","to":"2028-02-14"}]}]`,
		"not a date":       `[{"year":2027,"holidays":[{"name":"x","from":"13/02/2027","to":"2027-02-14"}]}]`,
		"not JSON":         `{"year":`,
		"year out of band": `[{"year":27,"holidays":[]}]`,
	} {
		if _, err := funnel.ParseHolidayYears([]byte(js)); err == nil {
			t.Errorf("%s: accepted %s", name, js)
		}
	}
}
