package importer_test

import (
	"context"
	"strings"
	"testing"

	"shangji/internal/app"
	"shangji/internal/importer"
	"shangji/internal/store"
)

var admin = &store.User{ID: "system", Role: store.RoleAdmin}

func importText(t *testing.T, a *app.App, k importer.Kind, src string, dry bool, m *importer.Mapping) (*importer.Report, error) {
	t.Helper()
	tb, err := importer.OpenCSV(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return importer.Import(context.Background(), a, admin, k, tb, importer.Options{DryRun: dry, Mapping: m})
}

const people = "姓名,邮箱,角色,团队\n王芳,wang@example.com,manager,华东\n李雷,li@example.com,rep,华东\n"

const customers = "客户名称,行业,区域代码,负责人\n华东精密制造,制造业,SH,li@example.com\nＡＣＭＥ  Corp,科技,BJ,王芳\n"

const deals = `商机名称,客户名称,负责人,阶段,金额,进入需求确认日期,进入方案推进日期,成交日期,外部编号
数控机床升级,华东精密制造,li@example.com,方案推进,1000000.00,2024-01-10,2024-02-01,,D1
云迁移,acme corp,王芳,赢单,500000,2024/1/5,,2024/3/1,D2
小单,华东精密制造,李雷,Discovery,12000.50,,,,D3
`

// setUp imports people and customers.
func setUp(t *testing.T, a *app.App) {
	t.Helper()
	if rep, err := importText(t, a, importer.Users, people, false, nil); err != nil {
		t.Fatalf("users: %v %+v", err, rep)
	}
	if rep, err := importText(t, a, importer.Customers, customers, false, nil); err != nil {
		t.Fatalf("customers: %v %+v", err, rep.Problems)
	}
}

func TestImportDealsWithHistory(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		setUp(t, a)
		dry, err := importText(t, a, importer.Opportunities, deals, true, nil)
		if err != nil || dry.Created != 3 || dry.Written {
			t.Fatalf("dry run: %v %+v", err, dry)
		}
		if n := countRows(t, db, "opportunities"); n != 0 {
			t.Fatalf("a dry run wrote %d deals", n)
		}
		rep, err := importText(t, a, importer.Opportunities, deals, false, nil)
		if err != nil || rep.Created != 3 || !rep.Written {
			t.Fatalf("import: %v %+v", err, rep)
		}
		// History: D1 entered needs_confirmed then proposal; D2 needs_confirmed then won.
		if n := countRows(t, db, "stage_history"); n != 2+2+1 {
			t.Errorf("stage history rows = %d, want 5", n)
		}
		var won, closed string
		q := `SELECT amount_fen, closed_on FROM opportunities WHERE status = 'won'`
		if err := queryRow(db, q, &won, &closed); err != nil || won != "50000000" || closed != "2024-03-01" {
			t.Errorf("won deal: %s %s %v", won, closed, err)
		}
		// Re-importing the same file changes nothing.
		again, err := importText(t, a, importer.Opportunities, deals, false, nil)
		if err != nil || again.Created != 0 || again.Unchanged != 3 {
			t.Fatalf("re-import: %v %+v", err, again)
		}
		if n := countRows(t, db, "opportunities"); n != 3 {
			t.Errorf("deals after re-import = %d", n)
		}
		again2, _ := importText(t, a, importer.Customers, customers, false, nil)
		if again2.Unchanged != 2 || len(again2.Duplicates) != 2 {
			t.Errorf("customers re-import: %+v", again2.ImportResult)
		}
	})
}

// One bad row refuses the whole file, naming row and column for each problem.
func TestImportRefusesWithRowPreciseErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		setUp(t, a)
		bad := deals + `坏单,不存在的客户,li@example.com,方案推进,1.234,2024-02-01,2024-01-01,,D4
重复,华东精密制造,nobody,阶段X,abc,,,,D5
`
		rep, err := importText(t, a, importer.Opportunities, bad, false, nil)
		if err == nil || rep.Written {
			t.Fatalf("bad file accepted: %+v", rep)
		}
		want := []string{
			`row 5, column "客户名称": no customer "不存在的客户"`,
			`row 5, column "金额":`,
			`row 6, column "负责人": no user "nobody"`,
			`row 6, column "阶段": no stage "阶段X"`,
			`row 6, column "金额":`,
		}
		var got []string
		for _, p := range rep.Problems {
			got = append(got, p.Error())
		}
		all := strings.Join(got, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("missing %q in\n%s", w, all)
			}
		}
		if n := countRows(t, db, "opportunities"); n != 0 {
			t.Errorf("a refused import wrote %d deals", n)
		}
		// History out of order is refused on its own.
		rep, _ = importText(t, a, importer.Opportunities, `客户名称,阶段,金额,进入需求确认日期,进入方案推进日期
华东精密制造,方案推进,1,2024-03-01,2024-02-01
`, true, nil)
		if len(rep.Problems) != 1 || rep.Problems[0].Row != 2 || !strings.Contains(rep.Problems[0].Message, "before the earlier stage") {
			t.Errorf("out of order: %+v", rep.Problems)
		}
	})
}

func TestImportCustomerDuplicates(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		setUp(t, a)
		rep, err := importText(t, a, importer.Customers, "客户名称,负责人\n华东精密制造 ,li@example.com\n新客户,li@example.com\n新 客户,li@example.com\n", true, nil)
		if err == nil || len(rep.Duplicates) != 1 || rep.Duplicates[0].Row != 2 {
			t.Fatalf("dry run: %v %+v", err, rep.ImportResult)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Row != 4 || !strings.Contains(rep.Problems[0].Message, "duplicate of row 3") {
			t.Errorf("problems = %+v", rep.Problems)
		}
	})
}

func TestImportContactsAndActivities(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		setUp(t, a)
		if _, err := importText(t, a, importer.Opportunities, deals, false, nil); err != nil {
			t.Fatal(err)
		}
		if rep, err := importText(t, a, importer.Contacts, "客户名称,联系人,职务,决策链角色\n华东精密制造,张总,CEO,决策者\n华东精密制造,小陈,工程师,user\n", false, nil); err != nil {
			t.Fatalf("contacts: %v %+v", err, rep.Problems)
		}
		acts := "客户名称,商机,跟进方式,跟进时间,联系人,跟进内容,跟进人\n华东精密制造,D1,拜访,2024-02-03 10:00,张总;小陈,现场演示,李雷\n"
		if rep, err := importText(t, a, importer.Activities, acts, false, nil); err != nil || rep.Created != 1 {
			t.Fatalf("activities: %v %+v", err, rep)
		}
		if n := countRows(t, db, "activity_contacts"); n != 2 {
			t.Errorf("activity contacts = %d", n)
		}
		var last string
		if err := queryRow(db, `SELECT COALESCE(last_contact_at, 0) FROM opportunities WHERE name = '数控机床升级'`, &last); err != nil || last == "0" {
			t.Errorf("last contact = %s %v", last, err)
		}
		if rep, _ := importText(t, a, importer.Activities, acts, false, nil); rep.Unchanged != 1 {
			t.Errorf("activities re-import: %+v", rep.ImportResult)
		}
	})
}
