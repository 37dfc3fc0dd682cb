package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/importer"
	"shangji/internal/store"
)

// The fixtures of testdata/libreoffice were made by LibreOffice from the CSV
// sources in testdata/libreoffice/src (make-fixtures.sh regenerates them).
const fixtures = "testdata/libreoffice/"

// importPath opens a file the way the command line does and imports it;
// a file that cannot be opened gives its error as the only problem.
func importPath(t *testing.T, a *app.App, k importer.Kind, path string, dry bool) (*importer.Report, []importer.CellError) {
	t.Helper()
	format, err := importer.FormatOf(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := importer.Open(f, format, "")
	if err != nil {
		return nil, []importer.CellError{cellError(err)}
	}
	defer tb.Close()
	rep, err := importer.Import(context.Background(), a, admin, k, tb, importer.Options{DryRun: dry})
	if rep == nil {
		if err == nil {
			t.Fatalf("%s: no report and no error", path)
		}
		return nil, []importer.CellError{cellError(err)}
	}
	return rep, rep.Problems
}

func cellError(err error) importer.CellError {
	var ce *importer.CellError
	if errors.As(err, &ce) {
		return *ce
	}
	return importer.CellError{Message: err.Error()}
}

func mustImportPath(t *testing.T, a *app.App, k importer.Kind, path string) *importer.Report {
	t.Helper()
	rep, problems := importPath(t, a, k, path, false)
	if len(problems) > 0 || rep == nil || !rep.Written {
		t.Fatalf("%s: %v", path, problems)
	}
	return rep
}

// sourceDeal is one row of src/opportunities.csv as this test reads it.
type sourceDeal struct {
	stage      string // Chinese stage name as written
	fen        int64
	lossReason string
	created    int     // days since 1970
	visits     []visit // the stage history the columns describe
}

type visit struct{ stage, day int } // stage: 0–3 open, 4 won, 5 lost

// The sop-5 pipeline as configured by default: the test's own copy.
var (
	openStages = []string{"商机发现", "需求确认", "方案推进", "商务成交"}
	stageKeys  = []string{"discovery", "needs_confirmed", "proposal", "closing", "won", "lost"}
	stageProb  = []int64{10, 30, 60, 80}
)

// readSource reads the source CSV with encoding/csv and builds each deal's
// history as docs/import.md describes it: the entered dates, then the
// outcome on the close date; created on 创建日期 or else the first entry;
// a current stage without a date entered on the last date known.
func readSource(t *testing.T) []sourceDeal {
	t.Helper()
	f, err := os.Open(fixtures + "src/opportunities.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	day := func(s string) int {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return int(d.Unix() / 86400)
	}
	var out []sourceDeal
	for _, r := range recs[1:] {
		d := sourceDeal{stage: r[col["阶段"]], lossReason: r[col["丢单原因"]]}
		yuan, cents, _ := strings.Cut(r[col["金额"]], ".")
		cents = (cents + "00")[:2]
		if _, err := fmt.Sscanf(yuan+cents, "%d", &d.fen); err != nil {
			t.Fatal(err)
		}
		for i, name := range openStages {
			if v := r[col["进入"+name+"日期"]]; v != "" {
				d.visits = append(d.visits, visit{i, day(v)})
			}
		}
		cur := slices.Index(append(slices.Clone(openStages), "赢单", "输单"), d.stage)
		if cur < 0 {
			t.Fatalf("stage %q", d.stage)
		}
		if cur >= 4 {
			d.visits = append(d.visits, visit{cur, day(r[col["成交日期"]])})
		}
		if v := r[col["创建日期"]]; v != "" {
			d.created = day(v)
		} else {
			d.created = d.visits[0].day
		}
		if !slices.ContainsFunc(d.visits, func(v visit) bool { return v.stage == cur }) {
			last := d.created
			if n := len(d.visits); n > 0 {
				last = d.visits[n-1].day
			}
			d.visits = append(d.visits, visit{cur, last})
		}
		out = append(out, d)
	}
	return out
}

// yuanOf writes fen as yuan with two decimals.
func yuanOf(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// hundredths is n/of rounded half up to two decimals, as text ("66.67").
func hundredths(n, of int64) string {
	if of == 0 {
		return "0.00"
	}
	q, r := n*100/of, n*100%of
	if 2*r >= of {
		q++
	}
	return fmt.Sprintf("%d.%02d", q/100, q%100)
}

// TestLibreOfficeFixtures imports what LibreOffice saved — Chinese and
// English headers in .xlsx, and the GB18030 CSV of Chinese Excel — with the
// stage history, then checks the funnel and conversion reports against
// figures worked out here from the source CSV by plain arithmetic.
func TestLibreOfficeFixtures(t *testing.T) {
	deals := readSource(t)

	// Funnel: open deals per stage; weighted = Σ fen × probability / 100,
	// rounded once; share of the weighted total in hundredths of a percent.
	var count, sum [4]int64
	for _, d := range deals {
		if i := slices.Index(openStages, d.stage); i >= 0 {
			count[i]++
			sum[i] += d.fen
		}
	}
	var weighted [4]int64
	var totalFenPct int64
	for i := range 4 {
		weighted[i] = (sum[i]*stageProb[i] + 50) / 100
		totalFenPct += sum[i] * stageProb[i]
	}
	totalWeighted := (totalFenPct + 50) / 100

	// Conversion: a stage is entered by every deal that reached it or a
	// later one (a won deal passed them all) and advanced from when the deal
	// went further; dwell is the days between one entry and the next.
	var entered, advanced [4]int64
	var dwell [4][]int64
	var won, lost, high int64
	var cycles []int64
	losses := map[string]int64{}
	for _, d := range deals {
		furthest := -1
		for k, v := range d.visits {
			if v.stage < 4 {
				furthest = max(furthest, v.stage)
				if k+1 < len(d.visits) {
					dwell[v.stage] = append(dwell[v.stage], int64(d.visits[k+1].day-v.day))
				}
			}
		}
		switch d.stage {
		case "赢单":
			won++
			furthest = 4
			cycles = append(cycles, int64(d.visits[len(d.visits)-1].day-d.created))
		case "输单":
			lost++
			losses[d.lossReason]++
		}
		for i := 0; i < 4 && i <= furthest; i++ {
			entered[i]++
			if i < furthest {
				advanced[i]++
			}
		}
		if d.fen > 500_000_00 {
			high++
		}
	}
	total := int64(len(deals))
	avg := func(xs []int64) string {
		var s int64
		for _, x := range xs {
			s += x
		}
		return hundredths(s, int64(len(xs)))
	}
	med := func(xs []int64) string {
		if len(xs) == 0 {
			return "0.00"
		}
		s := slices.Sorted(slices.Values(xs))
		if len(s)%2 == 1 {
			return hundredths(s[len(s)/2], 1)
		}
		return hundredths(s[len(s)/2-1]+s[len(s)/2], 2)
	}
	var moves int
	for _, d := range deals {
		moves += len(d.visits)
	}
	if won == 0 || lost == 0 || moves <= len(deals) {
		t.Fatalf("the source should have won, lost and moved deals: %d %d %d", won, lost, moves)
	}

	for _, v := range []struct{ name, customers, deals string }{
		{"xlsx_zh", "customers.xlsx", "opportunities.xlsx"},
		{"xlsx_en", "customers.xlsx", "opportunities_en.xlsx"},
		{"gb18030_csv", "customers_gb18030.csv", "opportunities_gb18030.csv"},
	} {
		t.Run(v.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				a := app.New(db, nil)
				mustImportPath(t, a, importer.Users, fixtures+"src/users.csv")
				if rep := mustImportPath(t, a, importer.Customers, fixtures+v.customers); rep.Created != 8 {
					t.Fatalf("customers: %+v", rep.ImportResult)
				}
				if rep := mustImportPath(t, a, importer.Opportunities, fixtures+v.deals); rep.Created != len(deals) {
					t.Fatalf("deals: %+v", rep.ImportResult)
				}
				if n := countRows(t, db, "stage_history"); n != moves {
					t.Errorf("stage history: %d moves, the file describes %d", n, moves)
				}

				f, err := a.Funnel(ctx, admin, app.ReportScope{})
				if err != nil {
					t.Fatal(err)
				}
				if len(f.Stages) != 4 {
					t.Fatalf("funnel stages: %+v", f.Stages)
				}
				for i, st := range f.Stages {
					want := fmt.Sprintf("%s %d %d %d %s", stageKeys[i], count[i], sum[i], weighted[i], hundredths(weighted[i]*100, totalWeighted))
					got := fmt.Sprintf("%s %d %d %d %.2f", st.Key, st.Count, st.Amount, st.WeightedAmount, st.ForecastShare)
					if got != want {
						t.Errorf("funnel: got %s, want %s", got, want)
					}
				}
				if int64(f.Total.WeightedAmount) != totalWeighted {
					t.Errorf("funnel weighted total %d, want %d", f.Total.WeightedAmount, totalWeighted)
				}

				c, err := a.Conversion(ctx, admin, "", app.ReportScope{})
				if err != nil {
					t.Fatal(err)
				}
				got := fmt.Sprintf("deals %d won %d lost %d win %s cycle %s high %s", c.Deals, c.Won, c.Lost,
					c.WinRate.StringFixed(2), c.AvgCycleDays.StringFixed(2), c.HighValueShare.StringFixed(2))
				want := fmt.Sprintf("deals %d won %d lost %d win %s cycle %s high %s", total, won, lost,
					hundredths(won*100, total), avg(cycles), hundredths(high*100, total))
				if got != want {
					t.Errorf("conversion:\n got %s\nwant %s", got, want)
				}
				for i, s := range c.Stages {
					got := fmt.Sprintf("%s entered %d advanced %d conv %s avg %s median %s", s.Key, s.Entered, s.Advanced,
						s.Conversion.StringFixed(2), s.AvgDwellDays.StringFixed(2), s.MedianDwellDays.StringFixed(2))
					want := fmt.Sprintf("%s entered %d advanced %d conv %s avg %s median %s", stageKeys[i], entered[i], advanced[i],
						hundredths(advanced[i]*100, entered[i]), avg(dwell[i]), med(dwell[i]))
					if got != want {
						t.Errorf("conversion:\n got %s\nwant %s", got, want)
					}
				}
				for reason, n := range losses {
					if got, want := c.LossReasons[reason].StringFixed(2), hundredths(n*100, lost); got != want {
						t.Errorf("loss reason %s: %s%%, want %s%%", reason, got, want)
					}
				}

				// The funnel downloaded as CSV carries the same figures.
				ft, err := a.ExportReport(ctx, admin, "funnel", "en", app.ReportQuery{})
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				if err := importer.WriteExport(&b, importer.CSV, ft, true); err != nil {
					t.Fatal(err)
				}
				recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\xef\xbb\xbf")))).ReadAll()
				if err != nil || len(recs) != 6 {
					t.Fatalf("funnel CSV: %v\n%s", err, b.Bytes())
				}
				for i, name := range []string{"Discovery", "Needs confirmed", "Proposal", "Closing"} {
					want := []string{name, fmt.Sprint(stageProb[i]), fmt.Sprint(count[i]), yuanOf(sum[i]), yuanOf(weighted[i]), hundredths(weighted[i]*100, totalWeighted)}
					if got := recs[i+1]; strings.Join(got, ",") != strings.Join(want, ",") {
						t.Errorf("funnel CSV row %d: %q, want %q", i+2, got, want)
					}
				}

				// The same file again changes nothing.
				again, problems := importPath(t, a, importer.Opportunities, fixtures+v.deals, false)
				if len(problems) > 0 || again.Created != 0 || again.Unchanged != len(deals) {
					t.Errorf("re-import: %v %+v", problems, again.ImportResult)
				}
			})
		})
	}
}

