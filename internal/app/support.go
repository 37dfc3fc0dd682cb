package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// Support requests (SPEC §6, seed 002). Decisions, also in docs/support.md:
//
//   - Helpers are users whose role is presales or customer_success; their
//     team is "the supporting team".
//   - Anyone who sees the deal (its owner, a collaborator, a manager above the
//     owner) may ask, once the deal is at the proposal stage or later
//     (funnel.SupportRules.ProposalStage) with a health score above 70.
//   - The helper, or someone who acts for them (their manager, an admin),
//     accepts or refuses; a refusal needs a reason and goes to the
//     requester's sales director (store.DirectorOf), who approves it or
//     overrules it (the request is then accepted).
//   - The answer is due 24 clock hours after the request. The helper gets a
//     todo due then, so the overdue escalation (owner, then manager) applies;
//     an unanswered request past its deadline is listed as overdue to
//     everyone who sees it, the director included. A late answer is taken
//     and marked responded_late.
//   - Either party completes an accepted request; then the requester rates
//     the helper and the helper the requester, once each. Two ratings in a
//     row under 8 received by a team flag it; a rating of 8 or more clears.
//   - The numbers (70, 24 h, 8, two) are settings (funnel.SupportRules).

// SupportSettings are the support-request thresholds: seed 002's numbers,
// or an admin's under funnel.SupportSetting.
func (a *App) SupportSettings(ctx context.Context) (funnel.SupportRules, error) {
	var r funnel.SupportRules
	_, err := a.DB.Setting(ctx, funnel.SupportSetting, &r)
	return r.Fill(), err
}

// SaveSupportSettings stores an admin's thresholds (zero fields: defaults).
func (a *App) SaveSupportSettings(ctx context.Context, actor *store.User, r funnel.SupportRules) (funnel.SupportRules, error) {
	if err := requireAdmin(actor); err != nil {
		return r, err
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	r = r.Fill()
	return r, a.tx(ctx, func(tx *store.Tx) error { return tx.SaveSetting(ctx, funnel.SupportSetting, r) })
}

// supportRules reads the thresholds inside the transaction.
func supportRules(ctx context.Context, tx *store.Tx) (funnel.SupportRules, error) {
	var r funnel.SupportRules
	_, err := tx.Setting(ctx, funnel.SupportSetting, &r)
	return r.Fill(), err
}

func hours(n int) time.Duration { return time.Duration(n) * time.Hour }

// SupportInput asks for help on a deal.
type SupportInput struct {
	HelperID       string     `json:"helper_id,omitempty" doc:"a presales or customer-success user"`
	Type           string     `json:"type,omitempty" doc:"solution, demo, technical, poc, tender, delivery or other"`
	NeededBy       *time.Time `json:"needed_by,omitempty" doc:"when the help is needed (时间节点)"`
	ExpectedOutput string     `json:"expected_output,omitempty" doc:"what the helper should deliver (期望输出)"`
	Note           string     `json:"note,omitempty"`
}

// AskSupport files a support request on a deal the actor sees.
func (a *App) AskSupport(ctx context.Context, actor *store.User, oppID string, in SupportInput) (*store.SupportRequest, error) {
	in.ExpectedOutput, in.Note, in.HelperID = strings.TrimSpace(in.ExpectedOutput), strings.TrimSpace(in.Note), strings.TrimSpace(in.HelperID)
	var out *store.SupportRequest
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.Opportunity(ctx, actor.Viewer(), oppID)
		if err != nil {
			return err
		}
		rules, err := supportRules(ctx, tx)
		if err != nil {
			return err
		}
		var p funnel.Problems
		addAll := func(err error) error {
			if fe, ok := err.(*funnel.Error); ok && fe.Code == funnel.EINVALID {
				p = append(p, fe.Fields...)
				return nil
			}
			return err
		}
		if err := addAll(funnel.SupportAsk{Type: in.Type, NeededBy: in.NeededBy, ExpectedOutput: in.ExpectedOutput, Note: in.Note}.Validate(tx.Now())); err != nil {
			return err
		}
		helper, err := supportHelper(ctx, tx, actor, in.HelperID)
		if err := addAll(err); err != nil {
			return err
		}
		pl, err := tx.Pipeline(ctx, o.PipelineID)
		if err != nil {
			return err
		}
		stages := make([]funnel.Stage, len(pl.Stages))
		for i, s := range pl.Stages {
			stages[i] = s.Stage
		}
		if err := addAll(rules.SupportEligible(stages, o.Stage, o.HealthScore)); err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		director, err := tx.DirectorOf(ctx, actor.ID)
		if err != nil {
			return err
		}
		s := &store.SupportRequest{OpportunityID: o.ID, RequesterID: actor.ID, HelperID: helper.ID, HelperRole: helper.Role, Type: in.Type,
			NeededBy: in.NeededBy.UTC().Truncate(time.Millisecond), ExpectedOutput: in.ExpectedOutput, Note: in.Note, StageKey: o.Stage,
			HealthScore: o.HealthScore, RespondBy: rules.RespondBy(tx.Now()), ApproverID: director}
		if err := tx.CreateSupportRequest(ctx, s); err != nil {
			return err
		}
		title := fmt.Sprintf("回复支持申请：%s（%s）", o.Name, supportTypeZH(s.Type))
		detail := fmt.Sprintf("申请人：%s\n期望输出：%s\n需要时间：%s", actor.Name, s.ExpectedOutput, s.NeededBy.In(funnel.CompanyZone).Format("2006-01-02 15:04"))
		if _, err := tx.AddTodo(ctx, &store.Todo{Kind: store.TodoSupportResponse, OpportunityID: o.ID, DueKey: s.ID, OwnerID: helper.ID,
			DueAt: s.RespondBy, Title: title, Detail: detail}); err != nil {
			return err
		}
		if _, err := tx.EnqueueNotification(ctx, store.Notice{UserID: helper.ID, Key: "support-requested:" + s.ID,
			Subject: "新的支持申请：" + o.Name, Body: detail + "\n请在 " + s.RespondBy.In(funnel.CompanyZone).Format("2006-01-02 15:04") + " 前接受或拒绝"}); err != nil {
			return err
		}
		out = s
		return nil
	})
	return out, err
}

