// Package sheet reads the spreadsheets sales teams keep (CSV in UTF-8,
// UTF-8 with BOM or GB18030, and XLSX) row by row and matches their columns
// to Shangji's fields by Chinese or English headers or a mapping file. It
// knows nothing of the database, so its fuzz targets build and run quickly;
// package importer hands its rows to the app.
package sheet

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Table is a sheet read one row at a time, so a 100,000-row file is never
// held as text in memory twice.
type Table interface {
	// Header is the first non-empty row.
	Header() []string
	// Next returns the next non-empty row, or io.EOF after the last.
	Next() (Row, error)
	Close() error
}

// Row is one data row; Line is its number in the file as a spreadsheet shows
// it (the header is usually row 1), so errors point where the user looks.
type Row struct {
	Line  int
	Cells []string
}

// CellError is a problem with one cell (or a whole row when Column is
// empty): the unit every report is made of.
type CellError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e *CellError) Error() string {
	switch {
	case e.Row == 0:
		return e.Message
	case e.Column == "":
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, column %q: %s", e.Row, e.Column, e.Message)
}

// ErrUnsupported is returned for a file that is neither CSV nor XLSX.
var ErrUnsupported = errors.New("unsupported file type: use .csv or .xlsx")

// Format is a file format by name.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FormatOf picks the format from a file name's extension (.txt and .tsv read
// as CSV with the delimiter detected).
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt", ".tsv":
		return CSV, nil
	case ".xlsx", ".xlsm":
		return XLSX, nil
	case ".xls":
		return "", errors.New("old .xls files are not read: save the sheet as .xlsx or CSV")
	}
	return "", ErrUnsupported
}

// Open reads r as the given format; sheet names an XLSX sheet ("" = first).
func Open(r io.Reader, f Format, sheet string) (Table, error) {
	switch f {
	case CSV:
		return OpenCSV(r)
	case XLSX:
		return OpenXLSX(r, sheet)
	}
	return nil, ErrUnsupported
}

// blank reports whether every cell is empty or spaces: such rows are the
// padding spreadsheets leave and are skipped, not reported.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
