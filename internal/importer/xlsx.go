package importer

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Limits for XLSX input: uploads are untrusted, and a zip bomb must fail
// with an error rather than take the server's memory.
const (
	xlsxMaxUnzip    = 1 << 30  // total uncompressed size
	xlsxMaxSheetXML = 64 << 20 // one part unpacked in memory; larger parts stream from a temp file
)

type xlsxTable struct {
	f      *excelize.File
	rows   *excelize.Rows
	header []string
	line   int
}

// OpenXLSX reads the named sheet, or the first one, streaming its rows.
// Cells are read raw: dates arrive as serial numbers and amounts without
// display formatting, so neither depends on the locale that saved the file.
func OpenXLSX(r io.Reader, sheet string) (t Table, err error) {
	defer recoverTo(&err)
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: xlsxMaxUnzip, UnzipXMLSizeLimit: xlsxMaxSheetXML})
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX file: %w", err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, errors.New("the workbook has no sheets")
	}
	if sheet == "" {
		sheet = sheets[0]
	} else if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		f.Close()
		return nil, fmt.Errorf("no sheet named %q (sheets: %q)", sheet, sheets)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sheet %q: %w", sheet, err)
	}
	x := &xlsxTable{f: f, rows: rows}
	for {
		row, err := x.read()
		if errors.Is(err, io.EOF) {
			x.Close()
			return nil, fmt.Errorf("sheet %q is empty: expected a header row", sheet)
		} else if err != nil {
			x.Close()
			return nil, err
		}
		if !blank(row.Cells) {
			x.header = row.Cells
			return x, nil
		}
	}
}

func (x *xlsxTable) read() (r Row, err error) {
	defer recoverTo(&err)
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return Row{}, &CellError{Row: x.line + 1, Message: "unreadable row: " + err.Error()}
		}
		return Row{}, io.EOF
	}
	x.line++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return Row{}, &CellError{Row: x.line, Message: "unreadable row: " + err.Error()}
	}
	return Row{Line: x.line, Cells: cells}, nil
}

func (x *xlsxTable) Header() []string { return x.header }

func (x *xlsxTable) Next() (Row, error) {
	for {
		r, err := x.read()
		if err != nil || !blank(r.Cells) {
			return r, err
		}
	}
}

func (x *xlsxTable) Close() error {
	if x.rows != nil {
		_ = x.rows.Close()
	}
	return x.f.Close()
}

// recoverTo turns a panic inside the XLSX library into an error: a broken
// upload must get an answer, not take the process down.
func recoverTo(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("not a readable XLSX file (%v)", p)
	}
}
