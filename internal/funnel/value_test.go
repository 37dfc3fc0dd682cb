package funnel_test

import (
	"fmt"
	"testing"

	"shangji/internal/funnel"
)

func TestCompetitionWinRate(t *testing.T) {
	for _, tt := range []struct {
		competitors int
		want        string
	}{
		{-1, "80"}, // nonsense input is treated as no competitor
		{0, "80"},
		{1, "50"},
		{2, "33.33"},
		{3, "25"},
		{5, "16.67"},
	} {
		t.Run(fmt.Sprint(tt.competitors), func(t *testing.T) {
			if got := funnel.CompetitionWinRate(tt.competitors).String(); got != tt.want {
				t.Fatalf("CompetitionWinRate(%d) = %s, want %s", tt.competitors, got, tt.want)
			}
		})
	}
}

func TestNormalizeCustomerName(t *testing.T) {
	same := []struct {
		name, a, b string
	}{
		{"FullWidthParens", "北京星河（科技）有限公司", "北京星河(科技)有限公司"},
		{"Case", "ACME Shanghai Ltd", "acme shanghai ltd"},
		{"FullWidthLetters", "ＡＣＭＥ上海", "acme上海"},
		{"OuterSpaces", "  北京星河科技  ", "北京星河科技"},
		{"InnerSpaces", "北京 星河  科技", "北京星河科技"},
		{"IdeographicSpace", "\u3000北京\u3000星河科技\u3000", "北京星河科技"},
		{"TabsAndNewlines", "北京\t星河\n科技", "北京星河科技"},
		{"NoBreakSpace", "北京\u00a0星河科技", "北京星河科技"},
		{"All", " 北京　星河（ＫＥＪＩ） ", "北京星河(keji)"},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			a, b := funnel.NormalizeCustomerName(tt.a), funnel.NormalizeCustomerName(tt.b)
			if a != b {
				t.Fatalf("%q → %q but %q → %q; they must collide", tt.a, a, tt.b, b)
			}
		})
	}
	t.Run("Key", func(t *testing.T) {
		if got := funnel.NormalizeCustomerName(" 北京 星河（科技）ABC "); got != "北京星河(科技)abc" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("DifferentNamesStayDifferent", func(t *testing.T) {
		if funnel.NormalizeCustomerName("北京星河科技") == funnel.NormalizeCustomerName("北京星河科创") {
			t.Fatal("different companies collided")
		}
	})
}

func TestOpportunityNumber(t *testing.T) {
	for _, tt := range []struct {
		year   int
		region string
		seq    int64
		want   string
	}{
		{2024, "SH", 1, "2024-SH-001"},
		{2024, "SH", 42, "2024-SH-042"},
		{2024, "SH", 999, "2024-SH-999"},
		{2024, "SH", 1000, "2024-SH-1000"}, // grows past three digits, never wraps
		{2026, "BJ", 12345, "2026-BJ-12345"},
	} {
		if got := funnel.OpportunityNumber(tt.year, tt.region, tt.seq); got != tt.want {
			t.Errorf("OpportunityNumber(%d, %q, %d) = %q, want %q", tt.year, tt.region, tt.seq, got, tt.want)
		}
	}
}

func TestValidRegionCode(t *testing.T) {
	for s, want := range map[string]bool{
		"SH": true, "BJ": true, "GDSZ": true,
		"": false, "S": false, "sh": false, "SH-1": false, "ABCDE": false, "上海": false,
	} {
		if got := funnel.ValidRegionCode(s); got != want {
			t.Errorf("ValidRegionCode(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCompetitionWeighted(t *testing.T) {
	cases := []struct {
		amount     funnel.Money
		percent, n int
		want       string
	}{
		{funnel.Wan(100), 50, 0, "400000"},       // 100万 × 50% × 80%
		{funnel.Wan(100), 50, 1, "250000"},       // × 1/2
		{funnel.Wan(100), 60, 2, "200000"},       // × 1/3
		{funnel.Money(100), 10, 2, "0.03333333"}, // 1 yuan × 10% × 1/3, kept exact enough to sum
	}
	for _, c := range cases {
		if got := funnel.CompetitionWeighted(c.amount, c.percent, c.n).String(); got != c.want {
			t.Errorf("CompetitionWeighted(%v, %d%%, %d) = %s, want %s", c.amount, c.percent, c.n, got, c.want)
		}
	}
}
