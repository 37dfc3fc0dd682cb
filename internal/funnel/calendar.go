package funnel

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Working days. Deadlines such as "archive within 7 working days after the
// close" (SPEC §6, §7) count the company's working days, and in China those
// are not simply Monday to Friday: each year the State Council publishes the
// public holidays together with make-up working days (调休) on weekends, so
// the calendar is data per year, shipped for the years we know and
// overridable by an admin when a schedule is published or a company differs.

// CalendarSetting is the settings key under which an admin's schedules
// ([]HolidayYear as JSON) override the shipped ones:
//
//	var years []funnel.HolidayYear
//	_, err := db.Setting(ctx, funnel.CalendarSetting, &years)
//	cal, err := funnel.ChinaCalendar().With(years...) // checks each year
const CalendarSetting = "calendar"

// HolidayYear is one year's schedule as published: the breaks (which may
// include the weekends inside them) and the weekend days worked instead.
// The JSON form is also the form of the admin setting that overrides a year.
type HolidayYear struct {
	Year     int         `json:"year"`
	Holidays []DateRange `json:"holidays"`
	// Workdays are weekend dates that are working days (调休上班).
	Workdays []string `json:"workdays,omitempty"`
	// Provisional marks a year whose official schedule was not known when
	// it was written: deadlines in it may move once it is set.
	Provisional bool   `json:"provisional,omitempty"`
	Source      string `json:"source,omitempty"`
}

// DateRange is a named break, both ends included, as 'YYYY-MM-DD'.
type DateRange struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// chinaYears are the official schedules. 2026: 国务院办公厅关于2026年部分节假日
// 安排的通知 (2025-11-04). 2027 was not published when this was written, so
// only the statutory days whose dates are fixed are listed; Spring Festival,
// Qingming, Dragon Boat and Mid-Autumn and every make-up day must be set by an
// admin (setting "calendar") once the State Council publishes the schedule.
var chinaYears = []HolidayYear{
	{
		Year:   2026,
		Source: "国务院办公厅关于2026年部分节假日安排的通知(2025年11月4日)",
		Holidays: []DateRange{
			{"元旦", "2026-01-01", "2026-01-03"},
			{"春节", "2026-02-15", "2026-02-23"},
			{"清明节", "2026-04-04", "2026-04-06"},
			{"劳动节", "2026-05-01", "2026-05-05"},
			{"端午节", "2026-06-19", "2026-06-21"},
			{"中秋节", "2026-09-25", "2026-09-27"},
			{"国庆节", "2026-10-01", "2026-10-07"},
		},
		Workdays: []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
	},
	{
		Year:        2027,
		Provisional: true,
		Source:      "fixed-date statutory holidays only (《全国年节及纪念日放假办法》); official 2027 schedule not yet published",
		Holidays: []DateRange{
			{"元旦", "2027-01-01", "2027-01-01"},
			{"劳动节", "2027-05-01", "2027-05-02"},
			{"国庆节", "2027-10-01", "2027-10-03"},
		},
	},
}

// Calendar answers which days are working days. Years it has no schedule
// for count Monday to Friday. The zero value is such a plain calendar.
type Calendar struct {
	years map[int]HolidayYear
	off   map[string]bool // holiday dates
	on    map[string]bool // make-up working dates
}

// ChinaCalendar is the shipped calendar: the official Chinese schedules.
func ChinaCalendar() *Calendar { return chinaCalendar }

var chinaCalendar = mustCalendar(chinaYears)

func mustCalendar(years []HolidayYear) *Calendar {
	c, err := NewCalendar(years...)
	if err != nil {
		panic(err)
	}
	return c
}

// NewCalendar builds a calendar from schedules, checking each one.
func NewCalendar(years ...HolidayYear) (*Calendar, error) {
	return (&Calendar{}).With(years...)
}

// With returns a copy of c in which each given year replaces c's schedule
// for that year entirely (an override is a whole year, never a patch, so an
// admin sees in one place what holds).
func (c *Calendar) With(years ...HolidayYear) (*Calendar, error) {
	merged := map[int]HolidayYear{}
	for y, h := range c.years {
		merged[y] = h
	}
	for _, h := range years {
		if err := h.check(); err != nil {
			return nil, err
		}
		merged[h.Year] = h
	}
	out := &Calendar{years: merged, off: map[string]bool{}, on: map[string]bool{}}
	for _, h := range merged {
		for _, r := range h.Holidays {
			from, _ := time.Parse(time.DateOnly, r.From)
			to, _ := time.Parse(time.DateOnly, r.To)
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				out.off[d.Format(time.DateOnly)] = true
			}
		}
		for _, w := range h.Workdays {
			out.on[w] = true
		}
	}
	return out, nil
}

