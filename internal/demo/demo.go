// Package demo fills a database with a believable sales company: a director
// over three regional teams of reps, customers with their decision chains,
// and opportunities in every stage with two quarters of stage history,
// follow-ups, quotas and direct sales — all dated relative to "now", so a
// fresh demo shows recent activity. The same seed and now give the same
// company, ids included. Scaled up (--opportunities 1000000) it feeds the
// benchmarks.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// DefaultOpportunities is the size of the demo company.
const DefaultOpportunities = 600

// Above lightAbove opportunities the demo is for benchmarks: one follow-up
// per deal instead of a full cadence and no customer-level visits. Deals are
// generated and written chunkSize at a time, so memory stays flat; above
// one chunk the tables' secondary indexes are set aside for the load and
// built at the end (store.DeferIndexes). Variables so tests can exercise
// both paths with small numbers.
var (
	lightAbove = 5_000
	chunkSize  = 10_000
)

// Options shape the demo company.
type Options struct {
	Seed          int64
	Opportunities int       // 0 means DefaultOpportunities
	Now           time.Time // zero means the database clock
	// HashPassword hashes the demo password (app.HashPassword). Nil leaves
	// users without a password: they sign in with the API tokens only.
	HashPassword func(string) (string, error)
	// Password for every demo user; generated when empty.
	Password string
	// Progress, when set, hears how many opportunities are written so far
	// (after each chunk of 10,000); they are committed at the end.
	Progress func(done, total int)
}

// Login is one of the accounts the caller prints.
type Login struct {
	Email string
	Name  string
	Role  string
	Token string // API token secret, shown once
}

// Counts says what was written.
type Counts struct {
	Teams, Users, Customers, Contacts, Opportunities, StageMoves, Activities, Quotas, DirectSales int
}

// Result is how to sign in to the demo company. Every demo user has
// Password (empty when Options.HashPassword was nil).
type Result struct {
	Admin, Manager, Rep Login
	Password            string
	Counts              Counts
}

// bulkTables are the tables a large load fills.
var bulkTables = []string{"customers", "contacts", "opportunities", "opportunity_collaborators", "stage_history", "activities", "activity_contacts"}

// Email domain of the demo company, 星河云 (Xinghe Cloud); .example never
// resolves.
const domain = "xinghe.example"

// AdminEmail is the demo administrator's login.
const AdminEmail = "admin@" + domain

