package sheet

import (
	"strings"

	"shangji/internal/funnel"
)

// Kind is what a file holds.
type Kind string

const (
	Users         Kind = "users"
	Customers     Kind = "customers"
	Contacts      Kind = "contacts"
	Opportunities Kind = "opportunities"
	Activities    Kind = "activities"
)

// Kinds lists the kinds in the order a company is imported: each may refer
// to the ones before it.
var Kinds = []Kind{Users, Customers, Contacts, Opportunities, Activities}

// Field is a column Shangji understands. The first alias in each language is
// what export writes; the others are what people type.
type Field struct {
	Key      string
	ZH, EN   []string
	Required bool
}

// EnteredPrefix marks a stage-history field: "entered:needs_confirmed" holds
// the date the deal entered that stage (by key or name, resolved against the
// pipeline on import).
const EnteredPrefix = "entered:"

// Catalogue: one list per kind. Aliases are matched after normalising case,
// width and spacing (see headerKey), so "客户名称", "Customer Name" and
// "customer_name" all find the same field.
var fields = map[Kind][]Field{
	Users: {
		{Key: "name", ZH: []string{"姓名", "销售", "用户"}, EN: []string{"Name", "User", "Sales agent"}, Required: true},
		{Key: "email", ZH: []string{"邮箱", "电子邮件"}, EN: []string{"Email", "E-mail"}},
		{Key: "role", ZH: []string{"角色"}, EN: []string{"Role"}},
		{Key: "team", ZH: []string{"团队", "小组"}, EN: []string{"Team"}},
		{Key: "manager", ZH: []string{"主管", "经理", "上级"}, EN: []string{"Manager"}},
		{Key: "parent_team", ZH: []string{"上级团队", "区域", "大区"}, EN: []string{"Parent team", "Regional office", "Region"}},
	},
	Customers: {
		{Key: "name", ZH: []string{"客户名称", "客户", "公司名称", "单位名称"}, EN: []string{"Customer name", "Customer", "Account", "Company"}, Required: true},
		{Key: "industry", ZH: []string{"行业", "所属行业"}, EN: []string{"Industry", "Sector"}},
		{Key: "region", ZH: []string{"区域代码", "地区代码"}, EN: []string{"Region", "Region code"}},
		{Key: "address", ZH: []string{"地址", "详细地址"}, EN: []string{"Address"}},
		{Key: "size", ZH: []string{"规模", "企业规模", "人数"}, EN: []string{"Size", "Employees"}},
		{Key: "owner", ZH: []string{"负责人", "客户负责人", "所属销售"}, EN: []string{"Owner", "Owner email", "Sales rep"}},
	},
	Contacts: {
		{Key: "external_id", ZH: []string{"外部编号"}, EN: []string{"External ID"}},
		{Key: "customer", ZH: []string{"客户名称", "客户", "公司名称"}, EN: []string{"Customer name", "Customer", "Account", "Company"}, Required: true},
		{Key: "name", ZH: []string{"联系人", "姓名", "联系人姓名"}, EN: []string{"Contact name", "Name", "Contact"}, Required: true},
		{Key: "title", ZH: []string{"职务", "职位"}, EN: []string{"Title", "Job title"}},
		{Key: "phone", ZH: []string{"电话", "手机", "手机号"}, EN: []string{"Phone", "Mobile"}},
		{Key: "email", ZH: []string{"邮箱", "电子邮件"}, EN: []string{"Email", "E-mail"}},
		{Key: "wecom_id", ZH: []string{"企业微信"}, EN: []string{"WeCom ID", "WeCom"}},
		{Key: "role", ZH: []string{"决策链角色", "角色"}, EN: []string{"Decision role", "Role"}, Required: true},
	},
	Opportunities: {
		{Key: "external_id", ZH: []string{"外部编号", "外部ID"}, EN: []string{"External ID", "Opportunity ID"}},
		{Key: "number", ZH: []string{"商机编号", "编号"}, EN: []string{"Number", "Opportunity number"}},
		{Key: "name", ZH: []string{"商机名称", "机会名称", "项目名称"}, EN: []string{"Opportunity name", "Name", "Deal name", "Deal"}},
		{Key: "customer", ZH: []string{"客户名称", "客户", "公司名称"}, EN: []string{"Customer name", "Customer", "Account", "Company"}, Required: true},
		{Key: "owner", ZH: []string{"负责人", "销售", "销售顾问"}, EN: []string{"Owner", "Owner email", "Sales rep", "Sales agent"}},
		{Key: "pipeline", ZH: []string{"销售流程", "漏斗"}, EN: []string{"Pipeline"}},
		{Key: "stage", ZH: []string{"阶段", "销售阶段", "商机阶段"}, EN: []string{"Stage", "Deal stage"}, Required: true},
		{Key: "amount", ZH: []string{"金额", "商机金额", "预计金额"}, EN: []string{"Amount", "Value", "Deal value"}},
		{Key: "currency", ZH: []string{"币种"}, EN: []string{"Currency"}},
		{Key: "expected_close_date", ZH: []string{"预计成交日期", "预计签约日期"}, EN: []string{"Expected close date", "Expected close"}},
		{Key: "closed_on", ZH: []string{"成交日期", "关闭日期", "结束日期"}, EN: []string{"Closed on", "Close date", "Closed date"}},
		{Key: "loss_reason", ZH: []string{"丢单原因", "输单原因"}, EN: []string{"Loss reason"}},
		{Key: "region", ZH: []string{"区域代码"}, EN: []string{"Region", "Region code"}},
		{Key: "source", ZH: []string{"来源", "商机来源"}, EN: []string{"Source", "Lead source"}},
		{Key: "product_lines", ZH: []string{"产品线", "产品"}, EN: []string{"Product lines", "Products", "Product"}},
		{Key: "competitors", ZH: []string{"竞争对手"}, EN: []string{"Competitors"}},
		{Key: "created_on", ZH: []string{"创建日期", "创建时间"}, EN: []string{"Created on", "Created", "Created at"}},
	},
	Activities: {
		{Key: "external_id", ZH: []string{"外部编号"}, EN: []string{"External ID"}},
		{Key: "customer", ZH: []string{"客户名称", "客户"}, EN: []string{"Customer name", "Customer", "Account"}, Required: true},
		{Key: "opportunity", ZH: []string{"商机编号", "商机"}, EN: []string{"Opportunity number", "Opportunity"}},
		{Key: "kind", ZH: []string{"跟进方式", "类型"}, EN: []string{"Kind", "Type"}, Required: true},
		{Key: "direction", ZH: []string{"方向"}, EN: []string{"Direction"}},
		{Key: "occurred_at", ZH: []string{"跟进时间", "时间", "日期"}, EN: []string{"Occurred at", "Date", "Time"}, Required: true},
		{Key: "contacts", ZH: []string{"联系人"}, EN: []string{"Contacts", "Contact"}},
		{Key: "note", ZH: []string{"跟进内容", "内容", "备注"}, EN: []string{"Note", "Notes"}},
		{Key: "next_step", ZH: []string{"下一步"}, EN: []string{"Next step"}},
		{Key: "owner", ZH: []string{"跟进人", "记录人", "负责人"}, EN: []string{"Owner", "By"}},
	},
}

