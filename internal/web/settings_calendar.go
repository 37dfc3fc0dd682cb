package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// The working-day calendar: per year, the public-holiday breaks and the
// make-up working days (调休). Shipped years come from the State Council's
// schedules; an admin's year replaces a shipped one as a whole.

type calendarYear struct {
	funnel.HolidayYear
	Overridden             bool
	HolidaysText, DaysText string
	Stamp                  string // the year's schedule as the page showed it
}

type calendarData struct {
	settingsPage
	Years []calendarYear
	Open  int // the year whose editor stays open
	// NewYear keeps the add form's value after a refusal.
	NewYear string
}

func holidaysText(rs []funnel.DateRange) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Name + " " + r.From + " " + r.To + "\n")
	}
	return b.String()
}

// parseHolidays reads one break a line: "name from to" (dates YYYY-MM-DD;
// a one-day break may give one date). The name may hold spaces.
func parseHolidays(text string, p *funnel.Problems) []funnel.DateRange {
	out := []funnel.DateRange{}
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "～", " "))
		if len(f) == 0 {
			continue
		}
		var dates []string
		for len(f) > 0 && isDate(f[len(f)-1]) && len(dates) < 2 {
			dates = append([]string{f[len(f)-1]}, dates...)
			f = f[:len(f)-1]
		}
		if len(f) == 0 || len(dates) == 0 {
			p.Add("holidays", "line %d: write a name and its dates, e.g. 春节 2027-02-05 2027-02-11", i+1)
			continue
		}
		if len(dates) == 1 {
			dates = append(dates, dates[0])
		}
		out = append(out, funnel.DateRange{Name: strings.Join(f, " "), From: dates[0], To: dates[1]})
	}
	return out
}

func isDate(s string) bool {
	return len(s) == 10 && s[4] == '-' && s[7] == '-'
}

// parseDays reads dates separated by spaces, commas or new lines.
func parseDays(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
}

func (s *server) calendarData(r *http.Request) (*calendarData, error) {
	over, err := s.app.CalendarOverrides(r.Context())
	if err != nil {
		return nil, err
	}
	cal, err := funnel.ChinaCalendar().With(over...)
	if err != nil {
		return nil, err
	}
	d := &calendarData{settingsPage: newSettingsPage(r, "calendar")}
	d.Open, _ = strconv.Atoi(r.URL.Query().Get("year"))
	for _, y := range cal.Years() {
		overridden := slices.ContainsFunc(over, func(h funnel.HolidayYear) bool { return h.Year == y.Year })
		d.Years = append(d.Years, calendarYear{HolidayYear: y, Overridden: overridden,
			HolidaysText: holidaysText(y.Holidays), DaysText: strings.Join(y.Workdays, "\n"), Stamp: stamp(y)})
	}
	return d, nil
}

func (s *server) calendarSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.calendarData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings_calendar", "", "settings", d)
}

// saveCalendarYear sets a year's schedule (the add form sends only a year:
// it starts from the shipped schedule, or an empty one).
func (s *server) saveCalendarYear(w http.ResponseWriter, r *http.Request, u *store.User) {
	var p funnel.Problems
	year, err := strconv.Atoi(strings.TrimSpace(r.FormValue("year")))
	if err != nil || year < 2000 || year > 2200 {
		p.Add("year", "must be a year such as 2027")
	}
	y := funnel.HolidayYear{Year: year, Holidays: parseHolidays(r.FormValue("holidays"), &p), Workdays: parseDays(r.FormValue("workdays")),
		Source: strings.TrimSpace(r.FormValue("source"))}
	if r.FormValue("add") != "" && p.Err() == nil {
		if cur, err := s.calendarData(r); err == nil && slices.ContainsFunc(cur.Years, func(c calendarYear) bool { return c.Year == year }) {
			// The year is there already: open it rather than replace it.
			http.Redirect(w, r, "/settings/calendar?year="+strconv.Itoa(year)+"#year-"+strconv.Itoa(year), http.StatusSeeOther)
			return
		}
		for _, h := range funnel.ChinaCalendar().Years() {
			if h.Year == year {
				y = h
			}
		}
	}
	err = p.Err()
	if err == nil && r.FormValue("add") == "" {
		cur, cerr := s.calendarData(r)
		if cerr != nil {
			s.fail(w, r, cerr)
			return
		}
		for _, cy := range cur.Years {
			if cy.Year == year && cy.Stamp != r.FormValue("stamp") {
				err = errStale // someone saved this year since the page was made
			}
		}
	}
	if err == nil {
		err = s.app.SaveCalendarYear(r.Context(), u, y)
	}
	if err != nil {
		status, ok := formRefused(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		d, derr := s.calendarData(r)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		form := "add"
		d.Conflict = isStale(err)
		if d.Conflict {
			d.Open = year
		}
		if r.FormValue("add") == "" && !d.Conflict {
			form = "year-" + strconv.Itoa(year)
			for i := range d.Years {
				if d.Years[i].Year == year { // keep what was typed
					d.Years[i].HolidaysText, d.Years[i].DaysText = r.FormValue("holidays"), r.FormValue("workdays")
				}
			}
			d.Open = year
		} else {
			d.NewYear = r.FormValue("year")
		}
		d.Problems[form] = s.settingsProblems(r, u, err)
		s.render(w, r, status, "settings_calendar", "", "settings", d)
		return
	}
	savedRedirect(w, r, "/settings/calendar?year="+strconv.Itoa(year), "calendar")
}

// resetCalendarYear drops the admin's schedule of a year.
func (s *server) resetCalendarYear(w http.ResponseWriter, r *http.Request, u *store.User) {
	year, _ := strconv.Atoi(r.PathValue("year"))
	if err := s.app.DeleteCalendarYear(r.Context(), u, year); err != nil {
		s.fail(w, r, err)
		return
	}
	savedRedirect(w, r, "/settings/calendar", "calendar")
}
