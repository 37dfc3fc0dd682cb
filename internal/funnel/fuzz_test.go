package funnel_test

import (
	"testing"
	"time"

	"shangji/internal/funnel"
)

// Amounts arrive from forms, JSON and CSV imports: whatever the text,
// ParseMoney must not panic, must only accept what it can print back
// unchanged, and must fail with EINVALID so the field can be named.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "88.5", "1,000,000", "1000000.00", "1.005", "-1", "1e3", "1,5", "１２３．４５", "10000000000000.01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := funnel.ParseMoney(s)
		if err != nil {
			if code := funnel.ErrorCode(err); code != funnel.EINVALID {
				t.Fatalf("ParseMoney(%q) failed with code %q: %v", s, code, err)
			}
			return
		}
		if m < 0 || m > funnel.MaxMoney {
			t.Fatalf("ParseMoney(%q) = %d fen, outside [0, MaxMoney]", s, int64(m))
		}
		back, err := funnel.ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %s, which reads back as %d, %v", s, m, int64(back), err)
		}
	})
}

// Every amount a user may enter prints as text that reads back to the same
// fen, the property JSON round trips rely on.
func FuzzMoneyText(f *testing.F) {
	for _, fen := range []int64{0, 1, 99, 100, 8850, 100_000_000, int64(funnel.MaxMoney), -1} {
		f.Add(fen)
	}
	f.Fuzz(func(t *testing.T, fen int64) {
		m := funnel.Money(fen)
		text, err := m.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back funnel.Money
		err = back.UnmarshalText(text)
		if m < 0 || m > funnel.MaxMoney {
			if err == nil {
				t.Fatalf("%q was accepted although outside [0, MaxMoney]", text)
			}
			return
		}
		if err != nil || back != m {
			t.Fatalf("%d fen → %q → %d fen, %v", fen, text, int64(back), err)
		}
	})
}

// Periods come from query strings. An accepted name must describe a
// non-empty span of whole days that reads back the same and splits into
// weeks covering it exactly.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-Q4", "2026-11", "2026", "2026-13", "2026-Q5", "0000-01", "9999-Q3", "9999-Q4", "2026-q1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := funnel.ParsePeriod(s)
		if err != nil {
			return
		}
		if p.Name != s {
			t.Fatalf("ParsePeriod(%q).Name = %q", s, p.Name)
		}
		if again, err := funnel.ParsePeriod(p.Name); err != nil || !again.Start.Equal(p.Start) || !again.End.Equal(p.End) {
			t.Fatalf("%q does not read back: %+v, %v", s, again, err)
		}
		days := int(p.End.Sub(p.Start) / (24 * time.Hour))
		if days < 28 || days > 366 || p.Start.Day() != 1 || p.Start.Location() != time.UTC ||
			p.Start.Hour()+p.Start.Minute()+p.Start.Second()+p.Start.Nanosecond() != 0 {
			t.Fatalf("%q spans [%s, %s)", s, p.Start, p.End)
		}
		if !p.Contains(p.FirstDay()) || p.Contains(p.EndDay()) {
			t.Fatalf("%q contains the wrong edges", s)
		}
		if len(s) == 7 && s[5] == 'Q' && funnel.QuarterOf(p.Start) != s {
			t.Fatalf("QuarterOf(%s) = %s", p.Start, funnel.QuarterOf(p.Start))
		}
		weeks := funnel.WeeksOf(p)
		if len(weeks) == 0 || weeks[0].FirstDay != p.FirstDay() ||
			weeks[len(weeks)-1].LastDay != p.End.AddDate(0, 0, -1).Format(time.DateOnly) ||
			len(weeks) > days/7+2 {
			t.Fatalf("%q splits into %d weeks from %s to %s", s, len(weeks), weeks[0].FirstDay, weeks[len(weeks)-1].LastDay)
		}
	})
}
