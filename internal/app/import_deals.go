package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// opportunityImport: deals with their stage history. A row's key is its
// external id, else its number, else customer and name; a key seen before
// (in import_keys or as a stored number) leaves the row unchanged.
type opportunityImport struct {
	actor *store.User
	opt   ImportOptions
	now   time.Time
	opps  []*store.Opportunity
	moves [][]store.StageMove // per opportunity, oldest first
	keys  []string            // import key per opportunity
}

// importStageIndex resolves stage references of one pipeline: the mapping's
// names first, then keys and names in either language, ignoring case.
func importStageIndex(pl *store.Pipeline, mapped map[string]string) map[string]store.Stage {
	idx := map[string]store.Stage{}
	for _, s := range pl.Stages {
		for _, n := range []string{s.Key, s.NameZH, s.NameEN} {
			idx[strings.ToLower(n)] = s
		}
	}
	for from, to := range mapped {
		if s, ok := pl.StageByKey(to); ok {
			idx[strings.ToLower(from)] = s
		}
	}
	return idx
}

func (p *opportunityImport) validate(ctx context.Context, tx *store.Tx, rows []ImportRow, res *ImportResult) error {
	customers, err := tx.CustomerKeys(ctx)
	if err != nil {
		return err
	}
	users, err := tx.UserKeys(ctx)
	if err != nil {
		return err
	}
	pls, err := tx.AllPipelines(ctx)
	if err != nil {
		return err
	}
	plByRef := map[string]*store.Pipeline{}
	stagesOf := map[string]map[string]store.Stage{}
	var defaultPL *store.Pipeline
	for _, pl := range pls {
		for _, n := range []string{pl.Key, pl.NameZH, pl.NameEN, pl.ID} {
			plByRef[strings.ToLower(n)] = pl
		}
		stagesOf[pl.ID] = importStageIndex(pl, p.opt.Stages)
		if pl.IsDefault {
			defaultPL = pl
		}
	}
	if p.opt.Pipeline != "" {
		if defaultPL = plByRef[strings.ToLower(p.opt.Pipeline)]; defaultPL == nil {
			return fieldErr("pipeline", "no pipeline %q", p.opt.Pipeline)
		}
	}
	// Keys already imported, and numbers already used.
	keys := make([]string, len(rows))
	var numbers []string
	for i, r := range rows {
		keys[i] = opportunityKey(r.Fields)
		if n := r.Fields["number"]; n != "" {
			numbers = append(numbers, n)
		}
	}
	done, err := tx.ImportKeys(ctx, "opportunities", keys)
	if err != nil {
		return err
	}
	used, err := tx.OpportunityNumbers(ctx, numbers)
	if err != nil {
		return err
	}
	owners, err := tx.CustomerOwners(ctx)
	if err != nil {
		return err
	}
	custRegion, err := tx.CustomerRegions(ctx)
	if err != nil {
		return err
	}
	teamRegion, err := tx.TeamRegions(ctx)
	if err != nil {
		return err
	}
	fallback := realUser(ctx, tx, p.actor)
	seen := map[string]int{}
	seenNumber := map[string]int{}
	for i, r := range rows {
		f := r.Fields
		pr := &rowProblems{res: res, line: r.Line}
		if id := done[keys[i]]; id != "" {
			res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: r.Line, Key: keys[i], ExistingID: id})
			res.Unchanged++
			continue
		}
		if n := f["number"]; n != "" && used[n] != "" {
			res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: r.Line, Key: n, ExistingID: used[n]})
			res.Unchanged++
			continue
		}
		if first, dup := seen[keys[i]]; dup {
			pr.add("external_id", "same deal as row %d", first)
			continue
		}
		seen[keys[i]] = r.Line
		o := &store.Opportunity{Number: f["number"], Source: f["source"], LossReason: f["loss_reason"], Currency: strings.ToUpper(f["currency"]),
			ProductLines: splitList(f["product_lines"]), Competitors: splitList(f["competitors"]), CollaboratorIDs: []string{}}
		if o.Number != "" {
			if first, dup := seenNumber[o.Number]; dup {
				pr.add("number", "number %s is also on row %d", o.Number, first)
			}
			seenNumber[o.Number] = r.Line
		}
		custKey := funnel.NormalizeCustomerName(f["customer"])
		o.CustomerID = customers[custKey]
		if o.CustomerID == "" {
			pr.add("customer", "no customer %q: import customers first", f["customer"])
		}
		switch {
		case f["owner"] != "":
			if u, msg := people(users).find(f["owner"]); u == nil {
				pr.add("owner", "%s", msg)
			} else {
				o.OwnerID = u.ID
			}
		case fallback != "":
			o.OwnerID = fallback
		case o.CustomerID != "":
			o.OwnerID = owners[o.CustomerID] // the customer's owner, as a rep would open it
		}
		o.Name = f["name"]
		if o.Name == "" {
			// Spreadsheets often have no deal name: customer and products say
			// what the deal is.
			o.Name = strings.TrimSpace(f["customer"] + " " + strings.Join(o.ProductLines, "/"))
		}
		if len([]rune(o.Name)) > 200 {
			pr.add("name", "must be at most 200 characters")
		}
		if v := f["amount"]; v == "" {
			pr.add("amount", "is required")
		} else if m, err := funnel.ParseMoney(v); err != nil {
			pr.add("amount", "%v", err)
		} else {
			o.Amount = m
		}
		if reg := strings.ToUpper(f["region"]); reg != "" {
			if !funnel.ValidRegionCode(reg) {
				pr.add("region", "must be 2–4 capital letters, like SH")
			}
			o.Region = reg
		}
		if o.Region == "" {
			o.Region = importRegion(custRegion[o.CustomerID], teamRegion[o.OwnerID])
		}
		pl := defaultPL
		if ref := f["pipeline"]; ref != "" {
			if pl = plByRef[strings.ToLower(ref)]; pl == nil {
				pr.add("pipeline", "no pipeline %q", ref)
				continue
			}
		}
		o.PipelineID = pl.ID
		stages := stagesOf[pl.ID]
		st, ok := stages[strings.ToLower(f["stage"])]
		if !ok {
			pr.add("stage", "no stage %q in pipeline %s (map it under \"stages\" in the mapping file)", f["stage"], pl.Key)
			continue
		}
		o.StageID, o.Stage, o.Probability, o.Status = st.ID, st.Key, st.Probability, statusOfKind(st.Kind)
		moves := p.history(pr, f, pl, stages, st, o)
		if !pr.ok() {
			continue
		}
		p.opps = append(p.opps, o)
		p.moves = append(p.moves, moves)
		p.keys = append(p.keys, keys[i])
		res.Created++
	}
	return nil
}

