package store

import (
	"context"
	"database/sql"
	"encoding/base64"

	"shangji/internal/funnel"
)

// Page is keyset pagination: the cursor is the sort key of the last row seen,
// so pages stay stable while rows are added and cost the same deep or shallow.
type Page struct {
	Limit  int
	Cursor string
}

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func (pg Page) limit() int {
	switch {
	case pg.Limit <= 0:
		return DefaultLimit
	case pg.Limit > MaxLimit:
		return MaxLimit
	}
	return pg.Limit
}

func (pg Page) limitPlusOne(p *params) string { return p.add(pg.limit() + 1) }

// after adds the keyset condition on col for the page's cursor.
func (pg Page) after(p *params, col string) string {
	if pg.Cursor == "" {
		return ""
	}
	return " AND " + col + " > " + p.add(pg.cursorKey())
}

// cursorKey decodes the cursor back into the sort key it was made from.
func (pg Page) cursorKey() string {
	key, err := base64.RawURLEncoding.DecodeString(pg.Cursor)
	if err != nil {
		return pg.Cursor
	}
	return string(key)
}

func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// collect scans rows and cuts the page, returning the next cursor ("" at the end).
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error), pg Page, key func(T) string) ([]T, string, error) {
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > pg.limit() {
		items = items[:pg.limit()]
		next = encodeCursor(key(items[len(items)-1]))
	}
	return items, next, nil
}

// checkVersion turns an UPDATE … WHERE version = $n that touched nothing into
// the right error: 404 when the record is gone, 409 with the current record
// when someone else changed it first.
func (tx *Tx) checkVersion(ctx context.Context, res sql.Result, what string, current func() (any, error)) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	cur, err := current()
	if err != nil {
		return err
	}
	return conflict(what, cur)
}

func conflict(what string, cur any) error {
	return &funnel.Error{Code: funnel.ECONFLICT, Message: what + " was changed by someone else since you loaded it: reload and retry", Current: cur}
}