// supportHelper checks the user asked: active, presales or customer success,
// not the requester. Problems name helper_id.
func supportHelper(ctx context.Context, tx *store.Tx, actor *store.User, id string) (*store.User, error) {
	if id == "" {
		return nil, fieldErr("helper_id", "is required: a presales or customer-success user")
	}
	u, err := tx.User(ctx, id)
	switch {
	case funnel.ErrorCode(err) == funnel.ENOTFOUND:
		return nil, fieldErr("helper_id", "user %s not found", id)
	case err != nil:
		return nil, err
	case u.ID == actor.ID:
		return nil, fieldErr("helper_id", "cannot ask yourself for support")
	case !u.Active:
		return nil, fieldErr("helper_id", "user %s is inactive", id)
	case u.Role != store.RolePresales && u.Role != store.RoleCustomerSuccess:
		return nil, fieldErr("helper_id", "must be a presales or customer-success user, not %s", u.Role)
	}
	return u, nil
}

func supportTypeZH(key string) string {
	for _, t := range funnel.SupportTypes {
		if t.Key == key {
			return t.ZH
		}
	}
	return key
}

// SupportQuery filters the requests a user lists.
type SupportQuery struct {
	Mine          bool // asked by me
	Assigned      bool // asked of me
	ToDecide      bool // refusals I decide
	OpportunityID string
	Status        string
	Overdue       bool
	store.Page
}

