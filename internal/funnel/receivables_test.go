package funnel_test

import (
	"testing"

	"shangji/internal/funnel"
)

func TestOverdueAndOutstanding(t *testing.T) {
	for _, c := range []struct {
		due, received, amount, overdue, outstanding funnel.Money
	}{
		{due: 0, received: 0, amount: 100, overdue: 0, outstanding: 100},
		{due: 40, received: 0, amount: 100, overdue: 40, outstanding: 100},
		{due: 40, received: 25, amount: 100, overdue: 15, outstanding: 75},
		{due: 40, received: 60, amount: 100, overdue: 0, outstanding: 40}, // paid ahead of the plan
		{due: 100, received: 120, amount: 100, overdue: 0, outstanding: 0},
	} {
		if got := funnel.Overdue(c.due, c.received); got != c.overdue {
			t.Errorf("Overdue(%v, %v) = %v, want %v", c.due, c.received, got, c.overdue)
		}
		if got := funnel.Outstanding(c.amount, c.received); got != c.outstanding {
			t.Errorf("Outstanding(%v, %v) = %v, want %v", c.amount, c.received, got, c.outstanding)
		}
	}
}
