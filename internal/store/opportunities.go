package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Opportunity is a deal moving through a pipeline.
type Opportunity struct {
	ID                string       `json:"id"`
	Number            string       `json:"number"`
	Name              string       `json:"name"`
	CustomerID        string       `json:"customer_id"`
	OwnerID           string       `json:"owner_id"`
	CollaboratorIDs   []string     `json:"collaborator_ids"`
	PipelineID        string       `json:"pipeline_id"`
	StageID           string       `json:"stage_id"`
	Stage             string       `json:"stage"` // the stage key
	Status            string       `json:"status"`
	Amount            funnel.Money `json:"amount"`
	Currency          string       `json:"currency"`
	ExpectedCloseDate string       `json:"expected_close_date"`
	ClosedOn          string       `json:"closed_on,omitempty"`
	LossReason        string       `json:"loss_reason,omitempty"`
	Region            string       `json:"region"`
	Industry          string       `json:"industry"`
	Source            string       `json:"source"`
	ProductLines      []string     `json:"product_lines"`
	Competitors       []string     `json:"competitors"`
	LastContactAt     *time.Time   `json:"last_contact_at"`
	NextContactAt     *time.Time   `json:"next_contact_at"`
	StageEnteredAt    time.Time    `json:"stage_entered_at"`
	CreatedBy         string       `json:"created_by"`
	Version           int          `json:"version"`
	CreatedAt         time.Time    `json:"created_at"`
	UpdatedAt         time.Time    `json:"updated_at"`

	// Stage discipline: the needs-confirmation form's 10 scores (empty until
	// filled), the indicator or checklist keys ticked, and the last health.
	NeedScores     []int    `json:"need_scores"`
	Ticked         []string `json:"ticked"`
	HealthScore    float64  `json:"health_score"`
	HealthDecision string   `json:"health_decision"`
	HealthFlagged  bool     `json:"health_flagged" doc:"health fell below the regress threshold and the setting is to flag"`

	// Derived from the stage and the competitors (SPEC §5).
	Probability        int          `json:"probability"`
	WeightedAmount     funnel.Money `json:"weighted_amount"`
	CompetitionWinRate float64      `json:"competition_win_rate"`

	// Risks are the rhythm rules' flags that hold now (store/risks.go).
	Risks []funnel.RiskFlag `json:"risks"`

	// Warnings are said once, in the answer to the change that caused them
	// (e.g. a deal opened on someone else's customer); never stored.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is a caution that did not stop the change: a code for the UI's
// catalogue and the message in Chinese.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// derive fills the values computed from the stored fields.
func (o *Opportunity) derive() {
	o.WeightedAmount = funnel.Weighted(o.Amount, o.Probability)
	o.CompetitionWinRate = funnel.CompetitionWinRate(len(o.Competitors)).InexactFloat64()
}

const opportunityCols = `o.id, o.number, o.name, o.customer_id, o.owner_id, o.pipeline_id, o.stage_id, s.key, o.status, o.amount_fen,
	o.currency, o.expected_close_date, COALESCE(o.closed_on, ''), o.loss_reason, o.region, o.industry, o.source, o.product_lines,
	o.competitors, o.last_contact_at, o.next_contact_at, o.stage_entered_at, o.created_by, o.version, o.created_at, o.updated_at, s.probability,
	o.need_scores, o.ticked, o.health_tenths, o.health_decision, o.health_flagged`

const opportunityFrom = ` FROM opportunities o JOIN stages s ON s.id = o.stage_id `

func scanOpportunity(row interface{ Scan(...any) error }) (*Opportunity, error) {
	var o Opportunity
	var products, competitors string
	var last, next sql.NullInt64
	var entered, c, u, tenths int64
	var needs, ticked string
	var flagged int
	err := row.Scan(&o.ID, &o.Number, &o.Name, &o.CustomerID, &o.OwnerID, &o.PipelineID, &o.StageID, &o.Stage, &o.Status, &o.Amount,
		&o.Currency, &o.ExpectedCloseDate, &o.ClosedOn, &o.LossReason, &o.Region, &o.Industry, &o.Source, &products,
		&competitors, &last, &next, &entered, &o.CreatedBy, &o.Version, &c, &u, &o.Probability,
		&needs, &ticked, &tenths, &o.HealthDecision, &flagged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("opportunity")
	} else if err != nil {
		return nil, err
	}
	o.NeedScores, o.Ticked = []int{}, []string{}
	if needs != "" {
		_ = json.Unmarshal([]byte(needs), &o.NeedScores)
	}
	_ = json.Unmarshal([]byte(ticked), &o.Ticked)
	o.HealthScore, o.HealthFlagged = float64(tenths)/10, flagged == 1
	_ = json.Unmarshal([]byte(products), &o.ProductLines)
	_ = json.Unmarshal([]byte(competitors), &o.Competitors)
	if o.ProductLines == nil {
		o.ProductLines = []string{}
	}
	if o.Competitors == nil {
		o.Competitors = []string{}
	}
	o.CollaboratorIDs, o.Risks = []string{}, []funnel.RiskFlag{}
	o.LastContactAt, o.NextContactAt = nullMS(last), nullMS(next)
	o.StageEnteredAt, o.CreatedAt, o.UpdatedAt = msTime(entered), msTime(c), msTime(u)
	o.derive()
	return &o, nil
}

func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// NextNumber takes the next number of the year and region. The counter row is
// locked until the transaction ends, so numbers are unique, and a rolled-back
// creation gives its number back, so they are gap-free.
func (tx *Tx) NextNumber(ctx context.Context, year int, region string) (string, error) {
	var seq int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO number_sequences (year, region, last) VALUES ($1, $2, 1)
		ON CONFLICT (year, region) DO UPDATE SET last = number_sequences.last + 1 RETURNING last`, year, region).Scan(&seq)
	if err != nil {
		return "", err
	}
	return funnel.OpportunityNumber(year, region, seq), nil
}

// CreateOpportunity inserts o in stage o.StageID and records its entry in the
// stage history. Number, status and derived values are filled here; o's
// health fields, if the caller scored the new deal, are written as given.
func (tx *Tx) CreateOpportunity(ctx context.Context, o *Opportunity, pl *Pipeline, by string) error {
	st, ok := pl.StageByID(o.StageID)
	if !ok {
		return fieldNotFound("stage", "stage")
	}
	num, err := tx.NextNumber(ctx, tx.now.In(funnel.CompanyZone).Year(), o.Region)
	if err != nil {
		return err
	}
	o.ID, o.Number, o.Version, o.CreatedBy = tx.db.NewID(), num, 1, by
	o.Stage, o.Probability, o.Status = st.Key, st.Probability, statusOf(st.Kind)
	o.StageEnteredAt, o.CreatedAt, o.UpdatedAt = tx.now, tx.now, tx.now
	if o.Currency == "" {
		o.Currency = "CNY"
	}
	if o.Status != funnel.StatusOpen && o.ClosedOn == "" {
		o.ClosedOn = funnel.Today(tx.now)
	}
	if o.ProductLines == nil {
		o.ProductLines = []string{}
	}
	if o.Competitors == nil {
		o.Competitors = []string{}
	}
	// o ends up as a read of the new row would return it (collaborators in
	// id order, instants in whole milliseconds, empty lists rather than
	// none), so a use case can go on with it instead of reading it again.
	o.CollaboratorIDs = slices.Compact(slices.Sorted(slices.Values(o.CollaboratorIDs)))
	if o.CollaboratorIDs == nil {
		o.CollaboratorIDs = []string{}
	}
	o.LastContactAt, o.NextContactAt = msPtr(o.LastContactAt), msPtr(o.NextContactAt)
	if o.NeedScores == nil {
		o.NeedScores = []int{}
	}
	o.Ticked, o.Risks = []string{}, []funnel.RiskFlag{}
	// A health score the caller computed for the new deal is written with
	// it (and starts its health history).
	tenths := int64(math.Round(o.HealthScore * 10))
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO opportunities (id, number, name, customer_id, owner_id, pipeline_id, stage_id, status,
		amount_fen, currency, expected_close_date, closed_on, loss_reason, region, industry, source, product_lines, competitors,
		competitor_count, last_contact_at, next_contact_at, stage_entered_at, created_by, need_scores, health_tenths, health_decision,
		health_flagged, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26,
		$27, 1, $22, $22)`,
		o.ID, o.Number, o.Name, o.CustomerID, o.OwnerID, o.PipelineID, o.StageID, o.Status,
		int64(o.Amount), o.Currency, o.ExpectedCloseDate, nullStr(o.ClosedOn), o.LossReason, o.Region, o.Industry, o.Source,
		jsonList(o.ProductLines), jsonList(o.Competitors), len(o.Competitors), msOrNil(o.LastContactAt), msOrNil(o.NextContactAt),
		tx.nowMS(), by, needScores(o.NeedScores), tenths, o.HealthDecision, boolInt(o.HealthFlagged))
	if err != nil {
		return err
	}
	if tenths != 0 || o.HealthDecision != "" {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO health_history (id, opportunity_id, at, health_tenths, decision) VALUES ($1, $2, $3, $4, $5)`,
			tx.db.NewID(), o.ID, tx.nowMS(), tenths, o.HealthDecision); err != nil {
			return err
		}
	}
	// A new deal has no collaborator rows to replace.
	if err := tx.addCollaborators(ctx, o.ID, o.CollaboratorIDs); err != nil {
		return err
	}
	o.derive()
	return tx.addStageHistory(ctx, o.ID, "", st, o.Amount, by, ViaCreate, "")
}

// msPtr is t to the millisecond, as the database keeps it.
func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	m := msTime(t.UnixMilli())
	return &m
}

func statusOf(k funnel.StageKind) string {
	switch k {
	case funnel.StageWon:
		return funnel.StatusWon
	case funnel.StageLost:
		return funnel.StatusLost
	}
	return funnel.StatusOpen
}

func (tx *Tx) setCollaborators(ctx context.Context, oppID string, ids []string) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM opportunity_collaborators WHERE opportunity_id = $1`, oppID); err != nil {
		return err
	}
	return tx.addCollaborators(ctx, oppID, ids)
}

