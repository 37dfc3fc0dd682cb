package store_test

// Benchmarks over the demo company scaled up (docs/performance.md has the
// figures and the commands). Each report is measured at three layers on the
// same data: the bare SQL aggregate, the store method the report calls and
// the app use case, so what each layer adds is visible.
//
// The data sets are generated once and kept: SQLite files under
// $SHANGJI_BENCH_DIR (default: the temp dir's shangji-bench), PostgreSQL
// schemas shangji_bench_* on the $SHANGJI_TEST_POSTGRES server. Delete them
// to regenerate. The million-deal sets are built only when
// SHANGJI_BENCH_LARGE=1. Plain `go test` runs none of this: benchmarks run
// only with -bench.

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/demo"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// benchVersion names the generated data; bump it when the demo changes
// shape so stale sets are not reused.
const benchVersion = 2

// benchNow is the instant the data sets are generated for: a fixed one, so a
// kept data set stays valid.
var benchNow = time.Date(2026, 11, 23, 10, 0, 0, 0, funnel.CompanyZone)

type benchSet struct {
	db       *store.DB
	raw      *sql.DB // the same database without the store, for bare SQL
	app      *app.App
	pipeline string        // the default pipeline (the funnel's)
	admin    *store.User   // sees the company
	manager  *store.User   // 华东区's manager: a third of the company
	rep      *store.User   // one of 华东区's reps
	team     string        // 华东区's team id
	quarter  funnel.Period // benchNow's quarter
	customer *store.Customer
	contact  string // one of customer's contacts
}

var (
	benchMu   sync.Mutex
	benchSets = map[string]*benchSet{}
)

func benchSizes() []int {
	if os.Getenv("SHANGJI_BENCH_LARGE") == "1" {
		return []int{100_000, 1_000_000}
	}
	return []int{100_000}
}

func sizeName(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1_000)
}

// openBenchSet returns the data set of n demo opportunities on engine e,
// generating it the first time.
func openBenchSet(b *testing.B, e store.Engine, n int) *benchSet {
	b.Helper()
	key := fmt.Sprintf("%s-%d", e, n)
	benchMu.Lock()
	defer benchMu.Unlock()
	if s := benchSets[key]; s != nil {
		return s
	}
	ctx := context.Background()
	name := fmt.Sprintf("shangji_bench_v%d_%s", benchVersion, sizeName(n))
	var dsn, rawDriver, rawDSN string
	var reset func() error
	switch e {
	case store.SQLite:
		dir := os.Getenv("SHANGJI_BENCH_DIR")
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "shangji-bench")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, name+".db")
		dsn = "sqlite:" + path
		// The store's page cache, so both read from memory alike.
		rawDriver, rawDSN = "sqlite", "file:"+path+"?_pragma=cache_size(-65536)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)"+
			"&_pragma=synchronous(NORMAL)&_txlock=immediate"
		reset = func() error {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
					return err
				}
			}
			return nil
		}
	case store.Postgres:
		base := os.Getenv(storetest.EnvPostgres)
		if base == "" {
			b.Skip(storetest.EnvPostgres + " is not set")
		}
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		dsn = u.String()
		rawDriver, rawDSN = "pgx", dsn
		reset = func() error {
			admin, err := sql.Open("pgx", base)
			if err != nil {
				return err
			}
			defer admin.Close()
			_, err = admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+name+` CASCADE; CREATE SCHEMA `+name)
			return err
		}
	}
	s := &benchSet{}
	if db, err := store.Open(ctx, dsn); err == nil {
		// A kept set takes the migrations added since (indexes, say); one
		// it cannot take stops the benchmark rather than costing the set.
		merr := db.MigrateKept(ctx)
		if merr == nil && s.load(ctx, db) == nil {
			s.openRaw(b, rawDriver, rawDSN)
			benchSets[key] = s
			return s
		}
		var deals bool
		if merr != nil && db.QueryRowForTest(ctx, `SELECT COUNT(*) > 0 FROM opportunities`).Scan(&deals) == nil && deals {
			b.Fatalf("kept data set %s: %v (delete it to generate it again)", name, merr)
		}
		db.Close()
	}
	start := time.Now()
	b.Logf("generating %d opportunities on %s (kept for later runs)…", n, e)
	if err := reset(); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	progress := func(done, total int) {
		if done%100_000 == 0 || done == total {
			fmt.Fprintf(os.Stderr, "%s %s: %d of %d deals after %v\n", e, sizeName(n), done, total, time.Since(start).Round(time.Second))
		}
	}
	if _, err := demo.Load(ctx, db, demo.Options{Seed: 1, Opportunities: n, Now: benchNow, Progress: progress}); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "%s %s: generated and committed in %v\n", e, sizeName(n), time.Since(start).Round(time.Second))
	if err := s.load(ctx, db); err != nil {
		b.Fatal(err)
	}
	s.openRaw(b, rawDriver, rawDSN)
	benchSets[key] = s
	return s
}

