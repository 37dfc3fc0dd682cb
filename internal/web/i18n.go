package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Message catalogues: every word a page shows comes from here, so a page
// reads the same in Chinese and English and a translator edits one file.
//
//go:embed messages/*.json
var messageFS embed.FS

// Languages the UI speaks; the first is the default (SPEC §9).
var Languages = []string{"zh-CN", "en"}

var catalogues = loadCatalogues()

func loadCatalogues() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		b, err := messageFS.ReadFile("messages/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("messages/%s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}

// Locale formats words, money and times for one reader.
type Locale struct {
	Lang string
	Zone *time.Location
	msgs map[string]string
}

func newLocale(lang, zone string) Locale {
	if _, ok := catalogues[lang]; !ok {
		lang = Languages[0]
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = funnel.CompanyZone
	}
	return Locale{Lang: lang, Zone: loc, msgs: catalogues[lang]}
}

// English tells templates and scripts which number style to use.
func (l Locale) English() bool { return l.Lang == "en" }

// T returns the message key, filled with args (fmt verbs). A missing key shows
// as itself in brackets; a test keeps the catalogues complete.
func (l Locale) T(key string, args ...any) string {
	m, ok := l.msgs[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// Has tells whether the catalogue knows key (for optional translations such
// as a field error the server names).
func (l Locale) Has(key string) bool { _, ok := l.msgs[key]; return ok }

// Money shows an amount as Chinese sales teams speak it (万, 亿) or, in
// English, in yuan with thousands separators.
func (l Locale) Money(m funnel.Money) string {
	if l.Lang != "en" {
		// ¥ already says yuan: "¥6300", not "¥6300元".
		return "¥" + strings.TrimSuffix(funnel.FormatWan(m), "元")
	}
	neg := m < 0
	if neg {
		m = -m
	}
	yuan, fen := int64(m)/100, int64(m)%100
	s := groupThousands(strconv.FormatInt(yuan, 10))
	if fen != 0 {
		s += fmt.Sprintf(".%02d", fen)
	}
	if neg {
		return "-¥" + s
	}
	return "¥" + s
}

func groupThousands(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Yuan is an amount as a plain number for charts (display only, never summed).
func (l Locale) Yuan(m funnel.Money) float64 { return m.Decimal().InexactFloat64() }

// Date shows a day in the reader's zone; nil or zero shows a dash.
func (l Locale) Date(t any) string {
	return l.format(t, "2006-01-02")
}

// DateTime shows a day and time in the reader's zone.
func (l Locale) DateTime(t any) string {
	return l.format(t, "2006-01-02 15:04")
}

func (l Locale) format(v any, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	case string:
		return x // calendar dates are stored as YYYY-MM-DD already
	}
	if t.IsZero() {
		return "—"
	}
	return t.In(l.Zone).Format(layout)
}

// Percent shows an integer or fractional percentage.
func (l Locale) Percent(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x) + "%"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64) + "%"
	}
	return fmt.Sprint(v) + "%"
}

// StageName is a stage's name in the reader's language.
func (l Locale) StageName(s funnel.Stage) string {
	if l.Lang == "en" && s.NameEN != "" {
		return s.NameEN
	}
	return s.NameZH
}

// Name picks the Chinese or English of a pair.
func (l Locale) Name(zh, en string) string {
	if l.Lang == "en" && en != "" {
		return en
	}
	return zh
}
