package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Conversion and velocity are kept summed per pipeline × owner × month of
// creation, so the report adds up a few hundred rows instead of reading five
// million rows of stage history (docs/conversion.md).
//
// Triggers (migration 00120) log the id of every deal whose path may have
// changed — its row, its stage history, its activities' contacts, the
// pipeline's stages — in conv_log, in the transaction of the change; nothing
// that writes can forget to. FoldConversion then takes logged deals, reads
// their path, takes back what each last added to the cells (conv_paths) and
// adds what it adds now. The report folds what is pending before it reads,
// so it is exact; a job folds in the background so that is little.

// conversionHighValue is the high-value threshold folded into the cells.
var conversionHighValue = funnel.HighValue

// storedContribution is what one deal added to the cells; conv_paths keeps
// it as JSON. The deal's stays are in conv_stays.
type storedContribution struct {
	Pipeline string              `json:"p"`
	Owner    string              `json:"o"`
	Month    int                 `json:"m"`
	Deal     [7]int64            `json:"d"` // deals, won, lost, high, dm, cycles, cycle_ms
	Loss     string              `json:"l,omitempty"`
	Stages   map[string][6]int64 `json:"s,omitempty"` // entered, advanced, closed_reached, won_reached, stays, dwell_ms
}

type cellKey struct {
	pipeline, owner string
	month           int
}

type stageCellKey struct {
	cellKey
	stage string
}

type dayCellKey struct {
	stageCellKey
	day int64
}

type lossCellKey struct {
	cellKey
	reason string
}

// cellDeltas are the changes a fold makes to the cells, summed first so each
// cell is written once per fold.
type cellDeltas struct {
	deals  map[cellKey][7]int64
	losses map[lossCellKey]int64
	stages map[stageCellKey][6]int64
	days   map[dayCellKey]int64
}

func newCellDeltas() *cellDeltas {
	return &cellDeltas{deals: map[cellKey][7]int64{}, losses: map[lossCellKey]int64{},
		stages: map[stageCellKey][6]int64{}, days: map[dayCellKey]int64{}}
}

func (d *cellDeltas) add(c storedContribution, sign int64) {
	k := cellKey{c.Pipeline, c.Owner, c.Month}
	v := d.deals[k]
	for i := range v {
		v[i] += sign * c.Deal[i]
	}
	d.deals[k] = v
	if c.Loss != "" {
		d.losses[lossCellKey{k, c.Loss}] += sign
	}
	for stage, s := range c.Stages {
		sk := stageCellKey{k, stage}
		v := d.stages[sk]
		for i := range v {
			v[i] += sign * s[i]
		}
		d.stages[sk] = v
	}
}

// stayRow is one finished stay as conv_stays keeps it.
type stayRow struct {
	opportunity string
	seq         int
	stageCellKey
	dwellMS int64
}

func (s stayRow) day() int64 { return s.dwellMS / int64(24*time.Hour/time.Millisecond) }

// FoldConversion folds up to limit logged changes into the conversion cells
// in one transaction and returns how many it took (0: nothing was pending).
func (db *DB) FoldConversion(ctx context.Context, limit int) (int, error) {
	// A read first: with nothing pending (most ticks of the job) no write
	// transaction is opened.
	n, err := db.PendingConversion(ctx, 0)
	if err != nil || n == 0 {
		return 0, err
	}
	err = db.Tx(ctx, func(tx *Tx) error {
		var err error
		n, err = tx.foldConversion(ctx, limit)
		return err
	})
	return n, err
}

// FoldAllConversion folds until nothing is pending, in transactions of
// chunk changes each (after a bulk load, and for the background job).
func (db *DB) FoldAllConversion(ctx context.Context, chunk int) (int, error) {
	total, sinceAnalyze := 0, 0
	for {
		n, err := db.FoldConversion(ctx, chunk)
		total, sinceAnalyze = total+n, sinceAnalyze+n
		if err != nil {
			return total, err
		}
		if n == 0 {
			if total >= 200_000 {
				err = db.refreshFoldStatistics(ctx)
			}
			return total, err
		}
		if sinceAnalyze >= 200_000 {
			if err := db.refreshFoldStatistics(ctx); err != nil {
				return total, err
			}
			sinceAnalyze = 0
		}
	}
}