// openRaw opens the bare connection. On PostgreSQL it also vacuums the big
// tables, as autovacuum would some time after a bulk load: until the
// visibility map is set, an index-only scan still visits every row (the
// company funnel took seconds instead of a tenth of one), and indexes that
// migrations added to a kept set need statistics. And funnel_cells: a load
// updates each cell once per INSERT statement (2,000 times for a million
// deals), and until a vacuum the team's funnel wades through those dead
// versions (18–30 ms instead of under 1 ms at 1M). The test server runs
// without autovacuum, which keeps such a small, busy table clean.
func (s *benchSet) openRaw(b *testing.B, driver, dsn string) {
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	s.raw = raw
	if s.db.Engine == store.Postgres {
		if _, err := raw.Exec(`VACUUM ANALYZE opportunities, stage_history, activities, activity_contacts, opportunity_collaborators, customers, contacts,
			funnel_cells`); err != nil {
			b.Fatal(err)
		}
	}
}

// load checks that db holds a complete data set (the quotas are written
// last) and finds the people and records the benchmarks use.
func (s *benchSet) load(ctx context.Context, db *store.DB) error {
	q, err := funnel.ParsePeriod(funnel.QuarterOf(benchNow))
	if err != nil {
		return err
	}
	if m, err := db.TopTeamsQuota(ctx, q.Name); err != nil || m == 0 {
		return fmt.Errorf("incomplete data set (%v)", err)
	}
	pls, err := db.Pipelines(ctx)
	if err != nil {
		return err
	}
	admin, err := db.UserByEmail(ctx, demo.AdminEmail)
	if err != nil {
		return err
	}
	team, err := db.TeamByName(ctx, "华东区")
	if err != nil || team == "" {
		return fmt.Errorf("no 华东区 (%v)", err)
	}
	t, err := db.Team(ctx, team)
	if err != nil {
		return err
	}
	manager, err := db.User(ctx, t.ManagerID)
	if err != nil {
		return err
	}
	users, _, err := db.Users(ctx, store.UserFilter{TeamID: team})
	if err != nil {
		return err
	}
	var rep *store.User
	for _, u := range users {
		if u.Role == store.RoleRep {
			rep = u
		}
	}
	if rep == nil {
		return fmt.Errorf("no rep in 华东区")
	}
	custs, _, err := db.Customers(ctx, store.System, store.CustomerFilter{OwnerID: rep.ID, Page: store.Page{Limit: 1}})
	if err != nil || len(custs) == 0 {
		return fmt.Errorf("no customers (%v)", err)
	}
	ks, _, err := db.Contacts(ctx, store.System, store.ContactFilter{CustomerID: custs[0].ID})
	if err != nil || len(ks) == 0 {
		return fmt.Errorf("no contacts (%v)", err)
	}
	pipeline := pls[0].ID
	for _, pl := range pls {
		if pl.IsDefault {
			pipeline = pl.ID
		}
	}
	*s = benchSet{db: db, app: app.New(db, nil), pipeline: pipeline, admin: admin, manager: manager, rep: rep, team: team,
		quarter: q, customer: custs[0], contact: ks[0].ID}
	return nil
}

