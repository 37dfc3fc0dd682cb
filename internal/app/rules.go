package app

import (
	"context"
	"strconv"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// The follow-up rhythm (SPEC §6): the rules job evaluates funnel's rules
// over the open deals and writes what they say. Every write has a natural
// key (todos: kind + deal + due key; points: rule + deal + spell; risks:
// deal + rule; notifications: dedupe key), so running it again, late, or on
// several copies of serve at once writes each fact once.

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
	history, err := a.DB.StageEntries(ctx)
	if err != nil {
		return res, err
	}
	hs := make([][]funnel.StageEntry, 0, len(history))
	for _, h := range history {
		hs = append(hs, h)
	}
	stays := funnel.FinishedStays(hs)

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
			AverageDwellDays: funnel.Average(stays[d.StageID]), DwellSamples: len(stays[d.StageID]),
			StageEnteredAt: d.StageEnteredAt, LastContactAt: d.LastContactAt, NextContactAt: d.NextContactAt, UpdatedAt: d.UpdatedAt}
		err := a.tx(ctx, func(tx *store.Tx) error {
			if err := a.rhythmDeal(ctx, tx, d, f, now, s, cal, &res); err != nil {
				return err
			}
			if err := a.slowReplies(ctx, tx, d, touches[d.ID], now, s, &res); err != nil {
				return err
			}
			return a.priorityQueue(ctx, tx, d, now, s, cal, &res)
		})
		if err != nil {
			return res, err
		}
	}
	if err := a.archiveRule(ctx, now, s, cal, &res); err != nil {
		return res, err
	}

	// Jump anomaly: deals won lately straight out of a long first stage.
	won, err := a.DB.WonDealsSince(ctx, funnel.Today(now.Add(-30*funnel.Day)))
	if err != nil {
		return res, err
	}
	for _, d := range won {
		r, ok := funnel.JumpAnomaly(history[d.ID], first[d.PipelineID], d.StageID, s)
		if !ok {
			continue
		}
		err := a.tx(ctx, func(tx *store.Tx) error {
			if err := a.raise(ctx, tx, d, r, msKey(r.Since), &res); err != nil {
				return err
			}
			return a.managerTodo(ctx, tx, d, store.TodoJumpReview, "won", "核查跳跃赢单："+d.Number+" "+d.Name,
				r.Evidence, cal.AddWorkingDays(r.Since, 2), &res)
		})
		if err != nil {
			return res, err
		}
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

func (a *App) rhythmDeal(ctx context.Context, tx *store.Tx, d store.RhythmDeal, f funnel.DealFacts, now time.Time,
	s funnel.RhythmSettings, cal *funnel.Calendar, res *RhythmResult) error {
	// A touch since a todo was written settles it.
	if d.LastContactAt != nil {
		n, err := tx.ResolveTodos(ctx, d.ID, *d.LastContactAt, store.TodoNextContact, store.TodoCadence)
		if err != nil {
			return err
		}
		res.Resolved += n
	}
	n, err := tx.ResolveTodos(ctx, d.ID, d.StageEnteredAt, store.TodoCadence)
	if err != nil {
		return err
	}
	res.Resolved += n
	// A reopened deal has nothing to archive.
	if n, err = tx.ResolveTodos(ctx, d.ID, now.Add(time.Millisecond), store.TodoArchive); err != nil {
		return err
	}
	res.Resolved += n

	add := func(t *store.Todo) error {
		created, err := tx.AddTodo(ctx, t)
		if created {
			res.Todos++
		}
		return err
	}
	if due, ok := funnel.NextContactDue(f, now, s); ok {
		if err := add(&store.Todo{Kind: store.TodoNextContact, OpportunityID: d.ID, DueKey: msKey(due), OwnerID: d.OwnerID, DueAt: due,
			Title: "按计划联系客户：" + d.Number + " " + d.Name, Detail: "下次联系时间 " + due.In(funnel.CompanyZone).Format("2006-01-02 15:04")}); err != nil {
			return err
		}
	}
	if since, due, ok := funnel.CadenceMissed(f, now); ok {
		if err := add(&store.Todo{Kind: store.TodoCadence, OpportunityID: d.ID, DueKey: msKey(since), OwnerID: d.OwnerID,
			DueAt:  cal.AddWorkingDays(due, s.OverdueGraceWorkingDays),
			Title:  "跟进节奏已超期：" + d.Number + " " + d.Name,
			Detail: "阶段 " + d.Stage + " 要求每 " + strconv.Itoa(f.CadenceDays) + " 天至少跟进一次"}); err != nil {
			return err
		}
	}
	since, penalty, review := funnel.Zombie(f, now, s)
	if penalty {
		added, err := tx.AddPoints(ctx, &store.PointEntry{UserID: d.OwnerID, OpportunityID: d.ID, Rule: funnel.RuleZombie,
			SpellKey: msKey(since), Delta: -s.ZombiePenaltyPoints, Reason: "僵尸商机：" + strconv.Itoa(s.ZombiePenaltyDays) + " 天无更新"})
		if err != nil {
			return err
		}
		if added {
			res.Points++
		}
	}
	if review {
		reviewAt := since.Add(time.Duration(s.ZombieReviewDays) * funnel.Day)
		if err := a.managerTodo(ctx, tx, d, store.TodoZombieReview, msKey(since), "审查僵尸商机："+d.Number+" "+d.Name,
			strconv.Itoa(s.ZombieReviewDays)+" 天无任何更新", cal.AddWorkingDays(reviewAt, 1), res); err != nil {
			return err
		}
	}
	if r, ok := funnel.StageDwell(f, now, s); ok {
		// One spell per stay: the learned average may move its since.
		return a.raise(ctx, tx, d, r, msKey(d.StageEnteredAt), res)
	}
	return tx.ClearRisk(ctx, d.ID, funnel.RuleStageDwell)
}

// slowReplies flags a deal whose customer answers much slower than before.
func (a *App) slowReplies(ctx context.Context, tx *store.Tx, d store.RhythmDeal, ts []funnel.Touch, now time.Time,
	s funnel.RhythmSettings, res *RhythmResult) error {
	if r, spell, ok := funnel.SlowingReplies(ts, now, s); ok {
		return a.raise(ctx, tx, d, r, spell, res)
	}
	return tx.ClearRisk(ctx, d.ID, funnel.RuleSlowReplies)
}

// priorityQueue gives a deal that qualifies for the resource priority queue
// its three SLA tasks, once per deal (the todos' natural key), counted from
// the run that first saw it qualify.
func (a *App) priorityQueue(ctx context.Context, tx *store.Tx, d store.RhythmDeal, now time.Time,
	s funnel.RhythmSettings, cal *funnel.Calendar, res *RhythmResult) error {
	tasks, ok := funnel.PriorityQueue(d.HealthScore, d.Amount, now, cal, s)
	if !ok {
		return nil
	}
	for _, t := range tasks {
		owner := d.OwnerID
		switch t.Assignee {
		case "manager":
			m, err := tx.ManagerOf(ctx, d.OwnerID)
			if err != nil {
				return err
			}
			if m != "" {
				owner = m
			}
		case "director":
			m, err := directorOf(ctx, tx, d.OwnerID)
			if err != nil {
				return err
			}
			if m != "" {
				owner = m
			}
		}
		created, err := tx.AddTodo(ctx, &store.Todo{Kind: t.Kind, OpportunityID: d.ID, DueKey: "queue", OwnerID: owner, DueAt: t.Due,
			Title:  "资源优先级队列：" + t.Title + " · " + d.Number + " " + d.Name,
			Detail: "健康度 " + strconv.FormatFloat(d.HealthScore, 'f', 1, 64) + "，金额 " + d.Amount.String() + " 元"})
		if err != nil {
			return err
		}
		if created {
			res.Todos++
		}
	}
	return nil
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

// archiveRule (SPEC §7): a deal closed within the lookback gets an archive
// todo due by the deadline, and the archive_overdue flag after it, until
// its success points or loss analysis are filed.
func (a *App) archiveRule(ctx context.Context, now time.Time, s funnel.RhythmSettings, cal *funnel.Calendar, res *RhythmResult) error {
	closed, err := a.DB.ClosedDealsSince(ctx, funnel.Today(now.Add(-time.Duration(s.ArchiveLookbackDays)*funnel.Day)))
	if err != nil {
		return err
	}
	for _, d := range closed {
		deadline, err := funnel.ArchiveDeadline(d.ClosedOn, cal, s)
		if err != nil {
			return err
		}
		err = a.tx(ctx, func(tx *store.Tx) error {
			if d.Archived {
				return tx.ClearRisk(ctx, d.ID, funnel.RuleArchiveOverdue)
			}
			what := "填写成功经验点"
			if d.Status == funnel.StatusLost {
				what = "填写丢单分析表"
			}
			created, err := tx.AddTodo(ctx, &store.Todo{Kind: store.TodoArchive, OpportunityID: d.ID, DueKey: d.ClosedOn, OwnerID: d.OwnerID,
				DueAt: deadline, Title: "商机归档：" + what + " · " + d.Number + " " + d.Name,
				Detail: "关单后 " + strconv.Itoa(s.ArchiveWorkingDays) + " 个工作日内完成归档"})
			if err != nil {
				return err
			}
			if created {
				res.Todos++
			}
			if r, ok := funnel.ArchiveOverdue(d.Status, deadline, false, now, s); ok {
				return a.raise(ctx, tx, d, r, d.ClosedOn, res)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// raise records a risk and announces a new spell of it.
func (a *App) raise(ctx context.Context, tx *store.Tx, d store.RhythmDeal, r funnel.RiskFlag, spell string, res *RhythmResult) error {
	raised, err := tx.RaiseRisk(ctx, d.ID, r, spell)
	if err != nil || !raised {
		return err
	}
	res.Risks++
	return riskRaisedEvent(ctx, tx, d, r, spell)
}

// managerTodo gives the owner's manager a todo about the deal (none when
// the owner has no manager above them).
func (a *App) managerTodo(ctx context.Context, tx *store.Tx, d store.RhythmDeal, kind, key, title, detail string, due time.Time, res *RhythmResult) error {
	mgr, err := tx.ManagerOf(ctx, d.OwnerID)
	if err != nil || mgr == "" {
		return err
	}
	created, err := tx.AddTodo(ctx, &store.Todo{Kind: kind, OpportunityID: d.ID, DueKey: key, OwnerID: mgr, DueAt: due, Title: title, Detail: detail})
	if created {
		res.Todos++
	}
	return err
}

// EscalationResult counts the notifications one run queued.
type EscalationResult struct{ Owners, Managers int }

// EscalateOverdue tells the owner of each overdue todo, once; and the
// owner's manager once the todo is still open the grace period (working
// days) after it fell overdue. Each mark and its notification commit together, and the
// dedupe keys todo-overdue:<id>:owner / :manager make a second copy of
// serve a no-op.
func (a *App) EscalateOverdue(ctx context.Context) (EscalationResult, error) {
	var res EscalationResult
	now := a.Now()
	s, err := a.RhythmSettings(ctx)
	if err != nil {
		return res, err
	}
	cal, err := a.Calendar(ctx)
	if err != nil {
		return res, err
	}
	todos, err := a.DB.OverdueTodos(ctx, now)
	if err != nil {
		return res, err
	}
	for _, t := range todos {
		from := t.OverdueFrom()
		err := a.tx(ctx, func(tx *store.Tx) error {
			if t.OwnerNotified == nil {
				ok, err := tx.MarkTodoNotified(ctx, t.ID, false)
				if err != nil || !ok {
					return err
				}
				res.Owners++
				if _, err := tx.EnqueueNotification(ctx, store.Notice{UserID: t.OwnerID, Key: "todo-overdue:" + t.ID + ":owner",
					Subject: "待办已逾期：" + t.Title, Body: overdueBody(t, from)}); err != nil {
					return err
				}
			}
			if t.MgrNotified != nil || now.Before(cal.AddWorkingDays(from, s.OverdueGraceWorkingDays)) {
				return nil
			}
			mgr, err := tx.ManagerOf(ctx, t.OwnerID)
			if err != nil {
				return err
			}
			ok, err := tx.MarkTodoNotified(ctx, t.ID, true)
			if err != nil || !ok || mgr == "" {
				return err
			}
			res.Managers++
			owner, err := tx.User(ctx, t.OwnerID)
			if err != nil {
				return err
			}
			_, err = tx.EnqueueNotification(ctx, store.Notice{UserID: mgr, Key: "todo-overdue:" + t.ID + ":manager",
				Subject: "下属待办逾期未处理：" + owner.Name + " · " + t.Title, Body: overdueBody(t, from)})
			return err
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func overdueBody(t *store.Todo, from time.Time) string {
	b := t.Title + "\n到期时间：" + from.In(funnel.CompanyZone).Format("2006-01-02 15:04")
	if t.Detail != "" {
		b += "\n" + t.Detail
	}
	return b
}
