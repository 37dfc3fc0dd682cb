package store_test

import (
	"context"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		u := &store.User{Email: "rep@example.com", Name: "Rep", Role: store.RoleRep}
		var secret string
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			var err error
			secret, err = tx.CreateSession(ctx, u.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.UserBySession(ctx, secret)
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserBySession = %v, %v; want %s", got, err, u.ID)
		}
		if _, err := db.UserBySession(ctx, secret+"x"); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
			t.Fatalf("wrong secret: %v, want unauthorized", err)
		}

		t.Run("HashedAtRest", func(t *testing.T) {
			var n int
			if err := db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM sessions WHERE hash = $1`, secret).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatal("the session secret is stored in clear")
			}
		})

		t.Run("Expires", func(t *testing.T) {
			now = now.Add(store.SessionTTL - time.Minute)
			if _, err := db.UserBySession(ctx, secret); err != nil {
				t.Fatalf("a minute before expiry: %v", err)
			}
			now = now.Add(time.Minute)
			if _, err := db.UserBySession(ctx, secret); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
				t.Fatalf("at expiry: %v, want unauthorized", err)
			}
		})

		t.Run("SignOutAndDeactivation", func(t *testing.T) {
			var s2 string
			_ = db.Tx(ctx, func(tx *store.Tx) (err error) { s2, err = tx.CreateSession(ctx, u.ID); return })
			if _, err := db.UserBySession(ctx, s2); err != nil {
				t.Fatal(err)
			}
			u.Active = false
			if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
				t.Fatal(err)
			}
			if _, err := db.UserBySession(ctx, s2); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
				t.Fatalf("deactivated user still signed in: %v", err)
			}
			_ = db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, s2) })
			u.Version++
			u.Active = true
			if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
				t.Fatal(err)
			}
			if _, err := db.UserBySession(ctx, s2); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
				t.Fatalf("signed-out session still works: %v", err)
			}
		})
	})
}
