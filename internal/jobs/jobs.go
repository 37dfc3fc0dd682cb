// Package jobs runs Shangji's background work inside `serve`: each job is an
// idempotent step run on every tick, so several copies on one PostgreSQL, a
// restart, or a late tick never do a piece of work twice.
package jobs

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"shangji/internal/app"
)

// Job is one unit of background work.
type Job struct {
	Name string
	Run  func(ctx context.Context, a *app.App) error
}

// All are the jobs serve runs.
func All() []Job {
	return []Job{
		{Name: "weekly-snapshot", Run: weeklySnapshot},
		{Name: "rhythm", Run: rhythm},
		{Name: "escalate", Run: escalate},
		{Name: "deliver-notifications", Run: deliverNotifications},
		{Name: "fold-conversion", Run: foldConversion},
	}
}

// Named returns the jobs of All with the given names, in All's order (tests
// and tools that run part of the schedule).
func Named(names ...string) []Job {
	var out []Job
	for _, j := range All() {
		if slices.Contains(names, j.Name) {
			out = append(out, j)
		}
	}
	return out
}

// weeklySnapshot takes the snapshot of the last closed week if it is missing.
func weeklySnapshot(ctx context.Context, a *app.App) error {
	week, took, err := a.TakeSnapshot(ctx, "")
	if took {
		slog.Info("weekly snapshot taken", "week_end", week)
	}
	return err
}

// foldConversion folds the changes logged since the last tick into the
// kept conversion totals, so a report has little left to fold itself.
func foldConversion(ctx context.Context, a *app.App) error {
	n, err := a.DB.FoldAllConversion(ctx, 5000)
	if n > 0 {
		slog.Debug("conversion totals folded", "changes", n)
	}
	return err
}

// Tick runs every job once; a failing job is logged and the others still run.
func Tick(ctx context.Context, a *app.App, jobs []Job) {
	for _, j := range jobs {
		if err := j.Run(ctx, a); err != nil && ctx.Err() == nil {
			slog.Error("job failed", "job", j.Name, "err", err)
		}
	}
}

// Run ticks at start and then every interval until ctx ends.
func Run(ctx context.Context, a *app.App, interval time.Duration) {
	jobs := All()
	Tick(ctx, a, jobs)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			Tick(ctx, a, jobs)
		}
	}
}
