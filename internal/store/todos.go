package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Todo kinds written by the rhythm rules (funnel.Rule* name the rules).
const (
	TodoNextContact  = "next_contact"  // the deal's next contact time is near (owner)
	TodoCadence      = "cadence"       // the stage's touch cadence was missed (owner)
	TodoZombieReview = "zombie_review" // a deal without updates for days (manager)
	TodoJumpReview   = "jump_review"   // a deal won straight out of a long first stage (manager)
	TodoArchive      = "archive"       // a closed deal's success points or loss analysis (owner)
	// The resource priority queue's SLA tasks are funnel.Task* kinds.
)

// Todo statuses.
const (
	TodoOpen = "open"
	TodoDone = "done"
)

// Todo is one thing a user should do about a deal.
type Todo struct {
	ID            string     `json:"id"`
	Kind          string     `json:"kind"`
	OpportunityID string     `json:"opportunity_id"`
	DueKey        string     `json:"due_key" doc:"what makes this occurrence unique for its rule and deal"`
	OwnerID       string     `json:"owner_id"`
	Title         string     `json:"title"`
	Detail        string     `json:"detail"`
	DueAt         time.Time  `json:"due_at"`
	Status        string     `json:"status"`
	SnoozedUntil  *time.Time `json:"snoozed_until,omitempty"`
	DoneAt        *time.Time `json:"done_at,omitempty"`
	DoneBy        string     `json:"done_by,omitempty"`
	OwnerNotified *time.Time `json:"owner_notified_at,omitempty"`
	MgrNotified   *time.Time `json:"manager_notified_at,omitempty"`
	Version       int        `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// OverdueFrom is the instant the todo counts as overdue from: its due time,
// or the end of its snooze if later.
func (t *Todo) OverdueFrom() time.Time {
	if t.SnoozedUntil != nil && t.SnoozedUntil.After(t.DueAt) {
		return *t.SnoozedUntil
	}
	return t.DueAt
}

const todoCols = `t.id, t.kind, t.opportunity_id, t.due_key, t.owner_id, t.title, t.detail, t.due_at, t.status, t.snoozed_until,
	t.done_at, t.done_by, t.owner_notified_at, t.manager_notified_at, t.version, t.created_at, t.updated_at`

func scanTodo(row interface{ Scan(...any) error }) (*Todo, error) {
	var t Todo
	var due, c, u int64
	var snooze, done, on, mn sql.NullInt64
	err := row.Scan(&t.ID, &t.Kind, &t.OpportunityID, &t.DueKey, &t.OwnerID, &t.Title, &t.Detail, &due, &t.Status, &snooze,
		&done, &t.DoneBy, &on, &mn, &t.Version, &c, &u)
	if err == sql.ErrNoRows {
		return nil, notFound("todo")
	} else if err != nil {
		return nil, err
	}
	t.DueAt, t.CreatedAt, t.UpdatedAt = msTime(due), msTime(c), msTime(u)
	t.SnoozedUntil, t.DoneAt, t.OwnerNotified, t.MgrNotified = nullMS(snooze), nullMS(done), nullMS(on), nullMS(mn)
	return &t, nil
}

// AddTodo inserts t unless a todo with the same (kind, opportunity, due
// key) exists; created says whether this call wrote it.
func (tx *Tx) AddTodo(ctx context.Context, t *Todo) (created bool, err error) {
	t.ID, t.Status, t.Version, t.CreatedAt, t.UpdatedAt = tx.db.NewID(), TodoOpen, 1, tx.now, tx.now
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO todos (id, kind, opportunity_id, due_key, owner_id, title, detail, due_at, status,
		version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 1, $9, $9)
		ON CONFLICT (kind, opportunity_id, due_key) DO NOTHING`,
		t.ID, t.Kind, t.OpportunityID, t.DueKey, t.OwnerID, t.Title, t.Detail, t.DueAt.UnixMilli(), tx.nowMS())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// TodoFilter selects todos to list.
type TodoFilter struct {
	Status    string    // open, done, or "" for both
	OwnerID   string    // one owner
	DueBefore time.Time // due (or snoozed) before this instant; zero: any
	// OpportunityID: one deal's todos (the deal card).
	OpportunityID string
	Page
}

// visibleTodo: a todo is seen by its owner, the managers above them, admins.
func (v Viewer) visibleTodo(p *params) string { return v.visibleOwner(p, "t.owner_id") }

