package demo

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// deal is one generated opportunity with its history, before numbering.
type deal struct {
	o       *store.Opportunity
	rep     *rep
	moves   []store.StageMove
	acts    []*store.Activity
	created time.Time
}

func openStages(pl *store.Pipeline) []store.Stage {
	var out []store.Stage
	for _, s := range pl.Stages {
		if s.Kind == funnel.StageOpen {
			out = append(out, s)
		}
	}
	return out
}

func outcome(pl *store.Pipeline, k funnel.StageKind) store.Stage {
	for _, s := range pl.Stages {
		if s.Kind == k {
			return s
		}
	}
	return store.Stage{}
}

// opportunities generates n deals, numbers them in the order they were
// created (one block of numbers per year and region) and writes them with
// their stage history and follow-ups.
func (l *loader) opportunities(ctx context.Context, tx *store.Tx, n int) error {
	weights := make([]float64, len(l.reps))
	for i, rp := range l.reps {
		weights[i] = rp.volume
	}
	deals := make([]*deal, n)
	for i := range deals {
		deals[i] = l.deal(l.reps[l.r.weighted(weights)])
	}
	slices.SortStableFunc(deals, func(a, b *deal) int { return a.created.Compare(b.created) })

	type block struct {
		year   int
		region string
	}
	count := map[block]int{}
	for _, d := range deals {
		count[block{d.created.In(funnel.CompanyZone).Year(), d.o.Region}]++
	}
	keys := make([]block, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b block) int { return cmp.Or(cmp.Compare(a.year, b.year), cmp.Compare(a.region, b.region)) })
	nextSeq := map[block]int64{}
	for _, k := range keys {
		first, err := tx.ReserveNumbers(ctx, k.year, k.region, count[k])
		if err != nil {
			return err
		}
		nextSeq[k] = first
	}

	opps := make([]*store.Opportunity, n)
	var moves []store.StageMove
	var acts []*store.Activity
	for i, d := range deals {
		k := block{d.created.In(funnel.CompanyZone).Year(), d.o.Region}
		d.o.Number = funnel.OpportunityNumber(k.year, k.region, nextSeq[k])
		nextSeq[k]++
		opps[i] = d.o
		moves = append(moves, d.moves...)
		acts = append(acts, d.acts...)
		if d.o.Status == funnel.StatusWon {
			d.rep.achieved[l.quarterIndex(d.o.ClosedOn)] += d.o.Amount
		}
	}
	if err := tx.BulkInsertOpportunities(ctx, opps); err != nil {
		return err
	}
	if err := tx.BulkInsertStageHistory(ctx, moves); err != nil {
		return err
	}
	if !l.light {
		acts = append(acts, l.customerVisits(n)...)
	}
	if err := tx.BulkInsertActivities(ctx, acts); err != nil {
		return err
	}
	l.result.Counts.Opportunities += len(opps)
	l.result.Counts.StageMoves += len(moves)
	l.result.Counts.Activities += len(acts)
	return nil
}

// Shares of deals: open deals fill the funnel, closed ones are the last two
// quarters' results.
const openShare = 0.58

// funnelShape weighs the open stages of a pipeline, widest first.
func funnelShape(stages int) []float64 {
	w := make([]float64, stages)
	for i := range w {
		w[i] = float64(stages-i) + 0.6
	}
	return w
}

