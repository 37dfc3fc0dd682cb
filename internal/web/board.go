package web

import (
	"net/http"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// cardsPerColumn bounds a column; the priority list pages through the rest.
const cardsPerColumn = 40

type boardColumn struct {
	Stage  store.Stage
	Totals app.FunnelStage
	Cards  []card
	// Hidden counts the deals beyond cardsPerColumn.
	Hidden int64
}

type boardData struct {
	Scope   *scope
	Columns []boardColumn
	Total   app.Totals
	// Outcomes are the won and lost stages, drop targets below the board.
	Outcomes []store.Stage
	Flash    string // the card just moved, highlighted once
}

// board is the pipeline kanban: a column per open stage, the most valuable
// deals (by weighted amount) on top, totals from the same funnel report the
// dashboard uses so the two never disagree.
func (s *server) board(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	sc, err := s.scopeOf(ctx, r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fun, err := s.app.Funnel(ctx, u, sc.report())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := boardData{Scope: sc, Total: fun.Total, Flash: r.URL.Query().Get("moved")}
	for _, st := range sc.Current.Stages {
		if st.Kind != funnel.StageOpen {
			d.Outcomes = append(d.Outcomes, st)
			continue
		}
		col := boardColumn{Stage: st}
		for _, fs := range fun.Stages {
			if fs.Key == st.Key {
				col.Totals = fs
			}
		}
		f := sc.filter()
		f.Stage, f.SortByWeighted, f.Limit = st.Key, true, cardsPerColumn
		opps, _, err := s.app.DB.Opportunities(ctx, u.Viewer(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if col.Cards, err = s.cards(ctx, opps, sc.Pipelines); err != nil {
			s.fail(w, r, err)
			return
		}
		col.Hidden = max(col.Totals.Count-int64(len(opps)), 0)
		d.Columns = append(d.Columns, col)
	}
	s.render(w, r, http.StatusOK, "board", "", "board", d)
}
