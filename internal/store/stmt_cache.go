package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps SQLite's writer statements prepared. The driver parses
// every statement it is handed as text; for a small write that parsing was a
// third of its cost (a deal's creation runs a dozen statements). A statement
// the writer runs again and again is prepared once on the writer's one
// connection, and transactions run it from there (Tx.StmtContext reuses the
// connection's prepared statement). Preparing needs the connection free, so
// it happens between transactions: a text seen often enough is noted, and
// the action that ends a batch prepares what was noted after its COMMIT.
// PostgreSQL needs none of this: pgx keeps its own statement cache.
type stmtCache struct {
	mu       sync.Mutex
	prepared map[string]*sql.Stmt
	seen     map[string]int // texts run as text, and how often
	pending  []string       // seen often enough: prepare at the next chance
}

const (
	stmtCacheSize = 512 // prepared statements kept at most
	stmtSeenSize  = 4096
	stmtPrepareAt = 3 // runs as text before a statement is prepared
)

// get returns the prepared statement for q, or nil (and counts the run).
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.prepared[q]; st != nil {
		return st
	}
	if len(c.prepared) >= stmtCacheSize {
		return nil
	}
	if c.seen == nil || len(c.seen) >= stmtSeenSize {
		c.seen = map[string]int{} // texts built with varying lists: start over
	}
	c.seen[q]++
	if c.seen[q] == stmtPrepareAt {
		c.pending = append(c.pending, q)
	}
	return nil
}

// prepare prepares the pending statements on w; the caller holds the writer
// and no transaction is open on it.
func (c *stmtCache) prepare(w *sql.DB) {
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, q := range pending {
		st, err := w.PrepareContext(context.Background(), q)
		if err != nil {
			continue // it runs as text, as before
		}
		c.mu.Lock()
		if c.prepared == nil {
			c.prepared = map[string]*sql.Stmt{}
		}
		if c.prepared[q] == nil && len(c.prepared) < stmtCacheSize {
			c.prepared[q] = st
			st = nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

// close closes the prepared statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.prepared {
		st.Close()
	}
	c.prepared = nil
}
