package notify_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"shangji/internal/notify"
	"shangji/internal/notify/mailtest"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 10: 512 * 30 * time.Second, 11: 6 * time.Hour, 40: 6 * time.Hour} {
		if got := notify.Backoff(attempt); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", attempt, got, want)
		}
	}
}

// A receiver that fails twice gets the notification on the third attempt,
// at 30 s and then 60 s after the failures, never earlier; each attempt and
// the last error are recorded.
func TestRetryWithBackoffUntilDelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := setClock(db)
		rc := newReceiver(t, func(n int, _ request) (int, string) {
			if n < 2 {
				return 500, "upstream down"
			}
			return 200, `{"errcode":0,"errmsg":"ok"}`
		})
		u := user(t, db, "rep@example.com")
		channel(t, db, store.Channel{UserID: u.ID, Kind: store.ChannelWeCom, Address: rc.URL + "/send?key=k"})
		enqueue(t, db, store.Notice{UserID: u.ID, Subject: subject, Body: body})
		w := &notify.Worker{DB: db, Senders: notify.Senders(nil)}
		run := func() notify.Result {
			t.Helper()
			res, err := w.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		row := func() store.Notification { t.Helper(); return outbox(t, db)[0] }

		if res := run(); res.Retrying != 1 {
			t.Fatalf("first attempt: %+v", res)
		}
		n := row()
		if n.Status != "pending" || n.Attempts != 1 || !n.NextAttempt.Equal(start.Add(30*time.Second)) || !strings.Contains(n.LastError, "HTTP 500: upstream down") {
			t.Fatalf("after the first failure: %+v", n)
		}
		clk.Add(29 * time.Second)
		if res := run(); res != (notify.Result{}) || len(rc.requests()) != 1 {
			t.Fatalf("retried before its time: %+v", res)
		}
		clk.Add(time.Second)
		run()
		if n = row(); n.Attempts != 2 || !n.NextAttempt.Equal(start.Add(90*time.Second)) {
			t.Fatalf("after the second failure the wait doubles: %+v", n)
		}
		clk.Add(60 * time.Second)
		if res := run(); res.Sent != 1 {
			t.Fatalf("third attempt: %+v", res)
		}
		if n = row(); n.Status != "sent" || n.Attempts != 3 || n.LastError != "" || !n.SentAt.Equal(start.Add(90*time.Second)) {
			t.Fatalf("delivered row: %+v", n)
		}
		clk.Add(24 * time.Hour)
		run()
		if got := len(rc.requests()); got != 3 {
			t.Fatalf("receiver got %d requests, want 3 (two failures, one delivery)", got)
		}
	})
}

// A destination that keeps failing is given up after its attempts and shows
// as failed; a 404 is given up at once (retrying cannot fix a wrong URL).
func TestGiveUpVisibly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := setClock(db)
		down := newReceiver(t, func(int, request) (int, string) { return 503, "busy" })
		gone := newReceiver(t, func(int, request) (int, string) { return 404, "no such robot" })
		u := user(t, db, "rep@example.com")
		channel(t, db, store.Channel{UserID: u.ID, Kind: store.ChannelWeCom, Address: down.URL + "/send?key=k"})
		channel(t, db, store.Channel{UserID: u.ID, Kind: store.ChannelFeishu, Address: gone.URL + "/hook/x"})
		enqueue(t, db, store.Notice{UserID: u.ID, Subject: subject, Body: body, MaxAttempts: 3})
		w := &notify.Worker{DB: db, Senders: notify.Senders(nil)}
		for range 5 {
			if _, err := w.Run(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Hour)
		}
		failed, err := db.Notifications(ctx, store.NotificationFilter{Status: "failed"})
		if err != nil || len(failed) != 2 {
			t.Fatalf("failed: %+v %v", failed, err)
		}
		for _, n := range failed {
			switch n.Kind {
			case store.ChannelWeCom:
				if n.Attempts != 3 || !strings.Contains(n.LastError, "503") {
					t.Errorf("wecom: %+v", n)
				}
			case store.ChannelFeishu:
				if n.Attempts != 1 || !strings.Contains(n.LastError, "404") {
					t.Errorf("feishu: %+v", n)
				}
			}
		}
		if len(down.requests()) != 3 || len(gone.requests()) != 1 {
			t.Fatalf("requests: down %d, gone %d", len(down.requests()), len(gone.requests()))
		}
	})
}