func (l *loader) deal(rp *rep) *deal {
	r := l.r
	c := pick(r, rp.custs)
	if r.chance(0.08) {
		// A colleague's customer: seed 002's deal touched by several reps.
		mate := pick(r, rp.team.reps)
		if len(mate.custs) > 0 {
			c = pick(r, mate.custs)
		}
	}
	pl := l.main
	if len(l.others) > 0 && r.chance(0.14) {
		pl = pick(r, l.others)
	}
	open := openStages(pl)
	amount := l.amount(c.size)
	product := pick(r, products)
	lines := []string{product}
	if r.chance(0.4) {
		if p2 := pick(r, products); p2 != product {
			lines = append(lines, p2)
		}
	}
	if r.chance(0.5) {
		lines = append(lines, pick(r, services))
	}
	var comps []string
	for _, i := range r.Perm(len(competitors))[:r.weighted([]float64{0.3, 0.4, 0.2, 0.1})] {
		comps = append(comps, competitors[i])
	}
	o := &store.Opportunity{Name: c.brand + product + pick(r, projectKinds), CustomerID: c.id, OwnerID: rp.id,
		PipelineID: pl.ID, Amount: amount, Region: c.region, Industry: c.industry, Source: pick(r, sources),
		ProductLines: lines, Competitors: comps, CreatedBy: rp.id}
	d := &deal{o: o, rep: rp}

	// The stages walked and when each was entered; for a closed deal the
	// last entry is the outcome.
	var path []store.Stage
	var entered []time.Time
	status := funnel.StatusOpen
	var closedAt time.Time
	if r.chance(openShare) {
		k := r.weighted(funnelShape(len(open)))
		idx := l.walk(len(open), k)
		var current time.Duration
		if r.chance(0.15) {
			current = r.days(float64(expectedDwell(open[k])) * r.between(1.5, 3.0)) // stuck: dwell risk
		} else {
			current = r.days(float64(expectedDwell(open[k])) * r.between(0.03, 1.3))
		}
		dw := make([]time.Duration, len(idx)-1)
		for i := range dw {
			dw[i] = l.dwell(open[idx[i]])
		}
		total := current
		for _, x := range dw {
			total += x
		}
		scale := fitInto(total, l.now.Sub(l.since))
		t := l.now.Add(-scaleDur(current, scale))
		entered = make([]time.Time, len(idx))
		entered[len(idx)-1] = t
		for i := len(dw) - 1; i >= 0; i-- {
			t = t.Add(-scaleDur(dw[i], scale))
			entered[i] = t
		}
		for _, i := range idx {
			path = append(path, open[i])
		}
	} else {
		from := dayStart(l.prev.FirstDay())
		if from.Before(l.since) {
			from = l.since
		}
		closedAt = from.Add(time.Duration(r.Float64() * float64(l.now.Add(-2*time.Hour).Sub(from))))
		var idx []int
		var dw []time.Duration
		won := r.chance(rp.skill)
		switch {
		case won && r.chance(0.02):
			// Seed 000's jump anomaly: months in the first stage, then won.
			idx, dw = []int{0}, []time.Duration{r.days(r.between(50, 100))}
		case won:
			idx = l.walk(len(open), len(open)-1)
		default:
			idx = l.walk(len(open), r.weighted(funnelShape(len(open))))
		}
		for i := len(dw); i < len(idx); i++ {
			dw = append(dw, l.dwell(open[idx[i]]))
		}
		var total time.Duration
		for _, x := range dw {
			total += x
		}
		scale := fitInto(total, closedAt.Sub(l.since))
		t := closedAt
		entered = make([]time.Time, len(idx)+1)
		entered[len(idx)] = closedAt
		for i := len(dw) - 1; i >= 0; i-- {
			t = t.Add(-scaleDur(dw[i], scale))
			entered[i] = t
		}
		for _, i := range idx {
			path = append(path, open[i])
		}
		if won {
			status = funnel.StatusWon
			path = append(path, outcome(pl, funnel.StageWon))
		} else {
			status = funnel.StatusLost
			path = append(path, outcome(pl, funnel.StageLost))
		}
	}
	for i := range entered {
		entered[i] = l.workTime(entered[i])
		if i > 0 && !entered[i].After(entered[i-1]) {
			entered[i] = entered[i-1].Add(time.Minute)
		}
	}
	if status != funnel.StatusOpen {
		closedAt = entered[len(entered)-1]
	}
	d.created = entered[0]
	o.ID = l.ids.at(d.created)
	o.CreatedAt = d.created
	last := path[len(path)-1]
	o.StageID, o.Stage, o.Probability, o.Status = last.ID, last.Key, last.Probability, status
	o.StageEnteredAt = entered[len(entered)-1]

	for i, st := range path {
		m := store.StageMove{ID: l.ids.at(entered[i]), OpportunityID: o.ID, ToStageID: st.ID, At: entered[i], ByUserID: rp.id,
			Probability: st.Probability, Amount: amount, Via: store.ViaManual}
		if i == 0 {
			m.Via = store.ViaCreate
		} else {
			m.FromStageID = path[i-1].ID
		}
		d.moves = append(d.moves, m)
	}
	if l.light {
		d.moves = l.bounce(d.moves, path)
	}

	switch status {
	case funnel.StatusOpen:
		late := len(path) > 0 && phaseOf(open, last) >= 1
		curEnd := l.cur.End.AddDate(0, 0, -1).Format(time.DateOnly)
		if r.chance(map[bool]float64{true: 0.7, false: 0.35}[late]) {
			o.ExpectedCloseDate = l.dayIn(l.today, curEnd)
		} else {
			o.ExpectedCloseDate = l.dayIn(l.next.FirstDay(), l.next.End.AddDate(0, 0, -1).Format(time.DateOnly))
		}
	default:
		o.ClosedOn = funnel.Today(closedAt)
		o.ExpectedCloseDate = dayStart(o.ClosedOn).AddDate(0, 0, r.IntN(46)-20).Format(time.DateOnly)
		if status == funnel.StatusLost {
			o.LossReason = l.lossReason(len(comps) > 0)
			d.moves[len(d.moves)-1].Comment = pick(r, lossComments[o.LossReason])
		}
	}

	// Presales joins big deals from the proposal on, customer success big wins.
	reached := phaseOf(open, path[len(path)-1])
	if status == funnel.StatusWon {
		reached = 2
	} else if status == funnel.StatusLost && len(path) > 1 {
		reached = phaseOf(open, path[len(path)-2])
	}
	if reached >= 1 && amount > funnel.Wan(50) && r.chance(0.6) {
		o.CollaboratorIDs = append(o.CollaboratorIDs, l.presalesID)
	}
	if status == funnel.StatusWon && amount > funnel.Wan(100) && r.chance(0.5) {
		o.CollaboratorIDs = append(o.CollaboratorIDs, l.successID)
	}

	l.followUps(d, c, open, path, entered, status != funnel.StatusOpen)
	o.Version = len(d.moves)
	o.UpdatedAt = o.StageEnteredAt
	for _, a := range d.acts {
		if a.CreatedAt.After(o.UpdatedAt) {
			o.UpdatedAt = a.CreatedAt
		}
	}
	return d
}

