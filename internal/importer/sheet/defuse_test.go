package sheet

import "testing"

// A cell a spreadsheet would run as a formula is written with an
// apostrophe and read back without it; phone and negative numbers are data
// and stay as they are.
func TestDefuseRoundTrip(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "@SUM(A1)": "'@SUM(A1)", "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
		"-2+3+cmd": "'-2+3+cmd", "+86 138 0000 0000": "+86 138 0000 0000", "-12.50": "-12.50", "华东": "华东", "": "", "'quoted": "'quoted",
		"'=x": "''=x", "'": "'",
	} {
		if got := Defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
		if back := undefuse(Defuse(in)); back != in {
			t.Errorf("undefuse(defuse(%q)) = %q", in, back)
		}
	}
}