// ParseHolidayYears reads schedules in their JSON form (a list), as the
// admin setting stores them, and checks them.
func ParseHolidayYears(data []byte) ([]HolidayYear, error) {
	var years []HolidayYear
	if err := json.Unmarshal(data, &years); err != nil {
		return nil, Errorf(EINVALID, "calendar: %v", err)
	}
	for _, h := range years {
		if err := h.check(); err != nil {
			return nil, err
		}
	}
	return years, nil
}

// check rejects schedules that cannot be meant: dates outside the year
// (except a break that starts in it and runs into the next, as the Spring
// Festival can), reversed ranges, make-up days that are not weekend days,
// and a day that is both off and on.
func (h HolidayYear) check() error {
	bad := func(format string, args ...any) error {
		return Errorf(EINVALID, "calendar %d: "+format, append([]any{h.Year}, args...)...)
	}
	if h.Year < 2000 || h.Year > 2200 {
		return bad("year out of range")
	}
	off := map[string]bool{}
	for _, r := range h.Holidays {
		from, err1 := time.Parse(time.DateOnly, r.From)
		to, err2 := time.Parse(time.DateOnly, r.To)
		switch {
		case err1 != nil || err2 != nil:
			return bad("%s: dates must be YYYY-MM-DD", r.Name)
		case from.Year() != h.Year:
			return bad("%s starts outside the year", r.Name)
		case to.Before(from) || to.Sub(from) > 31*24*time.Hour:
			return bad("%s: %s to %s is not a break", r.Name, r.From, r.To)
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			off[d.Format(time.DateOnly)] = true
		}
	}
	for _, w := range h.Workdays {
		d, err := time.Parse(time.DateOnly, w)
		switch {
		case err != nil:
			return bad("make-up day %q must be YYYY-MM-DD", w)
		case d.Year() != h.Year && d.Year() != h.Year-1:
			// 2026-style schedules never need it, but a break early in
			// January can be made up in late December of the year before.
			return bad("make-up day %s is outside the year", w)
		case !isWeekend(d):
			return bad("make-up day %s is not a Saturday or Sunday", w)
		case off[w]:
			return bad("%s is both a holiday and a make-up day", w)
		}
	}
	return nil
}

func isWeekend(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }

// Years lists the years the calendar has schedules for, oldest first, and
// whether each is provisional, so settings can warn about guessed years.
func (c *Calendar) Years() []HolidayYear {
	out := make([]HolidayYear, 0, len(c.years))
	for _, h := range c.years {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out
}

// civil is t's calendar date in the company zone, as midnight UTC so adding
// days is plain arithmetic whatever the zone does.
func civil(t time.Time) time.Time {
	y, m, d := t.In(CompanyZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (c *Calendar) workingDate(d time.Time) bool {
	key := d.Format(time.DateOnly)
	switch {
	case c.on[key]:
		return true
	case c.off[key]:
		return false
	}
	return !isWeekend(d)
}

// IsWorkingDay reports whether t falls on a working day in the company zone.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.workingDate(civil(t)) }

// AddWorkingDays moves t by n working days in the company zone, keeping its
// wall-clock time: "7 working days after the close" is the 7th working day
// after the close's date, whatever kind of day the close fell on. Negative n
// moves back; n = 0 returns t unchanged.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	d := civil(t)
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if c.workingDate(d) {
			n--
		}
	}
	local := t.In(CompanyZone)
	return time.Date(d.Year(), d.Month(), d.Day(), local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), CompanyZone)
}

// WorkingDaysBetween counts the working days after from's date up to and
// including to's date (when to is earlier: minus those from to's date up to
// the day before from's), so that
// WorkingDaysBetween(t, AddWorkingDays(t, n)) == n: "how many working days
// has this deal been closed" in the same sense as the deadline.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, b := civil(from), civil(to)
	if b.Before(a) {
		// Backwards, the days stepped onto are to's date up to the day
		// before from's: the mirror image of moving forwards.
		return -c.WorkingDaysBetween(b.AddDate(0, 0, -1), a.AddDate(0, 0, -1))
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.workingDate(d) {
			n++
		}
	}
	return n
}

// IsWorkingDay, AddWorkingDays and WorkingDaysBetween use the shipped
// Chinese calendar; code that honours an admin's override holds a *Calendar.
func IsWorkingDay(t time.Time) bool { return chinaCalendar.IsWorkingDay(t) }

// AddWorkingDays: see Calendar.AddWorkingDays.
func AddWorkingDays(t time.Time, n int) time.Time { return chinaCalendar.AddWorkingDays(t, n) }

// WorkingDaysBetween: see Calendar.WorkingDaysBetween.
func WorkingDaysBetween(from, to time.Time) int { return chinaCalendar.WorkingDaysBetween(from, to) }

// String describes a year for logs and settings pages.
func (h HolidayYear) String() string {
	s := fmt.Sprintf("%d: %d breaks, %d make-up days", h.Year, len(h.Holidays), len(h.Workdays))
	if h.Provisional {
		s += " (provisional)"
	}
	return s
}
