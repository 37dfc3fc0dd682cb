package funnel_test

import (
	"encoding/json"
	"strings"
	"testing"

	"shangji/internal/funnel"
)

func TestParseMoney(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want funnel.Money
	}{
		{"0", 0},
		{"1", 100},
		{"88.5", 8850},
		{"88.50", 8850},
		{"0.01", 1},
		{"1000000.00", 100_000_000},
		{"1,000,000", 100_000_000},
		{"1,000,000.5", 100_000_050},
		{"999", 99_900},
		{"  42 ", 4200},
		{"1.000", 100},    // trailing zeros past the fen change nothing
		{"１２３．４５", 12345}, // full-width, as a Chinese input method types it
		{"１，０００", 100_000},
		{"10000000000000", funnel.MaxMoney}, // the limit itself is allowed
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := funnel.ParseMoney(tt.in)
			if err != nil {
				t.Fatalf("ParseMoney(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseMoney(%q) = %d fen, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMoneyRefuses(t *testing.T) {
	for _, tt := range []struct {
		name, in, msg string
	}{
		{"Empty", "", "empty"},
		{"Blank", "   ", "empty"},
		{"ThreeDecimals", "1.005", "more than two decimals"},
		{"ManyDecimals", "0.0000001", "more than two decimals"},
		{"Negative", "-1", "negative"},
		{"NegativeZero", "-0", "negative"},
		{"TooLarge", "10000000000000.01", "too large"},
		{"FarTooLarge", "99999999999999999999999999", "too large"},
		{"Garbage", "abc", "not a decimal"},
		{"Exponent", "1e3", "not a decimal"},
		{"Plus", "+5", "not a decimal"},
		{"Hex", "0x10", "not a decimal"},
		{"BareFraction", ".5", "not a decimal"},
		{"TrailingDot", "5.", "not a decimal"},
		{"TwoDots", "1.2.3", "not a decimal"},
		{"EuropeanDecimalComma", "1,5", "not a decimal"},
		{"BadGrouping", "1,00,000", "not a decimal"},
		{"CommaInFraction", "1.000,00", "not a decimal"},
		{"Currency", "¥100", "not a decimal"},
		{"Wan", "100万", "not a decimal"},
		{"InnerSpace", "1 000", "not a decimal"},
		{"TooLong", strings.Repeat("0", 65), "too long"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := funnel.ParseMoney(tt.in)
			if err == nil {
				t.Fatalf("ParseMoney(%q) = %v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseMoney(%q) error %q does not say %q", tt.in, err, tt.msg)
			}
			if code := funnel.ErrorCode(err); code != funnel.EINVALID {
				t.Errorf("ParseMoney(%q) error code %q, want %q", tt.in, code, funnel.EINVALID)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	for _, tt := range []struct {
		m    funnel.Money
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{8850, "88.50"},
		{100_000_000, "1000000.00"},
		{funnel.Wan(100), "1000000.00"},
		{-5, "-0.05"},
	} {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}

// The API carries money as a decimal string, so the JSON of a field must be
// "1000000.00" and read back to the same fen.
func TestMoneyJSONRoundTrip(t *testing.T) {
	type deal struct {
		Amount funnel.Money  `json:"amount"`
		Budget *funnel.Money `json:"budget,omitempty"`
	}
	budget := funnel.Money(8850)
	in := deal{Amount: funnel.Wan(100), Budget: &budget}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"amount":"1000000.00","budget":"88.50"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var out deal
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Amount != in.Amount || out.Budget == nil || *out.Budget != budget {
		t.Fatalf("round trip gave %+v, want %+v", out, in)
	}

	t.Run("RefusesNumber", func(t *testing.T) {
		// A JSON number would invite float rounding on the client side.
		if err := json.Unmarshal([]byte(`{"amount":1000000}`), &out); err == nil {
			t.Fatal("a JSON number was accepted as money")
		}
	})
	t.Run("RefusesThreeDecimals", func(t *testing.T) {
		if err := json.Unmarshal([]byte(`{"amount":"1.005"}`), &out); err == nil {
			t.Fatal("1.005 was accepted as money")
		}
	})
}

func TestMoneyTextRoundTrip(t *testing.T) {
	for _, m := range []funnel.Money{0, 1, 99, 100, 8850, funnel.Wan(100), funnel.MaxMoney} {
		text, err := m.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back funnel.Money
		if err := back.UnmarshalText(text); err != nil {
			t.Fatalf("UnmarshalText(%q): %v", text, err)
		}
		if back != m {
			t.Errorf("%d fen → %q → %d fen", int64(m), text, int64(back))
		}
	}
}

func TestWeighted(t *testing.T) {
	for _, tt := range []struct {
		name    string
		amount  funnel.Money
		percent int
		want    funnel.Money
	}{
		{"Seed000Plan", funnel.Wan(100), 20, funnel.Wan(20)},
		{"Seed000Quote", funnel.Wan(50), 50, funnel.Wan(25)},
		{"Won", funnel.Wan(7), 100, funnel.Wan(7)},
		{"Lost", funnel.Wan(7), 0, 0},
		{"HalfFenRoundsUp", 1, 50, 1},     // 0.5 fen → 1 fen
		{"BelowHalfRoundsDown", 1, 49, 0}, // 0.49 fen → 0
		{"OddAmount", 12345, 33, 4074},    // 4073.85 → 4074
		{"NearestFen", 33333, 30, 10000},  // 9999.9 → 10000
		{"MaxMoney", funnel.MaxMoney, 75, funnel.MaxMoney / 4 * 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := funnel.Weighted(tt.amount, tt.percent); got != tt.want {
				t.Fatalf("Weighted(%d, %d) = %d, want %d", tt.amount, tt.percent, got, tt.want)
			}
		})
	}
}

// A forecast sums exact products and rounds once: rounding each deal first
// would drift by up to half a fen per deal.
func TestWeightedSumRoundsOnce(t *testing.T) {
	t.Run("ThousandHalfFen", func(t *testing.T) {
		var w funnel.WeightedSum
		perDeal := funnel.Money(0)
		for range 1000 {
			w.Add(1, 50) // 0.5 fen each
			perDeal += funnel.Weighted(1, 50)
		}
		if got := w.Money(); got != 500 {
			t.Fatalf("sum = %d fen, want 500", got)
		}
		if perDeal != 1000 {
			t.Fatalf("the per-deal rounding this test guards against gave %d, want 1000", perDeal)
		}
		if got := w.Decimal().String(); got != "5" {
			t.Fatalf("Decimal() = %s yuan, want 5", got)
		}
	})
	t.Run("ThirtyThreePercents", func(t *testing.T) {
		var w funnel.WeightedSum
		for range 3 {
			w.Add(1, 33)
		}
		if got := w.Decimal().String(); got != "0.0099" {
			t.Fatalf("Decimal() = %s yuan, want exactly 0.0099", got)
		}
		if got := w.Money(); got != 1 {
			t.Fatalf("Money() = %d fen, want 1", got)
		}
	})
	t.Run("MillionDeals", func(t *testing.T) {
		var w funnel.WeightedSum
		for i := range 1_000_000 {
			w.Add(funnel.Money(i%997+1), 1+i%99)
		}
		var want int64 // fen·percent, fits int64 at this size
		for i := range 1_000_000 {
			want += int64(i%997+1) * int64(1+i%99)
		}
		if got := w.Money(); got != funnel.Money((want+50)/100) {
			t.Fatalf("Money() = %d, want %d", got, (want+50)/100)
		}
	})
	t.Run("AddRawMatchesAdd", func(t *testing.T) {
		var a, b funnel.WeightedSum
		a.Add(funnel.Wan(100), 20)
		a.Add(funnel.Wan(50), 50)
		b.AddRaw(int64(funnel.Wan(100))*20 + int64(funnel.Wan(50))*50)
		if a.Decimal().Cmp(b.Decimal()) != 0 || a.Money() != funnel.Wan(45) {
			t.Fatalf("Add gave %s, AddRaw %s, want 450000", a.Decimal(), b.Decimal())
		}
	})
	t.Run("BeyondInt64Exact", func(t *testing.T) {
		var w funnel.WeightedSum
		for range 1000 {
			w.Add(funnel.MaxMoney, 100)
		}
		// 1000 × 10^13 yuan = 10^16 yuan: the fen·percent total is 10^20,
		// past int64, yet the yuan figure is exact.
		if got := w.Decimal().String(); got != "10000000000000000" {
			t.Fatalf("Decimal() = %s", got)
		}
	})
}

func TestFormatWan(t *testing.T) {
	for _, tt := range []struct {
		m    funnel.Money
		want string
	}{
		{0, "0元"},
		{1, "0.01元"},
		{8850, "88.5元"},
		{999_999, "9999.99元"}, // below 1万 yuan stays exact
		{1_000_000, "1万"},
		{funnel.Wan(20), "20万"},
		{funnel.Wan(100), "100万"},
		{123_456_789, "123.46万"},
		{funnel.Wan(9999), "9999万"},
		{9_999_999_999, "1亿"}, // 9999.9999999万 rounds to 1亿, not 10000万
		{funnel.Wan(10_000), "1亿"},
		{funnel.Wan(12_345), "1.23亿"},
		{funnel.Wan(1_000_000), "100亿"},
		{-funnel.Wan(5), "-5万"},
	} {
		if got := funnel.FormatWan(tt.m); got != tt.want {
			t.Errorf("FormatWan(%d fen) = %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}