// SupportRequests lists the requests the actor sees.
func (a *App) SupportRequests(ctx context.Context, actor *store.User, q SupportQuery) ([]*store.SupportRequest, string, error) {
	f := store.SupportFilter{OpportunityID: q.OpportunityID, Status: q.Status, Overdue: q.Overdue, Page: q.Page}
	if q.Mine {
		f.RequesterID = actor.ID
	}
	if q.Assigned {
		f.HelperID = actor.ID
	}
	if q.ToDecide {
		f.ApproverID, f.Status = actor.ID, funnel.SupportRefusalPending
	}
	return a.DB.SupportRequests(ctx, actor.Viewer(), f)
}

// SupportRequest reads one request the actor sees.
func (a *App) SupportRequest(ctx context.Context, actor *store.User, id string) (*store.SupportRequest, error) {
	return a.DB.SupportRequest(ctx, actor.Viewer(), id)
}

// SupportAnswer accepts or refuses; Version is the request's the client saw.
type SupportAnswer struct {
	Version int    `json:"version,omitempty" doc:"the request's version"`
	Reason  string `json:"reason,omitempty" doc:"required when refusing"`
}

// AnswerSupport is the helper's answer. Of two racing answers one wins; the
// other is a conflict (409) with the request as it is now.
func (a *App) AnswerSupport(ctx context.Context, actor *store.User, id string, accept bool, in SupportAnswer) (*store.SupportRequest, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	action := funnel.SupportAccept
	if !accept {
		action = funnel.SupportRefuse
		if err := funnel.ValidateRefusal(in.Reason); err != nil {
			return nil, err
		}
	}
	return a.changeSupport(ctx, actor, id, in.Version, func(tx *store.Tx, s *store.SupportRequest, deal string) error {
		if err := mustActForSide(ctx, tx, actor, "only the helper, their manager or an admin may answer", s.HelperID); err != nil {
			return err
		}
		next, err := funnel.SupportNext(s.Status, action)
		if err != nil {
			return err
		}
		now := tx.Now()
		s.Status, s.RespondedAt, s.RespondedBy = next, &now, actor.ID
		if !accept {
			s.RefusalReason = in.Reason
		}
		if err := tx.CloseSupportTodo(ctx, store.TodoSupportResponse, s.OpportunityID, s.ID, actor.ID); err != nil {
			return err
		}
		if accept {
			return notifySupport(ctx, tx, s.RequesterID, "support-accepted:"+s.ID, "支持申请已接受："+deal, "支持人已接受你的申请。")
		}
		if s.ApproverID != "" {
			rules, err := supportRules(ctx, tx)
			if err != nil {
				return err
			}
			if _, err := tx.AddTodo(ctx, &store.Todo{Kind: store.TodoSupportRefusal, OpportunityID: s.OpportunityID, DueKey: s.ID,
				OwnerID: s.ApproverID, DueAt: now.Add(hours(rules.DecisionHours)), Title: "审批支持申请的拒绝：" + deal,
				Detail: "拒绝理由：" + s.RefusalReason}); err != nil {
				return err
			}
			if err := notifySupport(ctx, tx, s.ApproverID, "support-refused:"+s.ID, "支持申请被拒绝，待你审批："+deal, "拒绝理由："+s.RefusalReason); err != nil {
				return err
			}
		}
		return notifySupport(ctx, tx, s.RequesterID, "support-refused-requester:"+s.ID, "支持申请被拒绝（待总监审批）："+deal, "拒绝理由："+s.RefusalReason)
	})
}

// RefusalDecision is the director's decision on a refusal.
type RefusalDecision struct {
	Version int    `json:"version,omitempty" doc:"the request's version"`
	Approve *bool  `json:"approve,omitempty" doc:"true: the refusal stands; false: the helper must help"`
	Comment string `json:"comment,omitempty" doc:"required when overruling the refusal"`
}

