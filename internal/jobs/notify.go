package jobs

import (
	"context"
	"log/slog"
	"sync"

	"shangji/internal/app"
	"shangji/internal/notify"
)

// smtpConfig is read from the environment once per process (see
// notify.SMTPFromEnv); a bad setting is logged at every tick until fixed,
// and the other channels keep working meanwhile.
var smtpConfig = sync.OnceValues(notify.SMTPFromEnv)

// noEmail is said once per process, not at every tick.
var noEmail sync.Once

// deliverNotifications sends what the outbox holds due. Every copy of serve
// runs it; the store's claims give each row to one of them.
func deliverNotifications(ctx context.Context, a *app.App) error {
	smtp, err := smtpConfig()
	if err != nil {
		a.Log.Error("e-mail is not configured correctly; e-mail notifications wait", "err", err)
		smtp = nil
	} else if smtp == nil {
		noEmail.Do(func() {
			a.Log.Warn("e-mail is not configured (SHANGJI_SMTP_HOST, …): e-mail notifications wait in the outbox until it is")
		})
	}
	w := &notify.Worker{DB: a.DB, Senders: notify.Senders(smtp), Log: a.Log}
	res, err := w.Run(ctx)
	if res != (notify.Result{}) {
		a.Log.Info("notifications delivered", slog.Int("sent", res.Sent), slog.Int("retrying", res.Retrying), slog.Int("failed", res.Failed))
	}
	return err
}
