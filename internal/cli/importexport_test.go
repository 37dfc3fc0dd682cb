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
