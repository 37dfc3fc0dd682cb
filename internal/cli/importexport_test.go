package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportCommand(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		users := writeFile(t, "users.csv", "姓名,邮箱,角色\n李雷,li@example.com,rep\n")
		if code, out, errs := run(t, "", "import", "users", users, "--db", dsn); code != 0 {
			t.Fatalf("users: %d %s %s", code, out, errs)
		}
		good := writeFile(t, "customers.csv", "客户名称,负责人\n甲公司,li@example.com\n乙公司,李雷\n")
		code, out, _ := run(t, "", "import", "--dry-run", "customers", good, "--db", dsn)
		if code != 0 || !strings.Contains(out, "dry run: 2 rows valid, 2 would be created") {
			t.Fatalf("dry run: %d %s", code, out)
		}
		bad := writeFile(t, "bad.csv", "客户名称,负责人,区域代码\n丙公司,li@example.com,SH\n丁公司,nobody,shanghai\n")
		code, out, errs := run(t, "", "import", "customers", bad, "--db", dsn)
		if code == 0 || !strings.Contains(out, `row 3, column "负责人": no user "nobody"`) || !strings.Contains(out, `row 3, column "区域代码"`) {
			t.Fatalf("bad file: %d\n%s\n%s", code, out, errs)
		}
		if !strings.Contains(errs, "nothing was written") {
			t.Errorf("stderr = %q", errs)
		}
		code, out, _ = run(t, "", "import", "customers", good, "--db", dsn)
		if code != 0 || !strings.Contains(out, "2 created") {
			t.Fatalf("import: %d %s", code, out)
		}
		code, out, _ = run(t, "", "import", "customers", good, "--db", dsn)
		if code != 0 || !strings.Contains(out, "0 created, 2 unchanged") {
			t.Fatalf("re-import: %d %s", code, out)
		}
		if code, _, errs := run(t, "", "import", "things", good, "--db", dsn); code == 0 || !strings.Contains(errs, "unknown kind") {
			t.Errorf("unknown kind: %d %s", code, errs)
		}
	})
}

func TestExportCommand(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		users := writeFile(t, "users.csv", "姓名,邮箱\n李雷,li@example.com\n")
		customers := writeFile(t, "customers.csv", "客户名称,负责人,区域代码\n甲公司,li@example.com,SH\n")
		for _, f := range []string{users, customers} {
			kind := "users"
			if f == customers {
				kind = "customers"
			}
			if code, out, errs := run(t, "", "import", kind, f, "--db", dsn); code != 0 {
				t.Fatalf("import %s: %d %s %s", kind, code, out, errs)
			}
		}
		dir := t.TempDir()
		for _, name := range []string{"c.csv", "c.xlsx"} {
			file := filepath.Join(dir, name)
			code, out, errs := run(t, "", "export", "customers", file, "--db", dsn, "--lang", "en")
			if code != 0 || out != "" || !strings.Contains(errs, "exported 1 customers") {
				t.Fatalf("export %s: %d %q %q", name, code, out, errs)
			}
			code, out, _ = run(t, "", "import", "customers", file, "--db", dsn)
			if code != 0 || !strings.Contains(out, "0 created, 1 unchanged") {
				t.Errorf("re-import %s: %d %s", name, code, out)
			}
		}
		body, err := os.ReadFile(filepath.Join(dir, "c.csv"))
		if err != nil || !strings.HasPrefix(string(body), "\uFEFFCustomer name,Industry,Region,Address,Size,Owner\r\n甲公司,,SH,,,li@example.com\r\n") {
			t.Errorf("c.csv = %q %v", body, err)
		}
		// A report with its parameters.
		file := filepath.Join(dir, "forecast.csv")
		if code, out, errs := run(t, "", "export", "forecast", file, "--period", "2026-Q2", "--lang", "en", "--db", dsn); code != 0 || out != "" {
			t.Fatalf("export forecast: %d %q %q", code, out, errs)
		}
		if body, err := os.ReadFile(file); err != nil || !strings.HasPrefix(string(body), "\uFEFFPeriod,Scope,Forecast (F),Quota,") || !strings.Contains(string(body), "\r\n2026-Q2,company,0.00,") {
			t.Errorf("forecast.csv = %q %v", body, err)
		}
		for _, bad := range [][]string{{"export", "things", "x.csv"}, {"export", "customers", "x.pdf"}, {"export", "customers"}, {"export", "progress", "x.csv", "--period", "2026-11"}} {
			if code, _, errs := run(t, "", append(bad, "--db", dsn)...); code == 0 || errs == "" {
				t.Errorf("%v: exit %d %q", bad, code, errs)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "x.csv")); err == nil {
			t.Error("a refused export left a file")
		}
	})
}