// history builds a deal's stage history from its "entered:" dates, its
// close date and its current stage, and sets the dates derived from it.
func (p *opportunityImport) history(pr *rowProblems, f map[string]string, pl *store.Pipeline, stages map[string]store.Stage,
	cur store.Stage, o *store.Opportunity) []store.StageMove {
	var entries []entry
	for k, v := range f {
		ref, ok := strings.CutPrefix(k, "entered:")
		if !ok {
			continue
		}
		st, ok := stages[strings.ToLower(ref)]
		if !ok {
			pr.add(k, "no stage %q in pipeline %s", ref, pl.Key)
			continue
		}
		at, err := importDate(v)
		if err != nil {
			pr.add(k, "%v", err)
			continue
		}
		entries = append(entries, entry{st, at})
	}
	var closed time.Time
	closedGiven := f["closed_on"] != ""
	if closedGiven {
		t, err := importDate(f["closed_on"])
		if err != nil {
			pr.add("closed_on", "%v", err)
		}
		closed = t
	}
	if o.Status == funnel.StatusOpen && !closed.IsZero() {
		pr.add("closed_on", "an open deal (stage %s) cannot have a close date", cur.Key)
	}
	if o.Status != funnel.StatusOpen {
		if !closedGiven { // an unreadable date was named above
			pr.add("closed_on", "is required for a %s deal", o.Status)
		}
		if !hasStage(entries, cur.ID) && !closed.IsZero() {
			entries = append(entries, entry{cur, closed})
		}
	}
	var created time.Time
	if v := f["created_on"]; v != "" {
		t, err := importDate(v)
		if err != nil {
			pr.add("created_on", "%v", err)
		}
		created = t
	}
	if !pr.ok() {
		return nil
	}
	// Stages must have been entered in pipeline order (outcomes last).
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].st.Position < entries[j].st.Position })
	for i := 1; i < len(entries); i++ {
		if entries[i].at.Before(entries[i-1].at) {
			pr.add("entered:"+entries[i].st.Key, "%s entered on %s, before the earlier stage %s (%s)", entries[i].st.Key,
				funnel.Today(entries[i].at), entries[i-1].st.Key, funnel.Today(entries[i-1].at))
			return nil
		}
	}
	if created.IsZero() {
		created = p.now
		if len(entries) > 0 {
			created = entries[0].at
		}
	}
	if len(entries) > 0 && entries[0].at.Before(created) {
		pr.add("created_on", "the deal entered %s on %s, before it was created", entries[0].st.Key, funnel.Today(entries[0].at))
		return nil
	}
	if !hasStage(entries, cur.ID) {
		if len(entries) > 0 && entries[len(entries)-1].st.Position > cur.Position {
			pr.add("stage", "the deal is in %s but entered the later stage %s", cur.Key, entries[len(entries)-1].st.Key)
			return nil
		}
		last := created
		if len(entries) > 0 {
			last = entries[len(entries)-1].at
		}
		entries = append(entries, entry{cur, last})
	}
	moves := make([]store.StageMove, len(entries))
	from := ""
	for i, e := range entries {
		moves[i] = store.StageMove{FromStageID: from, ToStageID: e.st.ID, At: e.at, Probability: e.st.Probability, Amount: o.Amount, Via: store.ViaImport}
		from = e.st.ID
	}
	o.CreatedAt = created
	o.StageEnteredAt = entries[len(entries)-1].at
	o.UpdatedAt = o.StageEnteredAt
	if !closed.IsZero() {
		o.ClosedOn = funnel.Today(closed)
	}
	switch v := f["expected_close_date"]; {
	case v != "":
		t, err := importDate(v)
		if err != nil {
			pr.add("expected_close_date", "%v", err)
			return nil
		}
		o.ExpectedCloseDate = funnel.Today(t)
	case o.ClosedOn != "":
		o.ExpectedCloseDate = o.ClosedOn
	default:
		o.ExpectedCloseDate = endOfQuarter(p.now)
	}
	return moves
}

