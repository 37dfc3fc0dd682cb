package demo_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/demo"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// now is a Monday morning in the middle of 2026-Q4, company time.
var now = time.Date(2026, 11, 23, 10, 30, 0, 0, funnel.CompanyZone)

var numberRe = regexp.MustCompile(`^(\d{4})-(SH|BJ|GZ)-(\d{3,})$`)

// fakeHash stands in for argon2id (slow on purpose) and counts its calls.
type fakeHash struct{ calls int }

func (f *fakeHash) hash(pw string) (string, error) {
	f.calls++
	return fmt.Sprintf("fake$%d$%s", f.calls, pw), nil
}

func load(t *testing.T, db *store.DB, opt demo.Options) *demo.Result {
	t.Helper()
	if opt.Now.IsZero() {
		opt.Now = now
	}
	res, err := demo.Load(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func allOpportunities(t *testing.T, db *store.DB) []*store.Opportunity {
	t.Helper()
	var out []*store.Opportunity
	f := store.OpportunityFilter{Page: store.Page{Limit: store.MaxLimit}}
	for {
		page, next, err := db.Opportunities(context.Background(), store.System, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

func allCustomers(t *testing.T, db *store.DB) []*store.Customer {
	t.Helper()
	var out []*store.Customer
	f := store.CustomerFilter{Page: store.Page{Limit: store.MaxLimit}}
	for {
		page, next, err := db.Customers(context.Background(), store.System, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

func allContacts(t *testing.T, db *store.DB) []*store.Contact {
	t.Helper()
	var out []*store.Contact
	f := store.ContactFilter{Page: store.Page{Limit: store.MaxLimit}}
	for {
		page, next, err := db.Contacts(context.Background(), store.System, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var h fakeHash
		res := load(t, db, demo.Options{Seed: 7, HashPassword: h.hash})

		// Logins: a password for everyone, hashed once per printed login and
		// once for the rest; a working token for each login.
		if res.Password == "" || h.calls != 4 {
			t.Errorf("password %q, %d hash calls; want a password and 4 calls", res.Password, h.calls)
		}
		for _, l := range []struct {
			login demo.Login
			role  string
		}{{res.Admin, store.RoleAdmin}, {res.Manager, store.RoleManager}, {res.Rep, store.RoleRep}} {
			u, err := db.UserByToken(ctx, l.login.Token)
			if err != nil {
				t.Fatalf("token of %s: %v", l.login.Email, err)
			}
			if u.Email != l.login.Email || u.Role != l.role || l.login.Role != l.role {
				t.Errorf("token of %s is %s (%s), want role %s", l.login.Email, u.Email, u.Role, l.role)
			}
			if !strings.HasSuffix(u.PasswordHash, "$"+res.Password) {
				t.Errorf("%s has password hash %q", u.Email, u.PasswordHash)
			}
		}
		if res.Admin.Email != demo.AdminEmail {
			t.Errorf("admin login %s", res.Admin.Email)
		}
		if res.Manager.Name == "" || !regexp.MustCompile(`^\p{Han}{2,3}$`).MatchString(res.Rep.Name) {
			t.Errorf("manager %q, rep %q: want Chinese names", res.Manager.Name, res.Rep.Name)
		}

		// Organisation: 销售部 under a director, three regional teams of a
		// manager and four reps.
		c := res.Counts
		if c.Teams != 4 || c.Users != 19 || c.Customers != 150 || c.Opportunities != 600 {
			t.Errorf("counts %+v", c)
		}
		root, err := db.TeamByName(ctx, "销售部")
		if err != nil || root == "" {
			t.Fatalf("no 销售部: %v", err)
		}
		rootTeam, _ := db.Team(ctx, root)
		director, err := db.User(ctx, rootTeam.ManagerID)
		if err != nil || director.Role != store.RoleDirector {
			t.Fatalf("销售部 manager %v, %v", director, err)
		}
		teams, _, err := db.Teams(ctx, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		repsByTeam := map[string]int{}
		users, _, err := db.Users(ctx, store.UserFilter{Page: store.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		role := map[string]string{}
		for _, u := range users {
			role[u.ID] = u.Role
			if u.Role == store.RoleRep {
				repsByTeam[u.TeamID]++
			}
		}
		regions := map[string]bool{}
		for _, tm := range teams {
			if tm.ID == root {
				continue
			}
			regions[tm.Region] = true
			if tm.ParentID != root || role[tm.ManagerID] != store.RoleManager || repsByTeam[tm.ID] != 4 {
				t.Errorf("team %s: parent %s, manager role %q, %d reps", tm.Name, tm.ParentID, role[tm.ManagerID], repsByTeam[tm.ID])
			}
		}
		if len(regions) != 3 || !regions["SH"] || !regions["BJ"] || !regions["GZ"] {
			t.Errorf("team regions %v", regions)
		}

		// Customers: unique normalised names, contacts of every role.
		custs := allCustomers(t, db)
		if len(custs) != 150 {
			t.Fatalf("%d customers", len(custs))
		}
		keys := map[string]bool{}
		for _, cu := range custs {
			k := funnel.NormalizeCustomerName(cu.Name)
			if keys[k] {
				t.Errorf("duplicate customer %s", cu.Name)
			}
			keys[k] = true
			if !strings.HasSuffix(cu.Name, "公司") || cu.Industry == "" || !regions[cu.Region] || role[cu.OwnerID] != store.RoleRep {
				t.Errorf("customer %+v", cu)
			}
		}
		contacts := allContacts(t, db)
		if len(contacts) != c.Contacts || len(contacts) < 300 || len(contacts) > 600 {
			t.Errorf("%d contacts (counted %d), want 2–4 per customer", len(contacts), c.Contacts)
		}
		perCustomer := map[string]map[string]int{}
		for _, k := range contacts {
			if perCustomer[k.CustomerID] == nil {
				perCustomer[k.CustomerID] = map[string]int{}
			}
			perCustomer[k.CustomerID][k.Role]++
		}
		roleSeen := map[string]int{}
		for id, roles := range perCustomer {
			if roles[store.RoleDecisionMaker] != 1 || roles[store.RoleInfluencer] < 1 {
				t.Errorf("customer %s contacts by role %v", id, roles)
			}
			for r := range roles {
				roleSeen[r]++
			}
		}
		if len(perCustomer) != 150 || roleSeen[store.RoleUser] < 75 {
			t.Errorf("%d customers with contacts; roles covered %v", len(perCustomer), roleSeen)
		}

		checkOpportunities(t, db, res, contacts)
		checkTargets(t, db, res)
	})
}

func checkOpportunities(t *testing.T, db *store.DB, res *demo.Result, contacts []*store.Contact) {
	ctx := context.Background()
	contact := map[string]*store.Contact{}
	for _, k := range contacts {
		contact[k.ID] = k
	}
	pls, err := db.Pipelines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stageKey := map[string]string{}
	for _, pl := range pls {
		for _, s := range pl.Stages {
			stageKey[s.ID] = pl.Key + "/" + s.Key
		}
	}
	opps := allOpportunities(t, db)
	if len(opps) != 600 {
		t.Fatalf("%d opportunities", len(opps))
	}
	today := funnel.Today(now)
	cur, _ := funnel.ParsePeriod(funnel.QuarterOf(now))
	prev, _ := funnel.ParsePeriod(funnel.QuarterOf(cur.Start.AddDate(0, -1, 0)))
	next, _ := funnel.ParsePeriod(funnel.QuarterOf(cur.End))
	since := now.AddDate(0, -7, -5)
	validReason := map[string]bool{}
	for _, r := range app.LossReasons {
		validReason[r] = true
	}

	perStage := map[string]int{}
	perPipeline := map[string]int{}
	numbers := map[string]*store.Opportunity{}
	seqs := map[string][]int{}
	var big, recent int
	for _, o := range opps {
		perStage[stageKey[o.StageID]]++
		perPipeline[strings.Split(stageKey[o.StageID], "/")[0]]++
		m := numberRe.FindStringSubmatch(o.Number)
		if m == nil {
			t.Errorf("number %q is not YYYY-RR-NNN", o.Number)
			continue
		}
		if numbers[o.Number] != nil {
			t.Errorf("number %s used twice", o.Number)
		}
		numbers[o.Number] = o
		if y, _ := strconv.Atoi(m[1]); y != o.CreatedAt.In(funnel.CompanyZone).Year() || m[2] != o.Region {
			t.Errorf("%s: year or region differs from created %v / region %s", o.Number, o.CreatedAt, o.Region)
		}
		seq, _ := strconv.Atoi(m[3])
		seqs[m[1]+m[2]] = append(seqs[m[1]+m[2]], seq)

		if o.Amount < funnel.Wan(5) || o.Amount > funnel.Wan(500) || o.Amount%100 != 0 {
			t.Errorf("%s amount %s", o.Number, o.Amount)
		}
		if o.Amount > funnel.Wan(50) {
			big++
		}
		if o.CreatedAt.Before(since) || o.CreatedAt.After(now) || o.StageEnteredAt.Before(o.CreatedAt) || o.StageEnteredAt.After(now) {
			t.Errorf("%s created %v, stage entered %v", o.Number, o.CreatedAt, o.StageEnteredAt)
		}
		switch o.Status {
		case funnel.StatusOpen:
			if o.ExpectedCloseDate < today || o.ExpectedCloseDate >= next.EndDay() || o.ClosedOn != "" || o.NextContactAt == nil {
				t.Errorf("open %s expected close %s closed %q next contact %v", o.Number, o.ExpectedCloseDate, o.ClosedOn, o.NextContactAt)
			}
		case funnel.StatusWon, funnel.StatusLost:
			if o.ClosedOn < prev.FirstDay() || o.ClosedOn > today || o.ClosedOn != funnel.Today(o.StageEnteredAt) {
				t.Errorf("%s %s closed on %s (stage entered %v)", o.Status, o.Number, o.ClosedOn, o.StageEnteredAt)
			}
			if (o.Status == funnel.StatusLost) != validReason[o.LossReason] {
				t.Errorf("%s %s loss reason %q", o.Status, o.Number, o.LossReason)
			}
		}
		if o.LastContactAt != nil && now.Sub(*o.LastContactAt) < 3*24*time.Hour {
			recent++
		}
	}
	// Numbers are gap-free per year and region and follow creation order.
	for k, l := range seqs {
		slices.Sort(l)
		for i, s := range l {
			if s != i+1 {
				t.Fatalf("numbers of %s are not 1..%d: %v", k, len(l), l)
			}
		}
	}
	byNumber := slices.Clone(opps)
	slices.SortFunc(byNumber, func(a, b *store.Opportunity) int { return strings.Compare(a.Number, b.Number) })
	for i := 1; i < len(byNumber); i++ {
		a, b := byNumber[i-1], byNumber[i]
		if a.Number[:7] == b.Number[:7] && len(a.Number) == len(b.Number) && b.CreatedAt.Before(a.CreatedAt) {
			t.Errorf("%s created %v after %s created %v", a.Number, a.CreatedAt, b.Number, b.CreatedAt)
		}
	}
	for _, st := range []string{"discovery", "needs_confirmed", "proposal", "closing", "won", "lost"} {
		if perStage["sop-5/"+st] < 10 {
			t.Errorf("sop-5 stage %s has %d opportunities", st, perStage["sop-5/"+st])
		}
	}
	if perPipeline["sop-5"] < 450 || perPipeline["simple-4"] == 0 || perPipeline["buyer-6"] == 0 {
		t.Errorf("opportunities per pipeline %v", perPipeline)
	}
	if perStage["sop-5/discovery"] <= perStage["sop-5/closing"] {
		t.Errorf("funnel is not a funnel: %v", perStage)
	}
	if big < 20 || big > 150 {
		t.Errorf("%d opportunities above 50万, want a few", big)
	}
	if recent < 50 {
		t.Errorf("only %d opportunities touched in the last three days", recent)
	}

	// History walks the stages in order and ends where the deal is; the
	// last contact is the latest follow-up.
	var moves, acts, skipped, withDM int
	for _, o := range opps {
		h, err := db.StageHistory(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		moves += len(h)
		if len(h) == 0 || h[0].Via != store.ViaCreate || h[0].FromStageID != "" || !h[0].At.Equal(o.CreatedAt) {
			t.Fatalf("%s history starts %+v", o.Number, h)
		}
		last := h[len(h)-1]
		if last.ToStageID != o.StageID || !last.At.Equal(o.StageEnteredAt) || o.Version != len(h) {
			t.Errorf("%s history ends in %s at %v, deal in %s since %v (version %d)", o.Number, last.To, last.At, o.Stage, o.StageEnteredAt, o.Version)
		}
		pl, _ := db.Pipeline(ctx, o.PipelineID)
		pos := -1
		for i, m := range h {
			if i > 0 && (m.FromStageID != h[i-1].ToStageID || !m.At.After(h[i-1].At)) {
				t.Errorf("%s move %d does not follow the previous one: %+v", o.Number, i, m)
			}
			st, ok := pl.StageByID(m.ToStageID)
			if !ok || st.Probability != m.Probability || m.Amount != o.Amount {
				t.Errorf("%s move to %s: probability %d, amount %s", o.Number, m.To, m.Probability, m.Amount)
			}
			if st.Position <= pos {
				t.Errorf("%s goes backwards to %s", o.Number, m.To)
			}
			if st.Position > pos+1 && st.Kind == funnel.StageOpen {
				skipped++
			}
			pos = st.Position
		}
		if o.Status == funnel.StatusLost && last.Comment == "" {
			t.Errorf("lost %s without a comment", o.Number)
		}
		as, _, err := db.Activities(ctx, store.System, store.ActivityFilter{OpportunityID: o.ID, Page: store.Page{Limit: store.MaxLimit}})
		if err != nil {
			t.Fatal(err)
		}
		acts += len(as)
		var latest time.Time
		for _, a := range as {
			if a.OccurredAt.After(latest) {
				latest = a.OccurredAt
			}
			if len(a.ContactIDs) == 0 || a.CustomerID != o.CustomerID || a.OccurredAt.Before(o.CreatedAt) || a.OccurredAt.After(now) {
				t.Errorf("%s activity %+v", o.Number, a)
			}
			if o.Status != funnel.StatusOpen && a.OccurredAt.After(o.StageEnteredAt) {
				t.Errorf("%s activity after closing", o.Number)
			}
		}
		switch {
		case len(as) == 0 && o.LastContactAt != nil, len(as) > 0 && (o.LastContactAt == nil || !o.LastContactAt.Equal(latest)):
			t.Errorf("%s last contact %v, latest activity %v", o.Number, o.LastContactAt, latest)
		}
		reachedDM := false
		for _, a := range as {
			for _, id := range a.ContactIDs {
				k := contact[id]
				if k == nil || k.CustomerID != o.CustomerID {
					t.Fatalf("%s: activity contact %s is not the customer's", o.Number, id)
				}
				reachedDM = reachedDM || k.Role == store.RoleDecisionMaker
			}
		}
		if reachedDM {
			withDM++
		}
	}
	if moves != res.Counts.StageMoves || moves < 1500 {
		t.Errorf("%d stage moves (counted %d)", moves, res.Counts.StageMoves)
	}
	if skipped == 0 || skipped > 150 {
		t.Errorf("%d moves skip a stage, want a few", skipped)
	}
	if acts < 2000 || acts > res.Counts.Activities {
		t.Errorf("%d follow-ups on deals, %d counted", acts, res.Counts.Activities)
	}
	if withDM < 200 || withDM > 550 {
		t.Errorf("%d deals reached the decision maker", withDM)
	}
}

func checkTargets(t *testing.T, db *store.DB, res *demo.Result) {
	ctx := context.Background()
	cur := funnel.QuarterOf(now)
	curP, _ := funnel.ParsePeriod(cur)
	prevP, _ := funnel.ParsePeriod(funnel.QuarterOf(curP.Start.AddDate(0, -1, 0)))
	qs, _, err := db.Quotas(ctx, store.System, store.QuotaFilter{Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	// 12 reps and 4 teams, two quarters each.
	if len(qs) != 32 || res.Counts.Quotas != 32 {
		t.Fatalf("%d quotas", len(qs))
	}
	for _, q := range qs {
		if q.Period != cur && q.Period != prevP.Name || q.Amount < funnel.Wan(50) {
			t.Errorf("quota %+v", q)
		}
	}
	root, _ := db.TeamByName(ctx, "销售部")
	company, err := db.TopTeamsQuota(ctx, prevP.Name)
	if err != nil {
		t.Fatal(err)
	}
	won, direct, err := db.Achieved(ctx, store.System, store.OpportunityFilter{TeamID: root}, prevP.FirstDay(), prevP.EndDay())
	if err != nil {
		t.Fatal(err)
	}
	// Quotas are set so last quarter lands near 100%.
	if a := float64(won+direct) / float64(company); direct == 0 || a < 0.75 || a > 1.3 {
		t.Errorf("last quarter: won %s + direct %s against quota %s", won, direct, company)
	}
	sales, _, err := db.DirectSales(ctx, store.System, store.DirectSaleFilter{Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sales) < 12 || len(sales) != res.Counts.DirectSales {
		t.Errorf("%d direct sales", len(sales))
	}
}

// fingerprint is the business data of a demo in a comparable form.
func fingerprint(t *testing.T, db *store.DB) []string {
	var out []string
	for _, c := range allCustomers(t, db) {
		out = append(out, c.ID+" "+c.Name+" "+c.Address)
	}
	for _, o := range allOpportunities(t, db) {
		out = append(out, fmt.Sprintf("%s %s %s %s %s %s %s %v", o.ID, o.Number, o.Name, o.Amount, o.Stage, o.ExpectedCloseDate, o.ClosedOn, o.LastContactAt))
		if len(out)%50 == 0 {
			h, err := db.StageHistory(context.Background(), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range h {
				out = append(out, fmt.Sprintf("  %s %s %v", m.ID, m.To, m.At))
			}
		}
	}
	return out
}

func TestLoadIsDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		other := storetest.Open(t, db.Engine)
		third := storetest.Open(t, db.Engine)
		a := load(t, db, demo.Options{Seed: 3, Opportunities: 200})
		b := load(t, other, demo.Options{Seed: 3, Opportunities: 200})
		if a.Counts != b.Counts || a.Rep.Email != b.Rep.Email || a.Rep.Name != b.Rep.Name {
			t.Errorf("counts or logins differ: %+v / %+v", a, b)
		}
		fa, fb := fingerprint(t, db), fingerprint(t, other)
		if !slices.Equal(fa, fb) {
			for i := range min(len(fa), len(fb)) {
				if fa[i] != fb[i] {
					t.Fatalf("same seed, different data at %d:\n%s\n%s", i, fa[i], fb[i])
				}
			}
			t.Fatalf("same seed, %d vs %d records", len(fa), len(fb))
		}
		load(t, third, demo.Options{Seed: 4, Opportunities: 200})
		if fc := fingerprint(t, third); fc[0] == fa[0] || fc[len(fc)-1] == fa[len(fa)-1] {
			t.Error("another seed gives the same company")
		}
	})
}

func TestLoadTwiceIsRefused(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	load(t, db, demo.Options{Seed: 1, Opportunities: 20})
	_, err := demo.Load(context.Background(), db, demo.Options{Seed: 1, Opportunities: 20, Now: now})
	if funnel.ErrorCode(err) != funnel.ECONFLICT {
		t.Fatalf("second load: %v, want ECONFLICT", err)
	}
	if _, err := demo.Load(context.Background(), db, demo.Options{Opportunities: -1}); funnel.ErrorCode(err) != funnel.EINVALID {
		t.Fatalf("negative size: %v, want EINVALID", err)
	}
}

// TestLoadScaled runs the benchmark path (light history, one transaction
// per chunk) with small thresholds: numbering stays gap-free across chunks.
func TestLoadScaled(t *testing.T) {
	defer demo.SetScale(300, 250)()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		res := load(t, db, demo.Options{Seed: 9, Opportunities: 1_100})
		c := res.Counts
		if c.Opportunities != 1_100 || c.Customers != 275 || c.Activities > 1_100 || c.Activities < 800 || c.Quotas != 32 {
			t.Errorf("counts %+v", c)
		}
		opps := allOpportunities(t, db)
		seqs := map[string][]int{}
		stages := map[string]bool{}
		for _, o := range opps {
			m := numberRe.FindStringSubmatch(o.Number)
			if m == nil {
				t.Fatalf("number %q", o.Number)
			}
			n, _ := strconv.Atoi(m[3])
			seqs[m[1]+m[2]] = append(seqs[m[1]+m[2]], n)
			stages[o.Stage] = true
		}
		for k, l := range seqs {
			slices.Sort(l)
			for i, s := range l {
				if s != i+1 {
					t.Fatalf("numbers of %s have a gap or a duplicate at %d", k, i+1)
				}
			}
		}
		if len(opps) != 1_100 || len(stages) < 6 {
			t.Errorf("%d opportunities over stages %v", len(opps), stages)
		}
	})
}

// The password hash the app really uses fits the demo's hook.
func TestLoadWithArgon2(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	res := load(t, db, demo.Options{Seed: 2, Opportunities: 10, HashPassword: app.HashPassword, Password: "星河云-demo-2026"})
	u, err := db.UserByEmail(context.Background(), res.Manager.Email)
	if err != nil {
		t.Fatal(err)
	}
	if res.Password != "星河云-demo-2026" || !app.VerifyPassword(u.PasswordHash, res.Password) {
		t.Errorf("manager cannot sign in with the demo password")
	}
}
