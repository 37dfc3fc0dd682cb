package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"shangji/internal/funnel"
)

// Approval statuses.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// Approval is a stage move waiting for a manager (health 60–80, SPEC §4).
type Approval struct {
	ID            string           `json:"id"`
	OpportunityID string           `json:"opportunity_id"`
	FromStageID   string           `json:"from_stage_id"`
	ToStageID     string           `json:"to_stage_id"`
	From          string           `json:"from"`
	To            string           `json:"to"`
	RequestedBy   string           `json:"requested_by"`
	ApproverID    string           `json:"approver_id" doc:"the owner's manager; empty means any admin"`
	Status        string           `json:"status" enum:"pending,approved,rejected"`
	HealthScore   float64          `json:"health_score"`
	Missing       []funnel.Missing `json:"missing" doc:"what the health score still lacks, for the manager to weigh"`
	Comment       string           `json:"comment"`
	DecidedBy     string           `json:"decided_by,omitempty"`
	DecidedAt     *time.Time       `json:"decided_at,omitempty"`
	Version       int              `json:"version"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

const approvalCols = `a.id, a.opportunity_id, a.from_stage_id, a.to_stage_id, f.key, t.key, a.requested_by, a.approver_id, a.status,
	a.health_tenths, a.missing, a.comment, a.decided_by, a.decided_at, a.version, a.created_at, a.updated_at`

const approvalFrom = ` FROM approvals a JOIN stages f ON f.id = a.from_stage_id JOIN stages t ON t.id = a.to_stage_id `

func scanApproval(row interface{ Scan(...any) error }) (*Approval, error) {
	var a Approval
	var tenths, c, u int64
	var missing string
	var decided sql.NullInt64
	err := row.Scan(&a.ID, &a.OpportunityID, &a.FromStageID, &a.ToStageID, &a.From, &a.To, &a.RequestedBy, &a.ApproverID, &a.Status,
		&tenths, &missing, &a.Comment, &a.DecidedBy, &decided, &a.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("approval")
	} else if err != nil {
		return nil, err
	}
	a.Missing = []funnel.Missing{}
	_ = json.Unmarshal([]byte(missing), &a.Missing)
	a.HealthScore, a.DecidedAt = float64(tenths)/10, nullMS(decided)
	a.CreatedAt, a.UpdatedAt = msTime(c), msTime(u)
	return &a, nil
}

// CreateApproval files a pending approval; one per opportunity at a time.
func (tx *Tx) CreateApproval(ctx context.Context, a *Approval, healthTenths int64) error {
	if _, err := tx.opportunityForUpdate(ctx, a.OpportunityID); err != nil { // serialise requests for one deal
		return err
	}
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM approvals WHERE opportunity_id = $1 AND status = 'pending'`, a.OpportunityID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return funnel.Errorf(funnel.ECONFLICT, "this opportunity already waits for an approval")
	}
	a.ID, a.Status, a.Version = tx.db.NewID(), ApprovalPending, 1
	a.CreatedAt, a.UpdatedAt = tx.now, tx.now
	a.HealthScore = float64(healthTenths) / 10
	b, _ := json.Marshal(a.Missing)
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO approvals (id, opportunity_id, from_stage_id, to_stage_id, requested_by, approver_id, status,
		health_tenths, missing, comment, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, 1, $10, $10)`,
		a.ID, a.OpportunityID, a.FromStageID, a.ToStageID, a.RequestedBy, a.ApproverID, healthTenths, string(b), a.Comment, tx.nowMS())
	return err
}

// visibleApproval: the approver, and whoever sees the opportunity.
func (v Viewer) visibleApproval(p *params) string {
	if v.Admin {
		return "1=1"
	}
	u := p.add(v.UserID)
	return `(a.approver_id = ` + u + ` OR EXISTS (SELECT 1 FROM opportunities o WHERE o.id = a.opportunity_id AND ` + v.visibleOpportunity(p) + `))`
}

// Approval returns an approval the viewer may see.
func (tx *Tx) Approval(ctx context.Context, v Viewer, id string) (*Approval, error) {
	var p params
	where := "a.id = " + p.add(id) + " AND " + v.visibleApproval(&p)
	return scanApproval(tx.tx.QueryRowContext(ctx, `SELECT `+approvalCols+approvalFrom+` WHERE `+where+tx.db.forUpdateOf("a"), p...))
}

// ApprovalFilter selects approvals to list.
type ApprovalFilter struct {
	Status        string
	OpportunityID string
	ApproverID    string
	Page
}

// Approvals lists what the viewer may see, by id.
func (db *DB) Approvals(ctx context.Context, v Viewer, f ApprovalFilter) ([]*Approval, string, error) {
	var p params
	where := v.visibleApproval(&p)
	if f.Status != "" {
		where += " AND a.status = " + p.add(f.Status)
	}
	if f.OpportunityID != "" {
		where += " AND a.opportunity_id = " + p.add(f.OpportunityID)
	}
	if f.ApproverID != "" {
		where += " AND a.approver_id = " + p.add(f.ApproverID)
	}
	where += f.after(&p, "a.id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+approvalCols+approvalFrom+` WHERE `+where+` ORDER BY a.id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanApproval, f.Page, func(a *Approval) string { return a.ID })
}

// DecideApproval closes a pending approval if its version is current.
func (tx *Tx) DecideApproval(ctx context.Context, id string, version int, status, comment, by string) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE approvals SET status = $1, comment = $2, decided_by = $3, decided_at = $4, version = version + 1,
		updated_at = $4 WHERE id = $5 AND version = $6 AND status = 'pending'`, status, comment, by, tx.nowMS(), id, version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "approval", func() (any, error) { return tx.Approval(ctx, System, id) })
}

// CancelPendingApprovals closes what waits on an opportunity that moved by
// other means, so no stale approval moves it later.
func (tx *Tx) CancelPendingApprovals(ctx context.Context, oppID, by string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE approvals SET status = 'rejected', comment = 'superseded: the opportunity moved', decided_by = $1,
		decided_at = $2, version = version + 1, updated_at = $2 WHERE opportunity_id = $3 AND status = 'pending'`, by, tx.nowMS(), oppID)
	return err
}

// PendingApproval returns the approval an opportunity waits for, or nil.
func (tx *Tx) PendingApproval(ctx context.Context, oppID string) (*Approval, error) {
	a, err := scanApproval(tx.tx.QueryRowContext(ctx, `SELECT `+approvalCols+approvalFrom+` WHERE a.opportunity_id = $1 AND a.status = 'pending'`, oppID))
	if funnel.ErrorCode(err) == funnel.ENOTFOUND {
		return nil, nil
	}
	return a, err
}
