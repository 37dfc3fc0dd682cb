package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// system is the actor of the CLI and of set-up code.
var system = &store.User{ID: "system", Role: store.RoleAdmin}

// TestUsersPasswordsTokens: only admins create users; passwords are hashed
// and checked; tokens authenticate their user until it is deactivated; the
// setup link works once.
func TestUsersPasswordsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := app.New(db, nil)

		link, err := a.SetupLink(ctx)
		if err != nil || link == "" {
			t.Fatalf("setup link on an empty database: %q, %v", link, err)
		}
		first, err := a.CompleteSetup(ctx, link, app.UserInput{Email: "Boss@Example.com", Name: "老板", Password: "correct horse battery"})
		if err != nil || first.Role != store.RoleAdmin || first.Email != "boss@example.com" {
			t.Fatalf("first admin: %+v, %v", first, err)
		}
		if _, err := a.CompleteSetup(ctx, link, app.UserInput{Email: "again@example.com", Name: "x", Password: "correct horse battery"}); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
			t.Errorf("second use of the setup link: %v", err)
		}
		if l, err := a.SetupLink(ctx); l != "" || err != nil {
			t.Errorf("setup link once users exist: %q, %v", l, err)
		}

		u, pw, err := a.CreateUser(ctx, system, app.UserInput{Email: "rep@example.com", Name: "销售", Role: store.RoleRep})
		if err != nil || len(pw) < app.MinPasswordLength {
			t.Fatalf("CreateUser: %v (generated password %q)", err, pw)
		}
		if u.PasswordHash == "" || u.PasswordHash == pw {
			t.Errorf("password stored as %q", u.PasswordHash)
		}
		if _, _, err := a.CreateUser(ctx, u, app.UserInput{Email: "x@example.com", Name: "x", Role: store.RoleAdmin}); funnel.ErrorCode(err) != funnel.EFORBIDDEN {
			t.Errorf("a rep creating a user: %v, want forbidden", err)
		}
		_, _, err = a.CreateUser(ctx, system, app.UserInput{Email: "not an address", Name: "", Role: "boss", Password: "short"})
		var fe *funnel.Error
		if !asError(err, &fe) || fe.Code != funnel.EINVALID || len(fe.Fields) != 4 {
			t.Errorf("bad user input: %v, want four named fields", err)
		}

		if got, err := a.Login(ctx, " REP@example.com ", pw); err != nil || got.ID != u.ID {
			t.Errorf("login with the generated password: %v", err)
		}
		if _, err := a.Login(ctx, "rep@example.com", pw+"x"); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
			t.Errorf("login with a wrong password: %v", err)
		}

		tok, err := a.CreateToken(ctx, u, u.ID, "laptop")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateToken(ctx, u, first.ID, "steal"); funnel.ErrorCode(err) != funnel.EFORBIDDEN {
			t.Errorf("a rep creating a token for the admin: %v", err)
		}
		if got, err := a.Authenticate(ctx, tok); err != nil || got.ID != u.ID {
			t.Errorf("Authenticate: %v", err)
		}
		off := false
		if _, err := a.UpdateUser(ctx, first, u.ID, app.UserPatch{Active: &off, Version: u.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, tok); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
			t.Errorf("token of a deactivated user: %v", err)
		}
		if _, err := a.Login(ctx, "rep@example.com", pw); funnel.ErrorCode(err) != funnel.EUNAUTHORIZED {
			t.Errorf("login of a deactivated user: %v", err)
		}
	})
}

func asError(err error, target **funnel.Error) bool { return errors.As(err, target) }

// TestConcurrentCreationsDoNotExhaustThePool: more simultaneous creations
// than the database pool has connections must all finish. A use case that
// reads through a.DB while holding a transaction needs two connections at
// once, and on PostgreSQL (one pool of 20 for reads and writes) enough of
// them in flight wait for each other forever.
func TestConcurrentCreationsDoNotExhaustThePool(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := app.New(db, nil)
		var rep *store.User
		var cust *store.Customer
		err := db.Tx(ctx, func(tx *store.Tx) error {
			rep = &store.User{Email: "rep@example.com", Name: "rep", Role: store.RoleRep}
			if err := tx.CreateUser(ctx, rep); err != nil {
				return err
			}
			cust = &store.Customer{Name: "池客户", OwnerID: rep.ID}
			return tx.CreateCustomer(ctx, cust)
		})
		if err != nil {
			t.Fatal(err)
		}

		const n = 30
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				name, amount, region := fmt.Sprintf("deal %d", i), "1000.00", "SH"
				_, errs[i] = a.CreateOpportunity(ctx, rep, app.OpportunityInput{Name: &name, CustomerID: &cust.ID, Amount: &amount, Region: &region})
			})
		}
		wg.Wait()
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
				if failed == 1 {
					t.Errorf("creation failed: %v", err)
				}
			}
		}
		if failed > 0 {
			t.Errorf("%d of %d concurrent creations failed", failed, n)
		}
	})
}
