package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/demo"
	"shangji/internal/funnel"
	"shangji/internal/importer"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// funnel_cells stays equal to the open deals grouped by owner, pipeline and
// stage through every kind of write — the demo's bulk load, creates, stage
// moves with and without an amount, wins, losses, reopening, edits of the
// amount and the owner, an edit and a follow-up that change nothing it
// counts, a move to another pipeline, a reassignment of many deals in one
// statement, deletes, a refused and an allowed customer delete, a rolled
// back transaction, a bulk insert and an import — and StageTotals answered
// from it equals the query over the deals for every demo user.
func TestFunnelCellsFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, funnel.CompanyZone)
		if _, err := demo.Load(ctx, db, demo.Options{Seed: 5, Opportunities: 300, Now: now}); err != nil {
			t.Fatal(err)
		}
		w := newCellsWorld(t, db)
		w.check("demo load")

		// Creates: open deals of two reps in two pipelines, and one
		// created already won (not in the funnel).
		a := w.create("测试甲", w.repA, w.pl, w.open(0), funnel.Wan(30))
		b := w.create("测试乙", w.repA, w.pl, w.open(1), funnel.Wan(45))
		c := w.create("测试丙", w.repB, w.pl, w.open(0), funnel.Wan(12))
		d := w.create("测试丁", w.repB, w.other, w.other.FirstOpen(), funnel.Wan(80))
		won := w.create("测试戊", w.repA, w.pl, w.stage(funnel.StageWon), funnel.Wan(5))
		w.check("creates")

		w.move(a, w.open(1), nil)
		w.check("stage move")
		amount := funnel.Wan(33)
		w.move(b, w.open(2), &amount)
		w.check("stage move with a new amount")
		w.move(a, w.stage(funnel.StageWon), nil)
		w.check("won")
		w.move(c, w.stage(funnel.StageLost), nil)
		w.check("lost")
		w.move(c, w.open(1), nil)
		w.check("reopened")
		w.move(won, w.open(0), nil)
		w.check("won deal reopened")

		w.edit(b, func(o *store.Opportunity) { o.Amount = funnel.Wan(41) })
		w.check("amount edited")
		w.edit(c, func(o *store.Opportunity) { o.OwnerID = w.repOther.ID })
		w.check("owner reassigned to another team")
		w.edit(b, func(o *store.Opportunity) { o.OwnerID, o.Amount = w.repB.ID, funnel.Wan(7) })
		w.check("owner and amount together")
		w.edit(b, func(o *store.Opportunity) { o.Name = "测试乙改名" })
		w.check("edit of nothing the funnel counts")
		w.inTx(func(tx *store.Tx) error {
			return tx.LogActivity(ctx, &store.Activity{OpportunityID: d, CustomerID: w.customer, Kind: "call", Direction: "outbound",
				OccurredAt: now, Note: "电话沟通", CreatedBy: w.repB.ID})
		})
		w.check("follow-up")

		target := w.other.Stages[1]
		if target.Kind != funnel.StageOpen {
			target = w.other.FirstOpen()
		}
		w.exec(`UPDATE opportunities SET pipeline_id = $1, stage_id = $2 WHERE id = $3`, w.other.ID, target.ID, b)
		w.check("moved to another pipeline")
		w.exec(`UPDATE opportunities SET owner_id = $1 WHERE owner_id = $2`, w.repB.ID, w.repA.ID)
		w.check("all of a rep's deals reassigned in one statement")

		w.exec(`DELETE FROM opportunities WHERE id = $1`, d)
		w.check("open deal deleted")
		w.exec(`DELETE FROM opportunities WHERE name LIKE '测试%'`)
		w.check("several deals deleted in one statement")

		// A customer with deals is not deleted (there is no cascade to
		// deals); one without is.
		var withDeals string
		if err := db.QueryRowForTest(ctx, `SELECT customer_id FROM opportunities WHERE status = 'open' ORDER BY id LIMIT 1`).Scan(&withDeals); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteCustomer(ctx, store.System, withDeals) })
		if funnel.ErrorCode(err) != funnel.ECONFLICT {
			t.Fatalf("deleting a customer with deals: %v", err)
		}
		w.check("customer delete refused")
		w.inTx(func(tx *store.Tx) error { return tx.DeleteCustomer(ctx, store.System, w.customer) })
		w.check("customer without deals deleted")

		// Changes rolled back leave the cells as they were.
		var some string
		if err := db.QueryRowForTest(ctx, `SELECT id FROM opportunities WHERE status = 'open' ORDER BY id LIMIT 1`).Scan(&some); err != nil {
			t.Fatal(err)
		}
		errRollback := errors.New("rolled back")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecForTest(ctx, `UPDATE opportunities SET status = 'lost', owner_id = $1 WHERE id = $2`, w.repOther.ID, some); err != nil {
				return err
			}
			if _, err := tx.ExecForTest(ctx, `UPDATE opportunities SET amount_fen = amount_fen + 1 WHERE status = 'open' AND owner_id = $1`,
				w.repB.ID); err != nil {
				return err
			}
			o := &store.Opportunity{Name: "回滚", CustomerID: w.bulkCustomer, OwnerID: w.repA.ID, PipelineID: w.pl.ID,
				StageID: w.open(0).ID, Amount: funnel.Wan(9), ExpectedCloseDate: "2026-12-31", Region: "SH"}
			if err := tx.CreateOpportunity(ctx, o, w.pl, w.repA.ID); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		w.check("rolled back")

		// A bulk insert of many deals per statement (500 rows per INSERT
		// on PostgreSQL), with the indexes set aside as the loaders do.
		w.inTx(func(tx *store.Tx) error {
			rebuild, err := tx.DeferIndexes(ctx, "opportunities")
			if err != nil {
				return err
			}
			first, err := tx.ReserveNumbers(ctx, 2026, "SH", 1200)
			if err != nil {
				return err
			}
			owners := []string{w.repA.ID, w.repB.ID, w.repOther.ID}
			stages := []store.Stage{w.open(0), w.open(1), w.open(2), w.stage(funnel.StageWon), w.stage(funnel.StageLost)}
			opps := make([]*store.Opportunity, 1200)
			for i := range opps {
				st := stages[i%len(stages)]
				o := &store.Opportunity{Number: funnel.OpportunityNumber(2026, "SH", first+int64(i)), Name: fmt.Sprintf("批量%d", i),
					CustomerID: w.bulkCustomer, OwnerID: owners[i%len(owners)], PipelineID: w.pl.ID, StageID: st.ID,
					Status: statusOfKind(st.Kind), Amount: funnel.Money(1_000_00 + int64(i)*7), ExpectedCloseDate: "2026-12-31", Region: "SH"}
				if o.Status != funnel.StatusOpen {
					o.ClosedOn = "2026-11-20"
				}
				opps[i] = o
			}
			if err := tx.BulkInsertOpportunities(ctx, opps); err != nil {
				return err
			}
			return rebuild(ctx)
		})
		w.check("bulk insert")

		// An import through the importer (validated, then bulk written).
		var src strings.Builder
		src.WriteString("外部编号,商机名称,客户名称,负责人,阶段,金额,成交日期\n")
		importStages := []string{"商机发现", "需求确认", "方案推进", "赢单", "输单"}
		reps := []*store.User{w.repA, w.repB, w.repOther}
		for i := range 700 {
			st, closed := importStages[i%len(importStages)], ""
			if i%len(importStages) >= 3 {
				closed = "2026-10-15"
			}
			fmt.Fprintf(&src, "IMP%d,导入%d,%s,%s,%s,%d.%02d,%s\n", i, i, w.bulkCustomerName, reps[i%len(reps)].Email, st, 5000+i*3, i%100, closed)
		}
		tb, err := importer.OpenCSV(strings.NewReader(src.String()))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := importer.Import(ctx, app.New(db, nil), w.admin, importer.Opportunities, tb, importer.Options{})
		if err != nil {
			t.Fatalf("import: %v %v", err, rep)
		}
		if rep.Created != 700 {
			t.Fatalf("import created %d deals", rep.Created)
		}
		w.check("import")
		if w.compared < 500 {
			t.Errorf("only %d stage totals compared: not a useful check", w.compared)
		}
	})
}

