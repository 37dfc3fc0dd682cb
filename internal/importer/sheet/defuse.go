package sheet

import "strings"

// Defuse keeps a spreadsheet from running a cell as a formula (CSV
// injection: a customer named "=HYPERLINK(…)" is data, not code) by putting
// an apostrophe before it; Binding.Record takes the apostrophe off again.
// Phone and negative numbers are left alone.
func Defuse(c string) string {
	if risky(c) {
		return "'" + c
	}
	return c
}

// risky: a formula's first character, or an apostrophe before something
// risky (which undefuse would otherwise strip from genuine data).
func risky(c string) bool {
	if c == "" {
		return false
	}
	switch c[0] {
	case '=', '@':
		return true
	case '+', '-':
		return strings.Trim(c[1:], "0123456789 .()-") != ""
	case '\'':
		return risky(c[1:])
	}
	return false
}

// undefuse reverses Defuse.
func undefuse(c string) string {
	if len(c) > 1 && c[0] == '\'' && risky(c[1:]) {
		return c[1:]
	}
	return c
}
