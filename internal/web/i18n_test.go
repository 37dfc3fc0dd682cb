package web

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

func TestMoney(t *testing.T) {
	zh, en := newLocale("zh-CN", ""), newLocale("en", "")
	for _, c := range []struct {
		m      funnel.Money
		zh, en string
	}{
		{funnel.Wan(100), "¥100万", "¥1,000,000"},
		{funnel.Wan(25), "¥25万", "¥250,000"},
		{funnel.Wan(12345), "¥1.23亿", "¥123,450,000"},
		{123456, "¥1234.56", "¥1,234.56"},
		{0, "¥0", "¥0"},
		{-funnel.Wan(3), "¥-3万", "-¥30,000"},
	} {
		if got := zh.Money(c.m); got != c.zh {
			t.Errorf("zh %d: %q, want %q", c.m, got, c.zh)
		}
		if got := en.Money(c.m); got != c.en {
			t.Errorf("en %d: %q, want %q", c.m, got, c.en)
		}
	}
}

// Every catalogue has the same keys, and every key the templates and the
// code use exists, including the families built with printf.
func TestCataloguesAreComplete(t *testing.T) {
	zh := catalogues["zh-CN"]
	for _, lang := range Languages {
		if a, b := slices.Sorted(maps.Keys(zh)), slices.Sorted(maps.Keys(catalogues[lang])); !slices.Equal(a, b) {
			t.Errorf("%s and zh-CN catalogues differ", lang)
		}
	}
	used := map[string]bool{}
	literal := regexp.MustCompile(`\.T "([a-z_.]+)"|T\("([a-z_.]+)"`)
	for _, dir := range []string{"templates", "."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			if !strings.HasSuffix(f, ".html") && !(strings.HasSuffix(f, ".go") && !strings.HasSuffix(f, "_test.go")) {
				continue
			}
			b, _ := os.ReadFile(f)
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				if k := m[1] + m[2]; !strings.HasSuffix(k, ".") { // "field." + name: optional keys
					used[k] = true
				}
			}
		}
	}
	for _, fam := range []struct {
		prefix string
		values []string
	}{
		{"role.", []string{store.RoleAdmin, store.RoleDirector, store.RoleManager, store.RoleRep, store.RolePresales, store.RoleCustomerSuccess}},
		{"kind.", store.ActivityKinds},
		{"loss.", app.LossReasons},
		{"status.", []string{funnel.StatusOpen, funnel.StatusWon, funnel.StatusLost}},
		{"contact.", []string{store.RoleDecisionMaker, store.RoleInfluencer, store.RoleUser}},
		{"diag.", []string{string(funnel.OnTrack), string(funnel.NeedsNewOpportunities), string(funnel.NeedsConversion)}},
		{"board.drop_", []string{string(funnel.StageWon), string(funnel.StageLost)}},
		{"budget.", budgetKinds},
		{"health.", []string{"need_match", "decision_chain", "budget"}},
		{"health.decision.", []string{string(funnel.AutoAdvance), string(funnel.NeedsApproval), string(funnel.Regress)}},
		{"profile.", []string{"all_round", "opener", "converter", "developing"}},
		{"support.status.", []string{funnel.SupportRequested, funnel.SupportRefusalPending, funnel.SupportAccepted, funnel.SupportRefused,
			funnel.SupportCompleted, funnel.SupportCancelled}},
		{"support.view.", []string{"all", "assigned", "mine", "to_decide", "overdue"}},
		{"risk.level.", []string{funnel.RiskHigh, funnel.RiskMedium}},
		{"rule.", []string{funnel.RuleNextContact, funnel.RuleCadence, funnel.RuleZombie, funnel.RuleStageDwell, funnel.RuleJump,
			funnel.RuleSlowReplies, funnel.RuleArchiveOverdue, funnel.RulePriorityQueue}},
		{"todo.kind.", []string{store.TodoSupportResponse, store.TodoSupportRefusal, store.TodoSupportRating}},
	} {
		for _, v := range fam.values {
			used[fam.prefix+v] = true
			if fam.prefix == "diag." {
				used[fam.prefix+v+".advice"] = true
			}
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys: the scan is broken", len(used))
	}
	for k := range used {
		if _, ok := zh[k]; !ok {
			t.Errorf("key %q is used but not in the catalogues", k)
		}
	}
}

// No words in templates: what is left after removing actions, tags,
// comments and entities must hold no letters.
func TestTemplatesHaveNoHardCodedText(t *testing.T) {
	strip := []*regexp.Regexp{
		regexp.MustCompile(`(?s)\{\{.*?\}\}`), regexp.MustCompile(`(?s)<!--.*?-->`),
		regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`), regexp.MustCompile(`(?s)<[^>]*>`),
		regexp.MustCompile(`&[a-z]+;|&#[0-9]+;`),
	}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(p)
		s := string(b)
		for _, re := range strip {
			s = re.ReplaceAllString(s, " ")
		}
		for _, r := range s {
			if unicode.IsLetter(r) {
				t.Errorf("%s: hard-coded text %q; put it in messages/*.json", p, strings.Join(strings.Fields(s), " "))
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCataloguesAreValidJSON(t *testing.T) {
	for _, lang := range Languages {
		b, _ := messageFS.ReadFile("messages/" + lang + ".json")
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
	}
}
