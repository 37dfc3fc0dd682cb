package funnel

// Overdue is the part of a payment plan past its due dates that receipts do
// not cover (SPEC §2 回款). Receipts pay the plan lines in due-date order, so
// the uncovered part of the lines due before today is simply what fell due
// minus what came in, never below zero: money received early for a later
// line still covers the earlier ones first.
func Overdue(dueBeforeToday, received Money) Money {
	if d := dueBeforeToday - received; d > 0 {
		return d
	}
	return 0
}

// Outstanding is what the customer still owes on a contract; an overpaid
// contract owes nothing.
func Outstanding(amount, received Money) Money {
	if d := amount - received; d > 0 {
		return d
	}
	return 0
}
