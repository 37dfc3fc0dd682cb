package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"shangji/internal/funnel"
)

// form is what a create or edit form shows: the values typed (so a refused
// form comes back as it was sent) and each problem next to its field.
type form struct {
	Values  map[string]string
	Errors  map[string]string
	General []problem // problems not about one field
	// Conflict: the record changed since the form was opened (409).
	Conflict bool
}

func newForm() *form { return &form{Values: map[string]string{}, Errors: map[string]string{}} }

// V is a field's value.
func (f *form) V(name string) string { return f.Values[name] }

// Err is a field's problem, "" when none.
func (f *form) Err(name string) string { return f.Errors[name] }

// fieldMessages translates the use cases' most common field messages; any
// other shows as the use case wrote it.
var fieldMessages = map[string]string{
	"is required":        "form.required",
	"customer not found": "form.customer_not_found",
}

// refused fills the form's problems from a use case's error and returns the
// status to answer, or 0 when the error is not the form's (s.fail answers it).
func (f *form) refused(err error, l Locale) int {
	var fe *funnel.Error
	if !errors.As(err, &fe) {
		return 0
	}
	switch fe.Code {
	case funnel.ECONFLICT:
		f.Conflict = true
		return http.StatusConflict
	case funnel.EINVALID, funnel.EFORBIDDEN:
	default:
		return 0
	}
	if len(fe.Fields) == 0 {
		f.General = append(f.General, problem{Message: fe.Message})
	}
	for _, fld := range fe.Fields {
		msg := fld.Message
		if k, ok := fieldMessages[msg]; ok {
			msg = l.T(k)
		}
		name := fld.Field
		if i := strings.IndexByte(name, '['); i > 0 {
			name = name[:i]
		}
		if f.Errors[name] == "" {
			f.Errors[name] = msg
		}
	}
	if fe.Code == funnel.EFORBIDDEN {
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// take copies the named fields of the posted form, trimmed.
func (f *form) take(r *http.Request, names ...string) {
	for _, n := range names {
		f.Values[n] = strings.TrimSpace(r.FormValue(n))
	}
}

// ptr is a field for an input struct: nil when left empty (keep or default).
func (f *form) ptr(name string) *string {
	v, ok := f.Values[name]
	if !ok || v == "" {
		return nil
	}
	return &v
}

// set is a field that may be cleared: an empty value is sent as "".
func (f *form) set(name string) *string {
	v := f.Values[name]
	return &v
}

// list splits a field of several values (commas, 、 or semicolons).
func (f *form) list(name string) *[]string {
	out := strings.FieldsFunc(f.Values[name], func(r rune) bool { return strings.ContainsRune(",，、;；\n", r) })
	return &out
}

// amount reads an amount as sales teams write it: "800000", "800,000.50",
// "80万" or "1.2亿"; anything else goes to the use case, which names the problem.
func (f *form) amount(name string) *string {
	v := strings.ReplaceAll(strings.ReplaceAll(f.Values[name], "，", ""), ",", "")
	v = strings.TrimPrefix(strings.TrimPrefix(v, "¥"), "￥")
	for suffix, shift := range map[string]int32{"万": 4, "亿": 8, "元": 0} {
		if num, ok := strings.CutSuffix(v, suffix); ok {
			if d, err := decimal.NewFromString(strings.TrimSpace(num)); err == nil {
				v = d.Shift(shift).String()
			}
			break
		}
	}
	if v == "" {
		return nil
	}
	return &v
}