// bounceChance is how often, in the benchmark data, a deal that moved on
// from an open stage falls back to it once and moves on again (the customer
// reopened the requirements, the proposal went back for rework). Real
// pipelines have such loops, and with them the history averages about five
// rows a deal, which is what the conversion and velocity benchmarks should
// read through.
const bounceChance = 0.75

// bounce adds the back-and-forth to the moves of a deal that walked path:
// after a move between two open stages, back to the earlier one a third of
// the way to the next move, forward again at two thirds.
func (l *loader) bounce(moves []store.StageMove, path []store.Stage) []store.StageMove {
	out := make([]store.StageMove, 0, len(moves)*2)
	for i, m := range moves {
		out = append(out, m)
		if i == 0 || path[i].Kind != funnel.StageOpen || !l.r.chance(bounceChance) {
			continue
		}
		next := l.now
		if i+1 < len(moves) {
			next = moves[i+1].At
		}
		third := next.Sub(m.At) / 3
		if third < time.Minute {
			continue
		}
		back := m
		back.ID, back.At, back.FromStageID, back.ToStageID, back.Probability = l.ids.at(m.At.Add(third)), m.At.Add(third), m.ToStageID, path[i-1].ID, path[i-1].Probability
		again := m
		again.ID, again.At, again.FromStageID = l.ids.at(m.At.Add(2*third)), m.At.Add(2*third), path[i-1].ID
		out = append(out, back, again)
	}
	return out
}

// walk picks the open stages a deal passed on its way to stage k: all of
// them in order, except that now and then a rep skips an intermediate one.
func (l *loader) walk(stages, k int) []int {
	idx := []int{0}
	for i := 1; i < k; i++ {
		if !l.r.chance(0.08) {
			idx = append(idx, i)
		}
	}
	if k > 0 {
		idx = append(idx, k)
	}
	return idx
}

func expectedDwell(s store.Stage) int {
	if s.ExpectedDwellDays > 0 {
		return s.ExpectedDwellDays
	}
	return 14
}

// dwell is a believable time spent in a stage: around its expected dwell.
func (l *loader) dwell(s store.Stage) time.Duration {
	return l.r.days(float64(expectedDwell(s)) * l.r.between(0.4, 1.8))
}

// fitInto is the factor that squeezes total into room (1 when it fits).
func fitInto(total, room time.Duration) float64 {
	if total <= 0 || room <= 0 || total < room*97/100 {
		return 1
	}
	return float64(room) * 0.97 / float64(total)
}

