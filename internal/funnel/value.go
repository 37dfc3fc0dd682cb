package funnel

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
	"golang.org/x/text/width"
)

// CompetitionWinRate is seed 001's rule of thumb, in percent: with n ≥ 1
// competitors a deal is won one time in n+1; with none, 80%.
func CompetitionWinRate(competitors int) decimal.Decimal {
	if competitors <= 0 {
		return decimal.NewFromInt(80)
	}
	return decimal.NewFromInt(100).DivRound(decimal.NewFromInt(int64(competitors+1)), 2)
}

// NormalizeCustomerName is the key under which legal names must be unique:
// full-width folded to half-width (（）→ ()), case folded, all whitespace
// removed, so "北京 星河（科技）" and "北京星河(科技)" collide.
func NormalizeCustomerName(name string) string {
	folded := width.Fold.String(name)
	var b strings.Builder
	for _, r := range folded {
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

var regionCode = regexp.MustCompile(`^[A-Z]{2,4}$`)

// ValidRegionCode reports whether s can stand in an opportunity number.
func ValidRegionCode(s string) bool { return regionCode.MatchString(s) }

// OpportunityNumber formats seed 002's number: year, region code and the
// per-year-per-region sequence with at least three digits: 2024-SH-001.
func OpportunityNumber(year int, region string, seq int64) string {
	return fmt.Sprintf("%04d-%s-%03d", year, region, seq)
}

// CompetitionWeighted is amount × stage probability × competition win rate
// (seed 001), in yuan, exact to 1e-8 so a sum over many deals rounds once.
func CompetitionWeighted(amount Money, percent, competitors int) decimal.Decimal {
	v := amount.Decimal().Mul(decimal.NewFromInt(int64(percent))).Div(decimal.NewFromInt(100))
	if competitors <= 0 {
		return v.Mul(decimal.New(8, -1))
	}
	return v.DivRound(decimal.NewFromInt(int64(competitors+1)), 8)
}
