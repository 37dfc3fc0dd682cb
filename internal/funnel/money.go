package funnel

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is an amount in fen (1/100 CNY), exact. Rates and weighted sums use
// decimal; nothing ever uses float.
type Money int64

// MaxMoney bounds amounts accepted from users: 10^13 yuan leaves room to sum a
// million deals times a probability inside int64.
const MaxMoney Money = 1_000_000_000_000_000 // 10^13 yuan in fen

// ParseMoney reads a decimal string with at most two fraction digits, like
// "1000000.00", "1,000,000" or "88.5". Negative amounts are refused.
func ParseMoney(s string) (Money, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, fmt.Errorf("amount is empty")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a decimal amount", s)
	}
	if d.IsNegative() {
		return 0, fmt.Errorf("amount must not be negative")
	}
	if d.Exponent() < -2 && !d.Equal(d.Round(2)) {
		return 0, fmt.Errorf("amount has more than two decimals")
	}
	fen := d.Shift(2)
	if fen.GreaterThan(decimal.NewFromInt(int64(MaxMoney))) {
		return 0, fmt.Errorf("amount is too large")
	}
	return Money(fen.IntPart()), nil
}

// Decimal returns m in yuan, exact.
func (m Money) Decimal() decimal.Decimal { return decimal.New(int64(m), -2) }

// String formats m as "1000000.00", the API's money format.
func (m Money) String() string { return m.Decimal().StringFixed(2) }

// MarshalText writes money as a decimal string, so JSON carries "1000000.00"
// and the OpenAPI schema says string.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a decimal string.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// WeightedSum accumulates amount × probability exactly, in fen·percent, so a
// forecast over a million deals is correct to the cent before rounding once.
type WeightedSum struct{ v big.Int }

// Add adds amount × percent.
func (w *WeightedSum) Add(amount Money, percent int) {
	var t big.Int
	t.Mul(big.NewInt(int64(amount)), big.NewInt(int64(percent)))
	w.v.Add(&w.v, &t)
}

// AddRaw adds an already multiplied fen·percent total (from a SQL SUM).
func (w *WeightedSum) AddRaw(fenPercent int64) { w.v.Add(&w.v, big.NewInt(fenPercent)) }

// Decimal returns the sum in yuan, exact.
func (w *WeightedSum) Decimal() decimal.Decimal {
	return decimal.NewFromBigInt(new(big.Int).Set(&w.v), -4)
}

// Money rounds the sum to the fen (half away from zero).
func (w *WeightedSum) Money() Money { return Money(w.Decimal().Shift(2).Round(0).IntPart()) }

// Weighted returns amount × percent / 100 rounded to the fen: the weighted
// value of one deal (seed 000: 100万 at 20% = 20万).
func Weighted(amount Money, percent int) Money {
	var w WeightedSum
	w.Add(amount, percent)
	return w.Money()
}

// FormatWan shows an amount the way Chinese sales teams speak: 万 (10^4) and
// 亿 (10^8) yuan, trimmed to at most two decimals.
func FormatWan(m Money) string {
	d := m.Decimal()
	switch {
	case d.Abs().GreaterThanOrEqual(decimal.New(1, 8)):
		return d.Shift(-8).Round(2).String() + "亿"
	case d.Abs().GreaterThanOrEqual(decimal.New(1, 4)):
		return d.Shift(-4).Round(2).String() + "万"
	}
	return d.Round(2).String() + "元"
}

// Wan returns n万 yuan as Money; handy in tests and demo data.
func Wan(n int64) Money { return Money(n * 10_000 * 100) }