// forEachSet runs fn as sub-benchmarks engine/size.
func forEachSet(b *testing.B, fn func(b *testing.B, s *benchSet)) {
	for _, e := range storetest.Engines() {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/%s", e, sizeName(n)), func(b *testing.B) { fn(b, openBenchSet(b, e, n)) })
		}
	}
}

// layers runs each layer's function as a sub-benchmark; a function returns
// how many rows or groups it saw, which must not be zero.
func layers(b *testing.B, fns ...layer) { runLayers(b, true, fns) }

// coldLayers is layers without the untimed first run, for reports that take
// seconds and read everything anyway.
func coldLayers(b *testing.B, fns ...layer) { runLayers(b, false, fns) }

func runLayers(b *testing.B, warm bool, fns []layer) {
	for _, l := range fns {
		b.Run(l.name, func(b *testing.B) {
			ctx := context.Background()
			// Once untimed, so each layer starts with the pages it reads
			// in the cache, whichever layer ran before.
			if warm {
				if _, err := l.run(ctx); err != nil {
					b.Fatal(err)
				}
			}
			cpu0 := cpuTime()
			for b.Loop() {
				n, err := l.run(ctx)
				if err != nil || n == 0 {
					b.Fatal(n, err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time this process has used. On a shared machine it
// varies less than the wall clock; on SQLite it includes the database's
// work, on PostgreSQL only the client's.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type layer struct {
	name string
	run  func(ctx context.Context) (int, error)
}

// sqlRows runs a bare query and counts its rows.
func (s *benchSet) sqlRows(q string, args ...any) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		rows, err := s.raw.QueryContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return 0, err
		}
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(any)
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return 0, err
			}
			n++
		}
		return n, rows.Err()
	}
}

// byStage is the bare aggregate every funnel-like report rests on.
const byStage = `SELECT stage_id, COUNT(*), SUM(amount_fen) FROM opportunities WHERE status = 'open' AND `

// teamOwners is the owners of a team subtree, as the store selects them.
const teamOwners = `SELECT tu.id FROM users tu JOIN teams tt ON tu.team_id = tt.id
	JOIN teams tr ON tt.path LIKE tr.path || '%' WHERE tr.id = $1`

// cellsByStage sums funnel_cells, the open deals pre-aggregated per owner,
// pipeline and stage, which the store's funnels read.
const cellsByStage = `SELECT c.stage_id, SUM(c.deals), SUM(c.amount_fen) FROM `

// BenchmarkFunnel is the company's funnel (target: 300 ms): open deals of
// the default pipeline by stage, as the admin sees them. The bare SQL sums
// the cells as the store does; "deals" is the aggregate over the deals'
// covering index that answered before the cells.
func BenchmarkFunnel(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		layers(b,
			layer{"deals", s.sqlRows(byStage+`pipeline_id = $1 GROUP BY stage_id`, s.pipeline)},
			layer{"sql", s.sqlRows(cellsByStage+`funnel_cells c WHERE c.pipeline_id = $1 AND c.deals > 0 GROUP BY c.stage_id`, s.pipeline)},
			layer{"store", func(ctx context.Context) (int, error) {
				t, err := s.db.StageTotals(ctx, s.admin.Viewer(), store.OpportunityFilter{PipelineID: s.pipeline})
				return len(t), err
			}},
			layer{"app", func(ctx context.Context) (int, error) {
				f, err := s.app.Funnel(ctx, s.admin, app.ReportScope{})
				if err != nil {
					return 0, err
				}
				return int(f.Total.Count), nil
			}},
		)
	})
}