func scaleDur(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

// workTime moves an instant into office hours of its day (08:30–18:30 in the
// company's zone), keeping the order of instants. Today is left alone so
// nothing lands after now.
func (l *loader) workTime(t time.Time) time.Time {
	local := t.In(funnel.CompanyZone)
	if funnel.Today(t) == l.today {
		return t
	}
	y, m, d := local.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, funnel.CompanyZone)
	into := local.Sub(midnight)
	return midnight.Add(8*time.Hour + 30*time.Minute + into*10/24).UTC().Truncate(time.Millisecond)
}

// phaseOf says whether s is an early (0), middle (1) or late (2) open stage.
func phaseOf(open []store.Stage, s store.Stage) int {
	for i, o := range open {
		if o.ID == s.ID {
			if len(open) == 1 {
				return 0
			}
			return int(math.Round(float64(i) * 2 / float64(len(open)-1)))
		}
	}
	return 2
}

// amount is a deal size in fen: mostly 5万–50万, bigger companies more
// often 50万–500万.
func (l *loader) amount(size int) funnel.Money {
	if l.r.chance(0.05 + 0.03*float64(size)) {
		return funnel.Money(int64(l.r.logUniform(500_000, 5_000_000)/10_000+0.5) * 10_000 * 100)
	}
	return funnel.Money(int64(l.r.logUniform(50_000, 500_000)/1_000+0.5) * 1_000 * 100)
}

func (l *loader) lossReason(hadCompetitors bool) string {
	w := make([]float64, len(lossReasons))
	for i, x := range lossReasons {
		w[i] = x.weight
		if x.key == "competitor_price" && !hadCompetitors {
			w[i] = 0
		}
	}
	return lossReasons[l.r.weighted(w)].key
}

// Follow-up cadence in days (seed 002): discovery weekly, needs confirmed
// every three days, proposal twice a week, closing every two days.
var cadenceDays = map[string]float64{"discovery": 7, "needs_confirmed": 3, "proposal": 3.5, "closing": 2}

func cadence(s store.Stage, phase int) float64 {
	if d, ok := cadenceDays[s.Key]; ok {
		return d
	}
	return []float64{7, 3.5, 2.5}[phase]
}

// followUps logs the activities of a deal, stage by stage at the rep's
// rhythm, and sets the last and next contact times from them. A few open
// deals went quiet (zombies). Light mode logs one follow-up per deal.
func (l *loader) followUps(d *deal, c *customer, open []store.Stage, path []store.Stage, entered []time.Time, closed bool) {
	r := l.r
	o := d.o
	// Who the rep gets to talk to: most won deals reached the decision maker.
	dmAccess := r.chance(0.6) || (o.Status == funnel.StatusWon && r.chance(0.8))
	end := l.now
	if closed {
		end = entered[len(entered)-1]
	}
	if !closed && r.chance(0.12) {
		end = l.now.Add(-r.days(r.between(4, 30)))
	}
	openSteps := len(path)
	if closed {
		openSteps--
	}
	add := func(at time.Time, s store.Stage) {
		ph := phaseOf(open, s)
		a := &store.Activity{OpportunityID: o.ID, CustomerID: c.id, OccurredAt: at, CreatedBy: o.OwnerID}
		if r.chance(0.2) {
			a.Direction, a.Kind = "inbound", pick(r, []string{"email", "wecom", "call"})
			a.Note = pick(r, inboundNotes[ph])
		} else {
			a.Direction = "outbound"
			a.Kind = []string{"call", "email", "wecom", "visit", "meeting", "demo"}[r.weighted(kindWeights[ph])]
			a.Note = kindVerb[a.Kind] + pick(r, topics[ph])
			if a.Kind == "demo" {
				a.Note = kindVerb[a.Kind] + o.ProductLines[0]
			}
		}
		if r.chance(0.7) {
			a.NextStep = pick(r, nextSteps[ph])
		}
		a.ContactIDs = l.involved(c, ph, dmAccess)
		a.CreatedAt = at.Add(r.days(r.between(0, 0.15)))
		if a.CreatedAt.After(l.now) {
			a.CreatedAt = l.now
		}
		a.ID = l.ids.at(a.CreatedAt)
		d.acts = append(d.acts, a)
	}
	if l.light {
		if r.chance(0.9) && openSteps > 0 {
			i := openSteps - 1
			from, to := entered[i], end
			if closed {
				to = entered[len(entered)-1]
			}
			if to.After(from) {
				add(l.clampTime(from.Add(time.Duration(r.Float64()*float64(to.Sub(from)))), from, to), path[i])
			}
		}
	} else {
		for i := range openSteps {
			from, to := entered[i], end
			if i+1 < len(entered) && entered[i+1].Before(to) {
				to = entered[i+1]
			}
			t := from.Add(r.days(r.between(0.02, 1)))
			for n := 0; t.Before(to) && n < 15; n++ {
				add(l.clampTime(l.workTime(t), from, to), path[i])
				t = t.Add(r.days(cadence(path[i], phaseOf(open, path[i])) / d.rep.cadence * r.between(0.5, 1.5)))
			}
		}
	}
	slices.SortStableFunc(d.acts, func(a, b *store.Activity) int { return a.OccurredAt.Compare(b.OccurredAt) })
	if len(d.acts) > 0 {
		lc := d.acts[len(d.acts)-1].OccurredAt
		o.LastContactAt = &lc
	}
	if !closed {
		base := o.StageEnteredAt
		if o.LastContactAt != nil {
			base = *o.LastContactAt
		}
		cur := path[len(path)-1]
		nc := l.workTime(base.Add(r.days(cadence(cur, phaseOf(open, cur)) * r.between(0.6, 1.5))))
		o.NextContactAt = &nc
	}
}