// refreshFoldStatistics keeps PostgreSQL's plans for the fold right while a
// large fold runs: conv_stays and conv_paths grow from nothing to millions
// of rows and conv_log is emptied of as many, faster than autovacuum looks
// (and it is off on some servers: the CI's). With the statistics of an empty
// table the planner read all of conv_stays for each fold's 500 deals.
func (db *DB) refreshFoldStatistics(ctx context.Context) error {
	if db.Engine != Postgres {
		return nil
	}
	_, err := db.w.ExecContext(ctx, `VACUUM ANALYZE conv_log, conv_paths, conv_stays, conv_dwell_days`)
	return err
}

// PendingConversion counts logged changes not yet folded, up to max+1.
func (db *DB) PendingConversion(ctx context.Context, max int) (int, error) {
	var n int
	// In key order, so the index answers: read in any order, PostgreSQL
	// scanned the table, which a large fold leaves long and empty (0.8 s
	// at a million deals).
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT seq FROM conv_log ORDER BY seq LIMIT $1) t`, max+1).Scan(&n)
	return n, err
}

// foldIDs is how many deals one statement names (IN lists stay well under
// both engines' limits on parameters).
const foldIDs = 500

func (tx *Tx) foldConversion(ctx context.Context, limit int) (int, error) {
	if tx.db.Engine == Postgres {
		// Folds run one at a time: two folding the same deal would both
		// take back its old contribution. Writers never wait for this lock;
		// they only append to conv_log.
		// Keyed by schema: advisory locks are per database, and several
		// Shangji schemas (tests, benchmark sets) may share one.
		if _, err := tx.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema()), 120)`); err != nil {
			return 0, err
		}
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT seq, opportunity_id FROM conv_log ORDER BY seq LIMIT $1`, limit)
	if err != nil {
		return 0, err
	}
	var seqs []any
	var ids []string
	seen := map[string]bool{}
	for rows.Next() {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			rows.Close()
			return 0, err
		}
		seqs = append(seqs, seq)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(seqs) == 0 {
		return 0, err
	}
	pipelines := map[string]*Pipeline{}
	deltas := newCellDeltas()
	for chunk := range slices.Chunk(ids, foldIDs) {
		if err := tx.foldDeals(ctx, chunk, pipelines, deltas); err != nil {
			return 0, err
		}
	}
	if err := tx.applyCellDeltas(ctx, deltas); err != nil {
		return 0, err
	}
	// By the sequence numbers read, not a range: on PostgreSQL an entry with
	// a lower number may commit after this fold read the log.
	for chunk := range slices.Chunk(seqs, foldIDs) {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM conv_log WHERE seq IN (`+placeholders(1, len(chunk))+`)`, chunk...); err != nil {
			return 0, err
		}
	}
	return len(seqs), nil
}

