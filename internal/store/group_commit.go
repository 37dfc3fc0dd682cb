package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Group commit on SQLite.
//
// SQLite has one writer, and most of a small write's cost is its COMMIT: the
// pages it changed are appended to the WAL, index leaves and all, though the
// next write changes the same leaves again. So write actions that queue for
// the writer while another runs share its transaction: each runs in turn, on
// its own goroutine, inside a SAVEPOINT of its own, and one COMMIT ends the
// batch. Each stays its own atomic action:
//
//   - an action whose fn fails (or panics) is rolled back to its savepoint
//     alone and gets its own error; the others go on;
//   - every action that succeeded returns only after the COMMIT, with its
//     error if the COMMIT fails; nothing of a batch is visible before;
//   - each action has its own Tx.Now, taken when its turn comes.
//
// The first action of a batch needs no savepoint (nothing runs before it:
// if it fails the transaction is rolled back and the next action begins a
// new one), so a write that does not wait is exactly BEGIN, fn, COMMIT.
// PostgreSQL keeps one transaction per action: its server already commits
// concurrent transactions together.
//
// Things an action must not do, as before: call DB.Tx inside fn (it would
// wait for the writer it holds), or leave rows open. Reads through the
// reader pool inside fn see only what is committed, so not the writes of
// earlier actions of the same batch.

// maxBatch bounds how many actions share a commit, and so how long the first
// of them waits for its answer.
const maxBatch = 64

// groupCommit hands SQLite's writer connection to one action at a time and
// keeps the transaction that queued actions share.
type groupCommit struct {
	mu    sync.Mutex
	busy  bool    // an action holds the writer: it runs, or ends a batch
	queue []*turn // actions waiting for the writer, first come first served
	// open is the transaction the next action joins (nil: it begins one).
	// Only the action holding the writer touches it.
	open *batch

	w     *sql.DB   // the writer pool (one connection)
	stmts stmtCache // the writer's prepared statements
}

// turn is an action's place in the queue.
type turn struct {
	ready chan struct{} // closed when the writer is handed to it
	given bool          // set under mu when it is
}

// batch is one transaction shared by consecutive actions.
type batch struct {
	tx      *sql.Tx
	actions int           // actions run in it so far, kept or undone
	done    chan struct{} // closed when it has ended
	err     error         // why its kept actions were not committed; set before done closes
	wrote   wrote         // by any of its actions
	stmts   txStmts       // prepared statements bound to tx, by text
}

// groupTx runs fn as one action on SQLite's writer; alone keeps other
// actions out of its transaction (see TxAlone).
func (db *DB) groupTx(ctx context.Context, fn func(tx *Tx) error, alone bool) error {
	g := db.group
	if err := g.acquire(ctx); err != nil {
		return err
	}
	// This goroutine holds the writer until it calls g.handOff.
	if err := ctx.Err(); err != nil {
		g.handOff(false)
		return err
	}
	if alone && g.open != nil {
		g.commit() // the batch before it ends first, without it
	}
	if g.open == nil {
		// Not the caller's context: the transaction may outlive it, carrying
		// other actions' writes.
		sqltx, err := g.w.BeginTx(context.Background(), nil)
		if err != nil {
			g.handOff(false)
			return err
		}
		g.open = &batch{tx: sqltx, done: make(chan struct{}), stmts: txStmts{}}
	}
	b := g.open
	first := b.actions == 0
	b.actions++
	conn := txConn{Tx: b.tx, shared: !alone, stmts: &g.stmts, bound: b.stmts}
	if !first {
		if _, err := conn.ExecContext(context.Background(), `SAVEPOINT action`); err != nil {
			g.abort(b, err)
			g.handOff(false)
			return err
		}
	}
	tx := &Tx{tx: conn, db: db, alone: alone, now: db.Now().UTC().Truncate(time.Millisecond), wrote: &b.wrote}
	returned := false
	defer func() {
		if !returned {
			// fn panicked, or called runtime.Goexit (t.FailNow in a test):
			// undo it and pass the writer on; the panic goes on up this
			// caller's stack as it would have without group commit.
			g.undo(b, first)
			g.handOff(alone)
		}
	}()
	err := fn(tx)
	returned = true
	if err != nil {
		g.undo(b, first)
		g.handOff(alone)
		return err
	}
	if !first {
		if _, err := conn.ExecContext(context.Background(), `RELEASE action`); err != nil {
			g.abort(b, err)
			g.handOff(alone)
			return err
		}
	}
	g.handOff(alone)
	// Kept: the answer is the COMMIT's, even if ctx ends meanwhile — the
	// writes are in the batch and the caller must learn whether they stay.
	<-b.done
	return b.err
}