// Todos lists the todos the viewer may see, by id.
func (db *DB) Todos(ctx context.Context, v Viewer, f TodoFilter) ([]*Todo, string, error) {
	var p params
	where := v.visibleTodo(&p)
	if f.Status != "" {
		where += " AND t.status = " + p.add(f.Status)
	}
	if f.OwnerID != "" {
		where += " AND t.owner_id = " + p.add(f.OwnerID)
	}
	if f.OpportunityID != "" {
		where += " AND t.opportunity_id = " + p.add(f.OpportunityID)
	}
	if !f.DueBefore.IsZero() {
		b := p.add(f.DueBefore.UnixMilli())
		where += " AND t.due_at < " + b + " AND (t.snoozed_until IS NULL OR t.snoozed_until < " + b + ")"
	}
	where += f.after(&p, "t.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+todoCols+` FROM todos t WHERE `+where+` ORDER BY t.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanTodo, f.Page, func(t *Todo) string { return t.ID })
}

// Todo returns a todo the viewer may see, locked for update on PostgreSQL.
func (tx *Tx) Todo(ctx context.Context, v Viewer, id string) (*Todo, error) {
	var p params
	where := "t.id = " + p.add(id) + " AND " + v.visibleTodo(&p)
	return scanTodo(tx.tx.QueryRowContext(ctx, `SELECT `+todoCols+` FROM todos t WHERE `+where+tx.db.forUpdateOf("t"), p...))
}

// SaveTodo writes the changeable fields of t (status, snooze, owner) if its
// version is current.
func (tx *Tx) SaveTodo(ctx context.Context, t *Todo) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE todos SET status = $1, snoozed_until = $2, done_at = $3, done_by = $4, owner_id = $5,
		version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`,
		t.Status, msOrNil(t.SnoozedUntil), msOrNil(t.DoneAt), t.DoneBy, t.OwnerID, tx.nowMS(), t.ID, t.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersion(ctx, res, "todo", func() (any, error) { return tx.Todo(ctx, System, t.ID) }); err != nil {
		return err
	}
	t.Version++
	t.UpdatedAt = tx.now
	return nil
}

// ResolveTodos closes the open todos of the given kinds on a deal that were
// created before the instant (the deal was touched since): done by "system".
func (tx *Tx) ResolveTodos(ctx context.Context, oppID string, before time.Time, kinds ...string) (int, error) {
	return tx.closeTodos(ctx, oppID, before, "system", kinds)
}

// CompleteTodos closes every open todo of the given kinds on a deal as done
// by the user whose action settled them (filing the archive).
func (tx *Tx) CompleteTodos(ctx context.Context, oppID, by string, kinds ...string) (int, error) {
	return tx.closeTodos(ctx, oppID, tx.now.Add(time.Millisecond), by, kinds)
}

func (tx *Tx) closeTodos(ctx context.Context, oppID string, before time.Time, by string, kinds []string) (int, error) {
	var p params
	in := ""
	for i, k := range kinds {
		if i > 0 {
			in += ", "
		}
		in += p.add(k)
	}
	now := p.add(tx.nowMS())
	q := `UPDATE todos SET status = 'done', done_at = ` + now + `, done_by = ` + p.add(by) + `, version = version + 1,
		updated_at = ` + now + ` WHERE status = 'open' AND opportunity_id = ` + p.add(oppID) +
		` AND created_at < ` + p.add(before.UnixMilli()) + ` AND kind IN (` + in + `)`
	res, err := tx.tx.ExecContext(ctx, q, p...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// OverdueTodos lists open todos overdue at now that still have someone to
// tell (the owner not yet notified, or the manager not yet), and that fell
// overdue at or after since: a todo long overdue before escalation began
// (a first start, history loaded by an import or the demo) is not news.
func (db *DB) OverdueTodos(ctx context.Context, now, since time.Time) ([]*Todo, error) {
	ms, from := now.UnixMilli(), since.UnixMilli()
	rows, err := db.r.QueryContext(ctx, `SELECT `+todoCols+` FROM todos t WHERE t.status = 'open' AND t.due_at < $1
		AND (t.snoozed_until IS NULL OR t.snoozed_until < $1) AND (t.owner_notified_at IS NULL OR t.manager_notified_at IS NULL)
		AND (t.due_at >= $2 OR t.snoozed_until >= $2) ORDER BY t.id`, ms, from)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanTodo)
}

// scanAll scans every row (no page).
func scanAll[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// MarkTodoNotified records that the owner (manager=false) or the manager
// was told about the overdue todo. It reports false when the mark was
// already set (another copy of serve told them first).
func (tx *Tx) MarkTodoNotified(ctx context.Context, id string, manager bool) (bool, error) {
	col := "owner_notified_at"
	if manager {
		col = "manager_notified_at"
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE todos SET `+col+` = $1 WHERE id = $2 AND `+col+` IS NULL AND status = 'open'`, tx.nowMS(), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ResolveClosedDealTodos closes the open todos of the given kinds on deals
// that are no longer open (a won or lost deal needs no more follow-up):
// done by "system".
func (tx *Tx) ResolveClosedDealTodos(ctx context.Context, kinds ...string) (int, error) {
	var p params
	marks := make([]string, len(kinds))
	for i, k := range kinds {
		marks[i] = p.add(k)
	}
	now := p.add(tx.nowMS())
	res, err := tx.tx.ExecContext(ctx, `UPDATE todos SET status = 'done', done_at = `+now+`, done_by = 'system', version = version + 1,
		updated_at = `+now+` WHERE status = 'open' AND kind IN (`+strings.Join(marks, ", ")+`)
		AND opportunity_id IN (SELECT id FROM opportunities WHERE status <> 'open')`, p...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
