package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Todo kinds of support requests (their due key is the request id, plus the
// rated side for ratings).
const (
	TodoSupportResponse = "support_response" // the helper answers (24 h)
	TodoSupportRefusal  = "support_refusal"  // the director decides a refusal
	TodoSupportRating   = "support_rating"   // a side rates the other after completion
)

// SupportRequest is a rep's request for presales or customer-success help on
// a deal (SPEC §6, seed 002), with its answer, the director's decision on a
// refusal, and the two ratings.
type SupportRequest struct {
	ID              string     `json:"id"`
	OpportunityID   string     `json:"opportunity_id"`
	Opportunity     string     `json:"opportunity" doc:"the deal's number and name, for a helper who does not see the deal"`
	Customer        string     `json:"customer" doc:"the deal's customer"`
	RequesterID     string     `json:"requester_id"`
	HelperID        string     `json:"helper_id"`
	HelperRole      string     `json:"helper_role" enum:"presales,customer_success"`
	Type            string     `json:"type"`
	NeededBy        time.Time  `json:"needed_by"`
	ExpectedOutput  string     `json:"expected_output"`
	Note            string     `json:"note"`
	StageKey        string     `json:"stage" doc:"the deal's stage when asked"`
	HealthScore     float64    `json:"health_score" doc:"the deal's health score when asked"`
	Status          string     `json:"status" enum:"requested,refusal_pending,accepted,refused,completed,cancelled"`
	RespondBy       time.Time  `json:"respond_by" doc:"the helper answers before this (24 h after the request)"`
	Overdue         bool       `json:"overdue" doc:"still unanswered past respond_by"`
	RespondedAt     *time.Time `json:"responded_at,omitempty"`
	RespondedBy     string     `json:"responded_by,omitempty"`
	RespondedLate   bool       `json:"responded_late" doc:"the answer came after respond_by"`
	RefusalReason   string     `json:"refusal_reason,omitempty"`
	ApproverID      string     `json:"approver_id" doc:"the sales director who decides a refusal; empty means any admin"`
	DecidedBy       string     `json:"decided_by,omitempty"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	DecisionComment string     `json:"decision_comment,omitempty"`
	CompletedAt     *time.Time `json:"completed_at,omitempty"`
	CompletedBy     string     `json:"completed_by,omitempty"`
	// HelperRating is the requester's rating of the helper; RequesterRating
	// the helper's rating of the requester.
	HelperRating    *SupportRating `json:"helper_rating,omitempty"`
	RequesterRating *SupportRating `json:"requester_rating,omitempty"`
	Version         int            `json:"version"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// SupportRating is one side's 1–10 rating of the other.
type SupportRating struct {
	ID          string    `json:"id"`
	RequestID   string    `json:"request_id"`
	Side        string    `json:"side" enum:"helper,requester" doc:"who is rated"`
	RaterID     string    `json:"rater_id"`
	RateeID     string    `json:"ratee_id"`
	RateeTeamID string    `json:"ratee_team_id,omitempty"`
	Score       int       `json:"score"`
	Comment     string    `json:"comment"`
	CreatedAt   time.Time `json:"created_at"`
}

const supportCols = `s.id, s.opportunity_id, s.requester_id, s.helper_id, s.helper_role, s.kind, s.needed_by, s.expected_output, s.note,
	s.stage_key, s.health_tenths, s.status, s.respond_by, s.responded_at, s.responded_by, s.refusal_reason, s.approver_id,
	s.decided_by, s.decided_at, s.decision_comment, s.completed_at, s.completed_by, s.version, s.created_at, s.updated_at,
	rh.id, rh.rater_id, rh.ratee_id, rh.ratee_team_id, rh.score, rh.comment, rh.created_at,
	rr.id, rr.rater_id, rr.ratee_id, rr.ratee_team_id, rr.score, rr.comment, rr.created_at, so.number, so.name, sc.name`

const supportFrom = ` FROM support_requests s
	JOIN opportunities so ON so.id = s.opportunity_id JOIN customers sc ON sc.id = so.customer_id
	LEFT JOIN support_ratings rh ON rh.request_id = s.id AND rh.side = 'helper'
	LEFT JOIN support_ratings rr ON rr.request_id = s.id AND rr.side = 'requester' `

// nullRating holds the columns of a LEFT JOINed rating.
type nullRating struct {
	id, rater, ratee, team, comment sql.NullString
	score, at                       sql.NullInt64
}

func (n *nullRating) dest() []any {
	return []any{&n.id, &n.rater, &n.ratee, &n.team, &n.score, &n.comment, &n.at}
}

func (n *nullRating) rating(reqID, side string) *SupportRating {
	if !n.id.Valid {
		return nil
	}
	return &SupportRating{ID: n.id.String, RequestID: reqID, Side: side, RaterID: n.rater.String, RateeID: n.ratee.String,
		RateeTeamID: n.team.String, Score: int(n.score.Int64), Comment: n.comment.String, CreatedAt: msTime(n.at.Int64)}
}

// scanSupport reads a request; now decides whether it is overdue.
func scanSupport(now time.Time) func(row interface{ Scan(...any) error }) (*SupportRequest, error) {
	return func(row interface{ Scan(...any) error }) (*SupportRequest, error) {
		var s SupportRequest
		var needed, respondBy, tenths, c, u int64
		var responded, decided, completed sql.NullInt64
		var rh, rr nullRating
		dest := []any{&s.ID, &s.OpportunityID, &s.RequesterID, &s.HelperID, &s.HelperRole, &s.Type, &needed, &s.ExpectedOutput, &s.Note,
			&s.StageKey, &tenths, &s.Status, &respondBy, &responded, &s.RespondedBy, &s.RefusalReason, &s.ApproverID,
			&s.DecidedBy, &decided, &s.DecisionComment, &completed, &s.CompletedBy, &s.Version, &c, &u}
		var number, name string
		dest = append(append(dest, rh.dest()...), rr.dest()...)
		err := row.Scan(append(dest, &number, &name, &s.Customer)...)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("support request")
		} else if err != nil {
			return nil, err
		}
		s.NeededBy, s.RespondBy, s.CreatedAt, s.UpdatedAt = msTime(needed), msTime(respondBy), msTime(c), msTime(u)
		s.HealthScore, s.Opportunity = float64(tenths)/10, number+" "+name
		s.RespondedAt, s.DecidedAt, s.CompletedAt = nullMS(responded), nullMS(decided), nullMS(completed)
		s.Overdue = funnel.SupportOverdue(s.Status, s.RespondBy, now)
		s.RespondedLate = s.RespondedAt != nil && s.RespondedAt.After(s.RespondBy)
		s.HelperRating = rh.rating(s.ID, funnel.SupportRatesHelper)
		s.RequesterRating = rr.rating(s.ID, funnel.SupportRatesRequester)
		return &s, nil
	}
}

// visibleSupport: the requester's side (the requester, the deal's owner and
// the managers above either), the helper's side (the helper and the
// managers above them) and the director who decides a refusal.
func (v Viewer) visibleSupport(p *params) string {
	if v.Admin {
		return "1=1"
	}
	u := p.add(v.UserID)
	sub := subtreeOwners(u)
	return `(s.requester_id = ` + u + ` OR s.helper_id = ` + u + ` OR s.approver_id = ` + u + `
		OR s.requester_id IN (` + sub + `) OR s.helper_id IN (` + sub + `)
		OR EXISTS (SELECT 1 FROM opportunities o WHERE o.id = s.opportunity_id AND (o.owner_id = ` + u + ` OR o.owner_id IN (` + sub + `))))`
}

// openSupport are the statuses in which a request still occupies its helper.
const openSupport = `('requested', 'refusal_pending', 'accepted')`

// CreateSupportRequest files s (status requested). One open request per deal
// and helper: a second is a conflict pointing at the first.
func (tx *Tx) CreateSupportRequest(ctx context.Context, s *SupportRequest) error {
	if _, err := tx.opportunityForUpdate(ctx, s.OpportunityID); err != nil { // serialise requests for one deal
		return err
	}
	var existing string
	err := tx.tx.QueryRowContext(ctx, `SELECT id FROM support_requests WHERE opportunity_id = $1 AND helper_id = $2 AND status IN `+openSupport+`
		ORDER BY id LIMIT 1`, s.OpportunityID, s.HelperID).Scan(&existing)
	if err == nil {
		return &funnel.Error{Code: funnel.ECONFLICT, Message: "this helper already has an open request on this opportunity", ExistingID: existing}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	s.ID, s.Status, s.Version, s.CreatedAt, s.UpdatedAt = tx.db.NewID(), funnel.SupportRequested, 1, tx.now, tx.now
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO support_requests (id, opportunity_id, requester_id, helper_id, helper_role, kind, needed_by,
		expected_output, note, stage_key, health_tenths, status, respond_by, approver_id, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'requested', $12, $13, 1, $14, $14)`,
		s.ID, s.OpportunityID, s.RequesterID, s.HelperID, s.HelperRole, s.Type, s.NeededBy.UnixMilli(), s.ExpectedOutput, s.Note,
		s.StageKey, int64(s.HealthScore*10+0.5), s.RespondBy.UnixMilli(), s.ApproverID, tx.nowMS())
	return err
}

// SupportRequest returns a request the viewer may see, locked for update on
// PostgreSQL (a second answer waits, then sees the first).
func (tx *Tx) SupportRequest(ctx context.Context, v Viewer, id string) (*SupportRequest, error) {
	var p params
	where := "s.id = " + p.add(id) + " AND " + v.visibleSupport(&p)
	return scanSupport(tx.now)(tx.tx.QueryRowContext(ctx, `SELECT `+supportCols+supportFrom+` WHERE `+where+tx.db.forUpdateOf("s"), p...))
}

// SupportRequest reads a request the viewer may see.
func (db *DB) SupportRequest(ctx context.Context, v Viewer, id string) (*SupportRequest, error) {
	var p params
	where := "s.id = " + p.add(id) + " AND " + v.visibleSupport(&p)
	return scanSupport(db.Now())(db.r.QueryRowContext(ctx, `SELECT `+supportCols+supportFrom+` WHERE `+where, p...))
}

// SupportFilter selects requests to list.
type SupportFilter struct {
	RequesterID   string // asked by
	HelperID      string // asked of
	ApproverID    string // refusals this director decides
	OpportunityID string
	Status        string
	Overdue       bool // unanswered past the deadline
	Page
}

// SupportRequests lists what the viewer may see, by id.
func (db *DB) SupportRequests(ctx context.Context, v Viewer, f SupportFilter) ([]*SupportRequest, string, error) {
	now := db.Now()
	var p params
	where := v.visibleSupport(&p)
	for _, c := range [][2]string{{"s.requester_id", f.RequesterID}, {"s.helper_id", f.HelperID}, {"s.approver_id", f.ApproverID},
		{"s.opportunity_id", f.OpportunityID}, {"s.status", f.Status}} {
		if c[1] != "" {
			where += " AND " + c[0] + " = " + p.add(c[1])
		}
	}
	if f.Overdue {
		where += " AND s.status = 'requested' AND s.respond_by < " + p.add(now.UnixMilli())
	}
	where += f.after(&p, "s.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+supportCols+supportFrom+` WHERE `+where+` ORDER BY s.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanSupport(now), f.Page, func(s *SupportRequest) string { return s.ID })
}

// SaveSupportRequest writes the answer, decision and completion fields of s
// if its version is current: of two racing answers one wins, the other is
// a conflict carrying the request as it is now.
func (tx *Tx) SaveSupportRequest(ctx context.Context, s *SupportRequest) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE support_requests SET status = $1, responded_at = $2, responded_by = $3, refusal_reason = $4,
		decided_by = $5, decided_at = $6, decision_comment = $7, completed_at = $8, completed_by = $9, version = version + 1, updated_at = $10
		WHERE id = $11 AND version = $12`,
		s.Status, msOrNil(s.RespondedAt), s.RespondedBy, s.RefusalReason, s.DecidedBy, msOrNil(s.DecidedAt), s.DecisionComment,
		msOrNil(s.CompletedAt), s.CompletedBy, tx.nowMS(), s.ID, s.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersion(ctx, res, "support request", func() (any, error) { return tx.SupportRequest(ctx, System, s.ID) }); err != nil {
		return err
	}
	s.Version++
	s.UpdatedAt = tx.now
	return nil
}

// AddSupportRating records one side's rating and returns the latest n
// scores the rated team has received, newest first (this one included), so
// the caller can apply the flag rule. The team row is locked first, so two
// ratings of one team at once are counted in a row, not side by side.
func (tx *Tx) AddSupportRating(ctx context.Context, r *SupportRating, n int) ([]SupportRating, error) {
	if r.RateeTeamID != "" {
		var id string
		if err := tx.tx.QueryRowContext(ctx, `SELECT id FROM teams WHERE id = $1`+tx.db.forUpdate(), r.RateeTeamID).Scan(&id); err != nil {
			return nil, err
		}
	}
	r.ID, r.CreatedAt = tx.db.NewID(), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO support_ratings (id, request_id, side, rater_id, ratee_id, ratee_team_id, score, comment, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.RequestID, r.Side, r.RaterID, r.RateeID, r.RateeTeamID, r.Score, r.Comment, tx.nowMS())
	if isUniqueViolation(err) {
		return nil, funnel.Errorf(funnel.ECONFLICT, "this side has already rated this request")
	} else if err != nil {
		return nil, err
	}
	if r.RateeTeamID == "" {
		return nil, nil
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT request_id, side, score, created_at FROM support_ratings WHERE ratee_team_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, r.RateeTeamID, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SupportRating
	for rows.Next() {
		var x SupportRating
		var at int64
		if err := rows.Scan(&x.RequestID, &x.Side, &x.Score, &at); err != nil {
			return nil, err
		}
		x.CreatedAt = msTime(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// SupportTeamFlag is a team whose latest ratings are in a run under the
// threshold (seed 002: 连续2次评分<8分的团队需整改).
type SupportTeamFlag struct {
	TeamID   string             `json:"team_id"`
	TeamName string             `json:"team_name"`
	Since    time.Time          `json:"since"`
	Evidence []SupportFlagScore `json:"evidence" doc:"the ratings that raised the flag, newest first"`
}

// SupportFlagScore is one rating behind a flag.
type SupportFlagScore struct {
	RequestID string `json:"request_id"`
	Side      string `json:"side"`
	Score     int    `json:"score"`
}

// SetSupportTeamFlag raises the team's flag, or clears it when raise is
// false. A flag that stands keeps its since; its evidence is the latest run.
func (tx *Tx) SetSupportTeamFlag(ctx context.Context, teamID string, raise bool, evidence []SupportFlagScore) error {
	if !raise {
		_, err := tx.tx.ExecContext(ctx, `DELETE FROM support_team_flags WHERE team_id = $1`, teamID)
		return err
	}
	b, _ := json.Marshal(evidence)
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO support_team_flags (team_id, since, evidence) VALUES ($1, $2, $3)
		ON CONFLICT (team_id) DO UPDATE SET evidence = excluded.evidence`, teamID, tx.nowMS(), string(b))
	return err
}