// E-mail queued while SMTP is not configured waits, untried, instead of
// failing: the robot beside it goes out, and the e-mail is sent by the
// first worker that has SMTP.
func TestUnconfiguredKindWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := setClock(db)
		rc := newReceiver(t, func(int, request) (int, string) { return 200, `{"errcode":0}` })
		mail := mailtest.Start(t, true)
		u := user(t, db, "rep@example.com")
		channel(t, db, store.Channel{UserID: u.ID, Kind: store.ChannelWeCom, Address: rc.URL + "/send?key=k"})
		channel(t, db, store.Channel{UserID: u.ID, Kind: store.ChannelEmail, Address: "rep@example.com"})
		enqueue(t, db, store.Notice{UserID: u.ID, Key: "k1", Subject: subject, Body: body})
		w := &notify.Worker{DB: db, Senders: notify.Senders(nil)}
		for range 3 {
			if _, err := w.Run(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Hour)
		}
		for _, n := range outbox(t, db) {
			want, attempts := "sent", 1
			if n.Kind == store.ChannelEmail {
				want, attempts = "pending", 0
			}
			if n.Status != want || n.Attempts != attempts || n.LastError != "" {
				t.Errorf("%s: %s after %d attempts (%q), want %s after %d", n.Kind, n.Status, n.Attempts, n.LastError, want, attempts)
			}
		}
		w.Senders = notify.Senders(mail.Sender())
		if res, err := w.Run(ctx); err != nil || res.Sent != 1 || len(mail.Messages()) != 1 {
			t.Fatalf("with SMTP configured: %+v %v, %d messages", res, err, len(mail.Messages()))
		}
	})
}

// reopen opens the database at dsn as a new process would.
func reopen(t *testing.T, dsn string, clk *clock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Now = clk.Now
	return db
}

// A process that dies after claiming rows loses nothing: a new process on
// the same database delivers what was never claimed at once, and what the
// dead one held once its lease has run out — each exactly once.
func TestRestartLosesNothing(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, e)
			clk := &clock{now: start}
			rc := newReceiver(t, func(int, request) (int, string) { return 204, "" })

			first := reopen(t, dsn, clk)
			channel(t, first, store.Channel{Kind: store.ChannelWebhook, Address: rc.URL + "/hook", Events: "*"})
			for i := range 5 {
				enqueue(t, first, store.Notice{Event: "opportunity.created", Key: fmt.Sprint("created-", i), Subject: "s", Body: "b"})
			}
			held, err := first.ClaimNotifications(ctx, 2, 2*time.Minute)
			if err != nil || len(held) != 2 {
				t.Fatalf("claim: %v %d", err, len(held))
			}
			first.Close() // the process dies holding two rows

			second := reopen(t, dsn, clk)
			w := &notify.Worker{DB: second, Senders: notify.Senders(nil), Lease: 2 * time.Minute}
			if res, err := w.Run(ctx); err != nil || res.Sent != 3 {
				t.Fatalf("after restart: %+v %v", res, err)
			}
			clk.Add(2 * time.Minute)
			if res, err := w.Run(ctx); err != nil || res.Sent != 2 {
				t.Fatalf("after the lease: %+v %v", res, err)
			}
			seen := map[string]int{}
			for _, r := range rc.requests() {
				seen[r.Header.Get("X-Shangji-Delivery")]++
			}
			if len(seen) != 5 {
				t.Fatalf("delivered %d distinct notifications, want 5", len(seen))
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("%s delivered %d times", id, k)
				}
			}
		})
	}
}

// Two workers, each with its own connection pool as two copies of serve
// would have, drain one outbox together: every notification reaches the
// receiver exactly once.
func TestTwoWorkersDeliverEachOnce(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, e)
			clk := &clock{now: start}
			rc := newReceiver(t, func(int, request) (int, string) {
				time.Sleep(time.Millisecond) // let the workers overlap
				return 200, "ok"
			})
			a, b := reopen(t, dsn, clk), reopen(t, dsn, clk)
			channel(t, a, store.Channel{Kind: store.ChannelWebhook, Address: rc.URL + "/hook", Events: "*"})
			const total = 120
			for i := range total {
				enqueue(t, a, store.Notice{Event: "opportunity.stage_changed", Key: fmt.Sprint("move-", i), Subject: "s", Body: "b"})
			}
			var wg sync.WaitGroup
			sent := make([]int, 2)
			for i, db := range []*store.DB{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := &notify.Worker{DB: db, Senders: notify.Senders(nil), Batch: 4, MaxBatches: 2}
					for {
						res, err := w.Run(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						sent[i] += res.Sent
						if res.Sent == 0 {
							return
						}
					}
				}()
			}
			wg.Wait()
			seen := map[string]int{}
			for _, r := range rc.requests() {
				seen[r.Header.Get("X-Shangji-Delivery")]++
			}
			if len(seen) != total || sent[0]+sent[1] != total {
				t.Fatalf("distinct deliveries %d, reported sent %v, want %d", len(seen), sent, total)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("%s delivered %d times", id, k)
				}
			}
			t.Logf("worker a sent %d, worker b sent %d", sent[0], sent[1])
		})
	}
}
