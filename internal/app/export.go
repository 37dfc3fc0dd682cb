package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Exports (issue 7): every list as rows of text under the field keys the
// import reads, so a file exported here imports back unchanged. The app
// decides the values (e-mails for people, stage names, dates in the company
// calendar); the importer package turns field keys into headers and writes
// CSV or XLSX.

// ExportTable is one kind's records as text.
type ExportTable struct {
	Kind string
	// Fields are the import's field keys, one per column; stage-history
	// columns are "entered:<stage key>".
	Fields []string
	Rows   [][]string
	// StageNames gives each "entered:" column's stage its name (zh, en),
	// for headers such as 进入需求确认日期 / Entered Needs confirmed.
	StageNames map[string][2]string
}

// ExportKinds are the kinds Export writes: the importable lists and every
// report (ReportKinds).
var ExportKinds = append([]string{"customers", "contacts", "opportunities", "activities"}, ReportKinds...)

// Export reads kind as the actor sees it (a rep exports their own deals, an
// admin everything), in English values when lang is "en" and Chinese
// otherwise (stage names, follow-up kinds, decision roles). Reports take
// their defaults; ExportReport takes their parameters.
func (a *App) Export(ctx context.Context, actor *store.User, kind, lang string) (*ExportTable, error) {
	en := lang == "en"
	t := &ExportTable{Kind: kind, Rows: [][]string{}}
	if slices.Contains(ReportKinds, kind) {
		return a.ExportReport(ctx, actor, kind, lang, ReportQuery{})
	}
	err := a.DB.Export(ctx, actor.Viewer(), func(e *store.Export) error {
		switch kind {
		case "customers":
			return exportCustomers(ctx, e, t)
		case "contacts":
			return exportContacts(ctx, e, t, en)
		case "opportunities":
			return exportOpportunities(ctx, e, t, en)
		case "activities":
			return exportActivities(ctx, e, t, en)
		}
		return fieldErr("kind", "unknown kind %q: use %s", kind, strings.Join(ExportKinds, ", "))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func exportCustomers(ctx context.Context, e *store.Export, t *ExportTable) error {
	cs, err := e.Customers(ctx)
	if err != nil {
		return err
	}
	t.Fields = []string{"name", "industry", "region", "address", "size", "owner"}
	for _, c := range cs {
		t.Rows = append(t.Rows, []string{c.Name, c.Industry, c.Region, c.Address, c.Size, c.OwnerEmail})
	}
	return nil
}

func exportContacts(ctx context.Context, e *store.Export, t *ExportTable, en bool) error {
	ks, err := e.Contacts(ctx)
	if err != nil {
		return err
	}
	// No external id unless the contact came with one: the natural key
	// (customer and name) recognises the others on re-import.
	t.Fields = []string{"external_id", "customer", "name", "title", "phone", "email", "wecom_id", "role"}
	for _, k := range ks {
		t.Rows = append(t.Rows, []string{k.ExternalID, k.CustomerName, k.Name, k.Title, k.Phone, k.Email, k.WeComID, word(k.Role, roleZH, en)})
	}
	return nil
}

func exportActivities(ctx context.Context, e *store.Export, t *ExportTable, en bool) error {
	as, err := e.Activities(ctx)
	if err != nil {
		return err
	}
	t.Fields = []string{"external_id", "customer", "opportunity", "kind", "direction", "occurred_at", "contacts", "note", "next_step", "owner"}
	for _, x := range as {
		// A follow-up has no natural key worth the name, so one entered in
		// Shangji carries its own id: re-importing the file recognises it.
		ext := x.ExternalID
		if ext == "" {
			ext = x.ID
		}
		t.Rows = append(t.Rows, []string{ext, x.CustomerName, x.OpportunityNumber, word(x.Kind, kindZH, en), word(x.Direction, directionZH, en),
			x.OccurredAt.In(funnel.CompanyZone).Format(time.DateTime), strings.Join(x.ContactNames, "; "), x.Note, x.NextStep, x.OwnerEmail})
	}
	return nil
}

// Chinese words for stored values, the first of each the import accepts.
var (
	roleZH      = map[string]string{store.RoleDecisionMaker: "决策者", store.RoleInfluencer: "影响者", store.RoleUser: "使用者"}
	kindZH      = map[string]string{"call": "电话", "email": "邮件", "visit": "拜访", "meeting": "会议", "demo": "演示", "wecom": "企业微信"}
	directionZH = map[string]string{"outbound": "呼出", "inbound": "回复"}
)

func word(v string, zh map[string]string, en bool) string {
	if w, ok := zh[v]; ok && !en {
		return w
	}
	return v
}
