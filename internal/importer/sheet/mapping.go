package sheet

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Mapping adjusts how one kind's file is read. It is JSON, one object per
// kind ({"customers": {…}, "opportunities": {…}}) or a single object for the
// kind being imported. Everything in it is optional.
type Mapping struct {
	// Columns maps a header as written in the file to a field key
	// ("name", "entered:won", …); "" or "-" ignores the column.
	Columns map[string]string `json:"columns,omitempty"`
	// Values replaces cell values per field before validation, e.g.
	// {"product_lines": {"GTXPro": "GTX Pro"}}.
	Values map[string]map[string]string `json:"values,omitempty"`
	// Defaults fills empty cells (or absent columns) per field.
	Defaults map[string]string `json:"defaults,omitempty"`
	// Stages maps stage names used in the file to stage keys of the pipeline.
	Stages map[string]string `json:"stages,omitempty"`
	// Pipeline is the pipeline key or name for rows that name none.
	Pipeline string `json:"pipeline,omitempty"`
	// EmailDomain makes user e-mails from names ("Anna Snelling" →
	// anna.snelling@DOMAIN) for files that list people by name only.
	EmailDomain string `json:"email_domain,omitempty"`
	// Description is for people reading the file.
	Description string `json:"description,omitempty"`
}

// LoadMapping reads a mapping file and returns the part for kind k.
func LoadMapping(r io.Reader, k Kind) (*Mapping, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	m := &Mapping{}
	part, ok := all[string(k)]
	if !ok {
		part = b // a single object for this kind
		for _, other := range Kinds {
			if _, ok := all[string(other)]; ok {
				return m, nil // sections for other kinds only: nothing for this one
			}
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(part)))
	dec.DisallowUnknownFields() // a misspelt key must not be silently ignored
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("mapping file, %s: %w", k, err)
	}
	return m, nil
}

// Binding is a file's header matched to fields.
type Binding struct {
	Kind     Kind
	cols     []boundCol
	mapping  *Mapping
	byField  map[string]string
	Ignored  []string // headers matched to nothing
	defaults map[string]string
	width    int // cells in the header row
	// typedCells: the cells come from a workbook, where a formula has been
	// computed to its value and "=…" in a cell is text someone typed as
	// text. Only CSV cells are checked for formulas.
	typedCells bool
}

type boundCol struct {
	idx           int
	field, header string
}

// BindTable binds t's header; a workbook's cells are values, so "=…" in
// one is text and not a formula typed into a CSV file.
func BindTable(k Kind, t Table, m *Mapping) (*Binding, error) {
	b, err := Bind(k, t.Header(), m)
	if err == nil {
		_, b.typedCells = t.(*xlsxTable)
	}
	return b, err
}

// Bind matches header to the fields of kind k: first the mapping's explicit
// columns, then aliases in Chinese or English, then stage-history headers.
// A required field with neither a column nor a default is an error naming
// the headers that were found.
func Bind(k Kind, header []string, m *Mapping) (*Binding, error) {
	cat := fields[k]
	if cat == nil {
		return nil, fmt.Errorf("unknown kind %q", k)
	}
	if m == nil {
		m = &Mapping{}
	}
	alias := map[string]string{}
	for _, f := range cat {
		alias[headerKey(f.Key)] = f.Key
		for _, a := range append(append([]string{}, f.ZH...), f.EN...) {
			if _, taken := alias[headerKey(a)]; !taken {
				alias[headerKey(a)] = f.Key
			}
		}
	}
	explicit := map[string]string{}
	for h, f := range m.Columns {
		explicit[headerKey(h)] = f
	}
	b := &Binding{Kind: k, mapping: m, byField: map[string]string{}, defaults: m.Defaults, width: len(header)}
	for i, h := range header {
		key := headerKey(h)
		field, ok := explicit[key]
		if ok && (field == "" || field == "-") {
			b.Ignored = append(b.Ignored, h)
			continue
		}
		if ok && !known(cat, field) && (k != Opportunities || !strings.HasPrefix(field, EnteredPrefix)) {
			return nil, &CellError{Row: 1, Column: h, Message: fmt.Sprintf("the mapping file maps this column to unknown field %q", field)}
		}
		if !ok {
			field, ok = alias[key]
		}
		if !ok && k == Opportunities {
			if st, isEntered := enteredStage(h); isEntered {
				field, ok = EnteredPrefix+st, true
			}
		}
		if !ok || key == "" {
			if strings.TrimSpace(h) != "" {
				b.Ignored = append(b.Ignored, h)
			}
			continue
		}
		if prev, dup := b.byField[field]; dup {
			return nil, &CellError{Row: 1, Column: h, Message: fmt.Sprintf("both %q and %q map to %s: map one of them to \"-\" in the mapping file", prev, h, field)}
		}
		b.byField[field] = h
		b.cols = append(b.cols, boundCol{idx: i, field: field, header: h})
	}
	var missing []string
	for _, f := range cat {
		if f.Required && b.byField[f.Key] == "" && m.Defaults[f.Key] == "" {
			missing = append(missing, fmt.Sprintf("%s (%s / %s)", f.Key, f.ZH[0], f.EN[0]))
		}
	}
	if len(missing) > 0 {
		return nil, &CellError{Row: 1, Message: fmt.Sprintf("no column for %s; the header has %q — rename the columns or map them in a mapping file",
			strings.Join(missing, ", "), header)}
	}
	return b, nil
}