// entry is a stage a deal entered and when.
type entry struct {
	st store.Stage
	at time.Time
}

func hasStage(entries []entry, id string) bool {
	for _, e := range entries {
		if e.st.ID == id {
			return true
		}
	}
	return false
}

func statusOfKind(k funnel.StageKind) string {
	switch k {
	case funnel.StageWon:
		return funnel.StatusWon
	case funnel.StageLost:
		return funnel.StatusLost
	}
	return funnel.StatusOpen
}

// endOfQuarter is the last day of t's quarter in the company calendar, the
// default expected close date (as for deals created by hand).
func endOfQuarter(t time.Time) string {
	t = t.In(funnel.CompanyZone)
	q := (int(t.Month()) - 1) / 3
	first := time.Date(t.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, funnel.CompanyZone)
	return first.AddDate(0, 3, -1).Format(time.DateOnly)
}

// opportunityKey is how a row is recognised on re-import.
func opportunityKey(f map[string]string) string {
	switch {
	case f["external_id"] != "":
		return "ext:" + f["external_id"]
	case f["number"] != "":
		return "no:" + f["number"]
	}
	return "nat:" + funnel.NormalizeCustomerName(f["customer"]) + "|" + strings.ToLower(f["name"])
}

// importRegion is a deal's region when the file gives none, as for deals
// created by hand (App.defaultRegion): the customer's, else the owner's
// team's, else CN.
func importRegion(customer, team string) string {
	switch {
	case funnel.ValidRegionCode(customer):
		return customer
	case funnel.ValidRegionCode(team):
		return team
	}
	return "CN"
}

// parseNumber reads a number in Shangji's form, 2024-SH-042; numbers from
// other systems (anything else) leave the counters alone.
func parseNumber(n string) (year int, region string, seq int64, ok bool) {
	parts := strings.Split(n, "-")
	if len(parts) != 3 || len(parts[0]) != 4 || !funnel.ValidRegionCode(parts[1]) {
		return 0, "", 0, false
	}
	y, err1 := strconv.Atoi(parts[0])
	s, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || s < 1 {
		return 0, "", 0, false
	}
	return y, parts[1], s, true
}