// foldDeals replaces the contributions of deals ids (some may be gone).
func (tx *Tx) foldDeals(ctx context.Context, ids []string, pipelines map[string]*Pipeline, deltas *cellDeltas) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := placeholders(1, len(ids))
	// What they added before.
	rows, err := tx.tx.QueryContext(ctx, `SELECT contribution FROM conv_paths WHERE opportunity_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var js string
		var c storedContribution
		if err := rows.Scan(&js); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			rows.Close()
			return err
		}
		deltas.add(c, -1)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.tx.QueryContext(ctx, `SELECT pipeline_id, owner_id, month, stage_id, dwell_ms FROM conv_stays
		WHERE opportunity_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s stayRow
		if err := rows.Scan(&s.pipeline, &s.owner, &s.month, &s.stage, &s.dwellMS); err != nil {
			rows.Close()
			return err
		}
		deltas.days[dayCellKey{s.stageCellKey, s.day()}]--
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM conv_paths WHERE opportunity_id IN (`, `DELETE FROM conv_stays WHERE opportunity_id IN (`} {
		if _, err := tx.tx.ExecContext(ctx, q+in+`)`, args...); err != nil {
			return err
		}
	}
	// What they add now.
	paths, err := tx.dealPaths(ctx, ids, in, args)
	if err != nil {
		return err
	}
	var pathRows, stayRows [][]any
	for _, p := range paths {
		pl := pipelines[p.pipeline]
		if pl == nil {
			if pl, err = tx.Pipeline(ctx, p.pipeline); err != nil {
				return err
			}
			pipelines[p.pipeline] = pl
		}
		c, stays := contribution(pl, p)
		deltas.add(c, 1)
		js, err := json.Marshal(c)
		if err != nil {
			return err
		}
		pathRows = append(pathRows, []any{p.id, string(js)})
		for _, s := range stays {
			deltas.days[dayCellKey{s.stageCellKey, s.day()}]++
			stayRows = append(stayRows, []any{p.id, s.seq, s.pipeline, s.owner, s.month, s.stage, s.day(), s.dwellMS})
		}
	}
	if err := tx.insertRows(ctx, `INSERT INTO conv_paths (opportunity_id, contribution) VALUES `, "", pathRows); err != nil {
		return err
	}
	return tx.insertRows(ctx, `INSERT INTO conv_stays (opportunity_id, seq, pipeline_id, owner_id, month, stage_id, day, dwell_ms) VALUES `, "", stayRows)
}

// insertRows inserts rows (insert … VALUES, then suffix: ON CONFLICT …)
// with a few multi-row INSERTs, the full ones
// through one prepared statement (one statement per row, or preparing each
// of a hundred rows anew, was most of a fold's time on SQLite).
func (tx *Tx) insertRows(ctx context.Context, insert, suffix string, rows [][]any) error {
	const per = 100
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for chunk := range slices.Chunk(rows, per) {
		var b strings.Builder
		b.WriteString(insert)
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + placeholders(len(args)+1, len(r)) + ")")
			args = append(args, r...)
		}
		b.WriteString(suffix)
		var err error
		if len(chunk) < per {
			_, err = tx.tx.ExecContext(ctx, b.String(), args...)
		} else {
			if full == nil {
				if full, err = tx.tx.PrepareContext(ctx, b.String()); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// foldPath is one deal as the fold reads it.
type foldPath struct {
	id, pipeline, owner string
	funnel.DealPath
	stageIDs []string
}

// dealPaths reads the deals ids that still exist with their stage history
// and whether a decision maker was reached.
func (tx *Tx) dealPaths(ctx context.Context, ids []string, in string, args []any) ([]*foldPath, error) {
	byID := map[string]*foldPath{}
	var out []*foldPath
	rows, err := tx.tx.QueryContext(ctx, `SELECT id, pipeline_id, owner_id, created_at, status, amount_fen, loss_reason
		FROM opportunities WHERE id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		p := &foldPath{}
		var created int64
		if err := rows.Scan(&p.id, &p.pipeline, &p.owner, &created, &p.Status, &p.Amount, &p.LossReason); err != nil {
			rows.Close()
			return nil, err
		}
		p.CreatedAt = msTime(created)
		byID[p.id] = p
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	rows, err = tx.tx.QueryContext(ctx, `SELECT opportunity_id, to_stage_id, at FROM stage_history
		WHERE opportunity_id IN (`+in+`) ORDER BY opportunity_id, at, id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, stage string
		var at int64
		if err := rows.Scan(&id, &stage, &at); err != nil {
			rows.Close()
			return nil, err
		}
		if p := byID[id]; p != nil {
			p.stageIDs = append(p.stageIDs, stage)
			p.Visits = append(p.Visits, funnel.Visit{At: msTime(at)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.tx.QueryContext(ctx, `SELECT DISTINCT a.opportunity_id FROM activities a
		JOIN activity_contacts ac ON ac.activity_id = a.id JOIN contacts k ON k.id = ac.contact_id
		WHERE a.opportunity_id IN (`+in+`) AND k.role = 'decision_maker'`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if p := byID[id]; p != nil {
			p.DMContacted = true
		}
	}
	return out, rows.Err()
}

// contribution is what deal p adds, by the rule of funnel.Contribute.
func contribution(pl *Pipeline, p *foldPath) (storedContribution, []stayRow) {
	index := pl.stageIndex()
	for i, id := range p.stageIDs {
		p.Visits[i].Stage = index(id)
	}
	k := funnel.Contribute(pl.FunnelStages(), conversionHighValue, p.DealPath)
	t := k.ConversionTotals
	c := storedContribution{Pipeline: p.pipeline, Owner: p.owner, Month: CohortMonth(p.CreatedAt),
		Deal: [7]int64{int64(t.Deals), int64(t.Won), int64(t.Lost), int64(t.High), int64(t.DM), int64(t.Cycles), t.CycleMS}}
	for reason := range t.Losses {
		c.Loss = reason
	}
	for i, s := range t.Stages {
		if s != (funnel.StageCount{}) {
			if c.Stages == nil {
				c.Stages = map[string][6]int64{}
			}
			c.Stages[pl.Stages[i].ID] = [6]int64{int64(s.Entered), int64(s.Advanced), int64(s.ClosedReached),
				int64(s.WonReached), int64(s.Stays), s.DwellMS}
		}
	}
	stays := make([]stayRow, len(k.Stays))
	for i, s := range k.Stays {
		stays[i] = stayRow{opportunity: p.id, seq: i, dwellMS: s.Dwell.Milliseconds(),
			stageCellKey: stageCellKey{cellKey{p.pipeline, p.owner, c.Month}, pl.Stages[s.Stage].ID}}
	}
	return c, stays
}

// CohortMonth is the month a deal created at t counts in (yyyymm), in the
// company's time zone, as the cohort periods are.
func CohortMonth(t time.Time) int {
	t = t.In(funnel.CompanyZone)
	return t.Year()*100 + int(t.Month())
}

// applyCellDeltas writes the summed changes, each cell once, a hundred
// cells a statement (one statement per cell made a fold on PostgreSQL a
// round trip per cell: thousands per fold of a thousand deals).
func (tx *Tx) applyCellDeltas(ctx context.Context, d *cellDeltas) error {
	var deals, losses, stages, days [][]any
	for k, v := range d.deals {
		if v != ([7]int64{}) {
			deals = append(deals, []any{k.pipeline, k.owner, k.month, v[0], v[1], v[2], v[3], v[4], v[5], v[6]})
		}
	}
	for k, n := range d.losses {
		if n != 0 {
			losses = append(losses, []any{k.pipeline, k.owner, k.month, k.reason, n})
		}
	}
	for k, v := range d.stages {
		if v != ([6]int64{}) {
			stages = append(stages, []any{k.pipeline, k.owner, k.month, k.stage, v[0], v[1], v[2], v[3], v[4], v[5]})
		}
	}
	for k, n := range d.days {
		if n != 0 {
			days = append(days, []any{k.pipeline, k.owner, k.month, k.stage, k.day, n})
		}
	}
	if err := tx.insertRows(ctx, `INSERT INTO conv_deal_cells (pipeline_id, owner_id, month, deals, won, lost, high, dm, cycles, cycle_ms) VALUES `,
		` ON CONFLICT (pipeline_id, owner_id, month) DO UPDATE SET deals = conv_deal_cells.deals + excluded.deals,
			won = conv_deal_cells.won + excluded.won, lost = conv_deal_cells.lost + excluded.lost,
			high = conv_deal_cells.high + excluded.high, dm = conv_deal_cells.dm + excluded.dm,
			cycles = conv_deal_cells.cycles + excluded.cycles, cycle_ms = conv_deal_cells.cycle_ms + excluded.cycle_ms`, deals); err != nil {
		return err
	}
	if err := tx.insertRows(ctx, `INSERT INTO conv_loss_cells (pipeline_id, owner_id, month, reason, deals) VALUES `,
		` ON CONFLICT (pipeline_id, owner_id, month, reason) DO UPDATE SET deals = conv_loss_cells.deals + excluded.deals`, losses); err != nil {
		return err
	}
	if err := tx.insertRows(ctx, `INSERT INTO conv_stage_cells (pipeline_id, owner_id, month, stage_id, entered, advanced,
			closed_reached, won_reached, stays, dwell_ms) VALUES `,
		` ON CONFLICT (pipeline_id, owner_id, month, stage_id) DO UPDATE SET entered = conv_stage_cells.entered + excluded.entered,
			advanced = conv_stage_cells.advanced + excluded.advanced,
			closed_reached = conv_stage_cells.closed_reached + excluded.closed_reached,
			won_reached = conv_stage_cells.won_reached + excluded.won_reached,
			stays = conv_stage_cells.stays + excluded.stays, dwell_ms = conv_stage_cells.dwell_ms + excluded.dwell_ms`, stages); err != nil {
		return err
	}
	return tx.insertRows(ctx, `INSERT INTO conv_dwell_days (pipeline_id, owner_id, month, stage_id, day, stays) VALUES `,
		` ON CONFLICT (pipeline_id, owner_id, month, stage_id, day) DO UPDATE SET stays = conv_dwell_days.stays + excluded.stays`, days)
}

// placeholders is "$from, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$")
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}
