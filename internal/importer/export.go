package importer

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"shangji/internal/app"
	"shangji/internal/importer/sheet"
)

// Funnel is the funnel report, which is exported but not imported.
const Funnel Kind = "funnel"

// reportFields names the report's columns like the import catalogue does.
var reportFields = map[Kind][]Field{
	Funnel: {
		{Key: "stage", ZH: []string{"阶段"}, EN: []string{"Stage"}},
		{Key: "probability", ZH: []string{"赢单概率(%)"}, EN: []string{"Probability (%)"}},
		{Key: "count", ZH: []string{"商机数"}, EN: []string{"Deals"}},
		{Key: "amount", ZH: []string{"金额"}, EN: []string{"Amount"}},
		{Key: "weighted_amount", ZH: []string{"加权金额"}, EN: []string{"Weighted amount"}},
		{Key: "forecast_share", ZH: []string{"预测占比(%)"}, EN: []string{"Forecast share (%)"}},
	},
}

// Header is the header row for t: each field's first alias in the language
// (Chinese unless en), so the import matches it back to the same field;
// stage-history columns read "进入需求确认日期" / "Entered Needs confirmed".
func Header(t *app.ExportTable, en bool) []string {
	cat := Fields(Kind(t.Kind))
	if cat == nil {
		cat = reportFields[Kind(t.Kind)]
	}
	out := make([]string, len(t.Fields))
	for i, key := range t.Fields {
		out[i] = key
		if st, ok := strings.CutPrefix(key, EnteredPrefix); ok {
			switch names := t.StageNames[st]; {
			case en && names[1] != "":
				out[i] = "Entered " + names[1]
			case !en && names[0] != "":
				out[i] = "进入" + names[0] + "日期"
			}
			continue
		}
		for _, f := range cat {
			if f.Key == key {
				out[i] = f.ZH[0]
				if en {
					out[i] = f.EN[0]
				}
			}
		}
	}
	return out
}

// WriteExport writes t as a CSV or XLSX file.
func WriteExport(w io.Writer, f Format, t *app.ExportTable, en bool) error {
	h := Header(t, en)
	switch f {
	case CSV:
		return writeCSV(w, h, t.Rows)
	case XLSX:
		return writeXLSX(w, string(t.Kind), h, t.Rows)
	}
	return ErrUnsupported
}

// writeCSV writes UTF-8 with a byte-order mark: without it Excel opens the
// file as the system code page and the Chinese is garbled.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := w.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, c := range r {
			safe[i] = sheet.Defuse(c)
		}
		if err := cw.Write(safe); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// xlsxMaxCell is the longest text a cell holds (Excel's limit).
const xlsxMaxCell = 32767

// writeXLSX streams rows into one sheet. Every cell is text: amounts stay
// exact decimals (never floats) and dates keep the form the import reads.
func writeXLSX(w io.Writer, sheet string, header []string, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	cells := func(r []string) []any {
		out := make([]any, len(r))
		for i, c := range r {
			out[i] = c
		}
		return out
	}
	if err := sw.SetRow("A1", cells(header)); err != nil {
		return err
	}
	for i, r := range rows {
		for j, c := range r {
			if len(c) > xlsxMaxCell {
				return &CellError{Row: i + 2, Column: header[j], Message: fmt.Sprintf("%d characters do not fit in a spreadsheet cell (at most %d): export CSV instead", len(c), xlsxMaxCell)}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells(r)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