// BenchmarkForecast is the company's forecast for the quarter (target:
// 300 ms): open deals of every pipeline expected to close in it, by stage,
// and the quarter's won deals and direct sales.
func BenchmarkForecast(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		from, to := s.quarter.FirstDay(), s.quarter.EndDay()
		open := s.sqlRows(byStage+`expected_close_date >= $1 AND expected_close_date < $2 GROUP BY stage_id`, from, to)
		won := s.sqlRows(`SELECT SUM(amount_fen) FROM opportunities WHERE status = 'won' AND closed_on >= $1 AND closed_on < $2`, from, to)
		layers(b,
			layer{"sql", func(ctx context.Context) (int, error) {
				n, err := open(ctx)
				if err != nil {
					return 0, err
				}
				m, err := won(ctx)
				return n * m, err
			}},
			layer{"store", func(ctx context.Context) (int, error) {
				f := store.OpportunityFilter{CloseFrom: from, CloseTo: to}
				t, err := s.db.StageTotals(ctx, s.admin.Viewer(), f)
				if err != nil {
					return 0, err
				}
				w, _, err := s.db.Achieved(ctx, s.admin.Viewer(), store.OpportunityFilter{}, from, to)
				return len(t) * min(1, int(w)), err
			}},
			layer{"app", func(ctx context.Context) (int, error) {
				f, err := s.app.Forecast(ctx, s.admin, s.quarter.Name, app.ReportScope{})
				if err != nil {
					return 0, err
				}
				return min(1, int(f.Forecast)), nil
			}},
		)
	})
}

// BenchmarkConversion is the company's conversion and velocity report on the
// default pipeline (target: 1 s): every deal's path through the stages, from
// stage history. The bare SQL counts the cohort's visits to each stage (the
// least any such report reads: every history row once); the store streams
// each deal's history to the app, which derives conversion, dwell, cycle and
// loss reasons.
func BenchmarkConversion(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		coldLayers(b,
			layer{"sql", s.sqlRows(`SELECT h.to_stage_id, COUNT(*) FROM opportunities o JOIN stage_history h ON h.opportunity_id = o.id
				WHERE o.pipeline_id = $1 GROUP BY h.to_stage_id`, s.pipeline)},
			layer{"store", func(ctx context.Context) (int, error) {
				n := 0
				err := s.db.Cohort(ctx, s.admin.Viewer(), store.OpportunityFilter{PipelineID: s.pipeline}, time.Time{}, time.Time{},
					func(store.CohortPath) error { n++; return nil })
				return n, err
			}},
			layer{"app", func(ctx context.Context) (int, error) {
				r, err := s.app.Conversion(ctx, s.admin, "", app.ReportScope{})
				if err != nil {
					return 0, err
				}
				return r.Deals, nil
			}},
		)
	})
}

// BenchmarkRepView is a rep's own funnel (target: 20 ms): the deals the rep
// may see. The bare SQL sums the rep's cells ("deals": the rep's deals).
func BenchmarkRepView(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		layers(b,
			layer{"deals", s.sqlRows(byStage+`pipeline_id = $1 AND owner_id = $2 GROUP BY stage_id`, s.pipeline, s.rep.ID)},
			layer{"sql", s.sqlRows(cellsByStage+`funnel_cells c WHERE c.pipeline_id = $1 AND c.owner_id = $2 AND c.deals > 0
				GROUP BY c.stage_id`, s.pipeline, s.rep.ID)},
			layer{"store", func(ctx context.Context) (int, error) {
				t, err := s.db.StageTotals(ctx, s.rep.Viewer(), store.OpportunityFilter{PipelineID: s.pipeline})
				return len(t), err
			}},
			layer{"app", func(ctx context.Context) (int, error) {
				f, err := s.app.Funnel(ctx, s.rep, app.ReportScope{})
				if err != nil {
					return 0, err
				}
				return int(f.Total.Count), nil
			}},
		)
	})
}

