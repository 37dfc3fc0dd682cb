// Package importer brings the spreadsheets sales teams keep into Shangji and
// takes lists and reports out again. Package sheet reads the files and
// matches their columns; this package hands the rows to the app's import use
// cases, which validate all and write all or none, and writes exports with
// the headers the import reads, so an export re-imports unchanged.
package importer

import (
	"io"

	"shangji/internal/importer/sheet"
)

// The reading side lives in package sheet, which needs no database (its
// fuzz targets build without SQLite); these names keep importer's API whole.
type (
	Table     = sheet.Table
	Row       = sheet.Row
	CellError = sheet.CellError
	Format    = sheet.Format
	Encoding  = sheet.Encoding
	Kind      = sheet.Kind
	Field     = sheet.Field
	Mapping   = sheet.Mapping
	Binding   = sheet.Binding
	Record    = sheet.Record
)

const (
	CSV     = sheet.CSV
	XLSX    = sheet.XLSX
	UTF8    = sheet.UTF8
	UTF8BOM = sheet.UTF8BOM
	GB18030 = sheet.GB18030

	Users         = sheet.Users
	Customers     = sheet.Customers
	Contacts      = sheet.Contacts
	Opportunities = sheet.Opportunities
	Activities    = sheet.Activities
	EnteredPrefix = sheet.EnteredPrefix
)

var (
	Kinds          = sheet.Kinds
	ErrUnsupported = sheet.ErrUnsupported
)

// Open reads r as the given format; sheetName names an XLSX sheet ("" = first).
func Open(r io.Reader, f Format, sheetName string) (Table, error) { return sheet.Open(r, f, sheetName) }

// OpenCSV reads a CSV file in any of the supported encodings.
func OpenCSV(r io.Reader) (Table, error) { return sheet.OpenCSV(r) }

// OpenXLSX reads the named sheet, or the first one, streaming its rows.
func OpenXLSX(r io.Reader, sheetName string) (Table, error) { return sheet.OpenXLSX(r, sheetName) }

// FormatOf picks the format from a file name's extension.
func FormatOf(name string) (Format, error) { return sheet.FormatOf(name) }

// DetectEncoding looks at the start of a CSV file.
func DetectEncoding(head []byte) (Encoding, error) { return sheet.DetectEncoding(head) }

// EncodingOf reports the detected encoding of a table read by OpenCSV.
func EncodingOf(t Table) Encoding { return sheet.EncodingOf(t) }

// Bind matches header to the fields of kind k.
func Bind(k Kind, header []string, m *Mapping) (*Binding, error) { return sheet.Bind(k, header, m) }

// LoadMapping reads a mapping file and returns the part for kind k.
func LoadMapping(r io.Reader, k Kind) (*Mapping, error) { return sheet.LoadMapping(r, k) }

// Fields returns the catalogue of k (nil for an unknown kind).
func Fields(k Kind) []Field { return sheet.Fields(k) }

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, bool) { return sheet.ParseKind(s) }