// DecideSupportRefusal lets the sales director (someone above them, or an
// admin) approve a refusal, or overrule it, which accepts the request.
func (a *App) DecideSupportRefusal(ctx context.Context, actor *store.User, id string, in RefusalDecision) (*store.SupportRequest, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	var p funnel.Problems
	if in.Approve == nil {
		p.Add("approve", "is required: true to let the refusal stand, false to overrule it")
	} else if !*in.Approve && in.Comment == "" {
		p.Add("comment", "is required when overruling a refusal: tell the helper why")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return a.changeSupport(ctx, actor, id, in.Version, func(tx *store.Tx, s *store.SupportRequest, deal string) error {
		if !a.mayApprove(ctx, tx, actor, s.ApproverID) {
			return forbidden("only the sales director, someone above them or an admin may decide a refusal")
		}
		action := funnel.SupportRejectRefusal
		if *in.Approve {
			action = funnel.SupportApproveRefusal
		}
		next, err := funnel.SupportNext(s.Status, action)
		if err != nil {
			return err
		}
		now := tx.Now()
		s.Status, s.DecidedBy, s.DecidedAt, s.DecisionComment = next, actor.ID, &now, in.Comment
		if err := tx.CloseSupportTodo(ctx, store.TodoSupportRefusal, s.OpportunityID, s.ID, actor.ID); err != nil {
			return err
		}
		verdict := "总监同意拒绝：" + deal
		if !*in.Approve {
			verdict = "总监驳回拒绝，支持申请改为接受：" + deal
		}
		for _, u := range []string{s.RequesterID, s.HelperID} {
			if err := notifySupport(ctx, tx, u, "support-decided:"+s.ID, verdict, in.Comment); err != nil {
				return err
			}
		}
		return nil
	})
}

// SupportVersion carries the version of a request for a plain action.
type SupportVersion struct {
	Version int `json:"version,omitempty" doc:"the request's version"`
}

// CompleteSupport closes an accepted request (either party, or those who act
// for them); both sides then get a todo to rate the other.
func (a *App) CompleteSupport(ctx context.Context, actor *store.User, id string, in SupportVersion) (*store.SupportRequest, error) {
	return a.changeSupport(ctx, actor, id, in.Version, func(tx *store.Tx, s *store.SupportRequest, deal string) error {
		if err := mustActForSide(ctx, tx, actor, "only the requester, the helper or those above them may complete a request", s.RequesterID, s.HelperID); err != nil {
			return err
		}
		next, err := funnel.SupportNext(s.Status, funnel.SupportComplete)
		if err != nil {
			return err
		}
		rules, err := supportRules(ctx, tx)
		if err != nil {
			return err
		}
		now := tx.Now()
		s.Status, s.CompletedAt, s.CompletedBy = next, &now, actor.ID
		for _, r := range []struct{ rater, side, title string }{
			{s.RequesterID, funnel.SupportRatesHelper, "评价支持人：" + deal},
			{s.HelperID, funnel.SupportRatesRequester, "评价申请人：" + deal},
		} {
			if _, err := tx.AddTodo(ctx, &store.Todo{Kind: store.TodoSupportRating, OpportunityID: s.OpportunityID, DueKey: s.ID + ":" + r.side,
				OwnerID: r.rater, DueAt: now.Add(hours(rules.RatingHours)), Title: r.title, Detail: "填写《协作评价表》：1–10 分"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// CancelSupport withdraws a request that has no answer yet (the requester,
// or those who act for them).
func (a *App) CancelSupport(ctx context.Context, actor *store.User, id string, in SupportVersion) (*store.SupportRequest, error) {
	return a.changeSupport(ctx, actor, id, in.Version, func(tx *store.Tx, s *store.SupportRequest, deal string) error {
		if err := mustActForSide(ctx, tx, actor, "only the requester, their manager or an admin may withdraw a request", s.RequesterID); err != nil {
			return err
		}
		next, err := funnel.SupportNext(s.Status, funnel.SupportCancel)
		if err != nil {
			return err
		}
		s.Status = next
		return tx.CloseSupportTodo(ctx, store.TodoSupportResponse, s.OpportunityID, s.ID, actor.ID)
	})
}

// changeSupport loads a visible request, applies change at the client's
// version and saves it; change gets the deal's name for messages.
func (a *App) changeSupport(ctx context.Context, actor *store.User, id string, version int,
	change func(tx *store.Tx, s *store.SupportRequest, deal string) error) (*store.SupportRequest, error) {
	var out *store.SupportRequest
	err := a.tx(ctx, func(tx *store.Tx) error {
		s, err := tx.SupportRequest(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		if version == 0 {
			return fieldErr("version", "is required")
		}
		o, err := tx.Opportunity(ctx, store.System, s.OpportunityID)
		if err != nil {
			return err
		}
		s.Version = version
		if err := change(tx, s, o.Name); err != nil {
			return err
		}
		if err := tx.SaveSupportRequest(ctx, s); err != nil {
			return err
		}
		out = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a.DB.SupportRequest(ctx, actor.Viewer(), out.ID)
}

// mustActForSide allows the actor when they act for one of the users.
func mustActForSide(ctx context.Context, tx *store.Tx, actor *store.User, why string, users ...string) error {
	for _, u := range users {
		ok, err := tx.CanActFor(ctx, actor.Viewer(), u)
		if err != nil || ok {
			return err
		}
	}
	return forbidden("%s", why)
}

func notifySupport(ctx context.Context, tx *store.Tx, userID, key, subject, body string) error {
	_, err := tx.EnqueueNotification(ctx, store.Notice{UserID: userID, Key: key, Subject: subject, Body: body})
	return err
}

// SupportRatingInput is one side's rating of the other.
type SupportRatingInput struct {
	Score   *int   `json:"score,omitempty" doc:"1 to 10"`
	Comment string `json:"comment,omitempty"`
}

// RateSupport records the actor's rating of the other side of a completed
// request (the requester rates the helper, the helper the requester), and
// raises or clears the flag of the rated person's team.
func (a *App) RateSupport(ctx context.Context, actor *store.User, id string, in SupportRatingInput) (*store.SupportRequest, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	if err := funnel.ValidateSupportScore(in.Score, in.Comment); err != nil {
		return nil, err
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		s, err := tx.SupportRequest(ctx, actor.Viewer(), id)
		if err != nil {
			return err
		}
		side, ratee := "", ""
		switch actor.ID {
		case s.RequesterID:
			side, ratee = funnel.SupportRatesHelper, s.HelperID
		case s.HelperID:
			side, ratee = funnel.SupportRatesRequester, s.RequesterID
		default:
			return forbidden("only the requester and the helper rate each other")
		}
		if s.Status != funnel.SupportCompleted {
			return funnel.Errorf(funnel.ECONFLICT, "a support request is rated once completed; this one is %s", s.Status)
		}
		u, err := tx.User(ctx, ratee)
		if err != nil {
			return err
		}
		r := &store.SupportRating{RequestID: s.ID, Side: side, RaterID: actor.ID, RateeID: ratee, RateeTeamID: u.TeamID, Score: *in.Score, Comment: in.Comment}
		rules, err := supportRules(ctx, tx)
		if err != nil {
			return err
		}
		recent, err := tx.AddSupportRating(ctx, r, rules.FlagRun)
		if err != nil {
			return err
		}
		if err := tx.CloseSupportTodo(ctx, store.TodoSupportRating, s.OpportunityID, s.ID+":"+side, actor.ID); err != nil {
			return err
		}
		if u.TeamID == "" {
			return nil
		}
		scores := make([]int, len(recent))
		evidence := make([]store.SupportFlagScore, len(recent))
		for i, x := range recent {
			scores[i] = x.Score
			evidence[i] = store.SupportFlagScore{RequestID: x.RequestID, Side: x.Side, Score: x.Score}
		}
		return tx.SetSupportTeamFlag(ctx, u.TeamID, rules.TeamFlagged(scores), evidence)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.SupportRequest(ctx, actor.Viewer(), id)
}

// SupportTeamFlags lists flagged teams (all, or one).
func (a *App) SupportTeamFlags(ctx context.Context, actor *store.User, teamID string) ([]store.SupportTeamFlag, error) {
	return a.DB.SupportTeamFlags(ctx, teamID)
}
