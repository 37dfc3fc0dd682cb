package app

import (
	"context"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// EscalationResult counts the notifications one run queued.
type EscalationResult struct{ Owners, Managers int }

// EscalateOverdue tells the owner of each overdue todo, once; and the
// owner's manager once the todo is still open the grace period (working
// days) after it fell overdue. Each mark and its notification commit
// together, and the dedupe keys todo-overdue:<id>:owner / :manager make a
// second copy of serve a no-op.
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
	todos, err := a.DB.OverdueTodos(ctx, now, now.Add(-time.Duration(s.EscalateWithinDays)*funnel.Day))
	if err != nil {
		return res, err
	}
	for _, t := range todos {
		from := t.OverdueFrom()
		if t.OwnerNotified != nil && now.Before(cal.AddWorkingDays(from, s.OverdueGraceWorkingDays)) {
			continue // told, and the manager's turn has not come: nothing to write
		}
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