// SupportTeamFlags lists the flagged teams (all, or the one given). Teams
// are visible to every signed-in user, and so are their flags.
func (db *DB) SupportTeamFlags(ctx context.Context, teamID string) ([]SupportTeamFlag, error) {
	var p params
	where := "1=1"
	if teamID != "" {
		where = "f.team_id = " + p.add(teamID)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT f.team_id, t.name, f.since, f.evidence FROM support_team_flags f JOIN teams t ON t.id = f.team_id
		WHERE `+where+` ORDER BY t.name, f.team_id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SupportTeamFlag{}
	for rows.Next() {
		var f SupportTeamFlag
		var since int64
		var ev string
		if err := rows.Scan(&f.TeamID, &f.TeamName, &since, &ev); err != nil {
			return nil, err
		}
		f.Since, f.Evidence = msTime(since), []SupportFlagScore{}
		_ = json.Unmarshal([]byte(ev), &f.Evidence)
		out = append(out, f)
	}
	return out, rows.Err()
}

// DirectorOf returns who decides a refusal of userID's request: the nearest
// manager up userID's team tree whose role is director; without one, the
// manager of the highest team on the path that has one (the head of the
// sales line); "" when there is nobody (then any admin decides).
func (tx *Tx) DirectorOf(ctx context.Context, userID string) (string, error) {
	var path string
	err := tx.tx.QueryRowContext(ctx, `SELECT t.path FROM users u JOIN teams t ON u.team_id = t.id WHERE u.id = $1`, userID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	ids := strings.Split(strings.Trim(path, "/"), "/")
	head := ""
	for i := len(ids) - 1; i >= 0; i-- {
		var mgr, role sql.NullString
		err := tx.tx.QueryRowContext(ctx, `SELECT t.manager_id, m.role FROM teams t LEFT JOIN users m ON m.id = t.manager_id AND m.active = 1
			WHERE t.id = $1`, ids[i]).Scan(&mgr, &role)
		if err != nil {
			return "", err
		}
		if !mgr.Valid || mgr.String == "" || mgr.String == userID || !role.Valid {
			continue
		}
		if role.String == RoleDirector {
			return mgr.String, nil
		}
		head = mgr.String
	}
	return head, nil
}

// CloseSupportTodo marks the open todo of a request done (the answer, the
// decision or the rating it asked for was given).
func (tx *Tx) CloseSupportTodo(ctx context.Context, kind, oppID, dueKey, by string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE todos SET status = 'done', done_at = $1, done_by = $2, version = version + 1, updated_at = $1
		WHERE kind = $3 AND opportunity_id = $4 AND due_key = $5 AND status = 'open'`, tx.nowMS(), by, kind, oppID, dueKey)
	return err
}

// SupportHelpers lists the active users who can be asked for support
// (presales and customer success), by name. Users are visible to everyone
// signed in.
func (db *DB) SupportHelpers(ctx context.Context) ([]*User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE role IN ($1, $2) AND active = 1 ORDER BY name, id`,
		RolePresales, RoleCustomerSuccess)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanUser)
}
