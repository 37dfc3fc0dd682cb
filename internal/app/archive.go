package app

import (
	"context"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// ArchiveInput files a closed deal's archive (SPEC §7): success points for
// a win; the loss analysis form for a loss. Version is 0 for the first
// filing, else the archive's version the client saw.
type ArchiveInput struct {
	Version             int      `json:"version" doc:"0 to file it, else the version you saw"`
	SuccessPoints       []string `json:"success_points,omitempty" doc:"won: what made the deal, at least one (e.g. 高层拜访促成决策)"`
	LossReason          string   `json:"loss_reason,omitempty" enum:"competitor_price,needs_changed,decision_maker_changed,insufficient_resources,other," doc:"lost: from the taxonomy; defaults to the reason given at the close"`
	CompetitorStrengths string   `json:"competitor_strengths,omitempty" doc:"lost: what the competitor did better"`
	RealReason          string   `json:"real_reason,omitempty" doc:"lost: the customer's real reason (required)"`
	OwnWeaknesses       string   `json:"own_weaknesses,omitempty" doc:"lost: our own weaknesses (required)"`
}

// FileArchive files or changes the archive of a visible closed deal; the
// owner, those above them and admins may. It settles the archive todo and
// the archive_overdue flag in the same transaction.
func (a *App) FileArchive(ctx context.Context, actor *store.User, oppID string, in ArchiveInput) (*store.DealArchive, error) {
	var out *store.DealArchive
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, actor.Viewer(), oppID)
		if err != nil {
			return err
		}
		if o.Status != funnel.StatusWon && o.Status != funnel.StatusLost {
			return fieldErr("opportunity", "only a won or lost deal is archived")
		}
		if err := mustActFor(ctx, tx, actor, "opportunity", o.OwnerID); err != nil {
			return err
		}
		ar := &store.DealArchive{OpportunityID: o.ID, Outcome: o.Status, ByUserID: actor.ID, Version: in.Version, SuccessPoints: []string{}}
		var p funnel.Problems
		if o.Status == funnel.StatusWon {
			ar.SuccessPoints = cleanList(in.SuccessPoints)
			if len(ar.SuccessPoints) == 0 {
				p.Add("success_points", "a won deal is archived with at least one success point")
			}
		} else {
			ar.LossReason = in.LossReason
			if ar.LossReason == "" {
				ar.LossReason = o.LossReason
			}
			if !validLossReason(ar.LossReason) {
				p.Add("loss_reason", "must be one of %s", strings.Join(LossReasons, ", "))
			}
			ar.CompetitorStrengths, ar.RealReason, ar.OwnWeaknesses =
				strings.TrimSpace(in.CompetitorStrengths), strings.TrimSpace(in.RealReason), strings.TrimSpace(in.OwnWeaknesses)
			if ar.RealReason == "" {
				p.Add("real_reason", "is required in the loss analysis")
			}
			if ar.OwnWeaknesses == "" {
				p.Add("own_weaknesses", "is required in the loss analysis")
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if err := tx.SaveArchive(ctx, ar); err != nil {
			return err
		}
		if _, err := tx.CompleteTodos(ctx, o.ID, actor.ID, store.TodoArchive); err != nil {
			return err
		}
		out = ar
		return tx.ClearRisk(ctx, o.ID, funnel.RuleArchiveOverdue)
	})
	return out, err
}

// Archive returns a visible deal's archive (ENOTFOUND until it is filed).
func (a *App) Archive(ctx context.Context, actor *store.User, oppID string) (*store.DealArchive, error) {
	if _, err := a.DB.Opportunity(ctx, actor.Viewer(), oppID); err != nil {
		return nil, err
	}
	return a.DB.Archive(ctx, oppID)
}

// Points is a user's discipline points ledger and its total.
type Points struct {
	UserID string             `json:"user_id"`
	Total  int                `json:"total" doc:"sum of the deltas (penalties are negative)"`
	Items  []store.PointEntry `json:"items"`
}

// PointsOf returns the ledger of a user the actor acts for (themself, their
// subtree; admins anyone).
func (a *App) PointsOf(ctx context.Context, actor *store.User, userID string) (*Points, error) {
	if userID == "" {
		userID = actor.ID
	}
	err := a.tx(ctx, func(tx *store.Tx) error { return mustActFor(ctx, tx, actor, "user_id", userID) })
	if err != nil {
		return nil, err
	}
	items, err := a.DB.Points(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := &Points{UserID: userID, Items: items}
	if out.Items == nil {
		out.Items = []store.PointEntry{}
	}
	for _, e := range items {
		out.Total += e.Delta
	}
	return out, nil
}

// SaveRhythmSettings changes the rhythm rules' thresholds (admin only);
// zero fields keep their defaults.
func (a *App) SaveRhythmSettings(ctx context.Context, actor *store.User, s funnel.RhythmSettings) (funnel.RhythmSettings, error) {
	if err := requireAdmin(actor); err != nil {
		return s, err
	}
	var p funnel.Problems
	neg := func(field string, v float64) {
		if v < 0 {
			p.Add(field, "must not be negative")
		}
	}
	for f, v := range map[string]float64{"next_contact_lead_hours": float64(s.NextContactLeadHours), "zombie_penalty_days": float64(s.ZombiePenaltyDays),
		"zombie_penalty_points": float64(s.ZombiePenaltyPoints), "zombie_review_days": float64(s.ZombieReviewDays),
		"dwell_min_samples": float64(s.DwellMinSamples), "jump_first_stage_days": float64(s.JumpFirstStageDays),
		"jump_won_within_days": float64(s.JumpWonWithinDays), "overdue_grace_working_days": float64(s.OverdueGraceWorkingDays),
		"escalate_within_days": float64(s.EscalateWithinDays),
		"slow_reply_days":      s.SlowReplyDays, "slow_reply_baseline_days": s.SlowReplyBaselineDays, "slow_reply_min_replies": float64(s.SlowReplyMinReplies),
		"slow_reply_window": float64(s.SlowReplyWindow), "archive_working_days": float64(s.ArchiveWorkingDays),
		"archive_lookback_days": float64(s.ArchiveLookbackDays), "priority_min_health": s.PriorityMinHealth,
		"priority_min_amount": float64(s.PriorityMinAmount), "presales_hours": float64(s.PresalesHours),
		"director_meeting_working_days": float64(s.DirectorMeetingWorkingDays), "contract_review_working_days": float64(s.ContractReviewWorkingDays),
		"every_minutes": float64(s.EveryMinutes)} {
		neg(f, v)
	}
	if s.DwellFactor != 0 && s.DwellFactor < 1 {
		p.Add("dwell_factor", "must be at least 1 (a deal at its average dwell is not late)")
	}
	if s.SlowReplyDays != 0 && s.SlowReplyBaselineDays != 0 && s.SlowReplyBaselineDays >= s.SlowReplyDays {
		p.Add("slow_reply_baseline_days", "must be below slow_reply_days")
	}
	if s.PriorityMinHealth > 100 {
		p.Add("priority_min_health", "is a health score (0–100)")
	}
	if err := p.Err(); err != nil {
		return s, err
	}
	s = s.Fill()
	return s, a.tx(ctx, func(tx *store.Tx) error { return tx.SaveSetting(ctx, funnel.RhythmSetting, s) })
}
