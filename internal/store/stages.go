package store

import (
	"context"
	"time"

	"shangji/internal/funnel"
)

// Ways a stage move happens, kept in the history (issue: stage discipline).
const (
	ViaCreate    = "create"
	ViaManual    = "manual"
	ViaIndicator = "indicator"
	ViaChecklist = "checklist"
	ViaApproval  = "approval"
	ViaRule      = "rule"
	ViaImport    = "import"
)

// StageMove is one row of an opportunity's stage history.
type StageMove struct {
	ID            string       `json:"id"`
	OpportunityID string       `json:"opportunity_id"`
	FromStageID   string       `json:"from_stage_id,omitempty"`
	ToStageID     string       `json:"to_stage_id"`
	From          string       `json:"from,omitempty"`
	To            string       `json:"to"`
	At            time.Time    `json:"at"`
	ByUserID      string       `json:"by_user_id"`
	Probability   int          `json:"probability"`
	Amount        funnel.Money `json:"amount"`
	Via           string       `json:"via"`
	Comment       string       `json:"comment,omitempty"`
}

func (tx *Tx) addStageHistory(ctx context.Context, oppID, fromStageID string, to Stage, amount funnel.Money, by, via, comment string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO stage_history (id, opportunity_id, from_stage_id, to_stage_id, at, by_user_id, probability, amount_fen, via, comment)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		tx.db.NewID(), oppID, nullStr(fromStageID), to.ID, tx.nowMS(), by, to.Probability, int64(amount), via, comment)
	return err
}

// Move is a stage change asked for by a use case that has already applied
// the rules (gates, health, approvals).
type Move struct {
	To         Stage
	Version    int
	By         string
	Via        string
	Comment    string
	LossReason string
	// Amount and ClosedOn, when set, are written with a win.
	Amount   *funnel.Money
	ClosedOn string
}

// MoveStage moves an opportunity to another stage of its pipeline, setting
// status, close date and loss reason with it, and records the move.
func (tx *Tx) MoveStage(ctx context.Context, id string, m Move) (*Opportunity, error) {
	o, err := tx.opportunityForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Version != m.Version {
		return nil, conflict("opportunity", o)
	}
	status := statusOf(m.To.Kind)
	closedOn, amount := "", o.Amount
	if status != funnel.StatusOpen {
		closedOn = m.ClosedOn
		if closedOn == "" {
			closedOn = funnel.Today(tx.now)
		}
	}
	if m.Amount != nil {
		amount = *m.Amount
	}
	lossReason := ""
	if status == funnel.StatusLost {
		lossReason = m.LossReason
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE opportunities SET stage_id = $1, status = $2, closed_on = $3, loss_reason = $4,
		amount_fen = $5, stage_entered_at = $6, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`,
		m.To.ID, status, nullStr(closedOn), lossReason, int64(amount), tx.nowMS(), id, m.Version)
	if err != nil {
		return nil, err
	}
	if err := tx.checkVersion(ctx, res, "opportunity", func() (any, error) { return tx.Opportunity(ctx, System, id) }); err != nil {
		return nil, err
	}
	if amount != o.Amount {
		if err := tx.addChange(ctx, id, m.By, "amount", o.Amount.String(), amount.String()); err != nil {
			return nil, err
		}
	}
	if err := tx.addStageHistory(ctx, id, o.StageID, m.To, amount, m.By, m.Via, m.Comment); err != nil {
		return nil, err
	}
	return tx.Opportunity(ctx, System, id)
}

// StageHistory lists an opportunity's stage moves, oldest first. The caller
// has checked the opportunity is visible.
func (db *DB) StageHistory(ctx context.Context, oppID string) ([]StageMove, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT h.id, h.opportunity_id, COALESCE(h.from_stage_id, ''), h.to_stage_id,
		COALESCE(f.key, ''), t.key, h.at, h.by_user_id, h.probability, h.amount_fen, h.via, h.comment
		FROM stage_history h JOIN stages t ON t.id = h.to_stage_id LEFT JOIN stages f ON f.id = h.from_stage_id
		WHERE h.opportunity_id = $1 ORDER BY h.at, h.id`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StageMove{}
	for rows.Next() {
		var m StageMove
		var at int64
		if err := rows.Scan(&m.ID, &m.OpportunityID, &m.FromStageID, &m.ToStageID, &m.From, &m.To, &at, &m.ByUserID,
			&m.Probability, &m.Amount, &m.Via, &m.Comment); err != nil {
			return nil, err
		}
		m.At = msTime(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Change is one field change of an opportunity.
type Change struct {
	At       time.Time `json:"at"`
	ByUserID string    `json:"by_user_id"`
	Field    string    `json:"field"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
}

// Changes lists an opportunity's field changes, oldest first.
func (db *DB) Changes(ctx context.Context, oppID string) ([]Change, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at, by_user_id, field, old_value, new_value FROM opportunity_changes
		WHERE opportunity_id = $1 ORDER BY at, id`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&at, &c.ByUserID, &c.Field, &c.Old, &c.New); err != nil {
			return nil, err
		}
		c.At = msTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
