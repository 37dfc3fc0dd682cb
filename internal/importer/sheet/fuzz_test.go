package importer_test

import (
	"bytes"
	"errors"
	"testing"

	"shangji/internal/importer"
)

// readAndBind runs a file through everything an import does before the
// database: open, bind to a kind, turn every row into a record. Whatever the
// bytes, the answer is rows or an error, never a panic, and row errors carry
// a row number.
func readAndBind(t *testing.T, tb importer.Table, err error) {
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	defer tb.Close()
	b, berr := importer.Bind(importer.Customers, tb.Header(), nil)
	for {
		r, err := tb.Next()
		if err != nil {
			var ce *importer.CellError
			if errors.As(err, &ce) && ce.Row < 1 {
				t.Fatalf("row error without a row: %v", err)
			}
			return
		}
		if r.Line < 1 {
			t.Fatalf("row without a line number: %+v", r)
		}
		if berr == nil {
			if _, cerr := b.Record(r); cerr != nil && cerr.Row != r.Line {
				t.Fatalf("record error on row %d names row %d", r.Line, cerr.Row)
			}
		}
	}
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("客户名称,行业\n甲,制造\n"))
	f.Add([]byte("\xef\xbb\xbfCustomer name;Industry\r\n\"a\"\"b\";x\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := importer.OpenCSV(bytes.NewReader(data))
		readAndBind(t, tb, err)
	})
}

func FuzzXLSX(f *testing.F) {
	f.Add(xlsxBytes(f, map[string][][]any{"S": {{"客户名称", "行业"}, {"甲", 1}}}, "S"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := importer.OpenXLSX(bytes.NewReader(data), "")
		readAndBind(t, tb, err)
	})
}
