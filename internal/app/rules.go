package app

import (
	"context"
	"slices"
	"strconv"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// The follow-up rhythm (SPEC §6): the rules job evaluates funnel's rules
// over the deals and writes what they say. Every write has a natural key
// (todos: kind + deal + due key; points: rule + deal + spell; risks: deal +
// rule, announced per spell; notifications: dedupe key), so running it
// again, late, or on several copies of serve at once writes each fact once.
//
// A run first reads what the rules wrote before (store.RhythmState), then
// plans each deal's writes against it: a deal with nothing new costs no
// transaction, so a run over a large, quiet company is a handful of reads.

// RhythmSettings returns the saved thresholds, defaults filled in.
func (a *App) RhythmSettings(ctx context.Context) (funnel.RhythmSettings, error) {
	var s funnel.RhythmSettings
	_, err := a.DB.Setting(ctx, funnel.RhythmSetting, &s)
	return s.Fill(), err
}

// Calendar is the working-day calendar with the admin's overrides.
func (a *App) Calendar(ctx context.Context) (*funnel.Calendar, error) {
	var years []funnel.HolidayYear
	if _, err := a.DB.Setting(ctx, funnel.CalendarSetting, &years); err != nil {
		return nil, err
	}
	return funnel.ChinaCalendar().With(years...)
}

// RhythmResult counts what one run wrote.
type RhythmResult struct {
	Todos, Points, Risks, Resolved int
}

func msKey(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Who a planned todo goes to.
const (
	toOwner    = ""
	toManager  = "manager"  // the owner's manager; none: no todo
	toDirector = "director" // the nearest director above the owner; else the owner's manager's chain top; else the owner
	toArrange  = "arrange"  // the owner's manager, else the owner
)

type plannedTodo struct {
	todo *store.Todo
	to   string
}

type plannedRisk struct {
	r     funnel.RiskFlag
	spell string
}

// dealPlan is what one deal's rules want written.
type dealPlan struct {
	resolve []resolveOp
	todos   []plannedTodo
	points  []*store.PointEntry
	raise   []plannedRisk
	clear   []string
}

type resolveOp struct {
	before time.Time
	kinds  []string
}

func (p *dealPlan) empty() bool {
	return len(p.resolve)+len(p.todos)+len(p.points)+len(p.raise)+len(p.clear) == 0
}

// planner plans against what was written before the run.
type planner struct {
	st  *store.RhythmState
	now time.Time
	s   funnel.RhythmSettings
	cal *funnel.Calendar
}

func (pl *planner) addTodo(p *dealPlan, to string, t *store.Todo) {
	if !pl.st.TodoKeys[store.TodoKey(t.Kind, t.OpportunityID, t.DueKey)] {
		p.todos = append(p.todos, plannedTodo{todo: t, to: to})
	}
}

// resolve settles the deal's open todos of the kinds created before the
// instant, if there are any.
func (pl *planner) resolve(p *dealPlan, oppID string, before time.Time, kinds ...string) {
	for _, t := range pl.st.OpenTodos[oppID] {
		if slices.Contains(kinds, t.Kind) && t.CreatedAt.Before(before) {
			p.resolve = append(p.resolve, resolveOp{before: before, kinds: kinds})
			return
		}
	}
}

// flag raises r unless it is stored as it is; clear removes a stored flag.
func (pl *planner) flag(p *dealPlan, oppID string, r funnel.RiskFlag, spell string) {
	old, ok := pl.st.Risks[oppID][r.Rule]
	if ok && old.Spell == spell && old.Level == r.Level && old.Evidence == r.Evidence && old.Since.Equal(r.Since.Truncate(time.Millisecond)) {
		return
	}
	p.raise = append(p.raise, plannedRisk{r: r, spell: spell})
}

func (pl *planner) clear(p *dealPlan, oppID, rule string) {
	if _, ok := pl.st.Risks[oppID][rule]; ok {
		p.clear = append(p.clear, rule)
	}
}

// RunRhythm evaluates the rules once at the store clock's now.
func (a *App) RunRhythm(ctx context.Context) (RhythmResult, error) {
	var res RhythmResult
	now := a.Now()
	s, err := a.RhythmSettings(ctx)
	if err != nil {
		return res, err
	}
	cal, err := a.Calendar(ctx)
	if err != nil {
		return res, err
	}
	pls, err := a.DB.Pipelines(ctx)
	if err != nil {
		return res, err
	}
	stages := map[string]funnel.Stage{}
	first := map[string]string{} // pipeline id → first stage id
	for _, pl := range pls {
		for i, st := range pl.Stages {
			stages[st.ID] = st.Stage
			if i == 0 {
				first[pl.ID] = st.ID
			}
		}
	}
	dwell, err := a.DB.StageDwellAverages(ctx)
	if err != nil {
		return res, err
	}
	state, err := a.DB.LoadRhythmState(ctx)
	if err != nil {
		return res, err
	}
	pl := &planner{st: state, now: now, s: s, cal: cal}

	deals, err := a.DB.OpenDealsForRhythm(ctx)
	if err != nil {
		return res, err
	}
	// Replies are measured over the last quarter's activities: enough for
	// a baseline, and a deal's older conversation says nothing about now.
	touches, err := a.DB.DealTouches(ctx, now.Add(-90*funnel.Day))
	if err != nil {
		return res, err
	}
	for _, d := range deals {
		st := stages[d.StageID]
		f := funnel.DealFacts{Stage: d.Stage, StageName: st.NameZH, CadenceDays: st.CadenceDays, ExpectedDwellDays: st.ExpectedDwellDays,
			AverageDwellDays: dwell[d.StageID].Days, DwellSamples: dwell[d.StageID].Samples,
			StageEnteredAt: d.StageEnteredAt, LastContactAt: d.LastContactAt, NextContactAt: d.NextContactAt, UpdatedAt: d.UpdatedAt}
		var p dealPlan
		pl.openDeal(&p, d, f)
		pl.slowReplies(&p, d, touches[d.ID])
		pl.priorityQueue(&p, d)
		if err := a.apply(ctx, d, &p, &res); err != nil {
			return res, err
		}
	}

	// Jump anomaly: deals won lately straight out of a long first stage.
	won, err := a.DB.WonDealsSince(ctx, funnel.Today(now.Add(-30*funnel.Day)))
	if err != nil {
		return res, err
	}
	ids := make([]string, len(won))
	for i, d := range won {
		ids[i] = d.ID
	}
	history := map[string][]funnel.StageEntry{}
	if len(ids) > 0 {
		if history, err = a.DB.StageEntries(ctx, ids...); err != nil {
			return res, err
		}
	}
	for _, d := range won {
		r, ok := funnel.JumpAnomaly(history[d.ID], first[d.PipelineID], d.StageID, s)
		if !ok {
			continue
		}
		var p dealPlan
		pl.flag(&p, d.ID, r, msKey(r.Since))
		pl.addTodo(&p, toManager, &store.Todo{Kind: store.TodoJumpReview, OpportunityID: d.ID, DueKey: "won",
			Title: "核查跳跃赢单：" + d.Number + " " + d.Name, Detail: r.Evidence, DueAt: cal.AddWorkingDays(r.Since, 2)})
		if err := a.apply(ctx, d, &p, &res); err != nil {
			return res, err
		}
	}
	if err := a.archiveRule(ctx, pl, &res); err != nil {
		return res, err
	}
	// Flags about the way an open deal moves end when it closes; the
	// archive flag ends when a deal is reopened.
	err = a.tx(ctx, func(tx *store.Tx) error {
		for _, r := range []string{funnel.RuleStageDwell, funnel.RuleSlowReplies} {
			if err := tx.ClearClosedRisks(ctx, r); err != nil {
				return err
			}
		}
		if err := tx.ClearOpenRisks(ctx, funnel.RuleArchiveOverdue); err != nil {
			return err
		}
		// A closed deal needs no more follow-up: its contact, cadence,
		// review and priority-queue todos are settled (its archive and
		// jump review are not: they are about the close).
		n, err := tx.ResolveClosedDealTodos(ctx, store.TodoNextContact, store.TodoCadence, store.TodoZombieReview,
			funnel.TaskPresales, funnel.TaskDirectorMeet, funnel.TaskContractReview)
		res.Resolved += n
		return err
	})
	return res, err
}

// openDeal plans the rules of an open deal: next contact, cadence, zombie,
// stage dwell.
func (pl *planner) openDeal(p *dealPlan, d store.RhythmDeal, f funnel.DealFacts) {
	now, s, cal := pl.now, pl.s, pl.cal
	// A touch since a todo was written settles it; so does a move for a
	// cadence todo; a reopened deal has nothing to archive.
	if d.LastContactAt != nil {
		pl.resolve(p, d.ID, *d.LastContactAt, store.TodoNextContact, store.TodoCadence)
	}
	pl.resolve(p, d.ID, d.StageEnteredAt, store.TodoCadence)
	pl.resolve(p, d.ID, now.Add(time.Millisecond), store.TodoArchive)

	if due, ok := funnel.NextContactDue(f, now, s); ok {
		pl.addTodo(p, toOwner, &store.Todo{Kind: store.TodoNextContact, OpportunityID: d.ID, DueKey: msKey(due), DueAt: due,
			Title: "按计划联系客户：" + d.Number + " " + d.Name, Detail: "下次联系时间 " + due.In(funnel.CompanyZone).Format("2006-01-02 15:04")})
	}
	if since, due, ok := funnel.CadenceMissed(f, now); ok {
		pl.addTodo(p, toOwner, &store.Todo{Kind: store.TodoCadence, OpportunityID: d.ID, DueKey: msKey(since),
			DueAt:  cal.AddWorkingDays(due, s.OverdueGraceWorkingDays),
			Title:  "跟进节奏已超期：" + d.Number + " " + d.Name,
			Detail: "阶段「" + f.StageName + "」要求每 " + strconv.Itoa(f.CadenceDays) + " 天至少跟进一次"})
	}
	since, penalty, review := funnel.Zombie(f, now, s)
	if penalty && !pl.st.PointKeys[store.PointKey(funnel.RuleZombie, d.ID, msKey(since))] {
		p.points = append(p.points, &store.PointEntry{UserID: d.OwnerID, OpportunityID: d.ID, Rule: funnel.RuleZombie,
			SpellKey: msKey(since), Delta: -s.ZombiePenaltyPoints, Reason: "僵尸商机：" + strconv.Itoa(s.ZombiePenaltyDays) + " 天无更新"})
	}
	if review {
		reviewAt := since.Add(time.Duration(s.ZombieReviewDays) * funnel.Day)
		pl.addTodo(p, toManager, &store.Todo{Kind: store.TodoZombieReview, OpportunityID: d.ID, DueKey: msKey(since),
			Title: "审查僵尸商机：" + d.Number + " " + d.Name, Detail: strconv.Itoa(s.ZombieReviewDays) + " 天无任何更新",
			DueAt: cal.AddWorkingDays(reviewAt, 1)})
	}
	if r, ok := funnel.StageDwell(f, now, s); ok {
		// One spell per stay: the learned average may move its since.
		pl.flag(p, d.ID, r, msKey(d.StageEnteredAt))
	} else {
		pl.clear(p, d.ID, funnel.RuleStageDwell)
	}
}

// slowReplies flags a deal whose customer answers much slower than before.
func (pl *planner) slowReplies(p *dealPlan, d store.RhythmDeal, ts []funnel.Touch) {
	if r, spell, ok := funnel.SlowingReplies(ts, pl.now, pl.s); ok {
		pl.flag(p, d.ID, r, spell)
	} else {
		pl.clear(p, d.ID, funnel.RuleSlowReplies)
	}
}

// priorityQueue gives a deal that qualifies for the resource priority queue
// its three SLA tasks, once per deal (the todos' natural key), counted from
// the run that first saw it qualify.
func (pl *planner) priorityQueue(p *dealPlan, d store.RhythmDeal) {
	tasks, ok := funnel.PriorityQueue(d.HealthScore, d.Amount, pl.now, pl.cal, pl.s)
	if !ok {
		return
	}
	for _, t := range tasks {
		to := toOwner
		switch t.Assignee {
		case "manager":
			to = toArrange
		case "director":
			to = toDirector
		}
		pl.addTodo(p, to, &store.Todo{Kind: t.Kind, OpportunityID: d.ID, DueKey: "queue", DueAt: t.Due,
			Title:  "资源优先级队列：" + t.Title + " · " + d.Number + " " + d.Name,
			Detail: "健康度 " + strconv.FormatFloat(d.HealthScore, 'f', 1, 64) + "，金额 " + d.Amount.String() + " 元"})
	}
}

// archiveRule (SPEC §7): a deal closed within the lookback gets an archive
// todo due by the deadline, and the archive_overdue flag after it, until
// its success points or loss analysis are filed.
func (a *App) archiveRule(ctx context.Context, pl *planner, res *RhythmResult) error {
	s := pl.s
	closed, err := a.DB.ClosedDealsSince(ctx, funnel.Today(pl.now.Add(-time.Duration(s.ArchiveLookbackDays)*funnel.Day)))
	if err != nil {
		return err
	}
	for _, d := range closed {
		var p dealPlan
		if d.Archived {
			pl.clear(&p, d.ID, funnel.RuleArchiveOverdue)
		} else {
			deadline, err := funnel.ArchiveDeadline(d.ClosedOn, pl.cal, s)
			if err != nil {
				return err
			}
			what := "填写成功经验点"
			if d.Status == funnel.StatusLost {
				what = "填写丢单分析表"
			}
			pl.addTodo(&p, toOwner, &store.Todo{Kind: store.TodoArchive, OpportunityID: d.ID, DueKey: d.ClosedOn, DueAt: deadline,
				Title:  "商机归档：" + what + " · " + d.Number + " " + d.Name,
				Detail: "关单后 " + strconv.Itoa(s.ArchiveWorkingDays) + " 个工作日内完成归档"})
			if r, ok := funnel.ArchiveOverdue(d.Status, deadline, false, pl.now, s); ok {
				pl.flag(&p, d.ID, r, d.ClosedOn)
			}
		}
		if err := a.apply(ctx, d, &p, res); err != nil {
			return err
		}
	}
	return nil
}

// apply writes a deal's plan in one transaction (none when it is empty).
func (a *App) apply(ctx context.Context, d store.RhythmDeal, p *dealPlan, res *RhythmResult) error {
	if p.empty() {
		return nil
	}
	var r RhythmResult
	err := a.tx(ctx, func(tx *store.Tx) error {
		r = RhythmResult{}
		for _, op := range p.resolve {
			n, err := tx.ResolveTodos(ctx, d.ID, op.before, op.kinds...)
			if err != nil {
				return err
			}
			r.Resolved += n
		}
		for _, t := range p.todos {
			owner, err := assignee(ctx, tx, d.OwnerID, t.to)
			if err != nil {
				return err
			}
			if owner == "" {
				continue
			}
			t.todo.OwnerID = owner
			created, err := tx.AddTodo(ctx, t.todo)
			if err != nil {
				return err
			}
			if created {
				r.Todos++
			}
		}
		for _, e := range p.points {
			added, err := tx.AddPoints(ctx, e)
			if err != nil {
				return err
			}
			if added {
				r.Points++
			}
		}
		for _, f := range p.raise {
			raised, err := tx.RaiseRisk(ctx, d.ID, f.r, f.spell)
			if err != nil {
				return err
			}
			if raised {
				r.Risks++
				if err := riskRaisedEvent(ctx, tx, d, f.r, f.spell); err != nil {
					return err
				}
			}
		}
		for _, rule := range p.clear {
			if err := tx.ClearRisk(ctx, d.ID, rule); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		res.Todos, res.Points, res.Risks, res.Resolved = res.Todos+r.Todos, res.Points+r.Points, res.Risks+r.Risks, res.Resolved+r.Resolved
	}
	return err
}

// assignee resolves who a planned todo goes to ("" for nobody).
func assignee(ctx context.Context, tx *store.Tx, owner, to string) (string, error) {
	switch to {
	case toManager:
		return tx.ManagerOf(ctx, owner)
	case toArrange:
		m, err := tx.ManagerOf(ctx, owner)
		if m == "" {
			m = owner
		}
		return m, err
	case toDirector:
		m, err := directorOf(ctx, tx, owner)
		if m == "" {
			m = owner
		}
		return m, err
	}
	return owner, nil
}

// directorOf is the nearest director above the user (else the topmost
// manager above them; "" when nobody is).
func directorOf(ctx context.Context, tx *store.Tx, userID string) (string, error) {
	last, cur := "", userID
	for range 10 {
		m, err := tx.ManagerOf(ctx, cur)
		if err != nil || m == "" || m == last {
			return last, err
		}
		u, err := tx.User(ctx, m)
		if err != nil {
			return "", err
		}
		if u.Role == store.RoleDirector {
			return m, nil
		}
		last, cur = m, m
	}
	return last, nil
}
