package importer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"shangji/internal/app"
	"shangji/internal/importer"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// fill imports a small company with deals, history, contacts and a
// follow-up that has no external id.
func fill(t *testing.T, a *app.App) {
	t.Helper()
	setUp(t, a)
	steps := []struct {
		k   importer.Kind
		src string
	}{
		{importer.Opportunities, deals + "无区域,ACME Corp,王芳,商机发现,1.00,,,,D9\n"},
		{importer.Contacts, "客户名称,联系人,职务,电话,决策链角色\n华东精密制造,张总,CEO,+86 138 0000 0000,决策者\n华东精密制造,\"'=HYPERLINK(\"\"x\"\")\",工程师,,user\n"}, // a formula typed as text
		{importer.Activities, "客户名称,商机,跟进方式,跟进时间,联系人,跟进内容,跟进人\n华东精密制造,D1,拜访,2024-02-03 10:00,张总,\"现场演示,\n第二行\",李雷\n"},
	}
	for _, s := range steps {
		if rep, err := importText(t, a, s.k, s.src, false, nil); err != nil {
			t.Fatalf("%s: %v %+v", s.k, err, rep)
		}
	}
}

func export(t *testing.T, a *app.App, kind string, f importer.Format, en bool) []byte {
	t.Helper()
	lang := "zh"
	if en {
		lang = "en"
	}
	tb, err := a.Export(context.Background(), admin, kind, lang)
	if err != nil {
		t.Fatalf("export %s: %v", kind, err)
	}
	var b bytes.Buffer
	if err := importer.WriteExport(&b, f, tb, en); err != nil {
		t.Fatalf("write %s: %v", kind, err)
	}
	return b.Bytes()
}

func importBytes(t *testing.T, a *app.App, k importer.Kind, f importer.Format, data []byte) *importer.Report {
	t.Helper()
	tb, err := importer.Open(bytes.NewReader(data), f, "")
	if err != nil {
		t.Fatalf("open %s: %v", k, err)
	}
	rep, err := importer.Import(context.Background(), a, admin, k, tb, importer.Options{})
	if err != nil {
		t.Fatalf("import %s: %v %+v\n%s", k, err, rep, data)
	}
	return rep
}

var exported = []importer.Kind{importer.Customers, importer.Contacts, importer.Opportunities, importer.Activities}

// An export imports back unchanged: into the same database every row is
// recognised, and into a fresh one it recreates records that export to the
// very same file — stage history included.
func TestExportRoundTrip(t *testing.T) {
	for _, f := range []importer.Format{importer.CSV, importer.XLSX} {
		for _, en := range []bool{false, true} {
			name := string(f) + "/zh"
			if en {
				name = string(f) + "/en"
			}
			t.Run(name, func(t *testing.T) { roundTrip(t, f, en) })
		}
	}
}

func roundTrip(t *testing.T, f importer.Format, en bool) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		fill(t, a)
		src := map[importer.Kind][]byte{}
		for _, k := range exported {
			src[k] = export(t, a, string(k), f, en)
			rep := importBytes(t, a, k, f, src[k])
			if rep.Created != 0 || rep.Unchanged != rep.Rows || rep.Rows == 0 {
				t.Errorf("%s re-imported into the same database: %+v", k, rep.ImportResult)
			}
		}
		fresh := app.New(storetest.Open(t, db.Engine), nil)
		if _, err := importText(t, fresh, importer.Users, people, false, nil); err != nil {
			t.Fatal(err)
		}
		for _, k := range exported {
			rep := importBytes(t, fresh, k, f, src[k])
			if rep.Unchanged != 0 || rep.Created != rep.Rows {
				t.Errorf("%s into a fresh database: %+v", k, rep.ImportResult)
			}
		}
		for _, k := range exported {
			got, want := export(t, fresh, string(k), importer.CSV, en), export(t, a, string(k), importer.CSV, en)
			if !bytes.Equal(got, want) {
				t.Errorf("%s exported from the fresh database differs:\n%s\nwant\n%s", k, got, want)
			}
		}
	})
}

// The CSV export opens in Excel (BOM, CRLF), keeps formulas from running,
// names stage-history columns as the import reads them, and gives deals
// without a region their customer's.
func TestExportCSVShape(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		fill(t, a)
		deals := string(export(t, a, "opportunities", importer.CSV, false))
		if !strings.HasPrefix(deals, "\uFEFF外部编号,商机编号,商机名称,客户名称,负责人,销售流程,阶段,金额,") || !strings.Contains(deals, "\r\n") {
			t.Errorf("header: %q", deals[:min(len(deals), 200)])
		}
		for _, w := range []string{"进入商机发现日期", "进入需求确认日期", "\r\nD1,2024-SH-001,", "1000000.00", "2024-BJ-001"} {
			if !strings.Contains(deals, w) {
				t.Errorf("opportunities export lacks %q:\n%s", w, deals)
			}
		}
		contacts := string(export(t, a, "contacts", importer.CSV, false))
		if !strings.Contains(contacts, `"'=HYPERLINK(""x"")"`) || !strings.Contains(contacts, ",+86 138 0000 0000,") {
			t.Errorf("contacts: %s", contacts)
		}
		funnel := string(export(t, a, "funnel", importer.CSV, true))
		if !strings.Contains(funnel, "Stage,Probability (%),Deals,Amount,Weighted amount") || !strings.Contains(funnel, "Total,,") {
			t.Errorf("funnel: %s", funnel)
		}
	})
}
