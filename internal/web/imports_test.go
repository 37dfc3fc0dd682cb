package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// customersCSV has a row whose owner does not exist (row 3) and a customer
// the demo company already has (a duplicate, left alone).
func customersCSV(t *testing.T, s *site, bad bool) []byte {
	t.Helper()
	owner := "nobody@nowhere.example"
	if !bad {
		owner = s.demo.Rep.Email
	}
	return []byte("客户名称,行业,区域代码,负责人\r\n导入测试甲公司,制造,SH," + s.demo.Rep.Email + "\r\n导入测试乙公司,金融,BJ," + owner + "\r\n")
}

func customerExists(t *testing.T, db *store.DB, name string) bool {
	t.Helper()
	cs, _, err := db.Customers(context.Background(), store.System, store.CustomerFilter{Query: name})
	if err != nil {
		t.Fatal(err)
	}
	return len(cs) > 0
}

var checkedRe = regexp.MustCompile(`name="checked" value="([0-9a-f]{64})"`)

func TestImportScreen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 10)
		admin := s.client()
		admin.login(s.demo.Admin.Email)

		t.Run("Page", func(t *testing.T) {
			res, body := admin.do("GET", "/imports?kind=opportunities", nil)
			if res.StatusCode != 200 || !strings.Contains(body, `id="import-form"`) || !strings.Contains(body, `value="opportunities" selected`) || !strings.Contains(body, "商机名称") {
				t.Fatalf("import page: %d", res.StatusCode)
			}
		})

		t.Run("DryRunShowsRowErrorsAndWritesNothing", func(t *testing.T) {
			res, body := admin.upload("/imports", map[string]string{"kind": "customers", "step": "check"}, "客户.csv", customersCSV(t, s, true))
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("dry run of a bad file: %d", res.StatusCode)
			}
			for _, want := range []string{`id="import-problems"`, "<td class=\"num\">3</td><td>负责人</td>", "无法导入", "未写入任何数据"} {
				if !strings.Contains(body, want) {
					t.Errorf("report lacks %q", want)
				}
			}
			if checkedRe.MatchString(body) {
				t.Error("a refused check offers to confirm")
			}
			// Confirming anyway (a forged or stale ticket) writes nothing either.
			res, _ = admin.upload("/imports", map[string]string{"kind": "customers", "step": "import", "checked": strings.Repeat("0", 64)}, "客户.csv", customersCSV(t, s, true))
			if res.StatusCode != http.StatusUnprocessableEntity || customerExists(t, db, "导入测试甲公司") {
				t.Fatalf("confirming a bad file: %d (or it wrote)", res.StatusCode)
			}
		})

		t.Run("CheckThenConfirmWrites", func(t *testing.T) {
			file := customersCSV(t, s, false)
			res, body := admin.upload("/imports", map[string]string{"kind": "customers", "step": "check"}, "客户.csv", file)
			m := checkedRe.FindStringSubmatch(body)
			if res.StatusCode != 200 || m == nil || !strings.Contains(body, "检查通过") {
				t.Fatalf("check: %d", res.StatusCode)
			}
			if customerExists(t, db, "导入测试甲公司") {
				t.Fatal("the check wrote")
			}
			// Another file with the first one's ticket is checked again, not written.
			other := []byte(strings.ReplaceAll(string(file), "乙公司", "丙公司"))
			res, body = admin.upload("/imports", map[string]string{"kind": "customers", "step": "import", "checked": m[1]}, "客户.csv", other)
			if res.StatusCode != 200 || !strings.Contains(body, "文件或映射在检查后发生了变化") || customerExists(t, db, "导入测试丙公司") {
				t.Fatalf("a changed file: %d", res.StatusCode)
			}
			res, body = admin.upload("/imports", map[string]string{"kind": "customers", "step": "import", "checked": m[1]}, "客户.csv", file)
			if res.StatusCode != 200 || !strings.Contains(body, "导入完成") || !strings.Contains(body, `id="import-created">2<`) {
				t.Fatalf("confirm: %d", res.StatusCode)
			}
			if !customerExists(t, db, "导入测试甲公司") || !customerExists(t, db, "导入测试乙公司") {
				t.Fatal("confirm did not write")
			}
			// The same file again: both rows are duplicates, nothing to create.
			_, body = admin.upload("/imports", map[string]string{"kind": "customers", "step": "check"}, "客户.csv", file)
			if !strings.Contains(body, `id="import-duplicates"`) || !strings.Contains(body, "导入测试甲公司") {
				t.Fatal("re-checking the same file does not list the duplicates")
			}
		})

		t.Run("ColumnMappingFromTheForm", func(t *testing.T) {
			file := []byte("Firma,Branche\n映射测试公司,制造\n")
			res, body := admin.upload("/imports", map[string]string{"kind": "customers", "step": "check"}, "c.csv", file)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no column for name") {
				t.Fatalf("unknown header: %d", res.StatusCode)
			}
			res, body = admin.upload("/imports", map[string]string{"kind": "customers", "step": "check",
				"mapping": `{"columns": {"Firma": "name", "Branche": "industry"}}`}, "c.csv", file)
			if res.StatusCode != 200 || !strings.Contains(body, "检查通过") {
				t.Fatalf("with a mapping: %d", res.StatusCode)
			}
			res, body = admin.upload("/imports", map[string]string{"kind": "customers", "step": "check", "col_header": "Firma", "col_field": "name"}, "c.csv", file)
			if res.StatusCode != 200 || !strings.Contains(body, `<option value="name" selected>`) {
				t.Fatalf("with a column chosen in the form: %d", res.StatusCode)
			}
			res, body = admin.upload("/imports", map[string]string{"kind": "customers", "step": "check", "mapping": `{"colums": {}}`}, "c.csv", file)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "无法读取映射") {
				t.Fatalf("a misspelt mapping: %d", res.StatusCode)
			}
		})

		t.Run("StageNamesMappedInTheForm", func(t *testing.T) {
			cs, _, _ := db.Customers(context.Background(), store.System, store.CustomerFilter{Page: store.Page{Limit: 1}})
			file := []byte("客户名称,商机名称,阶段,金额,负责人\n" + cs[0].Name + ",阶段映射测试,Prospecting,120000," + s.demo.Rep.Email + "\n")
			res, body := admin.upload("/imports", map[string]string{"kind": "opportunities", "step": "check"}, "deals.csv", file)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="import-stages"`) || !strings.Contains(body, `name="stage_from" value="Prospecting"`) {
				t.Fatalf("unknown stage: %d", res.StatusCode)
			}
			pls, _ := db.Pipelines(context.Background())
			var pipeline string
			for _, pl := range pls {
				if pl.IsDefault {
					pipeline = pl.Key
				}
			}
			res, body = admin.upload("/imports", map[string]string{"kind": "opportunities", "step": "check",
				"stage_from": "Prospecting", "stage_pipeline": pipeline, "stage_to": "discovery"}, "deals.csv", file)
			m := checkedRe.FindStringSubmatch(body)
			if res.StatusCode != 200 || m == nil || !strings.Contains(body, `<option value="discovery" selected>`) {
				t.Fatalf("with the stage mapped: %d", res.StatusCode)
			}
			// A pipeline chosen on the page that lacks the mapped stage refuses the rows.
			res, body = admin.upload("/imports", map[string]string{"kind": "opportunities", "step": "check", "pipeline": "no-such-pipeline",
				"stage_from": "Prospecting", "stage_pipeline": pipeline, "stage_to": "discovery"}, "deals.csv", file)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("an unknown pipeline chosen: %d", res.StatusCode)
			}
			res, _ = admin.upload("/imports", map[string]string{"kind": "opportunities", "step": "import", "checked": m[1],
				"stage_from": "Prospecting", "stage_pipeline": pipeline, "stage_to": "discovery"}, "deals.csv", file)
			opps, _, _ := db.Opportunities(context.Background(), store.System, store.OpportunityFilter{Query: "阶段映射测试"})
			if res.StatusCode != 200 || len(opps) != 1 || opps[0].Stage != "discovery" {
				t.Fatalf("import with a mapped stage: %d, %d deals", res.StatusCode, len(opps))
			}
		})

		t.Run("XLSX", func(t *testing.T) {
			f := excelize.NewFile()
			sheet := f.GetSheetName(0)
			for i, row := range [][]any{{"客户名称", "行业", "负责人"}, {"表格导入公司", "教育", s.demo.Rep.Email}} {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := f.SetSheetRow(sheet, cell, &row); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			res, body := admin.upload("/imports", map[string]string{"kind": "customers", "step": "check"}, "客户.xlsx", buf.Bytes())
			m := checkedRe.FindStringSubmatch(body)
			if res.StatusCode != 200 || m == nil {
				t.Fatalf("check an XLSX: %d", res.StatusCode)
			}
			res, _ = admin.upload("/imports", map[string]string{"kind": "customers", "step": "import", "checked": m[1]}, "客户.xlsx", buf.Bytes())
			if res.StatusCode != 200 || !customerExists(t, db, "表格导入公司") {
				t.Fatalf("import an XLSX: %d", res.StatusCode)
			}
		})

		t.Run("ProgressStream", func(t *testing.T) {
			res, body := admin.uploadWith("/imports", map[string]string{"kind": "customers", "step": "check"}, "客户.csv", customersCSV(t, s, true), "X-Shangji-Progress", "1")
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/x-ndjson") {
				t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			lines := strings.Split(strings.TrimSpace(body), "\n")
			var last struct {
				Status int    `json:"status"`
				HTML   string `json:"html"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Status != 422 || !strings.Contains(last.HTML, `id="import-problems"`) {
				t.Fatalf("last line: %v %d", err, last.Status)
			}
			if strings.Contains(last.HTML, "<html") {
				t.Fatal("the stream carries a whole page")
			}
		})

		t.Run("ProgressOfALongFile", func(t *testing.T) {
			var b strings.Builder
			b.WriteString("客户名称,行业\n")
			for i := 0; i < 20001; i++ {
				b.WriteString("进度测试客户" + strconv.Itoa(i) + ",制造\n")
			}
			res, body := admin.uploadWith("/imports", map[string]string{"kind": "customers", "step": "check"}, "many.csv", []byte(b.String()), "X-Shangji-Progress", "1")
			if res.StatusCode != 200 || !strings.Contains(body, `{"done":10000,"phase":"read","total":0}`) || !strings.Contains(body, `"status":200`) {
				t.Fatalf("progress of 20,001 rows: %d %.300s", res.StatusCode, body)
			}
		})

		t.Run("NoFile", func(t *testing.T) {
			res, body := admin.upload("/imports", map[string]string{"kind": "customers", "step": "check"}, "", nil)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请选择要导入的文件") {
				t.Fatalf("no file: %d", res.StatusCode)
			}
		})
	})
}

// uploadWith is upload with request headers.
func (c *client) uploadWith(path string, fields map[string]string, file string, content []byte, hdr ...string) (*http.Response, string) {
	c.s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", file)
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.s.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}