// BenchmarkTeamView is a regional manager's funnel of their team and the
// teams below it (target: 20 ms): a third of the company. The bare SQL sums
// the team's cells; "deals" reads the team's open deals from the owner
// index, as the store did before the cells.
func BenchmarkTeamView(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		layers(b,
			layer{"deals", s.sqlRows(`SELECT o.stage_id, COUNT(*), SUM(o.amount_fen) FROM (`+teamOwners+`) w CROSS JOIN opportunities o
				WHERE o.owner_id = w.id AND o.status = 'open' AND o.pipeline_id = $2 GROUP BY o.stage_id`, s.team, s.pipeline)},
			layer{"sql", s.sqlRows(cellsByStage+`(`+teamOwners+`) w CROSS JOIN funnel_cells c
				WHERE c.owner_id = w.id AND c.pipeline_id = $2 AND c.deals > 0 GROUP BY c.stage_id`, s.team, s.pipeline)},
			layer{"store", func(ctx context.Context) (int, error) {
				t, err := s.db.StageTotals(ctx, s.manager.Viewer(), store.OpportunityFilter{PipelineID: s.pipeline, TeamID: s.team})
				return len(t), err
			}},
			layer{"app", func(ctx context.Context) (int, error) {
				f, err := s.app.Funnel(ctx, s.manager, app.ReportScope{TeamID: s.team})
				if err != nil {
					return 0, err
				}
				return int(f.Total.Count), nil
			}},
		)
	})
}

// benchDealPrefix names the deals the write benchmarks create, so they can
// be deleted again and the kept sets stay as generated.
const benchDealPrefix = "压测商机"

// cleanWrites deletes what the write benchmarks added (stage history and
// activities go with their deals).
func cleanWrites(b *testing.B, s *benchSet) {
	b.Cleanup(func() {
		if _, err := s.raw.Exec(`DELETE FROM opportunities WHERE name LIKE '` + benchDealPrefix + `%'`); err != nil {
			b.Errorf("clean up the benchmark's deals: %v", err)
		}
	})
}

