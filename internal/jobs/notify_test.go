package jobs_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"shangji/internal/app"
	"shangji/internal/jobs"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// The scheduler's tick delivers queued notifications; two schedulers ticking
// at once deliver each exactly once.
func TestTickDeliversNotificationsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		seen := map[string]int{}
		rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			seen[r.Header.Get("X-Shangji-Delivery")]++
			mu.Unlock()
		}))
		defer rc.Close()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateChannel(ctx, &store.Channel{Kind: store.ChannelWebhook, Address: rc.URL, Events: "*"}); err != nil {
				return err
			}
			for i := range 30 {
				if _, err := tx.EnqueueNotification(ctx, store.Notice{Event: "opportunity.won", Key: fmt.Sprint(i), Subject: "s", Body: "b"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		a, b := app.New(db, nil), app.New(db, nil)
		var wg sync.WaitGroup
		for _, x := range []*app.App{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); jobs.Tick(ctx, x, jobs.All()) }()
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 30 {
			t.Fatalf("delivered %d distinct notifications, want 30", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s delivered %d times", id, n)
			}
		}
		sent, err := db.Notifications(ctx, store.NotificationFilter{Status: "sent", Limit: 100})
		if err != nil || len(sent) != 30 {
			t.Fatalf("sent rows %d, %v", len(sent), err)
		}
	})
}
