package store_test

import (
	"context"
	"testing"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// A team moved under another carries its subtree along: the manager above
// the new parent sees the moved reps' deals, the old one no longer does.
func TestTeamMoveCarriesSubtree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var bossA, bossB, rep *store.User
		var teamA, teamB, sub *store.Team
		must(t, db.Tx(ctx, func(tx *store.Tx) error {
			bossA, bossB, rep = &store.User{Email: "a@x.cn", Name: "A", Role: "manager"}, &store.User{Email: "b@x.cn", Name: "B", Role: "manager"}, &store.User{Email: "r@x.cn", Name: "R", Role: "rep"}
			for _, u := range []*store.User{bossA, bossB} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			teamA, teamB = &store.Team{Name: "A", ManagerID: bossA.ID}, &store.Team{Name: "B", ManagerID: bossB.ID}
			must(t, tx.CreateTeam(ctx, teamA))
			must(t, tx.CreateTeam(ctx, teamB))
			sub = &store.Team{Name: "sub", ParentID: teamA.ID}
			must(t, tx.CreateTeam(ctx, sub))
			// The rep sits one level below the moved team, so the move must
			// rewrite descendants' paths too.
			leaf := &store.Team{Name: "leaf", ParentID: sub.ID}
			must(t, tx.CreateTeam(ctx, leaf))
			rep.TeamID = leaf.ID
			return tx.CreateUser(ctx, rep)
		}))
		canAct := func(boss *store.User) bool {
			ok, err := db.CanActFor(ctx, boss.Viewer(), rep.ID)
			must(t, err)
			return ok
		}
		if !canAct(bossA) || canAct(bossB) {
			t.Fatalf("before the move: A sees rep %v (want true), B %v (want false)", canAct(bossA), canAct(bossB))
		}
		if m, _ := db.ManagerOf(ctx, rep.ID); m != bossA.ID {
			t.Fatalf("ManagerOf(rep) = %q, want the manager of the nearest team above (%s)", m, bossA.ID)
		}
		sub.ParentID = teamB.ID
		must(t, db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateTeam(ctx, sub) }))
		if canAct(bossA) || !canAct(bossB) {
			t.Fatalf("after the move: A sees rep %v (want false), B %v (want true)", canAct(bossA), canAct(bossB))
		}
		// A team cannot move under its own subtree.
		teamB, _ = db.Team(ctx, teamB.ID)
		teamB.ParentID = sub.ID
		err := db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateTeam(ctx, teamB) })
		if funnel.ErrorCode(err) != funnel.EINVALID {
			t.Fatalf("moving a team under its child: err = %v, want invalid", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
