package funnel

import (
	"time"
	_ "time/tzdata" // the zone database travels inside the binary
)

// CompanyZone is where the company's calendar days are counted (quotas,
// periods, close dates, week ends) unless configured otherwise.
var CompanyZone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Today is the company-calendar date of t, as stored: "2026-11-23".
func Today(t time.Time) string { return t.In(CompanyZone).Format(time.DateOnly) }