// BenchmarkCreateOpportunity creates deals one transaction each in the kept
// sets: the bare INSERTs of the row and its first stage-history row, the
// store's CreateOpportunity (number, row, history), and the app's use case
// (checks, defaults, health, event) — one after the other, and from 16
// goroutines at once (-parallel), as concurrent API clients would: on SQLite
// the queued transactions then share commits (group commit).
func BenchmarkCreateOpportunity(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		cleanWrites(b, s)
		ctx := context.Background()
		pl, err := s.db.Pipeline(ctx, s.pipeline)
		if err != nil {
			b.Fatal(err)
		}
		stage := pl.FirstOpen()
		var i atomic.Int64
		name := func() string { return fmt.Sprintf("%s%d", benchDealPrefix, i.Add(1)) }
		sqlCreate := func(ctx context.Context) error {
			return s.rawTx(ctx, func(tx *sql.Tx) error {
				id, now := s.db.NewID(), time.Now().UnixMilli()
				if _, err := tx.ExecContext(ctx, `INSERT INTO opportunities (id, number, name, customer_id, owner_id, pipeline_id,
					stage_id, status, amount_fen, currency, expected_close_date, region, industry, source, product_lines, competitors,
					stage_entered_at, created_by, version, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', 20000000, 'CNY', '2026-12-31', $8, '', '', '[]', '[]', $9, $5, 1, $9, $9)`,
					id, "BENCH-"+id, name(), s.customer.ID, s.rep.ID, pl.ID, stage.ID, s.customer.Region, now); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO stage_history (id, opportunity_id, to_stage_id, at, by_user_id, probability, amount_fen, via, comment)
					VALUES ($1, $2, $3, $4, $5, 10, 20000000, 'create', '')`, s.db.NewID(), id, stage.ID, now, s.rep.ID)
				return err
			})
		}
		storeCreate := func(ctx context.Context) error {
			o := &store.Opportunity{Name: name(), CustomerID: s.customer.ID, OwnerID: s.rep.ID, PipelineID: pl.ID,
				StageID: stage.ID, Amount: funnel.Wan(20), ExpectedCloseDate: "2026-12-31", Region: s.customer.Region,
				Industry: s.customer.Industry, ProductLines: []string{"销售云"}}
			return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateOpportunity(ctx, o, pl, s.rep.ID) })
		}
		appCreate := func(ctx context.Context) error {
			amount, lines, n := "200000.00", []string{"销售云"}, name()
			_, err := s.app.CreateOpportunity(ctx, s.rep, app.OpportunityInput{Name: &n, CustomerID: &s.customer.ID,
				Amount: &amount, ProductLines: &lines})
			return err
		}
		writeLayers(b, "creates/s",
			writeLayer{"sql", sqlCreate},
			writeLayer{"store", storeCreate},
			writeLayer{"app", appCreate},
			writeLayer{"store-parallel", storeCreate},
			writeLayer{"app-parallel", appCreate},
		)
	})
}

// benchClients is how many goroutines the -parallel write layers run at
// once: API clients writing at the same time.
const benchClients = 16

type writeLayer struct {
	name string // ending in -parallel: from benchClients goroutines at once
	run  func(ctx context.Context) error
}

// writeLayers runs each write layer as a sub-benchmark and reports the
// writes per second (as unit) and the CPU time per write.
func writeLayers(b *testing.B, unit string, fns ...writeLayer) {
	for _, l := range fns {
		b.Run(l.name, func(b *testing.B) {
			ctx := context.Background()
			cpu0 := cpuTime()
			if strings.HasSuffix(l.name, "-parallel") {
				b.SetParallelism(max(1, benchClients/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := l.run(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
			} else {
				for b.Loop() {
					if err := l.run(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkLogActivity logs follow-ups on one deal of the kept sets, one
// transaction each: the bare INSERTs and UPDATE (activity, its contact, the
// deal's last contact time), the store's LogActivity and the app's.
func BenchmarkLogActivity(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		cleanWrites(b, s)
		ctx := context.Background()
		pl, err := s.db.Pipeline(ctx, s.pipeline)
		if err != nil {
			b.Fatal(err)
		}
		o := &store.Opportunity{Name: benchDealPrefix + "跟进", CustomerID: s.customer.ID, OwnerID: s.rep.ID, PipelineID: pl.ID,
			StageID: pl.FirstOpen().ID, Amount: funnel.Wan(20), ExpectedCloseDate: "2026-12-31", Region: s.customer.Region}
		if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateOpportunity(ctx, o, pl, s.rep.ID) }); err != nil {
			b.Fatal(err)
		}
		writeLayers(b, "activities/s",
			writeLayer{"sql", func(ctx context.Context) error {
				return s.rawTx(ctx, func(tx *sql.Tx) error {
					id, now := s.db.NewID(), time.Now().UnixMilli()
					if _, err := tx.ExecContext(ctx, `INSERT INTO activities (id, opportunity_id, customer_id, kind, direction, occurred_at, note,
						next_step, created_by, version, created_at, updated_at) VALUES ($1, $2, $3, 'call', 'outbound', $4, '电话沟通', '', $5, 1, $4, $4)`,
						id, o.ID, s.customer.ID, now, s.rep.ID); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO activity_contacts (activity_id, contact_id) VALUES ($1, $2)`, id, s.contact); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `UPDATE opportunities SET last_contact_at = $1 WHERE id = $2`, now, o.ID)
					return err
				})
			}},
			writeLayer{"store", func(ctx context.Context) error {
				a := &store.Activity{OpportunityID: o.ID, CustomerID: s.customer.ID, Kind: "call", Direction: "outbound",
					OccurredAt: time.Now(), ContactIDs: []string{s.contact}, Note: "电话沟通", CreatedBy: s.rep.ID}
				return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.LogActivity(ctx, a) })
			}},
			writeLayer{"app", func(ctx context.Context) error {
				_, err := s.app.LogActivity(ctx, s.rep, app.ActivityInput{OpportunityID: o.ID, Kind: "call",
					ContactIDs: []string{s.contact}, Note: "电话沟通"})
				return err
			}},
		)
	})
}

// rawTx runs fn in a transaction of the bare connection (on SQLite one that
// takes the write lock up front, as the store's do).
func (s *benchSet) rawTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