// TestMalformedCorpus: every file of testdata/malformed is refused with
// problems naming the row and the column (row 0: the file as a whole), and
// nothing is written.
func TestMalformedCorpus(t *testing.T) {
	const dir = "testdata/malformed/"
	type problem struct {
		row    int
		column string
		says   string
	}
	cases := []struct {
		file string
		want []problem
	}{
		{"empty.csv", []problem{{0, "", "the file is empty"}}},
		{"header_only.csv", []problem{{2, "", "no rows under the header"}}},
		{"ragged.csv", []problem{{3, "O", "15 cells but the header has 14 columns"}}},
		{"short_row.csv", []problem{{2, "金额", "is required"}}},
		{"bad_dates.csv", []problem{
			{2, "进入需求确认日期", `"2025-13-45" is not a date`},
			{3, "成交日期", `"下周五" is not a date`},
			{4, "进入方案推进日期", "before the earlier stage needs_confirmed"},
		}},
		{"bad_amounts.csv", []problem{
			{2, "金额", ""}, {3, "金额", ""}, {4, "金额", ""}, {5, "金额", ""},
		}},
		{"unknown_stage.csv", []problem{{2, "阶段", `no stage "谈判中"`}}},
		{"formula.csv", []problem{{2, "商机名称", "looks like a spreadsheet formula"}, {3, "产品线", "looks like a spreadsheet formula"}}},
		{"unclosed_quote.csv", []problem{{2, "", "malformed CSV"}}},
		{"utf16.csv", []problem{{0, "", "UTF-16"}}},
		{"big5.csv", []problem{{1, "", "no column for customer"}}},
		{"mixed_encoding.csv", []problem{{1502, "商机名称", "is not UTF-8 text"}}},
		{"no_stage_column.csv", []problem{{1, "", "no column for stage"}}},
		{"duplicate_id.csv", []problem{{3, "外部编号", "same deal as row 2"}}},
		{"truncated.xlsx", []problem{{0, "", "not a readable XLSX file"}}},
		{"truncated_sheet.xlsx", []problem{{6, "", "unreadable row"}}},
	}
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		mustImportPath(t, a, importer.Users, fixtures+"src/users.csv")
		mustImportPath(t, a, importer.Customers, fixtures+"customers.xlsx")
		for _, c := range cases {
			t.Run(strings.TrimSuffix(c.file, filepath.Ext(c.file)), func(t *testing.T) {
				path := dir + c.file
				if c.file == "mixed_encoding.csv" {
					path = mixedEncoding(t)
				}
				rep, problems := importPath(t, a, importer.Opportunities, path, false)
				if rep != nil && rep.Written {
					t.Fatal("a malformed file was written")
				}
				var got []string
				for _, p := range problems {
					got = append(got, p.Error())
				}
				if len(problems) != len(c.want) {
					t.Fatalf("%d problems, want %d:\n%s", len(problems), len(c.want), strings.Join(got, "\n"))
				}
				for i, w := range c.want {
					p := problems[i]
					if p.Row != w.row || p.Column != w.column || !strings.Contains(p.Message, w.says) {
						t.Errorf("problem %d = %s; want row %d, column %q, saying %q", i, got[i], w.row, w.column, w.says)
					}
				}
			})
		}
		if n := countRows(t, db, "opportunities"); n != 0 {
			t.Errorf("%d deals written from malformed files", n)
		}
	})
}

// mixedEncoding writes a UTF-8 file with one row saved in GB18030 after the
// first 64 KiB (which decide the encoding): row 1502 holds bytes that are
// not UTF-8.
func mixedEncoding(t *testing.T) string {
	var b strings.Builder
	b.WriteString("外部编号,商机名称,客户名称,负责人,阶段,金额\n")
	for i := 2; i <= 1501; i++ {
		fmt.Fprintf(&b, "X%d,第%d号测试商机,华东精密制造,li@example.com,方案推进,1000\n", i, i)
	}
	b.WriteString("X1502,\xb5\xda\xd2\xbb,华东精密制造,li@example.com,方案推进,1000\n") // 第一 in GB18030
	if b.Len() < 64<<10 {
		t.Fatalf("only %d bytes: the GB18030 row must come after the first 64 KiB", b.Len())
	}
	path := filepath.Join(t.TempDir(), "mixed_encoding.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