// clampTime keeps t in [from, to) and not after now.
func (l *loader) clampTime(t, from, to time.Time) time.Time {
	if !t.Before(to) {
		t = to.Add(-time.Minute)
	}
	if t.Before(from) {
		t = from
	}
	if t.After(l.now) {
		t = l.now
	}
	return t
}

// kindWeights: call, email, wecom, visit, meeting, demo by phase.
var kindWeights = [3][]float64{
	{0.35, 0.2, 0.25, 0.15, 0.05, 0},
	{0.15, 0.1, 0.1, 0.25, 0.2, 0.2},
	{0.2, 0.15, 0.1, 0.25, 0.3, 0},
}

var kindVerb = map[string]string{
	"call": "电话沟通:", "email": "邮件沟通:", "wecom": "企业微信沟通:", "visit": "上门拜访:", "meeting": "会议:", "demo": "产品演示:",
}

// involved picks the contacts of a follow-up: users and influencers early,
// the decision maker later (when the rep has access).
func (l *loader) involved(c *customer, phase int, dmAccess bool) []string {
	w := [3]map[string]float64{
		{store.RoleUser: 0.4, store.RoleInfluencer: 0.4, store.RoleDecisionMaker: 0.2},
		{store.RoleUser: 0.25, store.RoleInfluencer: 0.4, store.RoleDecisionMaker: 0.35},
		{store.RoleUser: 0.1, store.RoleInfluencer: 0.35, store.RoleDecisionMaker: 0.55},
	}[phase]
	weights := make([]float64, len(c.contacts))
	for i, k := range c.contacts {
		weights[i] = w[k.Role]
		if k.Role == store.RoleDecisionMaker && !dmAccess {
			weights[i] = 0
		}
	}
	first := l.r.weighted(weights)
	ids := []string{c.contacts[first].ID}
	if l.r.chance(0.25) {
		weights[first] = 0
		if second := l.r.weighted(weights); second != first && weights[second] > 0 {
			ids = append(ids, c.contacts[second].ID)
		}
	}
	return ids
}

// customerVisits are follow-ups without an opportunity: courtesy visits to
// a few customers in the last three months, proportionate to a chunk.
func (l *loader) customerVisits(deals int) []*store.Activity {
	var out []*store.Activity
	n := len(l.custs) * deals / max(l.opt.Opportunities, 1) / 5
	for range n {
		c := pick(l.r, l.custs)
		at := l.workTime(l.now.Add(-l.r.days(l.r.between(1, 90))))
		k := pick(l.r, c.contacts)
		out = append(out, &store.Activity{ID: l.ids.at(at), CustomerID: c.id, Kind: pick(l.r, []string{"visit", "call", "wecom"}),
			Direction: "outbound", OccurredAt: at, CreatedAt: at, Note: pick(l.r, customerNotes), CreatedBy: c.owner.id,
			ContactIDs: []string{k.ID}})
	}
	return out
}