// chunk is how many deals are written between progress reports.
const chunk = 5000

// largeImport is the number of deals from which building the secondary
// indexes afterwards beats updating them row by row (store.DeferIndexes).
const largeImport = 10_000

func (p *opportunityImport) write(ctx context.Context, tx *store.Tx, progress func(int)) error {
	// Numbers: one reservation per (year, region), in row order, so an
	// import numbers its deals consecutively.
	type yr struct {
		year   int
		region string
	}
	need := map[yr][]*store.Opportunity{}
	var order []yr
	given := map[yr]int64{} // highest number the file gives per counter
	for _, o := range p.opps {
		if o.Number != "" {
			if year, region, seq, ok := parseNumber(o.Number); ok {
				given[yr{year, region}] = max(given[yr{year, region}], seq)
			}
			continue
		}
		k := yr{o.CreatedAt.In(funnel.CompanyZone).Year(), o.Region}
		if need[k] == nil {
			order = append(order, k)
		}
		need[k] = append(need[k], o)
	}
	for k, last := range given {
		if err := tx.RaiseNumberSequence(ctx, k.year, k.region, last); err != nil {
			return err
		}
	}
	for _, k := range order {
		first, err := tx.ReserveNumbers(ctx, k.year, k.region, len(need[k]))
		if err != nil {
			return err
		}
		for i, o := range need[k] {
			o.Number = funnel.OpportunityNumber(k.year, k.region, first+int64(i))
		}
	}
	rebuild := func(context.Context) error { return nil }
	if len(p.opps) >= largeImport {
		var err error
		if rebuild, err = tx.DeferIndexes(ctx, "opportunities", "stage_history", "import_keys"); err != nil {
			return err
		}
	}
	for start := 0; start < len(p.opps); start += chunk {
		end := min(start+chunk, len(p.opps))
		batch := p.opps[start:end]
		if err := tx.BulkInsertOpportunities(ctx, batch); err != nil {
			return err
		}
		var moves []store.StageMove
		keys := make([]store.ImportKey, 0, len(batch))
		for i, o := range batch {
			for _, m := range p.moves[start+i] {
				m.OpportunityID, m.ByUserID = o.ID, o.OwnerID
				moves = append(moves, m)
			}
			keys = append(keys, store.ImportKey{Key: p.keys[start+i], RecordID: o.ID})
		}
		if err := tx.BulkInsertStageHistory(ctx, moves); err != nil {
			return err
		}
		if err := tx.AddImportKeys(ctx, "opportunities", keys); err != nil {
			return err
		}
		progress(end)
	}
	return rebuild(ctx)
}

// activityImport: follow-ups by external id, else by their content.
type activityImport struct {
	actor *store.User
	new   []*store.Activity
	keys  []string
}

var activityKinds = map[string]string{
	"电话": "call", "邮件": "email", "拜访": "visit", "会议": "meeting", "演示": "demo", "企业微信": "wecom", "微信": "wecom",
}

var activityDirections = map[string]string{"呼出": "outbound", "主动": "outbound", "回复": "inbound", "客户回复": "inbound", "呼入": "inbound"}