func (tx *Tx) addCollaborators(ctx context.Context, oppID string, ids []string) error {
	for _, u := range ids {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO opportunity_collaborators (opportunity_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, oppID, u); err != nil {
			return err
		}
	}
	return nil
}

// UpdateOpportunity writes the editable fields of o if its version is current,
// and appends one change row per field that differs from before.
func (tx *Tx) UpdateOpportunity(ctx context.Context, o *Opportunity, by string) error {
	before, err := tx.opportunityForUpdate(ctx, o.ID)
	if err != nil {
		return err
	}
	if before.Version != o.Version {
		return conflict("opportunity", before)
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE opportunities SET name = $1, customer_id = $2, owner_id = $3, amount_fen = $4,
		expected_close_date = $5, source = $6, product_lines = $7, competitors = $8, competitor_count = $9, next_contact_at = $10,
		region = $11, industry = $12, need_scores = $13, version = version + 1, updated_at = $14 WHERE id = $15 AND version = $16`,
		o.Name, o.CustomerID, o.OwnerID, int64(o.Amount), o.ExpectedCloseDate, o.Source, jsonList(o.ProductLines),
		jsonList(o.Competitors), len(o.Competitors), msOrNil(o.NextContactAt), o.Region, o.Industry, needScores(o.NeedScores),
		tx.nowMS(), o.ID, o.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersion(ctx, res, "opportunity", func() (any, error) { return tx.Opportunity(ctx, System, o.ID) }); err != nil {
		return err
	}
	if !sameSet(before.CollaboratorIDs, o.CollaboratorIDs) {
		if err := tx.setCollaborators(ctx, o.ID, o.CollaboratorIDs); err != nil {
			return err
		}
	}
	for _, ch := range diffOpportunity(before, o) {
		if err := tx.addChange(ctx, o.ID, by, ch[0], ch[1], ch[2]); err != nil {
			return err
		}
	}
	after, err := tx.Opportunity(ctx, System, o.ID)
	if err != nil {
		return err
	}
	*o = *after
	return nil
}

// diffOpportunity lists [field, old, new] for each editable field that changed.
func diffOpportunity(a, b *Opportunity) [][3]string {
	var out [][3]string
	add := func(field, x, y string) {
		if x != y {
			out = append(out, [3]string{field, x, y})
		}
	}
	add("name", a.Name, b.Name)
	add("customer_id", a.CustomerID, b.CustomerID)
	add("owner_id", a.OwnerID, b.OwnerID)
	add("amount", a.Amount.String(), b.Amount.String())
	add("expected_close_date", a.ExpectedCloseDate, b.ExpectedCloseDate)
	add("source", a.Source, b.Source)
	add("region", a.Region, b.Region)
	add("industry", a.Industry, b.Industry)
	add("product_lines", jsonList(a.ProductLines), jsonList(b.ProductLines))
	add("competitors", jsonList(a.Competitors), jsonList(b.Competitors))
	add("collaborator_ids", jsonList(sorted(a.CollaboratorIDs)), jsonList(sorted(b.CollaboratorIDs)))
	add("next_contact_at", fmtTime(a.NextContactAt), fmtTime(b.NextContactAt))
	add("need_scores", needScores(a.NeedScores), needScores(b.NeedScores))
	return out
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (tx *Tx) addChange(ctx context.Context, oppID, by, field, old, new string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO opportunity_changes (id, opportunity_id, at, by_user_id, field, old_value, new_value)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tx.db.NewID(), oppID, tx.nowMS(), by, field, old, new)
	return err
}

// opportunityForUpdate reads and, on PostgreSQL, locks the row.
func (tx *Tx) opportunityForUpdate(ctx context.Context, id string) (*Opportunity, error) {
	if tx.db.Engine == Postgres {
		// The row is locked on its own first. Locked with its stage joined,
		// a deal another transaction moved meanwhile no longer matched once
		// the lock was granted (PostgreSQL rechecks the join with the new
		// stage_id but the old stage row) and looked missing: a 404 where
		// the stale version deserves a 409. The read below, a new statement,
		// sees the row as committed.
		var one int
		err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM opportunities WHERE id = $1 FOR UPDATE`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("opportunity")
		} else if err != nil {
			return nil, err
		}
	}
	o, err := scanOpportunity(tx.tx.QueryRowContext(ctx, `SELECT `+opportunityCols+opportunityFrom+` WHERE o.id = $1`, id))
	if err != nil {
		return nil, err
	}
	return o, tx.db.loadCollaborators(ctx, tx.tx, []*Opportunity{o})
}

