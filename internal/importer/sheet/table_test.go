package sheet_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shangji/internal/importer/sheet"
)

// readAll drains a table; the first error stops it.
func readAll(t testing.TB, tb sheet.Table) ([]sheet.Row, error) {
	t.Helper()
	var rows []sheet.Row
	for {
		r, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
}

func openFile(t *testing.T, name string) sheet.Table {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	format, err := sheet.FormatOf(name)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := sheet.Open(f, format, "")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

// The same sheet saved three ways reads the same, with the line numbers a
// spreadsheet shows (a quoted cell spanning lines counts its first line;
// blank lines are skipped but still counted).
func TestCSVEncodings(t *testing.T) {
	for name, enc := range map[string]sheet.Encoding{
		"customers_utf8.csv": sheet.UTF8, "customers_bom.csv": sheet.UTF8BOM, "customers_gb18030.csv": sheet.GB18030,
	} {
		t.Run(name, func(t *testing.T) {
			tb := openFile(t, name)
			if got := sheet.EncodingOf(tb); got != enc {
				t.Errorf("encoding = %q, want %q", got, enc)
			}
			if h := tb.Header(); h[0] != "客户名称" || len(h) != 5 {
				t.Fatalf("header = %q", h)
			}
			rows, err := readAll(t, tb)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 3 {
				t.Fatalf("rows = %d, want 3", len(rows))
			}
			wantLines := []int{2, 3, 6}
			for i, r := range rows {
				if r.Line != wantLines[i] {
					t.Errorf("row %d line = %d, want %d", i, r.Line, wantLines[i])
				}
			}
			if rows[1].Cells[0] != "北方电力设备集团, 股份" || !strings.Contains(rows[1].Cells[3], "\n建国路") {
				t.Errorf("quoted cells = %q", rows[1].Cells)
			}
		})
	}
}

func TestCSVMalformedNamesTheRow(t *testing.T) {
	tb := openFile(t, "malformed_quote.csv")
	_, err := readAll(t, tb)
	var ce *sheet.CellError
	if !errors.As(err, &ce) || ce.Row != 3 {
		t.Fatalf("err = %v, want a CellError on row 3", err)
	}
}

func TestCSVRefusesUTF16AndEmpty(t *testing.T) {
	if _, err := sheet.OpenCSV(bytes.NewReader([]byte{0xFF, 0xFE, 'a', 0})); err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Errorf("UTF-16: err = %v", err)
	}
	if _, err := sheet.OpenCSV(strings.NewReader("\n\n")); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty: err = %v", err)
	}
}

func TestCSVDelimiters(t *testing.T) {
	for _, src := range []string{"客户名称;行业\nA;B\n", "客户名称\t行业\nA\tB\n"} {
		tb, err := sheet.OpenCSV(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := readAll(t, tb)
		if err != nil || len(rows) != 1 || rows[0].Cells[1] != "B" {
			t.Errorf("%q: rows = %v, err = %v", src, rows, err)
		}
	}
}

// A UTF-8 file whose 64 KiB sniff window ends inside a character is still UTF-8.
func TestDetectEncodingCutRune(t *testing.T) {
	b := []byte(strings.Repeat("客", 10))
	if enc, _ := sheet.DetectEncoding(b[:len(b)-1]); enc != sheet.UTF8 {
		t.Errorf("cut rune: %q", enc)
	}
	gb := []byte{0xC4, 0xFA, 0xBA, 0xC3} // 您好 in GB18030
	if enc, _ := sheet.DetectEncoding(gb); enc != sheet.GB18030 {
		t.Errorf("gb18030: %q", enc)
	}
}

// xlsxBytes builds a workbook: sheet name → rows (nil rows leave gaps).
func xlsxBytes(t testing.TB, sheets map[string][][]any, order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			if row == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXSheetsAndRowNumbers(t *testing.T) {
	b := xlsxBytes(t, map[string][][]any{
		"说明": {{"this sheet is notes"}},
		"客户": {nil, {"客户名称", "行业"}, {"甲公司", "制造"}, nil, nil, {"乙公司", 42}},
	}, "说明", "客户")
	tb, err := sheet.OpenXLSX(bytes.NewReader(b), "客户")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if h := tb.Header(); len(h) != 2 || h[0] != "客户名称" {
		t.Fatalf("header = %q", h)
	}
	rows, err := readAll(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 3 || rows[1].Line != 6 || rows[1].Cells[1] != "42" {
		t.Errorf("rows = %+v", rows)
	}
	first, err := sheet.OpenXLSX(bytes.NewReader(b), "")
	if err != nil || first.Header()[0] != "this sheet is notes" {
		t.Errorf("first sheet: %v", err)
	}
	if _, err := sheet.OpenXLSX(bytes.NewReader(b), "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing sheet: err = %v", err)
	}
	if _, err := sheet.OpenXLSX(strings.NewReader("PK\x03\x04 not really"), ""); err == nil {
		t.Error("garbage read as XLSX")
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]sheet.Format{"a.CSV": sheet.CSV, "b.xlsx": sheet.XLSX, "c.tsv": sheet.CSV} {
		if got, err := sheet.FormatOf(name); err != nil || got != want {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
	for _, name := range []string{"a.xls", "b.pdf", "noext"} {
		if _, err := sheet.FormatOf(name); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// A sheet LibreOffice saved from customers_utf8.csv reads like the CSV.
func TestXLSXFromLibreOffice(t *testing.T) {
	tb := openFile(t, "customers_libreoffice.xlsx")
	rows, err := readAll(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	csvRows, _ := readAll(t, openFile(t, "customers_utf8.csv"))
	if len(rows) != len(csvRows) {
		t.Fatalf("rows = %d, want %d", len(rows), len(csvRows))
	}
	// LibreOffice's CSV filter turns "1000+" into the number 1000: a size
	// column must be typed as text before converting (docs/import.md).
	csvRows[1].Cells[4] = "1000"
	for i := range rows {
		if strings.Join(rows[i].Cells, "|") != strings.Join(csvRows[i].Cells, "|") {
			t.Errorf("row %d: %q, CSV has %q", i, rows[i].Cells, csvRows[i].Cells)
		}
	}
}