// StageTotals reads the cells only for filters they can answer.
func TestFunnelCellsAnswerOnlyTheirFilters(t *testing.T) {
	yes := []store.OpportunityFilter{{}, {PipelineID: "p"}, {OwnerID: "u", TeamID: "t", PipelineID: "p"},
		{PipelineID: "p", SortByWeighted: true, Page: store.Page{Limit: 10, Cursor: "x"}}, {Status: funnel.StatusWon}}
	no := []store.OpportunityFilter{{Industry: "制造"}, {Region: "SH"}, {CustomerID: "c"}, {Stage: "proposal"}, {Query: "x"},
		{CloseFrom: "2026-10-01"}, {CloseTo: "2027-01-01"}, {Product: "销售云"}, {Risk: "high"},
		{CreatedFrom: time.Unix(1, 0), CreatedTo: time.Unix(2, 0)}}
	for _, f := range yes {
		if !f.CellsAnswer() {
			t.Errorf("%+v: the cells answer it", f)
		}
	}
	for _, f := range no {
		if f.CellsAnswer() {
			t.Errorf("%+v: the cells cannot answer it", f)
		}
	}
}

// Two deals of one owner move between the same two stages in opposite
// directions at once. Each move changes both stages' cells; if one
// transaction locked them old-cell-first and the other too, each would wait
// for the cell the other holds (a deadlock, 40P01, on PostgreSQL). The
// trigger touches cells in key order, so one waits for the other instead.
// To make the race likely rather than lucky, a third transaction holds both
// cells until each move is queued on its first cell; when it ends, both go
// on at once. (Not certain: one move may take both cells before the other
// is scheduled. With the cells touched old-first, a round deadlocked about
// every third time here, so twelve rounds.) On SQLite (one writer) the moves
// simply queue.
func TestFunnelCellsOppositeMovesDoNotDeadlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db, demo.Options{Seed: 7, Opportunities: 60,
			Now: time.Date(2026, 11, 23, 10, 0, 0, 0, funnel.CompanyZone)}); err != nil {
			t.Fatal(err)
		}
		w := newCellsWorld(t, db)
		x, y := w.open(0), w.open(1)
		for round := range 12 {
			a := w.create(fmt.Sprintf("甲%d", round), w.repA, w.pl, x, funnel.Wan(10))
			b := w.create(fmt.Sprintf("乙%d", round), w.repA, w.pl, y, funnel.Wan(20))
			held, release := make(chan struct{}), make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			var holdErr error
			var holder int // its backend's pid on PostgreSQL
			markHeld := sync.OnceFunc(func() { close(held) })
			go func() {
				defer wg.Done()
				defer markHeld()
				holdErr = db.Tx(ctx, func(tx *store.Tx) error {
					if db.Engine == store.SQLite {
						return nil // one writer: nothing to hold the moves back with
					}
					if err := tx.QueryRowForTest(ctx, `SELECT pg_backend_pid()`).Scan(&holder); err != nil {
						return err
					}
					var n int
					if err := tx.QueryRowForTest(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM funnel_cells
						WHERE owner_id = $1 AND pipeline_id = $2 AND stage_id IN ($3, $4) FOR UPDATE) l`,
						w.repA.ID, w.pl.ID, x.ID, y.ID).Scan(&n); err != nil || n != 2 {
						return fmt.Errorf("holding the cells: %d, %v", n, err)
					}
					markHeld()
					<-release
					return nil
				})
			}()
			<-held
			errs := make([]error, 2)
			for i, m := range []struct {
				id string
				to store.Stage
			}{{a, y}, {b, x}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.Tx(ctx, func(tx *store.Tx) error {
						o, err := tx.Opportunity(ctx, store.System, m.id)
						if err != nil {
							return err
						}
						_, err = tx.MoveStage(ctx, m.id, store.Move{To: m.to, Version: o.Version, By: w.repA.ID, Via: store.ViaManual})
						return err
					})
				}()
			}
			queued := db.Engine == store.SQLite || holdErr != nil || waitForBlocked(t, db, holder, 2)
			close(release)
			wg.Wait()
			if holdErr != nil {
				t.Fatal(holdErr)
			}
			if !queued {
				t.Fatal("the moves did not both wait for the holder: the test would prove nothing")
			}
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			w.check(fmt.Sprintf("opposite moves, round %d", round))
		}
	})
}

// waitForBlocked waits until n sessions wait for the session with pid
// holder, directly or behind another waiter (the moves queued behind the
// holder), for a few seconds at most.
func waitForBlocked(t *testing.T, db *store.DB, holder, n int) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var waiting int
		if err := db.QueryRowForTest(context.Background(), `WITH RECURSIVE b (pid) AS (
				SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))
				UNION SELECT a.pid FROM pg_stat_activity a JOIN b ON b.pid = ANY(pg_blocking_pids(a.pid)))
			SELECT COUNT(*) FROM b`, holder).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func statusOfKind(k funnel.StageKind) string {
	switch k {
	case funnel.StageWon:
		return funnel.StatusWon
	case funnel.StageLost:
		return funnel.StatusLost
	}
	return funnel.StatusOpen
}

// cellsWorld is the demo company as the funnel_cells tests use it.
type cellsWorld struct {
	t                    *testing.T
	db                   *store.DB
	admin                *store.User
	users                []*store.User
	repA, repB, repOther *store.User // repA and repB in 华东区, repOther elsewhere
	pl, other            *store.Pipeline
	teams                []string
	customer             string // a customer of the test's own
	bulkCustomer         string // and one for the bulk insert and the import
	bulkCustomerName     string
	compared             int // stage totals compared
}

func newCellsWorld(t *testing.T, db *store.DB) *cellsWorld {
	t.Helper()
	ctx := context.Background()
	w := &cellsWorld{t: t, db: db}
	users, _, err := db.Users(ctx, store.UserFilter{Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	w.users = users
	east, err := db.TeamByName(ctx, "华东区")
	if err != nil || east == "" {
		t.Fatalf("no 华东区: %v", err)
	}
	eastUsers, _, err := db.Users(ctx, store.UserFilter{TeamID: east, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	inEast := map[string]bool{}
	for _, u := range eastUsers {
		inEast[u.ID] = true
		if u.Role == store.RoleRep {
			if w.repA == nil {
				w.repA = u
			} else if w.repB == nil {
				w.repB = u
			}
		}
	}
	for _, u := range users {
		if u.Role == store.RoleAdmin && w.admin == nil {
			w.admin = u
		}
		if u.Role == store.RoleRep && !inEast[u.ID] && w.repOther == nil {
			w.repOther = u
		}
	}
	if w.admin == nil || w.repA == nil || w.repB == nil || w.repOther == nil {
		t.Fatal("the demo company lacks an admin or reps in and outside 华东区")
	}
	teams, _, err := db.Teams(ctx, store.Page{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	// 华东区 (a regional team with teams below), the company's top team
	// and one more.
	w.teams = []string{east}
	for _, tm := range teams {
		if tm.ParentID == "" || (len(w.teams) < 3 && tm.ID != east) {
			w.teams = append(w.teams, tm.ID)
		}
	}
	pls, err := db.Pipelines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, pl := range pls {
		if pl.IsDefault {
			w.pl = pl
		} else if w.other == nil {
			w.other = pl
		}
	}
	if w.pl == nil || w.other == nil {
		t.Fatal("need the default pipeline and another")
	}
	w.bulkCustomerName = "批量测试客户"
	w.inTx(func(tx *store.Tx) error {
		c := &store.Customer{Name: "漏斗测试客户", OwnerID: w.repA.ID, Region: "SH"}
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return err
		}
		bc := &store.Customer{Name: w.bulkCustomerName, OwnerID: w.repA.ID, Region: "SH"}
		if err := tx.CreateCustomer(ctx, bc); err != nil {
			return err
		}
		w.customer, w.bulkCustomer = c.ID, bc.ID
		return nil
	})
	return w
}

// open is the default pipeline's i-th open stage.
func (w *cellsWorld) open(i int) store.Stage {
	for _, s := range w.pl.Stages {
		if s.Kind == funnel.StageOpen {
			if i == 0 {
				return s
			}
			i--
		}
	}
	w.t.Fatal("not enough open stages")
	return store.Stage{}
}

func (w *cellsWorld) stage(k funnel.StageKind) store.Stage {
	for _, s := range w.pl.Stages {
		if s.Kind == k {
			return s
		}
	}
	w.t.Fatalf("no %s stage", k)
	return store.Stage{}
}

func (w *cellsWorld) inTx(fn func(tx *store.Tx) error) {
	w.t.Helper()
	if err := w.db.Tx(context.Background(), fn); err != nil {
		w.t.Fatal(err)
	}
}

func (w *cellsWorld) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.ExecForTest(context.Background(), q, args...); err != nil {
		w.t.Fatal(err)
	}
}

func (w *cellsWorld) create(name string, owner *store.User, pl *store.Pipeline, st store.Stage, amount funnel.Money) string {
	w.t.Helper()
	o := &store.Opportunity{Name: name, CustomerID: w.customer, OwnerID: owner.ID, PipelineID: pl.ID, StageID: st.ID,
		Amount: amount, ExpectedCloseDate: "2026-12-31", Region: "SH"}
	w.inTx(func(tx *store.Tx) error { return tx.CreateOpportunity(context.Background(), o, pl, owner.ID) })
	return o.ID
}

func (w *cellsWorld) move(id string, to store.Stage, amount *funnel.Money) {
	w.t.Helper()
	ctx := context.Background()
	w.inTx(func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, store.System, id)
		if err != nil {
			return err
		}
		_, err = tx.MoveStage(ctx, id, store.Move{To: to, Version: o.Version, By: o.OwnerID, Via: store.ViaManual,
			Amount: amount, LossReason: "价格"})
		return err
	})
}

func (w *cellsWorld) edit(id string, change func(o *store.Opportunity)) {
	w.t.Helper()
	ctx := context.Background()
	w.inTx(func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, store.System, id)
		if err != nil {
			return err
		}
		change(o)
		return tx.UpdateOpportunity(ctx, o, w.admin.ID)
	})
}

type cellKey struct{ owner, pipeline, stage string }

type cellVal struct{ deals, amount int64 }

func (w *cellsWorld) cells(q string) map[cellKey]cellVal {
	w.t.Helper()
	rows, err := w.db.QueryForTest(context.Background(), q)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[cellKey]cellVal{}
	for rows.Next() {
		var k cellKey
		var v cellVal
		if err := rows.Scan(&k.owner, &k.pipeline, &k.stage, &v.deals, &v.amount); err != nil {
			w.t.Fatal(err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// check compares funnel_cells with the open deals grouped, and StageTotals
// (from the cells) with the query over the deals for every user and the
// filters the cells answer.
func (w *cellsWorld) check(step string) {
	w.t.Helper()
	ctx := context.Background()
	got := w.cells(`SELECT owner_id, pipeline_id, stage_id, deals, amount_fen FROM funnel_cells`)
	want := w.cells(`SELECT owner_id, pipeline_id, stage_id, COUNT(*), SUM(amount_fen) FROM opportunities
		WHERE status = 'open' GROUP BY owner_id, pipeline_id, stage_id`)
	for k, v := range got {
		if v.deals == 0 && v.amount == 0 {
			delete(got, k) // a cell all of whose deals left
		}
	}
	if len(want) == 0 {
		w.t.Fatalf("%s: no open deals", step)
	}
	if len(got) != len(want) {
		w.t.Errorf("%s: %d cells with deals, want %d", step, len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			w.t.Errorf("%s: cell %v = %+v, want %+v", step, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			w.t.Errorf("%s: cell %v = %+v, want none", step, k, v)
		}
	}
	filters := []store.OpportunityFilter{{}, {PipelineID: w.pl.ID}, {PipelineID: w.other.ID}, {OwnerID: w.repB.ID, PipelineID: w.pl.ID}}
	for _, tm := range w.teams {
		filters = append(filters, store.OpportunityFilter{TeamID: tm, PipelineID: w.pl.ID})
	}
	for _, u := range w.users {
		for _, f := range filters {
			if !f.CellsAnswer() {
				w.t.Fatalf("%s is a filter for the cells", describe(f))
			}
			cells, err := w.db.StageTotals(ctx, u.Viewer(), f)
			if err != nil {
				w.t.Fatal(err)
			}
			deals, err := w.db.StageTotalsFromDeals(ctx, u.Viewer(), f)
			if err != nil {
				w.t.Fatal(err)
			}
			if len(cells) != len(deals) {
				w.t.Errorf("%s: %s %s: %d stages, want %d", step, u.Email, describe(f), len(cells), len(deals))
			}
			for id, d := range deals {
				if cells[id] != d {
					w.t.Errorf("%s: %s %s: stage %s %+v, want %+v", step, u.Email, describe(f), id, cells[id], d)
				}
			}
			w.compared += len(deals)
		}
	}
}

func describe(f store.OpportunityFilter) string {
	return fmt.Sprintf("pipeline %q owner %q team %q", f.PipelineID, f.OwnerID, f.TeamID)
}