func (db *DB) forUpdateOf(alias string) string {
	if db.Engine == Postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// Opportunity returns an opportunity the viewer may see.
func (db *DB) Opportunity(ctx context.Context, v Viewer, id string) (*Opportunity, error) {
	return db.opportunity(ctx, db.r, v, id)
}

// Opportunity reads inside the transaction.
func (tx *Tx) Opportunity(ctx context.Context, v Viewer, id string) (*Opportunity, error) {
	return tx.db.opportunity(ctx, tx.tx, v, id)
}

func (db *DB) opportunity(ctx context.Context, q querier, v Viewer, id string) (*Opportunity, error) {
	var p params
	where := "o.id = " + p.add(id) + " AND " + v.visibleOpportunity(&p)
	o, err := scanOpportunity(q.QueryRowContext(ctx, `SELECT `+opportunityCols+opportunityFrom+` WHERE `+where, p...))
	if err != nil {
		return nil, err
	}
	if err := db.loadRisks(ctx, q, []*Opportunity{o}); err != nil {
		return nil, err
	}
	return o, db.loadCollaborators(ctx, q, []*Opportunity{o})
}

func (db *DB) loadCollaborators(ctx context.Context, q querier, opps []*Opportunity) error {
	if len(opps) == 0 {
		return nil
	}
	var p params
	byID := make(map[string]*Opportunity, len(opps))
	marks := make([]string, len(opps))
	for i, o := range opps {
		byID[o.ID] = o
		marks[i] = p.add(o.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT opportunity_id, user_id FROM opportunity_collaborators WHERE opportunity_id IN (`+strings.Join(marks, ",")+`) ORDER BY user_id`, p...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var oid, uid string
		if err := rows.Scan(&oid, &uid); err != nil {
			return err
		}
		byID[oid].CollaboratorIDs = append(byID[oid].CollaboratorIDs, uid)
	}
	return rows.Err()
}

// OpportunityFilter selects opportunities to list or report on.
type OpportunityFilter struct {
	OwnerID     string
	TeamID      string // the team and every team below it
	CustomerID  string
	PipelineID  string
	Stage       string // stage key
	Status      string
	Industry    string
	Region      string
	Query       string    // part of the name or number
	CloseFrom   string    // expected close date, inclusive
	CloseTo     string    // expected close date, exclusive
	Product     string    // deals whose product lines include it
	Risk        string    // deals with a risk flag of this level (high, medium)
	CreatedFrom time.Time // creation instant, inclusive (zero: no bound)
	CreatedTo   time.Time // exclusive
	// SortByWeighted orders by weighted amount, largest first: seed 000's
	// priority list.
	SortByWeighted bool
	Page
}

// where builds the filter's condition on alias o (and s for stages).
func (f OpportunityFilter) where(p *params, v Viewer) string {
	w := v.visibleOpportunity(p)
	if f.OwnerID != "" {
		w += " AND o.owner_id = " + p.add(f.OwnerID)
	}
	if f.TeamID != "" {
		w += " AND o.owner_id IN (" + teamMembers(p.add(f.TeamID)) + ")"
	}
	if f.CustomerID != "" {
		w += " AND o.customer_id = " + p.add(f.CustomerID)
	}
	if f.PipelineID != "" {
		w += " AND o.pipeline_id = " + p.add(f.PipelineID)
	}
	if f.Stage != "" {
		w += " AND o.stage_id IN (SELECT id FROM stages WHERE key = " + p.add(f.Stage) + ")"
	}
	if f.Status != "" {
		w += " AND o.status = " + p.add(f.Status)
	}
	if f.Industry != "" {
		w += " AND o.industry = " + p.add(f.Industry)
	}
	if f.Region != "" {
		w += " AND o.region = " + p.add(f.Region)
	}
	if f.Query != "" {
		q := "%" + strings.ToLower(f.Query) + "%"
		w += " AND (LOWER(o.name) LIKE " + p.add(q) + " OR LOWER(o.number) LIKE " + p.add(q) + ")"
	}
	if f.CloseFrom != "" {
		w += " AND o.expected_close_date >= " + p.add(f.CloseFrom)
	}
	if f.CloseTo != "" {
		w += " AND o.expected_close_date < " + p.add(f.CloseTo)
	}
	if f.Product != "" {
		b, _ := json.Marshal(f.Product)
		w += " AND o.product_lines LIKE " + p.add("%"+string(b)+"%")
	}
	if f.Risk != "" {
		w += riskWhere(p, f.Risk)
	}
	if !f.CreatedFrom.IsZero() {
		w += " AND o.created_at >= " + p.add(f.CreatedFrom.UnixMilli()) + " AND o.created_at < " + p.add(f.CreatedTo.UnixMilli())
	}
	return w
}

// teamMembers is a subquery of the users in a team and all teams below it.
func teamMembers(team string) string {
	return `SELECT tu.id FROM users tu JOIN teams tt ON tu.team_id = tt.id
		JOIN teams tr ON tt.path LIKE tr.path || '%' WHERE tr.id = ` + team
}

// Opportunities lists what the viewer may see, newest id last (ids are
// time-ordered), or by weighted amount.
func (db *DB) Opportunities(ctx context.Context, v Viewer, f OpportunityFilter) ([]*Opportunity, string, error) {
	var p params
	where := f.where(&p, v)
	order := "o.id"
	key := func(o *Opportunity) string { return o.ID }
	if f.SortByWeighted {
		order = "o.amount_fen * s.probability DESC, o.id DESC"
		key = func(o *Opportunity) string {
			return strconv.FormatInt(int64(o.Amount)*int64(o.Probability), 10) + "|" + o.ID
		}
		if c := f.Page.cursorKey(); c != "" {
			w, id, _ := strings.Cut(c, "|")
			wv, _ := strconv.ParseInt(w, 10, 64)
			a, b := p.add(wv), p.add(id)
			where += " AND (o.amount_fen * s.probability < " + a + " OR (o.amount_fen * s.probability = " + a + " AND o.id < " + b + "))"
		}
	} else {
		where += f.after(&p, "o.id")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+opportunityCols+opportunityFrom+` WHERE `+where+` ORDER BY `+order+` LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	items, next, err := collect(rows, scanOpportunity, f.Page, key)
	if err != nil {
		return nil, "", err
	}
	if err := db.loadRisks(ctx, db.r, items); err != nil {
		return nil, "", err
	}
	return items, next, db.loadCollaborators(ctx, db.r, items)
}

func sameSet(a, b []string) bool { return jsonList(sorted(a)) == jsonList(sorted(b)) }

func sorted(l []string) []string {
	out := slices.Clone(l)
	slices.Sort(out)
	return out
}

// needScores stores the form's scores; "" means never filled.
func needScores(s []int) string {
	if len(s) == 0 {
		return ""
	}
	b, _ := json.Marshal(s)
	return string(b)
}
