package app

import (
	"context"
	"strconv"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// exportOpportunities writes deals with one "entered:" date column per open
// stage of any pipeline, so their history comes back on import.
func exportOpportunities(ctx context.Context, e *store.Export, t *ExportTable, en bool) error {
	pls, err := e.Pipelines(ctx)
	if err != nil {
		return err
	}
	opps, err := e.Opportunities(ctx)
	if err != nil {
		return err
	}
	byID := map[string]*store.Pipeline{}
	t.StageNames = map[string][2]string{}
	var entered []string
	// The default pipeline's stages first, in their order: the columns read
	// like the funnel. Outcomes need no column, the close date holds them.
	for _, pl := range defaultFirst(pls) {
		byID[pl.ID] = pl
		for _, s := range pl.Stages {
			if s.Kind != funnel.StageOpen {
				continue
			}
			names := [2]string{s.NameZH, s.NameEN}
			if prev, ok := t.StageNames[s.Key]; !ok {
				t.StageNames[s.Key] = names
				entered = append(entered, s.Key)
			} else if prev != names {
				// One key, two names: only the key finds the stage in both.
				t.StageNames[s.Key] = [2]string{}
			}
		}
	}
	t.Fields = []string{"external_id", "number", "name", "customer", "owner", "pipeline", "stage", "amount", "currency",
		"expected_close_date", "closed_on", "loss_reason", "region", "source", "product_lines", "competitors", "created_on"}
	col := map[string]int{}
	for _, k := range entered {
		col[k] = len(t.Fields)
		t.Fields = append(t.Fields, "entered:"+k)
	}
	for _, o := range opps {
		pl := byID[o.PipelineID]
		cur, _ := pl.StageByID(o.StageID)
		stage := cur.NameZH
		if en {
			stage = cur.NameEN
		}
		row := make([]string, len(t.Fields))
		copy(row, []string{o.ExternalID, o.Number, o.Name, o.CustomerName, o.OwnerEmail, pl.Key, stage, o.Amount.String(), o.Currency,
			o.ExpectedCloseDate, o.ClosedOn, o.LossReason, o.Region, o.Source, strings.Join(o.ProductLines, "; "),
			strings.Join(o.Competitors, "; "), funnel.Today(o.CreatedAt)})
		for _, en := range enteredPath(o.History, pl, cur) {
			if i, ok := col[en.st.Key]; ok && en.st.Kind == funnel.StageOpen {
				row[i] = funnel.Today(en.at)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return nil
}

// enteredPath is the way a deal came to its current stage: the history
// replayed oldest first, where entering a stage forgets every stage at or
// after it (a deal moved back re-enters, and import wants one date per
// stage in pipeline order). Stages past the current one are dropped too.
func enteredPath(hist []store.Entered, pl *store.Pipeline, cur store.Stage) []entry {
	var path []entry
	for _, h := range hist {
		st, ok := pl.StageByID(h.StageID)
		if !ok {
			continue
		}
		for len(path) > 0 && path[len(path)-1].st.Position >= st.Position {
			path = path[:len(path)-1]
		}
		path = append(path, entry{st, h.At})
	}
	for len(path) > 0 && path[len(path)-1].st.Position > cur.Position {
		path = path[:len(path)-1]
	}
	return path
}

// defaultFirst orders pipelines with the default one first.
func defaultFirst(pls []*store.Pipeline) []*store.Pipeline {
	out := make([]*store.Pipeline, 0, len(pls))
	for _, pl := range pls {
		if pl.IsDefault {
			out = append(out, pl)
		}
	}
	for _, pl := range pls {
		if !pl.IsDefault {
			out = append(out, pl)
		}
	}
	return out
}

// formatPercent writes a share with two decimals (a ratio, not money).
func formatPercent(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
