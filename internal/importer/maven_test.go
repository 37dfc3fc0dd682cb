package importer_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"shangji/internal/app"
	"shangji/internal/importer"
	"shangji/internal/store"
)

// The published data set, read in place (nothing of it is copied into the repo).
const mavenDir = "../../../shared/datasets/maven-crm"

func importFile(t *testing.T, a *app.App, k importer.Kind, path, mapping string) *importer.Report {
	t.Helper()
	mf, err := os.Open(mapping)
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	m, err := importer.LoadMapping(mf, k)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := importer.OpenCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Import(context.Background(), a, admin, k, tb, importer.Options{Mapping: m})
	if err != nil {
		n := min(len(rep.Problems), 5)
		t.Fatalf("%s: %v; first problems: %v", path, err, rep.Problems[:n])
	}
	return rep
}

// TestMavenCRM imports the Maven CRM data set with the committed mapping and
// checks the funnel and won totals against figures computed here from the
// CSV itself.
func TestMavenCRM(t *testing.T) {
	if _, err := os.Stat(mavenDir); err != nil {
		t.Skipf("the maven-crm data set is not at %s: %v", mavenDir, err)
	}
	mapping := "../../examples/maven-crm/mapping.json"
	// Independent figures: per deal_stage, the count and the sum of close_value.
	f, err := os.Open(filepath.Join(mavenDir, "sales_pipeline.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ n, sum int64 }{}
	var wantMoves int64
	for _, r := range recs[1:] {
		v, _ := strconv.ParseInt(r[7], 10, 64)
		w := want[r[4]]
		w.n++
		w.sum += v
		want[r[4]] = w
		if r[4] == "Won" || r[4] == "Lost" {
			wantMoves += 2 // entered needs_confirmed, then closed
		} else {
			wantMoves++
		}
	}
	keyOf := map[string]string{"Prospecting": "discovery", "Engaging": "needs_confirmed", "Won": "won", "Lost": "lost"}

	eachDB(t, func(t *testing.T, db *store.DB) {
		a := app.New(db, nil)
		importFile(t, a, importer.Users, filepath.Join(mavenDir, "sales_teams.csv"), mapping)
		importFile(t, a, importer.Customers, filepath.Join(mavenDir, "accounts.csv"), mapping)
		importFile(t, a, importer.Customers, "../../examples/maven-crm/no-account.csv", mapping)
		rep := importFile(t, a, importer.Opportunities, filepath.Join(mavenDir, "sales_pipeline.csv"), mapping)
		if rep.Created != len(recs)-1 {
			t.Fatalf("created %d deals, want %d", rep.Created, len(recs)-1)
		}
		for stage, w := range want {
			var n, sum int64
			q := `SELECT COUNT(*), COALESCE(SUM(o.amount_fen), 0) FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE s.key = '` + keyOf[stage] + `'`
			if err := queryRow(db, q, &n, &sum); err != nil {
				t.Fatal(err)
			}
			if n != w.n || sum != w.sum*100 {
				t.Errorf("%s: %d deals worth %d fen, the CSV says %d worth %d00", stage, n, sum, w.n, w.sum)
			}
		}
		if n := int64(countRows(t, db, "stage_history")); n != wantMoves {
			t.Errorf("stage history = %d moves, want %d", n, wantMoves)
		}
		var gtx int64
		if err := queryRow(db, `SELECT COUNT(*) FROM opportunities WHERE product_lines = '["GTX Pro"]'`, &gtx); err != nil || gtx == 0 {
			t.Errorf("GTXPro not mapped to GTX Pro: %d %v", gtx, err)
		}
		// The funnel report through the app: open deals per stage of sop-5.
		fr, err := a.Funnel(context.Background(), admin, app.ReportScope{})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range fr.Stages {
			var w int64
			for stage, k := range keyOf {
				if k == st.Key {
					w = want[stage].n
				}
			}
			if st.Count != w {
				t.Errorf("funnel %s: %d deals, the CSV has %d", st.Key, st.Count, w)
			}
		}
		// Importing again changes nothing.
		again := importFile(t, a, importer.Opportunities, filepath.Join(mavenDir, "sales_pipeline.csv"), mapping)
		if again.Created != 0 || again.Unchanged != len(recs)-1 {
			t.Errorf("re-import: %+v", again.ImportResult)
		}
	})
}