func (p *activityImport) validate(ctx context.Context, tx *store.Tx, rows []ImportRow, res *ImportResult) error {
	customers, err := tx.CustomerKeys(ctx)
	if err != nil {
		return err
	}
	users, err := tx.UserKeys(ctx)
	if err != nil {
		return err
	}
	contacts, err := tx.ContactKeys(ctx)
	if err != nil {
		return err
	}
	keys := make([]string, len(rows))
	var numbers, oppKeys []string
	for i, r := range rows {
		keys[i] = activityKey(r.Fields)
		if o := r.Fields["opportunity"]; o != "" {
			numbers = append(numbers, o)
			oppKeys = append(oppKeys, "ext:"+o)
		}
	}
	done, err := tx.ImportKeys(ctx, "activities", keys)
	if err != nil {
		return err
	}
	// An export gives follow-ups entered in Shangji their own id as external
	// id: such a row is that follow-up.
	var extIDs []string
	for _, r := range rows {
		if e := r.Fields["external_id"]; e != "" {
			extIDs = append(extIDs, e)
		}
	}
	own, err := tx.ActivityIDs(ctx, extIDs)
	if err != nil {
		return err
	}
	for id := range own {
		done["ext:"+id] = id
	}
	byNumber, err := tx.OpportunityNumbers(ctx, numbers)
	if err != nil {
		return err
	}
	byExt, err := tx.ImportKeys(ctx, "opportunities", oppKeys)
	if err != nil {
		return err
	}
	fallback := realUser(ctx, tx, p.actor)
	seen := map[string]int{}
	for i, r := range rows {
		f := r.Fields
		pr := &rowProblems{res: res, line: r.Line}
		if id := done[keys[i]]; id != "" {
			res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: r.Line, Key: keys[i], ExistingID: id})
			res.Unchanged++
			continue
		}
		if first, dup := seen[keys[i]]; dup {
			pr.add("", "same follow-up as row %d", first)
			continue
		}
		seen[keys[i]] = r.Line
		a := &store.Activity{Note: f["note"], NextStep: f["next_step"], ContactIDs: []string{}}
		if a.CustomerID = customers[funnel.NormalizeCustomerName(f["customer"])]; a.CustomerID == "" {
			pr.add("customer", "no customer %q", f["customer"])
		}
		if ref := f["opportunity"]; ref != "" {
			if a.OpportunityID = byNumber[ref] + byExt["ext:"+ref]; a.OpportunityID == "" {
				pr.add("opportunity", "no opportunity numbered %q (nor imported with that external id)", ref)
			}
		}
		kind := strings.ToLower(f["kind"])
		if k, ok := activityKinds[kind]; ok {
			kind = k
		}
		if !containsStr(store.ActivityKinds, kind) {
			pr.add("kind", "%q is not a kind (电话/call, 邮件/email, 拜访/visit, 会议/meeting, 演示/demo, 企业微信/wecom)", f["kind"])
		}
		a.Kind = kind
		dir := strings.ToLower(f["direction"])
		if d, ok := activityDirections[dir]; ok {
			dir = d
		}
		if dir == "" {
			dir = "outbound"
		}
		if !containsStr(store.ActivityDirections, dir) {
			pr.add("direction", "%q is not outbound/呼出 or inbound/回复", f["direction"])
		}
		a.Direction = dir
		if t, err := importDate(f["occurred_at"]); err != nil {
			pr.add("occurred_at", "%v", err)
		} else {
			a.OccurredAt = t.UTC()
		}
		for _, name := range splitList(f["contacts"]) {
			if id := contacts[store.ContactKey(a.CustomerID, name)]; id != "" {
				a.ContactIDs = append(a.ContactIDs, id)
			} else if a.CustomerID != "" {
				pr.add("contacts", "no contact %q at this customer", name)
			}
		}
		switch {
		case f["owner"] != "":
			if u, msg := people(users).find(f["owner"]); u == nil {
				pr.add("owner", "%s", msg)
			} else {
				a.CreatedBy = u.ID
			}
		case fallback != "":
			a.CreatedBy = fallback
		default:
			pr.add("owner", "is required: no signed-in user to default to")
		}
		if pr.ok() {
			p.new = append(p.new, a)
			p.keys = append(p.keys, keys[i])
			res.Created++
		}
	}
	return nil
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// activityKey: the external id, else a digest of what the follow-up says,
// so the same row imported twice is recognised.
func activityKey(f map[string]string) string {
	if e := f["external_id"]; e != "" {
		return "ext:" + e
	}
	h := sha256.New()
	for _, k := range []string{"customer", "opportunity", "kind", "occurred_at", "note", "contacts"} {
		h.Write([]byte(f[k] + "\x00"))
	}
	return "sum:" + hex.EncodeToString(h.Sum(nil)[:16])
}

func (p *activityImport) write(ctx context.Context, tx *store.Tx, progress func(int)) error {
	if err := tx.BulkInsertActivities(ctx, p.new); err != nil {
		return err
	}
	keys := make([]store.ImportKey, len(p.new))
	var opps []string
	for i, a := range p.new {
		keys[i] = store.ImportKey{Key: p.keys[i], RecordID: a.ID}
		if a.OpportunityID != "" {
			opps = append(opps, a.OpportunityID)
		}
	}
	if err := tx.AddImportKeys(ctx, "activities", keys); err != nil {
		return err
	}
	progress(len(p.new))
	return tx.RefreshLastContact(ctx, cleanList(opps))
}
