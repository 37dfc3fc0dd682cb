package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Imports (issue 7): validate every row first, then write all rows or none.
// Rows arrive as field → text from the importer package, so every rule about
// what a value may be lives here, next to the interactive use cases.

// ImportRow is one source row: its line in the file and its fields.
type ImportRow struct {
	Line   int
	Fields map[string]string
}

// ImportProblem is why a row cannot be imported.
type ImportProblem struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ImportDuplicate is a row matching a record that already exists (or an
// earlier row): it is left as it is, which makes re-importing harmless.
type ImportDuplicate struct {
	Row        int    `json:"row"`
	Key        string `json:"key"`
	ExistingID string `json:"existing_id"`
}

// ImportOptions steer one import.
type ImportOptions struct {
	DryRun bool
	// Stages maps stage names used in the file to stage keys.
	Stages map[string]string
	// Pipeline is the pipeline (key or name) of rows naming none.
	Pipeline string
	// EmailDomain makes e-mails for people given by name only.
	EmailDomain string
	// Progress, when set, hears how many rows are written so far.
	Progress func(done, total int)
}

// ImportResult reports an import or a dry run.
type ImportResult struct {
	Kind       string            `json:"kind"`
	DryRun     bool              `json:"dry_run"`
	Written    bool              `json:"written"`
	Rows       int               `json:"rows"`
	Created    int               `json:"created"`
	Unchanged  int               `json:"unchanged"`
	Problems   []ImportProblem   `json:"problems"`
	Duplicates []ImportDuplicate `json:"duplicates"`
}

// errNothingWritten rolls a dry run or a refused import back.
var errNothingWritten = errors.New("import: nothing written")

// importer is one kind's validation and writing. validate fills the
// result's problems and duplicates; write runs only when there are none.
type importPlan interface {
	validate(ctx context.Context, tx *store.Tx, rows []ImportRow, res *ImportResult) error
	write(ctx context.Context, tx *store.Tx, progress func(done int)) error
}

// Import validates rows of kind and, unless it is a dry run or a row is
// bad, writes them all in one transaction. A refused import returns the
// result (with its problems) and an EINVALID error; the database is as before.
func (a *App) Import(ctx context.Context, actor *store.User, kind string, rows []ImportRow, opt ImportOptions) (*ImportResult, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var plan importPlan
	switch kind {
	case "users":
		plan = &userImport{opt: opt}
	case "customers":
		plan = &customerImport{actor: actor}
	case "contacts":
		plan = &contactImport{}
	case "opportunities":
		plan = &opportunityImport{actor: actor, opt: opt, now: a.Now()}
	case "activities":
		plan = &activityImport{actor: actor}
	default:
		return nil, fieldErr("kind", "unknown kind %q: use users, customers, contacts, opportunities or activities", kind)
	}
	res := &ImportResult{Kind: kind, DryRun: opt.DryRun, Rows: len(rows), Problems: []ImportProblem{}, Duplicates: []ImportDuplicate{}}
	restore := func() {}
	defer func() { restore() }() // after the transaction: it needs the writer connection
	// Alone in its transaction: TuneForImport's settings are for it only.
	err := a.DB.TxAlone(ctx, func(tx *store.Tx) error {
		r, err := tx.TuneForImport(ctx)
		if err != nil {
			return err
		}
		restore = r
		if err := plan.validate(ctx, tx, rows, res); err != nil {
			return err
		}
		if len(res.Problems) > 0 || opt.DryRun {
			return errNothingWritten
		}
		total := res.Created
		return plan.write(ctx, tx, func(done int) {
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
		})
	})
	switch {
	case errors.Is(err, errNothingWritten):
	case err != nil:
		return nil, err
	default:
		res.Written = true
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return res.Problems[i].Row < res.Problems[j].Row })
	if len(res.Problems) > 0 {
		return res, funnel.Errorf(funnel.EINVALID, "%d problem(s) in %d row(s); nothing was written", len(res.Problems), rowsWith(res.Problems))
	}
	return res, nil
}

func rowsWith(ps []ImportProblem) int {
	seen := map[int]bool{}
	for _, p := range ps {
		seen[p.Row] = true
	}
	return len(seen)
}

// rowProblems collects a row's problems into the result.
type rowProblems struct {
	res  *ImportResult
	line int
	n    int
}

func (p *rowProblems) add(field, format string, args ...any) {
	p.n++
	p.res.Problems = append(p.res.Problems, ImportProblem{Row: p.line, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p *rowProblems) ok() bool { return p.n == 0 }

// importDate reads the dates spreadsheets hold: ISO (2024-03-01), with
// slashes or dots and unpadded (2024/3/1), or an Excel serial number (XLSX
// cells are read raw, so a date cell arrives as days since 1899-12-30).
// Times of day are allowed after the date. Dates are in the company zone.
func importDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-/") {
		if n < 1 || n > 2958465 { // 9999-12-31
			return time.Time{}, fmt.Errorf("%q is not a date", s)
		}
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, funnel.CompanyZone)
		days := int(n)
		secs := int((n - float64(days)) * 86400)
		return base.AddDate(0, 0, days).Add(time.Duration(secs) * time.Second), nil
	}
	norm := strings.NewReplacer("/", "-", ".", "-", "T", " ").Replace(s)
	for _, layout := range []string{"2006-1-2", "2006-1-2 15:04", "2006-1-2 15:04:05", "2006-1-2 15:04:05Z07:00", "2006-1-2 15:04:05.999999999Z07:00"} {
		if t, err := time.ParseInLocation(layout, norm, funnel.CompanyZone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2024-03-01", s)
}

// splitList splits a cell holding several values: people separate them with
// semicolons, the Chinese enumeration comma or newlines.
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return cleanList(strings.FieldsFunc(s, func(r rune) bool {
		return r == ';' || r == '；' || r == '、' || r == '\n' || r == '|'
	}))
}

// people resolves users named by e-mail or name.
type people map[string]*store.User

func (p people) find(ref string) (*store.User, string) {
	u, ok := p[strings.ToLower(strings.TrimSpace(ref))]
	switch {
	case !ok:
		return nil, fmt.Sprintf("no user %q (give an e-mail or a name; import users first)", ref)
	case u == nil:
		return nil, fmt.Sprintf("several users are named %q: give the e-mail", ref)
	}
	return u, ""
}

// realUser is the actor when it is a stored user (the CLI acts as a
// built-in admin that owns nothing).
func realUser(ctx context.Context, tx *store.Tx, actor *store.User) string {
	if u, err := tx.User(ctx, actor.ID); err == nil {
		return u.ID
	}
	return ""
}
