package sheet_test

import (
	"errors"
	"strings"
	"testing"

	"shangji/internal/importer/sheet"
)

func TestBindChineseAndEnglishHeaders(t *testing.T) {
	for _, header := range [][]string{
		{"客户名称", "商机名称", "阶段", "金额", "负责人", "进入需求确认日期"},
		{"Customer Name", "opportunity_name", "STAGE", "Amount", "Owner email", "Entered Needs confirmed"},
		{"客户名称*", "商机名称", "销售阶段", "商机金额", "销售", "entered:needs_confirmed"},
	} {
		b, err := sheet.Bind(sheet.Opportunities, header, nil)
		if err != nil {
			t.Fatalf("%q: %v", header, err)
		}
		got := strings.Join(b.Fields(), ",")
		want := "amount,customer,entered:"
		if !strings.HasPrefix(got, want) || !strings.Contains(got, ",name,owner,stage") {
			t.Errorf("%q → %s", header, got)
		}
	}
}

func TestBindMissingRequiredColumn(t *testing.T) {
	_, err := sheet.Bind(sheet.Customers, []string{"行业", "地址"}, nil)
	var ce *sheet.CellError
	if !errors.As(err, &ce) || ce.Row != 1 || !strings.Contains(ce.Message, "客户名称") {
		t.Fatalf("err = %v", err)
	}
	// A default stands in for a missing column.
	if _, err := sheet.Bind(sheet.Customers, []string{"行业"}, &sheet.Mapping{Defaults: map[string]string{"name": "X"}}); err != nil {
		t.Errorf("default: %v", err)
	}
}

func TestMappingOverridesAndValues(t *testing.T) {
	m, err := sheet.LoadMapping(strings.NewReader(`{
		"opportunities": {"columns": {"account": "customer", "deal_stage": "stage", "engage_date": "entered:Engaging", "product": "product_lines", "Amount": "-"},
		  "values": {"product_lines": {"GTXPro": "GTX Pro"}}, "defaults": {"amount": "0"}},
		"customers": {"columns": {"account": "name"}}}`), sheet.Opportunities)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sheet.Bind(sheet.Opportunities, []string{"account", "deal_stage", "engage_date", "product", "Amount"}, m)
	if err != nil {
		t.Fatal(err)
	}
	rec, cerr := b.Record(sheet.Row{Line: 7, Cells: []string{" Acme ", "Won", "2017-01-02", "GTXPro", "99"}})
	if cerr != nil {
		t.Fatal(cerr)
	}
	f := rec.Fields
	if f["customer"] != "Acme" || f["entered:Engaging"] != "2017-01-02" || f["product_lines"] != "GTX Pro" || f["amount"] != "0" {
		t.Errorf("fields = %v", f)
	}
	if b.Column("customer") != "account" || len(b.Ignored) != 1 {
		t.Errorf("column = %q, ignored = %q", b.Column("customer"), b.Ignored)
	}
	if _, err := sheet.LoadMapping(strings.NewReader(`{"colums": {}}`), sheet.Customers); err == nil {
		t.Error("a misspelt key was accepted")
	}
	if _, err := sheet.Bind(sheet.Customers, []string{"x"}, &sheet.Mapping{Columns: map[string]string{"x": "nmae"}}); err == nil {
		t.Error("an unknown target field was accepted")
	}
}

func TestRecordRefusesCellsBeyondHeader(t *testing.T) {
	b, err := sheet.Bind(sheet.Customers, []string{"Customer name", "Industry"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, cerr := b.Record(sheet.Row{Line: 4, Cells: []string{"A", "B", ""}}); cerr != nil {
		t.Errorf("an empty trailing cell: %v", cerr)
	}
	_, cerr := b.Record(sheet.Row{Line: 4, Cells: []string{"A", "B", "C"}})
	if cerr == nil || cerr.Row != 4 {
		t.Errorf("err = %v", cerr)
	}
}
