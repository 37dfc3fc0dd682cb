package api_test

import (
	"encoding/csv"
	"os"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// The spreadsheets LibreOffice made (internal/importer/testdata/libreoffice)
// uploaded through the API: the funnel counts what the source CSV holds per
// stage, and a malformed file is a 422 naming rows and columns.
const fixtureDir = "../importer/testdata/"

func TestImportFixturesOverHTTP(t *testing.T) {
	f, err := os.Open(fixtureDir + "libreoffice/src/opportunities.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	perStage := map[string]float64{}
	for _, r := range recs[1:] {
		perStage[r[4]]++ // 阶段
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, up := range []struct{ kind, file string }{
			{"users", "libreoffice/src/users.csv"},
			{"customers", "libreoffice/customers.xlsx"},
			{"opportunities", "libreoffice/opportunities.xlsx"},
		} {
			data, err := os.ReadFile(fixtureDir + up.file)
			if err != nil {
				t.Fatal(err)
			}
			if code, m, _ := e.sendFile(admin, "/api/v1/imports/"+up.kind, nil, data); code != 200 || m["written"] != true {
				t.Fatalf("%s: %d %v %s", up.file, code, m, problemsOf(m))
			}
		}
		funnel := e.must(200, "GET", "/api/v1/reports/funnel", admin, nil)
		for _, s := range list(funnel, "stages") {
			if num(s, "count") != perStage[str(s, "name")] {
				t.Errorf("funnel %s: %v deals, the file has %v", str(s, "name"), s["count"], perStage[str(s, "name")])
			}
		}
		conv := e.must(200, "GET", "/api/v1/reports/conversion", admin, nil)
		if num(conv, "deals") != float64(len(recs)-1) || num(conv, "won") != perStage["赢单"] || num(conv, "lost") != perStage["输单"] {
			t.Errorf("conversion: %v deals, %v won, %v lost", conv["deals"], conv["won"], conv["lost"])
		}

		data, err := os.ReadFile(fixtureDir + "malformed/bad_dates.csv")
		if err != nil {
			t.Fatal(err)
		}
		code, m, _ := e.sendFile(admin, "/api/v1/imports/opportunities", nil, data)
		if code != 422 || !hasProblem(m, 2, "进入需求确认日期") || !hasProblem(m, 3, "成交日期") || !hasProblem(m, 4, "进入方案推进日期") {
			t.Errorf("bad dates: %d\n%s", code, problemsOf(m))
		}
	})
}
