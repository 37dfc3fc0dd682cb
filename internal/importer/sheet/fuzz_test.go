package sheet_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"shangji/internal/importer/sheet"
)

// readAndBind runs a file through everything an import does before the
// database: open, bind to a kind, turn every row into a record. Whatever the
// bytes, the answer is rows or an error, never a panic, and row errors carry
// a row number.
func readAndBind(t *testing.T, tb sheet.Table, err error) {
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	defer tb.Close()
	// Every kind's binding sees every row: the customer, deal and
	// follow-up columns all get their turn at the cells.
	var bs []*sheet.Binding
	for _, k := range sheet.Kinds {
		if b, err := sheet.Bind(k, tb.Header(), nil); err == nil {
			bs = append(bs, b)
		}
	}
	for {
		r, err := tb.Next()
		if err != nil {
			var ce *sheet.CellError
			if errors.As(err, &ce) && ce.Row < 1 {
				t.Fatalf("row error without a row: %v", err)
			}
			return
		}
		if r.Line < 1 {
			t.Fatalf("row without a line number: %+v", r)
		}
		for _, b := range bs {
			if _, cerr := b.Record(r); cerr != nil && cerr.Row != r.Line {
				t.Fatalf("record error on row %d names row %d", r.Line, cerr.Row)
			}
		}
	}
}

// addFiles seeds a fuzz target with the fixtures and the malformed corpus
// besides the saved corpus of testdata/fuzz.
func addFiles(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		names, _ := filepath.Glob(p)
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

func FuzzCSV(f *testing.F) {
	addFiles(f, "testdata/*.csv", "../testdata/malformed/*.csv", "../testdata/libreoffice/*.csv", "../testdata/libreoffice/src/*.csv")
	f.Add([]byte("客户名称,行业\n甲,制造\n"))
	f.Add([]byte("\xef\xbb\xbfCustomer name;Industry\r\n\"a\"\"b\";x\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := sheet.OpenCSV(bytes.NewReader(data))
		readAndBind(t, tb, err)
	})
}

func FuzzXLSX(f *testing.F) {
	addFiles(f, "testdata/*.xlsx", "../testdata/malformed/*.xlsx", "../testdata/libreoffice/*.xlsx")
	f.Add(xlsxBytes(f, map[string][][]any{"S": {{"客户名称", "行业"}, {"甲", 1}}}, "S"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := sheet.OpenXLSX(bytes.NewReader(data), "")
		readAndBind(t, tb, err)
	})
}
