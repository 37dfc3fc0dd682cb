package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// supportOrg: a director over two sales teams and a presales team.
type supportOrg struct {
	dir, mgr, rep, pmgr, helper, cs, omgr, outsider *store.User
	root, sales, presales, other                    *store.Team
	opp                                             *store.Opportunity
}

func newSupportOrg(t *testing.T, db *store.DB) *supportOrg {
	t.Helper()
	ctx := context.Background()
	o := &supportOrg{}
	user := func(tx *store.Tx, name, role string, team *store.Team) *store.User {
		u := &store.User{Email: name + "@example.com", Name: name, Role: role}
		if team != nil {
			u.TeamID = team.ID
		}
		must(t, tx.CreateUser(ctx, u))
		return u
	}
	team := func(tx *store.Tx, name string, parent *store.Team, mgr *store.User) *store.Team {
		tm := &store.Team{Name: name, ManagerID: mgr.ID}
		if parent != nil {
			tm.ParentID = parent.ID
		}
		must(t, tx.CreateTeam(ctx, tm))
		return tm
	}
	must(t, db.Tx(ctx, func(tx *store.Tx) error {
		o.dir, o.mgr, o.pmgr, o.omgr = user(tx, "dir", store.RoleDirector, nil), user(tx, "mgr", store.RoleManager, nil),
			user(tx, "pmgr", store.RoleManager, nil), user(tx, "omgr", store.RoleManager, nil)
		o.root = team(tx, "销售中心", nil, o.dir)
		o.sales = team(tx, "华东", o.root, o.mgr)
		o.presales = team(tx, "售前", o.root, o.pmgr)
		o.other = team(tx, "独立组", nil, o.omgr)
		for _, m := range []struct {
			u  *store.User
			tm *store.Team
		}{{o.dir, o.root}, {o.mgr, o.sales}, {o.pmgr, o.presales}, {o.omgr, o.other}} {
			cur, err := tx.User(ctx, m.u.ID)
			must(t, err)
			cur.TeamID = m.tm.ID
			must(t, tx.UpdateUser(ctx, cur))
		}
		o.rep, o.helper = user(tx, "rep", store.RoleRep, o.sales), user(tx, "helper", store.RolePresales, o.presales)
		o.cs, o.outsider = user(tx, "cs", store.RoleCustomerSuccess, o.presales), user(tx, "outsider", store.RoleRep, o.other)
		pls, err := db.Pipelines(ctx)
		if err != nil {
			return err
		}
		var pl *store.Pipeline
		for _, p := range pls {
			if p.Key == "sop-5" {
				pl = p
			}
		}
		st, _ := pl.StageByKey("proposal")
		c := &store.Customer{Name: "远景机械", OwnerID: o.rep.ID}
		must(t, tx.CreateCustomer(ctx, c))
		o.opp = &store.Opportunity{Name: "产线改造", CustomerID: c.ID, OwnerID: o.rep.ID, PipelineID: pl.ID, StageID: st.ID}
		return tx.CreateOpportunity(ctx, o.opp, pl, o.rep.ID)
	}))
	return o
}

func (o *supportOrg) ask(t *testing.T, db *store.DB, helper *store.User) (*store.SupportRequest, error) {
	return o.askWith(t, db, helper, o.dir)
}

func (o *supportOrg) askWith(t *testing.T, db *store.DB, helper, approver *store.User) (*store.SupportRequest, error) {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	s := &store.SupportRequest{OpportunityID: o.opp.ID, RequesterID: o.rep.ID, HelperID: helper.ID, HelperRole: helper.Role, Type: "demo",
		NeededBy: now.Add(72 * time.Hour).Truncate(time.Millisecond), ExpectedOutput: "演示", StageKey: "proposal", HealthScore: 81,
		RespondBy: now.Add(24 * time.Hour).Truncate(time.Millisecond), ApproverID: approver.ID}
	err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateSupportRequest(ctx, s) })
	return s, err
}

func TestSupportRequestsStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 15, 2, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		o := newSupportOrg(t, db)

		s, err := o.ask(t, db, o.helper)
		must(t, err)
		if s.Status != funnel.SupportRequested || s.Version != 1 {
			t.Fatalf("created %+v", s)
		}
		// One open request per deal and helper.
		_, err = o.ask(t, db, o.helper)
		if e, ok := err.(*funnel.Error); !ok || e.Code != funnel.ECONFLICT || e.ExistingID != s.ID {
			t.Fatalf("a second open request to the same helper: %v", err)
		}
		other, err := o.ask(t, db, o.cs)
		must(t, err)

		t.Run("read back", func(t *testing.T) {
			got, err := db.SupportRequest(ctx, store.System, s.ID)
			must(t, err)
			if got.HealthScore != 81 || got.Opportunity != o.opp.Number+" 产线改造" || got.Customer != "远景机械" || got.StageKey != "proposal" || got.HelperRole != store.RolePresales || !got.RespondBy.Equal(s.RespondBy) ||
				!got.NeededBy.Equal(s.NeededBy) || got.ApproverID != o.dir.ID || got.Overdue || got.HelperRating != nil {
				t.Errorf("read back %+v", got)
			}
		})

		t.Run("visibility", func(t *testing.T) {
			// The requester's line, the helper's line (the helper sees only
			// what was asked of them); nobody else.
			for _, c := range []struct {
				who   *store.User
				sees  bool
				lists int
			}{{o.rep, true, 2}, {o.mgr, true, 2}, {o.dir, true, 2}, {o.helper, true, 1}, {o.pmgr, true, 2}, {o.outsider, false, 0}, {o.omgr, false, 0}} {
				_, err := db.SupportRequest(ctx, c.who.Viewer(), s.ID)
				if sees := err == nil; sees != c.sees || (err != nil && funnel.ErrorCode(err) != funnel.ENOTFOUND) {
					t.Errorf("%s reads the request: %v, want seen %v", c.who.Name, err, c.sees)
				}
				list, _, err := db.SupportRequests(ctx, c.who.Viewer(), store.SupportFilter{})
				must(t, err)
				if len(list) != c.lists {
					t.Errorf("%s lists %d requests, want %d", c.who.Name, len(list), c.lists)
				}
			}
			list, _, err := db.SupportRequests(ctx, o.rep.Viewer(), store.SupportFilter{HelperID: o.cs.ID})
			must(t, err)
			if len(list) != 1 || list[0].ID != other.ID {
				t.Errorf("filter by helper: %d", len(list))
			}
		})

		t.Run("director", func(t *testing.T) {
			must(t, db.Tx(ctx, func(tx *store.Tx) error {
				for _, c := range []struct {
					who  *store.User
					want string
				}{{o.rep, o.dir.ID}, {o.mgr, o.dir.ID}, {o.dir, ""}, {o.outsider, o.omgr.ID}, {o.omgr, ""}} {
					got, err := tx.DirectorOf(ctx, c.who.ID)
					if err != nil {
						return err
					}
					if got != c.want {
						t.Errorf("DirectorOf(%s) = %q, want %q", c.who.Name, got, c.want)
					}
				}
				return nil
			}))
		})

		t.Run("versions", func(t *testing.T) {
			a, b := *s, *s
			at := now
			a.Status, a.RespondedAt, a.RespondedBy = funnel.SupportAccepted, &at, o.helper.ID
			b.Status, b.RefusalReason = funnel.SupportRefusalPending, "忙"
			must(t, db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveSupportRequest(ctx, &a) }))
			err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveSupportRequest(ctx, &b) })
			e, ok := err.(*funnel.Error)
			if !ok || e.Code != funnel.ECONFLICT {
				t.Fatalf("a stale save: %v", err)
			}
			if cur, _ := e.Current.(*store.SupportRequest); cur == nil || cur.Status != funnel.SupportAccepted || cur.Version != 2 {
				t.Errorf("the conflict carries %+v", e.Current)
			}
			if a.Version != 2 {
				t.Errorf("version after save %d", a.Version)
			}
		})

		t.Run("overdue", func(t *testing.T) {
			db.Now = func() time.Time { return now.Add(24*time.Hour + time.Millisecond) }
			defer func() { db.Now = func() time.Time { return now } }()
			got, err := db.SupportRequest(ctx, store.System, other.ID)
			must(t, err)
			if !got.Overdue {
				t.Error("an unanswered request past its deadline is not overdue")
			}
			list, _, err := db.SupportRequests(ctx, o.dir.Viewer(), store.SupportFilter{Overdue: true})
			must(t, err)
			if len(list) != 1 || list[0].ID != other.ID { // s was answered
				t.Errorf("overdue list has %d", len(list))
			}
			db.Now = func() time.Time { return now.Add(24 * time.Hour) }
			if list, _, _ := db.SupportRequests(ctx, o.dir.Viewer(), store.SupportFilter{Overdue: true}); len(list) != 0 {
				t.Errorf("at the deadline itself %d are overdue", len(list))
			}
		})

		t.Run("ratings and flags", func(t *testing.T) {
			rate := func(req, side string, score int) []store.SupportRating {
				t.Helper()
				var recent []store.SupportRating
				must(t, db.Tx(ctx, func(tx *store.Tx) (err error) {
					recent, err = tx.AddSupportRating(ctx, &store.SupportRating{RequestID: req, Side: side, RaterID: o.rep.ID,
						RateeID: o.helper.ID, RateeTeamID: o.presales.ID, Score: score}, 2)
					return err
				}))
				return recent
			}
			scores := func(rs []store.SupportRating) string {
				var out []int
				for _, r := range rs {
					out = append(out, r.Score)
				}
				return fmt.Sprint(out)
			}
			if got := scores(rate(s.ID, funnel.SupportRatesHelper, 6)); got != "[6]" {
				t.Errorf("first rating: recent %s", got)
			}
			now = now.Add(time.Second)
			if got := scores(rate(other.ID, funnel.SupportRatesHelper, 9)); got != "[9 6]" {
				t.Errorf("second rating: recent %s", got)
			}
			err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.AddSupportRating(ctx, &store.SupportRating{RequestID: s.ID, Side: funnel.SupportRatesHelper, RaterID: o.rep.ID,
					RateeID: o.helper.ID, RateeTeamID: o.presales.ID, Score: 1}, 2)
				return err
			})
			if funnel.ErrorCode(err) != funnel.ECONFLICT {
				t.Errorf("rating one side twice: %v", err)
			}
			got, err := db.SupportRequest(ctx, store.System, s.ID)
			must(t, err)
			if got.HelperRating == nil || got.HelperRating.Score != 6 || got.RequesterRating != nil {
				t.Errorf("ratings on the request: %+v %+v", got.HelperRating, got.RequesterRating)
			}

			ev := []store.SupportFlagScore{{RequestID: s.ID, Side: "helper", Score: 6}}
			must(t, db.Tx(ctx, func(tx *store.Tx) error { return tx.SetSupportTeamFlag(ctx, o.presales.ID, true, ev) }))
			since := now
			now = now.Add(time.Hour)
			ev = []store.SupportFlagScore{{RequestID: other.ID, Side: "helper", Score: 5}, {RequestID: s.ID, Side: "helper", Score: 6}}
			must(t, db.Tx(ctx, func(tx *store.Tx) error { return tx.SetSupportTeamFlag(ctx, o.presales.ID, true, ev) }))
			flags, err := db.SupportTeamFlags(ctx, "")
			must(t, err)
			if len(flags) != 1 || flags[0].TeamID != o.presales.ID || flags[0].TeamName != "售前" || !flags[0].Since.Equal(since) ||
				!slices.Equal(flags[0].Evidence, ev) {
				t.Errorf("flags %+v", flags)
			}
			if f, _ := db.SupportTeamFlags(ctx, o.sales.ID); len(f) != 0 {
				t.Errorf("the sales team is flagged: %+v", f)
			}
			must(t, db.Tx(ctx, func(tx *store.Tx) error { return tx.SetSupportTeamFlag(ctx, o.presales.ID, false, nil) }))
			if f, _ := db.SupportTeamFlags(ctx, ""); len(f) != 0 {
				t.Errorf("a cleared flag stays: %+v", f)
			}
		})

		t.Run("todos", func(t *testing.T) {
			add := func(key string) {
				must(t, db.Tx(ctx, func(tx *store.Tx) error {
					_, err := tx.AddTodo(ctx, &store.Todo{Kind: store.TodoSupportResponse, OpportunityID: o.opp.ID, DueKey: key, OwnerID: o.helper.ID,
						Title: "回复", DueAt: now})
					return err
				}))
			}
			add(s.ID)
			add(other.ID)
			must(t, db.Tx(ctx, func(tx *store.Tx) error {
				return tx.CloseSupportTodo(ctx, store.TodoSupportResponse, o.opp.ID, s.ID, o.helper.ID)
			}))
			todos, _, err := db.Todos(ctx, store.System, store.TodoFilter{})
			must(t, err)
			status := map[string]string{}
			for _, td := range todos {
				status[td.DueKey] = td.Status + "/" + td.DoneBy
			}
			if status[s.ID] != "done/"+o.helper.ID || status[other.ID] != "open/" {
				t.Errorf("todos after closing one: %v", status)
			}
		})

		t.Run("approver outside both lines", func(t *testing.T) {
			third := &store.User{Email: "cs2@example.com", Name: "cs2", Role: store.RoleCustomerSuccess, TeamID: o.presales.ID}
			must(t, db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, third) }))
			r, err := o.askWith(t, db, third, o.omgr)
			must(t, err)
			if _, err := db.SupportRequest(ctx, o.omgr.Viewer(), r.ID); err != nil {
				t.Errorf("the approver cannot read the request: %v", err)
			}
			if _, err := db.SupportRequest(ctx, o.outsider.Viewer(), r.ID); funnel.ErrorCode(err) != funnel.ENOTFOUND {
				t.Errorf("the approver's report reads it: %v", err)
			}
		})
	})
}