// Load writes the demo company in one transaction: all of it or nothing. It
// refuses to run twice on one database.
func Load(ctx context.Context, db *store.DB, opt Options) (*Result, error) {
	if opt.Opportunities < 0 {
		return nil, funnel.Errorf(funnel.EINVALID, "opportunities must not be negative")
	}
	if opt.Opportunities == 0 {
		opt.Opportunities = DefaultOpportunities
	}
	if opt.Now.IsZero() {
		opt.Now = db.Now()
	}
	if _, err := db.UserByEmail(ctx, AdminEmail); err == nil {
		return nil, funnel.Errorf(funnel.ECONFLICT, "the demo company is already loaded (%s exists)", AdminEmail)
	} else if funnel.ErrorCode(err) != funnel.ENOTFOUND {
		return nil, err
	}
	if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.EnsurePresets(ctx) }); err != nil {
		return nil, err
	}
	pls, err := db.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	l, err := newLoader(db, opt, pls)
	if err != nil {
		return nil, err
	}
	if err := l.setPassword(); err != nil {
		return nil, err
	}
	n := opt.Opportunities
	err = l.db.TxAlone(ctx, func(tx *store.Tx) error { // a large write: no other action in its transaction
		var rebuild func(context.Context) error
		if n > chunkSize {
			var err error
			if rebuild, err = tx.DeferIndexes(ctx, bulkTables...); err != nil {
				return err
			}
		}
		if err := l.organisation(ctx, tx); err != nil {
			return err
		}
		if err := l.customers(ctx, tx); err != nil {
			return err
		}
		for done := 0; done < n; done += chunkSize {
			k := min(chunkSize, n-done)
			if err := l.opportunities(ctx, tx, k); err != nil {
				return err
			}
			if opt.Progress != nil {
				opt.Progress(done+k, n)
			}
		}
		if err := l.targets(ctx, tx); err != nil {
			return err
		}
		if rebuild == nil {
			return nil
		}
		if err := rebuild(ctx); err != nil {
			return err
		}
		return tx.Analyze(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	l.result.Password = l.password
	return &l.result, nil
}

// loader holds what the parts of the company need from each other.
type loader struct {
	db     *store.DB // a copy of the caller's, drawing deterministic ids
	opt    Options
	r      rng
	ids    *idGen
	now    time.Time
	today  string
	cur    funnel.Period // the quarter holding now
	prev   funnel.Period
	next   funnel.Period
	since  time.Time // no history before this
	light  bool
	result Result

	main     *store.Pipeline // sop-5, most deals
	others   []*store.Pipeline
	password string
	hashes   map[string]string // login email → hash; "" → everyone else

	adminID, directorID, presalesID, successID string
	rootTeam                                   string
	teams                                      []*team
	reps                                       []*rep
	custs                                      []*customer
	usedNames                                  map[string]bool
	usedEmails                                 map[string]bool
}

type team struct {
	id, name, code string
	region         region
	managerID      string
	reps           []*rep
}

type rep struct {
	id      string
	team    *team
	volume  float64 // how many deals they open, relative
	skill   float64 // share of closed deals they win
	cadence float64 // share of the follow-up cadence they keep
	custs   []*customer
	// achieved per quarter (previous, current): won deals and direct sales
	achieved [2]funnel.Money
}

type customer struct {
	id, name, brand, industry, region string
	size                              int // index into companySizes
	owner                             *rep
	contacts                          []*store.Contact
}

func newLoader(db *store.DB, opt Options, pls []*store.Pipeline) (*loader, error) {
	now := opt.Now.UTC().Truncate(time.Millisecond)
	cur, err := funnel.ParsePeriod(funnel.QuarterOf(now.In(funnel.CompanyZone)))
	if err != nil {
		return nil, err
	}
	prev, _ := funnel.ParsePeriod(funnel.QuarterOf(cur.Start.AddDate(0, -1, 0)))
	next, _ := funnel.ParsePeriod(funnel.QuarterOf(cur.End))
	l := &loader{
		opt: opt, r: newRNG(opt.Seed, 0x5eed), ids: &idGen{r: newRNG(opt.Seed, 0x1d5)},
		now: now, today: funnel.Today(now), cur: cur, prev: prev, next: next,
		light: opt.Opportunities > lightAbove, usedNames: map[string]bool{}, usedEmails: map[string]bool{},
	}
	// Six months back, and far enough to start the deals that closed early
	// in the previous quarter.
	l.since = now.AddDate(0, -6, 0)
	if s := dayStart(prev.FirstDay()).AddDate(0, 0, -30); s.Before(l.since) {
		l.since = s
	}
	l.ids.sequential, l.ids.base = l.light, l.since
	// The copy shares the caller's pools; only its clock and ids differ.
	cp := *db
	cp.Now = func() time.Time { return now }
	cp.NewID = l.ids.next
	l.db = &cp
	for _, pl := range pls {
		if pl.Key == funnel.DefaultPreset {
			l.main = pl
		}
	}
	if l.main == nil {
		if len(pls) == 0 {
			return nil, errors.New("no pipelines")
		}
		l.main = pls[0]
	}
	for _, pl := range pls {
		if pl != l.main && len(openStages(pl)) > 0 {
			l.others = append(l.others, pl)
		}
	}
	return l, nil
}

// dayStart is midnight of a company-calendar date.
func dayStart(date string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, date, funnel.CompanyZone)
	return t
}

// at is tx with its clock (and the ids the store draws) at t.
func (l *loader) at(tx *store.Tx, t time.Time) *store.Tx {
	l.ids.clock = t
	return tx.At(t)
}

func (l *loader) setPassword() error {
	if l.opt.HashPassword == nil {
		return nil
	}
	l.password = l.opt.Password
	if l.password == "" {
		b := make([]byte, 9)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		l.password = "demo-" + base64.RawURLEncoding.EncodeToString(b)
	}
	return nil
}

// hashFor hashes the password once per printed login and once for everyone
// else: argon2id is slow on purpose.
func (l *loader) hashFor(email string, login bool) (string, error) {
	if l.opt.HashPassword == nil {
		return "", nil
	}
	key := ""
	if login {
		key = email
	}
	if l.hashes == nil {
		l.hashes = map[string]string{}
	}
	if h, ok := l.hashes[key]; ok {
		return h, nil
	}
	h, err := l.opt.HashPassword(l.password)
	if err != nil {
		return "", err
	}
	l.hashes[key] = h
	return h, nil
}

// personName is a Chinese name and the e-mail local part made of its pinyin.
func (l *loader) personName() (name, local string) {
	s := pick(l.r, surnames)
	g := []word{pick(l.r, givenChars)}
	if l.r.chance(0.7) {
		g = append(g, pick(l.r, givenChars))
	}
	name, local = s.zh, ""
	for _, w := range g {
		name += w.zh
		local += w.py
	}
	return name, local + "." + s.py
}

func (l *loader) staffEmail(local string) string {
	e := local + "@" + domain
	for i := 2; l.usedEmails[e]; i++ {
		e = fmt.Sprintf("%s%d@%s", local, i, domain)
	}
	l.usedEmails[e] = true
	return e
}

// organisation creates the admin, the director's 销售部 with presales and
// customer success, and three regional teams of a manager and four reps.
func (l *loader) organisation(ctx context.Context, tx *store.Tx) error {
	founded := l.since.AddDate(0, -3, 0)
	t := l.at(tx, founded)
	root := &store.Team{Name: "销售部", Region: "CN"}
	if err := t.CreateTeam(ctx, root); err != nil {
		return err
	}
	l.rootTeam = root.ID
	l.result.Counts.Teams++
	user := func(role, teamID, email, name string, login bool) (*store.User, error) {
		h, err := l.hashFor(email, login)
		if err != nil {
			return nil, err
		}
		u := &store.User{Email: email, Name: name, Role: role, TeamID: teamID, PasswordHash: h}
		if err := t.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		l.result.Counts.Users++
		return u, nil
	}
	staff := func(role, teamID string, login bool) (*store.User, error) {
		name, local := l.personName()
		return user(role, teamID, l.staffEmail(local), name, login)
	}
	l.usedEmails[AdminEmail] = true
	admin, err := user(store.RoleAdmin, "", AdminEmail, "系统管理员", true)
	if err != nil {
		return err
	}
	l.adminID = admin.ID
	director, err := staff(store.RoleDirector, root.ID, false)
	if err != nil {
		return err
	}
	l.directorID = director.ID
	root.ManagerID = director.ID
	if err := t.UpdateTeam(ctx, root); err != nil {
		return err
	}
	presales, err := staff(store.RolePresales, root.ID, false)
	if err != nil {
		return err
	}
	success, err := staff(store.RoleCustomerSuccess, root.ID, false)
	if err != nil {
		return err
	}
	l.presalesID, l.successID = presales.ID, success.ID

	var manager, firstRep *store.User
	for i, rg := range regions {
		tm := &store.Team{Name: rg.team, ParentID: root.ID, Region: rg.code}
		if err := t.CreateTeam(ctx, tm); err != nil {
			return err
		}
		l.result.Counts.Teams++
		m, err := staff(store.RoleManager, tm.ID, i == 0)
		if err != nil {
			return err
		}
		tm.ManagerID = m.ID
		if err := t.UpdateTeam(ctx, tm); err != nil {
			return err
		}
		te := &team{id: tm.ID, name: tm.Name, code: rg.code, region: rg, managerID: m.ID}
		l.teams = append(l.teams, te)
		if i == 0 {
			manager = m
		}
		for j := range 4 {
			u, err := staff(store.RoleRep, tm.ID, i == 0 && j == 0)
			if err != nil {
				return err
			}
			if firstRep == nil {
				firstRep = u
			}
			// Some reps open many deals and convert few, others the reverse
			// (seed 000's opener and converter).
			volume := l.r.between(0.6, 1.5)
			rp := &rep{id: u.ID, team: te, volume: volume, skill: l.r.between(0.35, 0.65) - (volume-1)*0.15,
				cadence: l.r.between(0.45, 0.95)}
			te.reps = append(te.reps, rp)
			l.reps = append(l.reps, rp)
		}
	}
	for _, x := range []struct {
		u   *store.User
		out *Login
	}{{admin, &l.result.Admin}, {manager, &l.result.Manager}, {firstRep, &l.result.Rep}} {
		secret, err := tx.CreateToken(ctx, x.u.ID, "demo")
		if err != nil {
			return err
		}
		*x.out = Login{Email: x.u.Email, Name: x.u.Name, Role: x.u.Role, Token: secret}
	}
	return nil
}

// customerCount scales customers with the deals, four deals each, between
// the demo's 150 and a ceiling that keeps the big load quick.
func customerCount(opps int) int { return min(max(opps/4, 150), 50_000) }

// customers creates the customers, each owned by a rep of the region it sits
// in, with two to four contacts: a decision maker, an influencer, and
// usually a user.
func (l *loader) customers(ctx context.Context, tx *store.Tx) error {
	n := customerCount(l.opt.Opportunities)
	weights := make([]float64, len(l.reps))
	for i, rp := range l.reps {
		weights[i] = rp.volume
	}
	cs := make([]*store.Customer, 0, n)
	var ks []*store.Contact
	for range n {
		owner := l.reps[l.r.weighted(weights)]
		rg := owner.team.region
		ct := pick(l.r, rg.cities)
		ind := l.r.IntN(len(industries))
		size := l.r.weighted([]float64{0.25, 0.35, 0.18, 0.15, 0.07})
		var brand, name string
		var brandPY string
		for {
			a, b := pick(l.r, brandChars), pick(l.r, brandChars)
			if a.zh == b.zh {
				continue
			}
			brand, brandPY = a.zh+b.zh, a.py+b.py
			name = ct.name + brand + pick(l.r, industries[ind].words) + pick(l.r, companyForms)
			if key := funnel.NormalizeCustomerName(name); !l.usedNames[key] {
				l.usedNames[key] = true
				break
			}
		}
		created := l.since.Add(-l.r.days(l.r.between(0, 400)))
		c := &store.Customer{ID: l.ids.at(created), Name: name, Industry: industries[ind].name, Region: rg.code,
			Address: fmt.Sprintf("%s%s%s%d号", ct.prefix, pick(l.r, ct.districts), pick(l.r, roads), 1+l.r.IntN(999)),
			Size:    companySizes[size], OwnerID: owner.id, CreatedAt: created, UpdatedAt: created}
		cs = append(cs, c)
		cust := &customer{id: c.ID, name: name, brand: brand, industry: c.Industry, region: rg.code, size: size, owner: owner}
		owner.custs = append(owner.custs, cust)
		l.custs = append(l.custs, cust)

		roles := []string{store.RoleDecisionMaker, store.RoleInfluencer}
		switch k := l.r.weighted([]float64{0.2, 0.5, 0.3}); k {
		case 1:
			roles = append(roles, store.RoleUser)
		case 2:
			roles = append(roles, store.RoleUser, pick(l.r, []string{store.RoleInfluencer, store.RoleUser}))
		}
		mailDomain := brandPY + ".example"
		seen := map[string]bool{}
		for _, role := range roles {
			pname, local := l.personName()
			for seen[local] {
				local += "1"
			}
			seen[local] = true
			at := created.Add(l.r.days(l.r.between(0, 60)))
			k := &store.Contact{ID: l.ids.at(at), CustomerID: c.ID, Name: pname, Title: pick(l.r, titles[role]), Role: role,
				Phone: fmt.Sprintf("1%d%08d", pick(l.r, []int{35, 36, 37, 38, 39, 50, 58, 86, 88}), l.r.IntN(100_000_000)),
				Email: local + "@" + mailDomain, CreatedAt: at, UpdatedAt: at}
			if l.r.chance(0.6) {
				k.WeComID = strings.ReplaceAll(local, ".", "_")
			}
			ks = append(ks, k)
			cust.contacts = append(cust.contacts, k)
		}
	}
	// Every rep owns customers even in a tiny demo.
	for i, rp := range l.reps {
		if len(rp.custs) == 0 {
			c := l.custs[i%len(l.custs)]
			rp.custs = append(rp.custs, c)
		}
	}
	if err := tx.BulkInsertCustomers(ctx, cs); err != nil {
		return err
	}
	if err := tx.BulkInsertContacts(ctx, ks); err != nil {
		return err
	}
	l.result.Counts.Customers += len(cs)
	l.result.Counts.Contacts += len(ks)
	return nil
}

// targets writes direct sales and then the quotas, which are set so that
// last quarter's attainment lands between 80% and 120% per rep.
func (l *loader) targets(ctx context.Context, tx *store.Tx) error {
	var sales []*store.DirectSale
	for _, rp := range l.reps {
		for range 1 + l.r.IntN(3) {
			day := l.dayIn(l.prev.FirstDay(), l.today)
			amount := funnel.Money(int64(l.r.logUniform(5_000, 80_000)/100) * 100 * 100)
			c := pick(l.r, rp.custs)
			sales = append(sales, &store.DirectSale{OwnerID: rp.id, CustomerID: c.id, Amount: amount, SoldOn: day,
				Note: pick(l.r, directSaleNotes)})
		}
	}
	slices.SortStableFunc(sales, func(a, b *store.DirectSale) int { return strings.Compare(a.SoldOn, b.SoldOn) })
	for _, d := range sales {
		at := dayStart(d.SoldOn).Add(17 * time.Hour)
		if at.After(l.now) {
			at = l.now
		}
		if err := l.at(tx, at).CreateDirectSale(ctx, d); err != nil {
			return err
		}
		for _, rp := range l.reps {
			if rp.id == d.OwnerID {
				rp.achieved[l.quarterIndex(d.SoldOn)] += d.Amount
			}
		}
		l.result.Counts.DirectSales++
	}

	quota := func(scope, id string, p funnel.Period, m funnel.Money) error {
		set := dayStart(p.FirstDay()).AddDate(0, 0, -5).Add(10 * time.Hour)
		if set.After(l.now) {
			set = l.now
		}
		if err := l.at(tx, set).CreateQuota(ctx, &store.Quota{Scope: scope, ScopeID: id, Period: p.Name, Amount: m}); err != nil {
			return err
		}
		l.result.Counts.Quotas++
		return nil
	}
	var rootPrev, rootCur funnel.Money
	for _, tm := range l.teams {
		var teamPrev, teamCur funnel.Money
		for _, rp := range tm.reps {
			prev := roundWan(funnel.Money(float64(rp.achieved[0])/l.r.between(0.8, 1.2)), 10)
			prev = max(prev, funnel.Wan(50))
			cur := roundWan(funnel.Money(float64(prev)*l.r.between(1.0, 1.2)), 10)
			if err := quota("user", rp.id, l.prev, prev); err != nil {
				return err
			}
			if err := quota("user", rp.id, l.cur, cur); err != nil {
				return err
			}
			teamPrev, teamCur = teamPrev+prev, teamCur+cur
		}
		if err := quota("team", tm.id, l.prev, teamPrev); err != nil {
			return err
		}
		if err := quota("team", tm.id, l.cur, teamCur); err != nil {
			return err
		}
		rootPrev, rootCur = rootPrev+teamPrev, rootCur+teamCur
	}
	if err := quota("team", l.rootTeam, l.prev, rootPrev); err != nil {
		return err
	}
	return quota("team", l.rootTeam, l.cur, rootCur)
}

// roundWan rounds m to a multiple of step 万.
func roundWan(m funnel.Money, step int64) funnel.Money {
	unit := int64(funnel.Wan(step))
	return funnel.Money((int64(m) + unit/2) / unit * unit)
}

// quarterIndex is 0 for a date in the previous quarter, 1 otherwise.
func (l *loader) quarterIndex(date string) int {
	if l.prev.Contains(date) {
		return 0
	}
	return 1
}

// dayIn is a uniform date in [from, to], inclusive.
func (l *loader) dayIn(from, to string) string {
	a, b := dayStart(from), dayStart(to)
	n := int(b.Sub(a).Hours()/24+0.5) + 1
	if n < 1 {
		return from
	}
	return a.AddDate(0, 0, l.r.IntN(n)).Format(time.DateOnly)
}
