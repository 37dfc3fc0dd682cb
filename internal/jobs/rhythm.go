package jobs

import (
	"context"
	"log/slog"
	"time"

	"shangji/internal/app"
)

// rhythm runs the follow-up rhythm rules once per period (the setting
// every_minutes, 15 by default). The period is claimed in the database
// first, so with several copies of serve on one PostgreSQL exactly one of
// them evaluates it; what the rules write has natural keys besides, so even
// a second run would write nothing twice.
func rhythm(ctx context.Context, a *app.App) error {
	s, err := a.RhythmSettings(ctx)
	if err != nil {
		return err
	}
	slot := a.Now().Truncate(time.Duration(s.EveryMinutes) * time.Minute)
	claimed, err := a.DB.ClaimJobSlot(ctx, "rhythm", slot)
	if err != nil || !claimed {
		return err
	}
	res, err := a.RunRhythm(ctx)
	if res != (app.RhythmResult{}) {
		a.Log.Info("rhythm rules ran", slog.Int("todos", res.Todos), slog.Int("points", res.Points),
			slog.Int("risks", res.Risks), slog.Int("resolved", res.Resolved))
	}
	return err
}

// escalate tells owners, then managers, of overdue todos. It runs on every
// tick: each mark and its notification commit together, so a copy of serve
// that finds a mark already set does nothing.
func escalate(ctx context.Context, a *app.App) error {
	res, err := a.EscalateOverdue(ctx)
	if res != (app.EscalationResult{}) {
		a.Log.Info("overdue todos escalated", slog.Int("owners", res.Owners), slog.Int("managers", res.Managers))
	}
	return err
}
