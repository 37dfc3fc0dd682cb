package importer

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
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
}

type boundCol struct {
	idx           int
	field, header string
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
		v := undefuse(strings.TrimSpace(r.Cells[c.idx]))
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
			return rec, &CellError{Row: r.Line, Message: fmt.Sprintf("%d cells but the header has %d columns: cell %d holds %q (a stray separator?)",
				len(r.Cells), b.width, i+1, clip(r.Cells[i]))}
		}
	}
	return rec, nil
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
