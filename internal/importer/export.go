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

// reportColumns names the reports' columns (app.ExportReport) like the
// import catalogue names fields: Chinese, then English.
var reportColumns = map[string][2]string{
	"group":                {"分组", "Group"},
	"stage":                {"阶段", "Stage"},
	"probability":          {"赢单概率(%)", "Probability (%)"},
	"count":                {"商机数", "Deals"},
	"amount":               {"金额", "Amount"},
	"weighted_amount":      {"加权金额", "Weighted amount"},
	"forecast_share":       {"预测占比(%)", "Forecast share (%)"},
	"period":               {"期间", "Period"},
	"scope":                {"范围", "Scope"},
	"forecast":             {"预测(F)", "Forecast (F)"},
	"quota":                {"指标", "Quota"},
	"achieved":             {"已完成", "Achieved"},
	"won":                  {"赢单金额", "Won"},
	"direct_sales":         {"直接销售", "Direct sales"},
	"remaining_quota":      {"剩余指标", "Remaining quota"},
	"gap":                  {"缺口", "Gap"},
	"coverage":             {"覆盖率(%)", "Coverage (%)"},
	"early_share":          {"早期阶段占比(%)", "Early-stage share (%)"},
	"diagnosis":            {"诊断", "Diagnosis"},
	"method":               {"预测方法", "Method"},
	"entered":              {"进入数", "Entered"},
	"advanced":             {"推进数", "Advanced"},
	"conversion":           {"转化率(%)", "Conversion (%)"},
	"avg_dwell_days":       {"平均停留天数", "Average dwell (days)"},
	"median_dwell_days":    {"停留天数中位数", "Median dwell (days)"},
	"stays":                {"停留样本数", "Stays"},
	"week":                 {"周", "Week"},
	"week_end":             {"周末日期", "Week end"},
	"sales":                {"销售额(S)", "Sales (S)"},
	"progress":             {"进展(%)", "Progress (%)"},
	"target":               {"目标(%)", "Target (%)"},
	"on_target":            {"达标", "On target"},
	"live":                 {"实时", "Live"},
	"month":                {"月份", "Month"},
	"snapshot_week":        {"快照周", "Snapshot week"},
	"error_pct":            {"误差(%)", "Error (%)"},
	"within_5":             {"误差在±5%内", "Within ±5%"},
	"configured":           {"设定概率(%)", "Configured (%)"},
	"empirical":            {"实际赢单率(%)", "Empirical (%)"},
	"sample":               {"样本数", "Sample"},
	"rep":                  {"销售", "Rep"},
	"opened":               {"新建商机数", "Opened"},
	"win_rate":             {"赢单率(%)", "Win rate (%)"},
	"won_deals":            {"赢单数", "Deals won"},
	"profile":              {"画像", "Profile"},
	"avg_order_value":      {"平均客单价", "Average order value"},
	"activities_per_win":   {"每单跟进次数", "Follow-ups per win"},
	"needed_wins":          {"需赢单数", "Wins needed"},
	"needed_opportunities": {"需商机数", "Opportunities needed"},
	"needed_activities":    {"需跟进次数", "Follow-ups needed"},
	"working_days_left":    {"剩余工作日", "Working days left"},
	"activities_per_day":   {"每日需跟进", "Follow-ups a day"},
	"actual_opportunities": {"实际新建商机", "Opportunities created"},
	"actual_activities":    {"实际跟进次数", "Follow-ups logged"},
	"named_accounts":       {"名单客户数", "Named accounts"},
	"touched":              {"已覆盖", "Touched"},
	"penetrated":           {"已渗透", "Penetrated"},
	"penetration":          {"渗透率(%)", "Penetration (%)"},
	"kind":                 {"类型", "Kind"},
	"name":                 {"名称", "Name"},
	"submitted":            {"已提交预测", "Submitted"},
	"submitted_at":         {"提交时间", "Submitted at"},
	"comment":              {"说明", "Comment"},
}

// Header is the header row for t: each field's first alias in the language
// (Chinese unless en), so the import matches it back to the same field;
// stage-history columns read "进入需求确认日期" / "Entered Needs confirmed".
func Header(t *app.ExportTable, en bool) []string {
	cat := Fields(Kind(t.Kind))
	if cat == nil { // a report
		cat = make([]Field, 0, len(t.Fields))
		for _, key := range t.Fields {
			if names, ok := reportColumns[key]; ok {
				cat = append(cat, Field{Key: key, ZH: []string{names[0]}, EN: []string{names[1]}})
			}
		}
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