// acquire waits for the writer. A caller whose context ends while it waits
// leaves the queue with nothing written.
func (g *groupCommit) acquire(ctx context.Context) error {
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		return nil
	}
	t := &turn{ready: make(chan struct{})}
	g.queue = append(g.queue, t)
	g.mu.Unlock()
	select {
	case <-t.ready:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if !t.given {
		g.queue = slices.DeleteFunc(g.queue, func(x *turn) bool { return x == t })
		g.mu.Unlock()
		return ctx.Err()
	}
	g.mu.Unlock()
	g.handOff(false) // handed the writer just as ctx ended: pass it on
	return ctx.Err()
}

// handOff passes the writer to the next waiting action, which joins the open
// batch; with nobody waiting (or a full batch, or an action that wanted to
// be alone) it first commits the batch. Called by the holder only.
func (g *groupCommit) handOff(alone bool) {
	g.mu.Lock()
	if g.open != nil && (alone || len(g.queue) == 0 || g.open.actions >= maxBatch) {
		g.mu.Unlock()
		g.commit()
		g.mu.Lock()
	}
	if len(g.queue) > 0 {
		t := g.queue[0]
		g.queue = g.queue[1:]
		t.given = true
		close(t.ready)
	} else {
		g.busy = false
	}
	g.mu.Unlock()
}

// commit ends the open batch and answers its kept actions; then, with the
// connection free, it prepares the statements noted meanwhile.
func (g *groupCommit) commit() {
	b := g.open
	g.open = nil
	b.err = b.tx.Commit()
	close(b.done)
	g.stmts.prepare(g.w)
}

// undo takes back the current action's writes: its savepoint, or the whole
// transaction when it was the first (nothing else is in it).
func (g *groupCommit) undo(b *batch, first bool) {
	if first {
		_ = b.tx.Rollback()
		g.open = nil
		close(b.done)
		return
	}
	if _, err := b.tx.ExecContext(context.Background(), `ROLLBACK TO action`); err != nil {
		g.abort(b, err)
		return
	}
	if _, err := b.tx.ExecContext(context.Background(), `RELEASE action`); err != nil {
		g.abort(b, err)
	}
}

// abort ends a batch whose transaction SQLite already rolled back or can no
// longer keep (an I/O error, a full disk): the actions kept in it so far are
// lost, and say so.
func (g *groupCommit) abort(b *batch, cause error) {
	_ = b.tx.Rollback()
	b.err = fmt.Errorf("the write transaction was rolled back: %w", cause)
	g.open = nil
	close(b.done)
}

// txConn is a write transaction as the store's SQL uses it.
type txConn struct {
	*sql.Tx
	// shared: other actions' writes may be in the transaction. A statement
	// then runs to its end even if its caller's context ends midway,
	// because SQLite answers an interrupted write inside a transaction by
	// rolling back the whole transaction, the others' writes with it. A
	// context that has ended still stops the next statement (database/sql
	// checks it before running one), and so the action.
	shared bool
	stmts  *stmtCache // SQLite's prepared statements (nil on PostgreSQL)
	bound  txStmts    // those of them bound to this transaction so far
}

// txStmts are prepared statements bound to one transaction (Tx.StmtContext
// makes a new one each time), kept for the batch's later actions: its
// actions run one after the other, never at once.
type txStmts map[string]*sql.Stmt

func (c txConn) ctx(ctx context.Context) context.Context {
	if c.shared && ctx.Err() == nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt is q's prepared statement in this transaction, if it has one.
func (c txConn) stmt(ctx context.Context, q string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	if ctx.Err() != nil {
		return nil // as text: database/sql refuses it before it runs
	}
	if st := c.bound[q]; st != nil {
		return st
	}
	if st := c.stmts.get(q); st != nil {
		// Bound with a context that cannot end: the result is kept for
		// the batch's other actions.
		st = c.Tx.StmtContext(context.Background(), st)
		if c.bound != nil {
			c.bound[q] = st
		}
		return st
	}
	return nil
}

func (c txConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs its query as text: rows may stay open while the same
// query runs again (a nested read), and two open results cannot share one
// prepared statement. QueryRowContext's one row is read at once.
func (c txConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.Tx.QueryContext(c.ctx(ctx), query, args...)
}

func (c txConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.Tx.QueryRowContext(ctx, query, args...)
}

func (c txConn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.Tx.PrepareContext(c.ctx(ctx), query)
}
