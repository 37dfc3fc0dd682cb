package funnel_test

import (
	"testing"

	"shangji/internal/funnel"
)

func TestPlanTarget(t *testing.T) {
	// History: 3 won (300万 in all, 30 follow-ups), 9 lost → win rate 25%,
	// AOV 100万, 10 follow-ups a win. 250万 to go → 3 wins, 12
	// opportunities, 30 follow-ups; over 20 working days, 1.5 a day.
	p := funnel.PlanTarget(funnel.Wan(250), 3, 9, funnel.Wan(300), 30, 20)
	if p.WinRate.String() != "25" || p.AvgOrderValue != funnel.Wan(100) || p.ActivitiesPerWin.String() != "10" ||
		p.NeededWins != 3 || p.NeededOpportunities != 12 || p.NeededActivities != 30 || p.ActivitiesPerDay.String() != "1.5" {
		t.Errorf("plan = %+v", p)
	}
	if none := funnel.PlanTarget(funnel.Wan(250), 0, 4, 0, 0, 20); none.NeededWins != 0 || !none.WinRate.IsZero() {
		t.Errorf("without a win nothing can be derived: %+v", none)
	}
	if done := funnel.PlanTarget(0, 3, 9, funnel.Wan(300), 30, 20); done.NeededOpportunities != 0 {
		t.Errorf("nothing remaining needs nothing: %+v", done)
	}
	c := funnel.CoverageOf(8, 6, 2)
	if c.Coverage.String() != "75" || c.Penetration.String() != "25" {
		t.Errorf("coverage %s penetration %s", c.Coverage, c.Penetration)
	}
}
