package funnel

import (
	"math/big"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/text/width"
)

// Money is an amount in fen (1/100 CNY), exact. Rates and weighted sums use
// decimal; nothing ever uses float.
type Money int64

// MaxMoney bounds amounts accepted from users: 10^13 yuan. WeightedSum adds in
// big.Int, so only a total beyond int64 fen (about 9.2×10^16 yuan, some
// 9,000 deals at the maximum each) would not fit back into Money.
const MaxMoney Money = 1_000_000_000_000_000 // 10^13 yuan in fen

// moneyRe is the only shape ParseMoney accepts: plain digits or digits in
// groups of three separated by commas, then an optional fraction. Commas
// anywhere else are refused because "1,5" means 1.5 in much of Europe and
// must not silently become 15; exponents ("1e3") and signs are refused
// because nobody types them for an amount and they make fuzzing heavy.
var moneyRe = regexp.MustCompile(`^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$`)

// ParseMoney reads a decimal string with at most two fraction digits, like
// "1000000.00", "1,000,000" or "88.5". Full-width digits and punctuation
// (typed with a Chinese input method) are folded first. Negative amounts are
// refused. Errors are *Error with code EINVALID so callers can name the field.
func ParseMoney(s string) (Money, error) {
	s = width.Fold.String(strings.TrimSpace(s))
	if s == "" {
		return 0, Errorf(EINVALID, "amount is empty")
	}
	// The largest amount with separators and fen is 22 characters; a cap
	// keeps megabyte-long digit strings away from the decimal parser.
	if len(s) > 64 {
		return 0, Errorf(EINVALID, "amount is too long")
	}
	if strings.HasPrefix(s, "-") {
		return 0, Errorf(EINVALID, "amount must not be negative")
	}
	m := moneyRe.FindStringSubmatch(s)
	if m == nil {
		return 0, Errorf(EINVALID, "%q is not a decimal amount", s)
	}
	// Trailing zeros beyond the fen are harmless ("1.000" is 1.00).
	if len(strings.TrimRight(m[1], "0")) > 2 {
		return 0, Errorf(EINVALID, "amount has more than two decimals")
	}
	d, err := decimal.NewFromString(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		return 0, Errorf(EINVALID, "%q is not a decimal amount", s)
	}
	fen := d.Shift(2)
	if fen.GreaterThan(decimal.NewFromInt(int64(MaxMoney))) {
		return 0, Errorf(EINVALID, "amount is too large")
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
// 亿 (10^8) yuan, trimmed to at most two decimals; below 1万 the yuan are
// exact. A 万 figure that rounds up to 10000万 is shown in 亿 instead, so
// 99,999,999.99 yuan reads "1亿", never "10000万".
func FormatWan(m Money) string {
	d := m.Decimal()
	wan := d.Shift(-4).Round(2)
	switch {
	case wan.Abs().GreaterThanOrEqual(decimal.New(1, 4)):
		return d.Shift(-8).Round(2).String() + "亿"
	case d.Abs().GreaterThanOrEqual(decimal.New(1, 4)):
		return wan.String() + "万"
	}
	return d.String() + "元"
}

// Wan returns n万 yuan as Money; handy in tests and demo data.
func Wan(n int64) Money { return Money(n * 10_000 * 100) }