// Fields returns the catalogue of k (nil for an unknown kind).
func Fields(k Kind) []Field { return fields[k] }

// ParseKind accepts a kind name in English (singular or plural) or Chinese.
func ParseKind(s string) (Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "users", "user", "用户":
		return Users, true
	case "customers", "customer", "客户":
		return Customers, true
	case "contacts", "contact", "联系人":
		return Contacts, true
	case "opportunities", "opportunity", "deals", "商机":
		return Opportunities, true
	case "activities", "activity", "跟进记录":
		return Activities, true
	}
	return "", false
}

// headerKey folds a header for matching: width, case and spaces as customer
// names are folded, then separators and the "*" people put on required
// columns dropped.
func headerKey(s string) string {
	s = funnel.NormalizeCustomerName(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '*', '.', ':', '(', ')':
			return -1
		}
		return r
	}, s)
}

// enteredStage recognises a stage-history header and returns the stage it
// names: "entered:needs_confirmed", "Entered Discovery", "Discovery entered",
// "进入需求确认", "进入需求确认日期", "需求确认进入日期".
func enteredStage(h string) (string, bool) {
	t := strings.TrimSpace(h)
	low := strings.ToLower(t)
	for _, p := range []string{"entered:", "entered ", "进入阶段:", "进入阶段:", "进入"} {
		if strings.HasPrefix(low, p) {
			rest := strings.TrimSpace(t[len(p):])
			rest = strings.TrimSuffix(rest, "日期")
			return strings.TrimSpace(rest), rest != ""
		}
	}
	for _, s := range []string{" entered", "进入日期", "进入时间"} {
		if strings.HasSuffix(low, s) && len(t) > len(s) {
			return strings.TrimSpace(t[:len(t)-len(s)]), true
		}
	}
	return "", false
}