func known(cat []Field, key string) bool {
	for _, f := range cat {
		if f.Key == key {
			return true
		}
	}
	return false
}

// Mapping is the mapping the binding applies.
func (b *Binding) Mapping() *Mapping { return b.mapping }

// Column is the header of the column holding field, or the field key when
// the value came from a default: reports name what the user can find.
func (b *Binding) Column(field string) string {
	if h := b.byField[field]; h != "" {
		return h
	}
	return field
}

// Fields lists the bound fields, sorted.
func (b *Binding) Fields() []string {
	out := make([]string, 0, len(b.byField))
	for f := range b.byField {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Record is one row as field → value (trimmed, mapped, defaulted).
type Record struct {
	Line   int
	Fields map[string]string
}

// Record turns a row into fields. Cells beyond the header that hold
// something are an error: a shifted row would otherwise import silently
// into the wrong columns.
func (b *Binding) Record(r Row) (Record, *CellError) {
	rec := Record{Line: r.Line, Fields: make(map[string]string, len(b.cols)+len(b.defaults))}
	for _, c := range b.cols {
		if c.idx >= len(r.Cells) {
			continue
		}
		raw := strings.TrimSpace(r.Cells[c.idx])
		if !utf8.ValidString(raw) {
			return rec, &CellError{Row: r.Line, Column: c.header, Message: "is not UTF-8 text: the file mixes encodings; save it again as \"CSV UTF-8\" or .xlsx"}
		}
		if !b.typedCells && formula(raw) {
			return rec, &CellError{Row: r.Line, Column: c.header, Message: fmt.Sprintf("%q looks like a spreadsheet formula: Shangji imports values, not formulas "+
				"(put an apostrophe before it to import it as text)", clip(raw))}
		}
		v := undefuse(raw)
		if vm := b.mapping.Values[c.field]; vm != nil {
			if to, ok := vm[v]; ok {
				v = to
			}
		}
		if v != "" {
			rec.Fields[c.field] = v
		}
	}
	for f, v := range b.defaults {
		if rec.Fields[f] == "" {
			rec.Fields[f] = v
		}
	}
	for i := b.width; i < len(r.Cells); i++ {
		if strings.TrimSpace(r.Cells[i]) != "" {
			// The column has no header, so it is named by its letter, as
			// the spreadsheet shows it.
			col, _ := excelize.ColumnNumberToName(i + 1)
			return rec, &CellError{Row: r.Line, Column: col, Message: fmt.Sprintf("%d cells but the header has %d columns: cell %d holds %q (a stray separator?)",
				len(r.Cells), b.width, i+1, clip(r.Cells[i]))}
		}
	}
	return rec, nil
}

// formula: a cell a spreadsheet would run, typed into a CSV file (an XLSX
// holds a formula's computed value, which is what is read). "=…" always;
// "+", "-" or "@" followed by a function call or a DDE link ("|"), the
// classic CSV-injection payloads. A plain note such as "- 下周再约" or a
// phone number is text.
func formula(c string) bool {
	if c == "" {
		return false
	}
	switch c[0] {
	case '=':
		return len(c) > 1
	case '+', '-', '@':
		return strings.ContainsRune(c, '|') || callRe.MatchString(c)
	}
	return false
}

var callRe = regexp.MustCompile(`[A-Za-z][A-Za-z0-9._]*\(`)

// EnteredColumn is the header of the stage-history column for a stage
// known by any of names (its key, its Chinese or English name, or a name the
// mapping file maps to it), compared ignoring case; "" when there is none.
func (b *Binding) EnteredColumn(names ...string) string {
	for _, c := range b.cols {
		ref, ok := strings.CutPrefix(c.field, EnteredPrefix)
		if !ok {
			continue
		}
		for _, n := range names {
			if n != "" && strings.EqualFold(ref, n) {
				return c.header
			}
		}
	}
	return ""
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
