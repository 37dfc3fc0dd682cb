package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// DealArchive is the archive of a closed deal (SPEC §7): success points for
// a win; for a loss the loss analysis form (reason from the taxonomy,
// competitor strengths, the real reason, own weaknesses).
type DealArchive struct {
	OpportunityID       string    `json:"opportunity_id"`
	Outcome             string    `json:"outcome" enum:"won,lost"`
	SuccessPoints       []string  `json:"success_points" doc:"won: what made the deal (e.g. 高层拜访促成决策)"`
	LossReason          string    `json:"loss_reason,omitempty" doc:"lost: competitor_price, needs_changed, decision_maker_changed, insufficient_resources or other"`
	CompetitorStrengths string    `json:"competitor_strengths,omitempty"`
	RealReason          string    `json:"real_reason,omitempty" doc:"lost: the customer's real reason"`
	OwnWeaknesses       string    `json:"own_weaknesses,omitempty"`
	ByUserID            string    `json:"by_user_id"`
	Version             int       `json:"version"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

func scanArchive(row interface{ Scan(...any) error }) (*DealArchive, error) {
	var a DealArchive
	var points string
	var c, u int64
	err := row.Scan(&a.OpportunityID, &a.Outcome, &points, &a.LossReason, &a.CompetitorStrengths, &a.RealReason, &a.OwnWeaknesses,
		&a.ByUserID, &a.Version, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("archive")
	} else if err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(points), &a.SuccessPoints)
	if a.SuccessPoints == nil {
		a.SuccessPoints = []string{}
	}
	a.CreatedAt, a.UpdatedAt = msTime(c), msTime(u)
	return &a, nil
}

const archiveCols = `opportunity_id, outcome, success_points, loss_reason, competitor_strengths, real_reason, own_weaknesses,
	by_user_id, version, created_at, updated_at`

// Archive returns the deal's archive (ENOTFOUND when none was filed). The
// caller has checked the deal is visible.
func (tx *Tx) Archive(ctx context.Context, oppID string) (*DealArchive, error) {
	return scanArchive(tx.tx.QueryRowContext(ctx, `SELECT `+archiveCols+` FROM deal_archives WHERE opportunity_id = $1`+tx.db.forUpdate(), oppID))
}

// Archive reads outside a transaction.
func (db *DB) Archive(ctx context.Context, oppID string) (*DealArchive, error) {
	return scanArchive(db.r.QueryRowContext(ctx, `SELECT `+archiveCols+` FROM deal_archives WHERE opportunity_id = $1`, oppID))
}

// SaveArchive files a's archive: a new one when a.Version is 0, else a
// change of the version the caller saw (ECONFLICT when stale).
func (tx *Tx) SaveArchive(ctx context.Context, a *DealArchive) error {
	points, _ := json.Marshal(a.SuccessPoints)
	if a.SuccessPoints == nil {
		points = []byte("[]")
	}
	if a.Version == 0 {
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO deal_archives (`+archiveCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)
			ON CONFLICT (opportunity_id) DO NOTHING`, a.OpportunityID, a.Outcome, string(points), a.LossReason, a.CompetitorStrengths,
			a.RealReason, a.OwnWeaknesses, a.ByUserID, tx.nowMS())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("archive", nil)
		}
		a.Version, a.CreatedAt, a.UpdatedAt = 1, tx.now, tx.now
		return nil
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE deal_archives SET outcome = $1, success_points = $2, loss_reason = $3, competitor_strengths = $4,
		real_reason = $5, own_weaknesses = $6, by_user_id = $7, version = version + 1, updated_at = $8 WHERE opportunity_id = $9 AND version = $10`,
		a.Outcome, string(points), a.LossReason, a.CompetitorStrengths, a.RealReason, a.OwnWeaknesses, a.ByUserID, tx.nowMS(), a.OpportunityID, a.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersion(ctx, res, "archive", func() (any, error) { return tx.Archive(ctx, a.OpportunityID) }); err != nil {
		return err
	}
	a.Version++
	a.UpdatedAt = tx.now
	return nil
}
