package store_test

// Benchmarks over the demo company scaled up (docs/performance.md has the
// figures and the commands). The data sets are generated once and kept:
// SQLite files under $SHANGJI_BENCH_DIR (default: the temp dir's
// shangji-bench), PostgreSQL schemas shangji_bench_* on the
// $SHANGJI_TEST_POSTGRES server. Delete them to regenerate. The million-deal
// sets are built only when SHANGJI_BENCH_LARGE=1.

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

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
	pipeline string        // the default pipeline (the funnel's)
	manager  store.Viewer  // the 华东 manager: sees a third of the company
	team     string        // 华东's team id
	quarter  funnel.Period // benchNow's quarter
	customer string        // for creates
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
	var dsn string
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
		// A kept set takes the migrations added since (indexes, say).
		if s.load(ctx, db) == nil && db.Migrate(ctx) == nil {
			benchSets[key] = s
			return s
		}
		db.Close()
	}
	b.Logf("generating %d opportunities on %s (kept for later runs)…", n, e)
	start := time.Now()
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
	if e == store.Postgres {
		// Fresh tables need statistics before the planner picks indexes.
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.Analyze(ctx) }); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("generated in %v", time.Since(start).Round(time.Second))
	if err := s.load(ctx, db); err != nil {
		b.Fatal(err)
	}
	benchSets[key] = s
	return s
}

// load checks that db holds a complete data set (the quotas are written
// last) and finds what the benchmarks filter by.
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
	team, err := db.TeamByName(ctx, "华东区")
	if err != nil || team == "" {
		return fmt.Errorf("no 华东区 (%v)", err)
	}
	t, err := db.Team(ctx, team)
	if err != nil {
		return err
	}
	reps, _, err := db.Users(ctx, store.UserFilter{TeamID: team})
	if err != nil || len(reps) == 0 {
		return fmt.Errorf("no reps (%v)", err)
	}
	custs, _, err := db.Customers(ctx, store.System, store.CustomerFilter{OwnerID: reps[len(reps)-1].ID, Page: store.Page{Limit: 1}})
	if err != nil || len(custs) == 0 {
		return fmt.Errorf("no customers (%v)", err)
	}
	*s = benchSet{db: db, pipeline: pls[0].ID, manager: store.Viewer{UserID: t.ManagerID}, team: team, quarter: q, customer: custs[0].ID}
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

// BenchmarkStageTotals is the funnel report's query: open deals of the
// default pipeline by stage, for the admin and for a regional manager.
func BenchmarkStageTotals(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		ctx := context.Background()
		for _, v := range []struct {
			name   string
			viewer store.Viewer
		}{{"admin", store.System}, {"manager", s.manager}} {
			b.Run(v.name, func(b *testing.B) {
				f := store.OpportunityFilter{PipelineID: s.pipeline}
				for b.Loop() {
					totals, err := s.db.StageTotals(ctx, v.viewer, f)
					if err != nil || len(totals) == 0 {
						b.Fatal(len(totals), err)
					}
				}
			})
		}
	})
}

// BenchmarkForecast is the forecast report's query: open deals of every
// pipeline expected to close this quarter, by stage, for the company and for
// a team subtree.
func BenchmarkForecast(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		ctx := context.Background()
		for _, v := range []struct {
			name string
			f    store.OpportunityFilter
		}{{"company", store.OpportunityFilter{}}, {"team", store.OpportunityFilter{TeamID: s.team}}} {
			b.Run(v.name, func(b *testing.B) {
				f := v.f
				f.CloseFrom, f.CloseTo = s.quarter.FirstDay(), s.quarter.EndDay()
				for b.Loop() {
					totals, err := s.db.StageTotals(ctx, store.System, f)
					if err != nil || len(totals) == 0 {
						b.Fatal(len(totals), err)
					}
				}
			})
		}
	})
}

// BenchmarkAchieved is the forecast report's other query: won deals and
// direct sales of the quarter.
func BenchmarkAchieved(b *testing.B) {
	forEachSet(b, func(b *testing.B, s *benchSet) {
		ctx := context.Background()
		for _, v := range []struct {
			name string
			f    store.OpportunityFilter
		}{{"company", store.OpportunityFilter{}}, {"team", store.OpportunityFilter{TeamID: s.team}}} {
			b.Run(v.name, func(b *testing.B) {
				for b.Loop() {
					won, _, err := s.db.Achieved(ctx, store.System, v.f, s.quarter.FirstDay(), s.quarter.EndDay())
					if err != nil || won == 0 {
						b.Fatal(won, err)
					}
				}
			})
		}
	})
}

// writeSet is a fresh demo company (600 deals) to write into, so the kept
// read sets stay as generated.
func writeSet(b *testing.B, e store.Engine) (*store.DB, *store.Pipeline, *store.Customer, *store.Contact, string) {
	b.Helper()
	ctx := context.Background()
	db := storetest.Open(b, e)
	res, err := demo.Load(ctx, db, demo.Options{Seed: 1, Now: benchNow})
	if err != nil {
		b.Fatal(err)
	}
	rep, err := db.UserByEmail(ctx, res.Rep.Email)
	if err != nil {
		b.Fatal(err)
	}
	custs, _, err := db.Customers(ctx, store.System, store.CustomerFilter{OwnerID: rep.ID, Page: store.Page{Limit: 1}})
	if err != nil || len(custs) == 0 {
		b.Fatal(err)
	}
	ks, _, err := db.Contacts(ctx, store.System, store.ContactFilter{CustomerID: custs[0].ID})
	if err != nil || len(ks) == 0 {
		b.Fatal(err)
	}
	pls, err := db.Pipelines(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return db, pls[0], custs[0], ks[0], rep.ID
}

// BenchmarkCreateOpportunity creates deals one transaction each, as the API
// does: number, row, stage history.
func BenchmarkCreateOpportunity(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			ctx := context.Background()
			db, pl, cust, _, rep := writeSet(b, e)
			stage := pl.FirstOpen()
			i := 0
			for b.Loop() {
				i++
				o := &store.Opportunity{Name: fmt.Sprintf("压测商机%d", i), CustomerID: cust.ID, OwnerID: rep, PipelineID: pl.ID,
					StageID: stage.ID, Amount: funnel.Wan(20), ExpectedCloseDate: "2026-12-31", Region: cust.Region,
					Industry: cust.Industry, ProductLines: []string{"销售云"}}
				if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateOpportunity(ctx, o, pl, rep) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		})
	}
}

// BenchmarkLogActivity logs follow-ups on one deal, one transaction each:
// the activity, its contact, the deal's last contact time.
func BenchmarkLogActivity(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			ctx := context.Background()
			db, pl, cust, contact, rep := writeSet(b, e)
			o := &store.Opportunity{Name: "压测商机", CustomerID: cust.ID, OwnerID: rep, PipelineID: pl.ID, StageID: pl.FirstOpen().ID,
				Amount: funnel.Wan(20), ExpectedCloseDate: "2026-12-31", Region: cust.Region}
			if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateOpportunity(ctx, o, pl, rep) }); err != nil {
				b.Fatal(err)
			}
			at := benchNow
			for b.Loop() {
				at = at.Add(time.Second)
				a := &store.Activity{OpportunityID: o.ID, CustomerID: cust.ID, Kind: "call", Direction: "outbound", OccurredAt: at,
					ContactIDs: []string{contact.ID}, Note: "电话沟通", CreatedBy: rep}
				if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.LogActivity(ctx, a) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activities/s")
		})
	}
}
