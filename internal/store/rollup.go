package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// Submission is a forecast a person signed off for their scope and period.
type Submission struct {
	ID          string       `json:"id"`
	Scope       string       `json:"scope" enum:"user,team"`
	ScopeID     string       `json:"scope_id"`
	Period      string       `json:"period"`
	Live        funnel.Money `json:"live" doc:"the live forecast when it was submitted"`
	Amount      funnel.Money `json:"amount" doc:"the forecast as submitted (live, or adjusted)"`
	Comment     string       `json:"comment"`
	SubmittedBy string       `json:"submitted_by"`
	SubmittedAt time.Time    `json:"submitted_at"`
}

// Submit records a submission.
func (tx *Tx) Submit(ctx context.Context, s *Submission) error {
	s.ID, s.SubmittedAt = tx.db.NewID(), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO forecast_submissions (id, scope, scope_id, period, live_fen, amount_fen, comment, submitted_by, submitted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, s.ID, s.Scope, s.ScopeID, s.Period, int64(s.Live), int64(s.Amount), s.Comment, s.SubmittedBy, tx.nowMS())
	return err
}

// LatestSubmission returns the current submission of a scope, or nil.
func (db *DB) LatestSubmission(ctx context.Context, scope, scopeID, period string) (*Submission, error) {
	var s Submission
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT id, scope, scope_id, period, live_fen, amount_fen, comment, submitted_by, submitted_at
		FROM forecast_submissions WHERE scope = $1 AND scope_id = $2 AND period = $3 ORDER BY submitted_at DESC, id DESC LIMIT 1`,
		scope, scopeID, period).Scan(&s.ID, &s.Scope, &s.ScopeID, &s.Period, &s.Live, &s.Amount, &s.Comment, &s.SubmittedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	s.SubmittedAt = msTime(at)
	return &s, nil
}

// TeamChildren lists a team's direct sub-teams and its members who manage no
// other team (the team's own manager stays, for their own deals): the units
// a manager's roll-up is made of.
func (db *DB) TeamChildren(ctx context.Context, teamID string) (teams []*Team, members []*User, err error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+teamCols+` FROM teams WHERE parent_id = $1 ORDER BY name, id`, teamID)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		teams = append(teams, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	urows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE team_id = $1 AND active = 1
		AND id NOT IN (SELECT manager_id FROM teams WHERE manager_id IS NOT NULL AND id <> $1) ORDER BY name, id`, teamID)
	if err != nil {
		return nil, nil, err
	}
	defer urows.Close()
	for urows.Next() {
		u, err := scanUser(urows)
		if err != nil {
			return nil, nil, err
		}
		members = append(members, u)
	}
	return teams, members, urows.Err()
}
