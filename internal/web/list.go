package web

import (
	"net/http"

	"shangji/internal/store"
)

type listData struct {
	Scope *scope
	Cards []card
	Next  string
	// Rank of the first row on this page (pages continue the numbering).
	Rank int
}

// Rank1 numbers row i from one, continuing across pages.
func (d listData) Rank1(i int) int { return d.Rank + i + 1 }

// priorityList is seed 000's list: open deals ranked by weighted amount
// (amount × stage probability), the most valuable first; "more" pages on
// with the keyset cursor.
func (s *server) priorityList(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	sc, err := s.scopeOf(ctx, r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := sc.filter()
	f.SortByWeighted, f.Limit, f.Cursor = true, 50, r.URL.Query().Get("cursor")
	opps, next, err := s.app.DB.Opportunities(ctx, u.Viewer(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := listData{Scope: sc, Next: next, Rank: atoiOr(r.URL.Query().Get("rank"), 0)}
	if d.Cards, err = s.cards(ctx, opps, sc.Pipelines); err != nil {
		s.fail(w, r, err)
		return
	}
	if isHTMX(r) && f.Cursor != "" {
		s.render(w, r, http.StatusOK, "list", "rows", "list", d)
		return
	}
	s.render(w, r, http.StatusOK, "list", "", "list", d)
}

// NextRank is the rank before the next page's first row.
func (d listData) NextRank() int { return d.Rank + len(d.Cards) }
