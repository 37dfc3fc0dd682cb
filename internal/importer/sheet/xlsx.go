package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

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
	// complete checks, once the rows run out, that the sheet's XML really
	// ended there.
	complete func() bool
}

// OpenXLSX reads the named sheet, or the first one, streaming its rows.
// Cells are read raw: dates arrive as serial numbers and amounts without
// display formatting, so neither depends on the locale that saved the file.
func OpenXLSX(r io.Reader, sheet string) (t Table, err error) {
	defer recoverTo(&err)
	data, err := io.ReadAll(r) // excelize reads it all too
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: xlsxMaxUnzip, UnzipXMLSizeLimit: xlsxMaxSheetXML})
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
	x := &xlsxTable{f: f, rows: rows, complete: func() bool { return sheetComplete(data, sheet) }}
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
		if x.complete != nil && !x.complete() {
			// excelize stops quietly where the sheet's XML breaks off; the
			// rows before would import as if they were all.
			return Row{}, &CellError{Row: x.line + 1, Message: fmt.Sprintf("unreadable row: the sheet breaks off after row %d, "+
				"which may be incomplete too (the file was cut short when saved or copied): save it again", x.line)}
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

// sheetComplete reports whether the named sheet's XML part ends as XML
// must, with </worksheet>. Unknown layouts count as complete: excelize
// opened the file, and this only guards against a part cut short.
func sheetComplete(data []byte, sheet string) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return true
	}
	part := sheetPart(zr, sheet)
	for _, zf := range zr.File {
		if zf.Name != part {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		tail := make([]byte, 0, 64)
		buf := make([]byte, 32<<10)
		for {
			n, err := rc.Read(buf)
			tail = append(tail, buf[:n]...)
			if len(tail) > 32 {
				tail = append(tail[:0], tail[len(tail)-32:]...)
			}
			if err == io.EOF {
				return bytes.HasSuffix(bytes.TrimSpace(tail), []byte("</worksheet>"))
			} else if err != nil {
				return false
			}
		}
	}
	return true
}

// sheetPart finds the zip part of a sheet through the workbook and its
// relationships ("xl/worksheets/sheet1.xml").
func sheetPart(zr *zip.Reader, sheet string) string {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	read := func(name string, v any) {
		for _, zf := range zr.File {
			if zf.Name == name {
				if rc, err := zf.Open(); err == nil {
					_ = xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v)
					rc.Close()
				}
			}
		}
	}
	read("xl/workbook.xml", &wb)
	read("xl/_rels/workbook.xml.rels", &rels)
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == s.RID {
				if t, ok := strings.CutPrefix(r.Target, "/"); ok {
					return t
				}
				return "xl/" + r.Target
			}
		}
	}
	return ""
}
