package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func mustUser(t *testing.T, db *store.DB, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, Name: email, Role: store.RoleRep}
	if err := db.Tx(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

func mustChannel(t *testing.T, db *store.DB, c *store.Channel) *store.Channel {
	t.Helper()
	if err := db.Tx(context.Background(), func(tx *store.Tx) error { return tx.CreateChannel(context.Background(), c) }); err != nil {
		t.Fatal(err)
	}
	return c
}

func enqueue(t *testing.T, db *store.DB, n store.Notice) int {
	t.Helper()
	var k int
	err := db.Tx(context.Background(), func(tx *store.Tx) (err error) {
		k, err = tx.EnqueueNotification(context.Background(), n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A notice fans out to each destination once per key; without channels a
// user is reached at their account e-mail; a rolled-back change queues
// nothing.
func TestEnqueueNotification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann, bob := mustUser(t, db, "ann@example.com"), mustUser(t, db, "bob@example.com")
		mustChannel(t, db, &store.Channel{UserID: ann.ID, Kind: store.ChannelWeCom, Address: "https://qyapi.example/send?key=k"})
		mustChannel(t, db, &store.Channel{UserID: ann.ID, Kind: store.ChannelEmail, Address: "ann.private@example.com"})
		mustChannel(t, db, &store.Channel{Kind: store.ChannelWebhook, Address: "https://crm.example/hook", Events: "opportunity.won"})

		if k := enqueue(t, db, store.Notice{UserID: ann.ID, Key: "todo-1-overdue", Subject: "逾期", Body: "跟进"}); k != 2 {
			t.Fatalf("ann's two channels: queued %d", k)
		}
		if k := enqueue(t, db, store.Notice{UserID: ann.ID, Key: "todo-1-overdue", Subject: "逾期", Body: "跟进"}); k != 0 {
			t.Fatalf("the same key again must queue nothing, queued %d", k)
		}
		if k := enqueue(t, db, store.Notice{UserID: bob.ID, Key: "todo-1-overdue", Subject: "s", Body: "b"}); k != 1 {
			t.Fatalf("bob without channels gets his account e-mail: queued %d", k)
		}
		if k := enqueue(t, db, store.Notice{Event: "opportunity.lost", Subject: "s", Body: "b"}); k != 0 {
			t.Fatalf("no channel wants opportunity.lost: queued %d", k)
		}
		if k := enqueue(t, db, store.Notice{Event: "opportunity.won", Subject: "s", Body: "b", Data: []byte(`{"amount":"1.00"}`)}); k != 1 {
			t.Fatalf("opportunity.won: queued %d", k)
		}
		boom := errors.New("the change failed")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.EnqueueNotification(ctx, store.Notice{UserID: bob.ID, Subject: "never", Body: "b"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		all, err := db.Notifications(ctx, store.NotificationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 4 {
			t.Fatalf("outbox holds %d rows, want 4: %+v", len(all), all)
		}
		got := map[string]string{}
		for _, n := range all {
			got[n.Kind+" "+n.Address] = n.Status
			if n.Secret != "" {
				t.Error("the admin list must not carry secrets")
			}
		}
		for _, want := range []string{"wecom https://qyapi.example/send?key=k", "email ann.private@example.com", "email bob@example.com", "webhook https://crm.example/hook"} {
			if got[want] != "pending" {
				t.Errorf("missing pending %q in %v", want, got)
			}
		}
	})
}

// Claiming takes each due row once, brings it back after the lease, and
// records outcomes only for the attempt that holds the row.
func TestClaimLeaseAndOutcome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, funnel.CompanyZone)
		db.Now = func() time.Time { return now }
		ann := mustUser(t, db, "ann@example.com")
		enqueue(t, db, store.Notice{UserID: ann.ID, Subject: "s", Body: "b", MaxAttempts: 2})

		first, err := db.ClaimNotifications(ctx, 10, time.Minute)
		if err != nil || len(first) != 1 || first[0].Attempts != 1 {
			t.Fatalf("first claim: %v %+v", err, first)
		}
		if again, _ := db.ClaimNotifications(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatal("a claimed row must not be claimed again within its lease")
		}
		now = now.Add(61 * time.Second) // the first worker died
		second, _ := db.ClaimNotifications(ctx, 10, time.Minute)
		if len(second) != 1 || second[0].Attempts != 2 {
			t.Fatalf("after the lease: %+v", second)
		}
		// The dead worker's late report must not overwrite the live attempt.
		if err := db.NotificationSent(ctx, first[0].ID, first[0].Attempts); err != nil {
			t.Fatal(err)
		}
		if err := db.NotificationFailed(ctx, second[0].ID, second[0].Attempts, "connection refused", nil); err != nil {
			t.Fatal(err)
		}
		failed, _ := db.Notifications(ctx, store.NotificationFilter{Status: "failed"})
		if len(failed) != 1 || failed[0].LastError != "connection refused" || failed[0].Attempts != 2 || failed[0].SentAt != nil {
			t.Fatalf("failed rows: %+v", failed)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.RetryNotification(ctx, failed[0].ID) }); err != nil {
			t.Fatal(err)
		}
		retried, _ := db.ClaimNotifications(ctx, 10, time.Minute)
		if len(retried) != 1 || retried[0].Attempts != 1 {
			t.Fatalf("an admin's retry starts afresh: %+v", retried)
		}
		if err := db.NotificationSent(ctx, retried[0].ID, 1); err != nil {
			t.Fatal(err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error { return tx.RetryNotification(ctx, retried[0].ID) })
		if funnel.ErrorCode(err) != funnel.ECONFLICT {
			t.Fatalf("retrying a sent notification: %v", err)
		}
	})
}

func TestChannelValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, c := range []store.Channel{
			{Kind: "sms", Address: "https://x"},
			{Kind: store.ChannelEmail, Address: "not-an-address"},
			{Kind: store.ChannelDingTalk, Address: "oapi.dingtalk.com/robot/send"},
		} {
			err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateChannel(ctx, &c) })
			if funnel.ErrorCode(err) != funnel.EINVALID {
				t.Errorf("%+v: %v", c, err)
			}
		}
	})
}
