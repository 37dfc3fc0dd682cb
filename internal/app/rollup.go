package app

import (
	"context"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// SubmitInput signs off a forecast for a scope and period.
type SubmitInput struct {
	Scope   string `json:"scope" enum:"user,team" doc:"user: my own deals; team: a team I manage"`
	ScopeID string `json:"scope_id"`
	Period  string `json:"period" doc:"2026-Q4 or 2026-11"`
	Amount  string `json:"amount,omitempty" doc:"the forecast to submit; default the live forecast. An adjustment needs a comment."`
	Comment string `json:"comment,omitempty"`
}

// SubmitForecast records a sign-off: a rep submits their own forecast, a
// manager their team's (seed 003: each level reviews before the next sees it).
func (a *App) SubmitForecast(ctx context.Context, actor *store.User, in SubmitInput) (*store.Submission, error) {
	var p funnel.Problems
	if _, err := funnel.ParsePeriod(in.Period); err != nil || len(in.Period) == 4 {
		p.Add("period", "must be a quarter like 2026-Q4 or a month like 2026-11")
	}
	switch in.Scope {
	case "user":
		if in.ScopeID != actor.ID {
			p.Add("scope_id", "you can submit only your own forecast; a manager submits the team's")
		}
	case "team":
		t, err := a.DB.Team(ctx, in.ScopeID)
		if err != nil {
			p.Add("scope_id", "team not found")
		} else if t.ManagerID != actor.ID && actor.Role != store.RoleAdmin {
			return nil, forbidden("only the team's manager submits its forecast")
		}
	default:
		p.Add("scope", "must be user or team")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	scope := ReportScope{OwnerID: in.ScopeID}
	if in.Scope == "team" {
		scope = ReportScope{TeamID: in.ScopeID}
	}
	live, err := a.Forecast(ctx, actor, in.Period, scope)
	if err != nil {
		return nil, err
	}
	s := &store.Submission{Scope: in.Scope, ScopeID: in.ScopeID, Period: in.Period, Live: live.Forecast, Amount: live.Forecast,
		Comment: strings.TrimSpace(in.Comment), SubmittedBy: actor.ID}
	if in.Amount != "" {
		if s.Amount, err = funnel.ParseMoney(in.Amount); err != nil {
			return nil, fieldErr("amount", "%v", err)
		}
	}
	if s.Amount != s.Live && s.Comment == "" {
		return nil, fieldErr("comment", "is required when the submitted forecast differs from the live one: say why")
	}
	return s, a.tx(ctx, func(tx *store.Tx) error { return tx.Submit(ctx, s) })
}

// RollupRow is one unit below a team: a sub-team or a member.
type RollupRow struct {
	Kind      string            `json:"kind" enum:"team,user"`
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Live      funnel.Money      `json:"live" doc:"live forecast now"`
	Submitted *store.Submission `json:"submitted" doc:"the latest sign-off, or null"`
}

// Rollup is a team's forecast as the level below submitted it, beside live.
type Rollup struct {
	Period         string            `json:"period"`
	TeamID         string            `json:"team_id"`
	TeamName       string            `json:"team_name"`
	Live           funnel.Money      `json:"live"`
	SubmittedBelow funnel.Money      `json:"submitted_below" doc:"Σ of the rows' submitted amounts (live where a row has not submitted)"`
	Missing        int               `json:"missing" doc:"rows that have not submitted yet"`
	Submitted      *store.Submission `json:"submitted" doc:"the team's own sign-off, or null"`
	Rows           []RollupRow       `json:"rows"`
}

// Rollup shows a team's forecast for a period: each sub-team and member with
// their live forecast and latest submission, and the team's own sign-off.
// The team must be in the caller's view (its manager, above, or admin).
func (a *App) Rollup(ctx context.Context, actor *store.User, period, teamID string) (*Rollup, error) {
	if teamID == "" {
		t, err := a.DB.ManagedTeam(ctx, actor.ID)
		if err != nil {
			return nil, err
		}
		teamID = t
	}
	if ok, err := a.DB.CanSeeTeam(ctx, actor.Viewer(), teamID); err != nil || !ok || teamID == "" {
		return nil, orNotFound(err, "team")
	}
	team, err := a.DB.Team(ctx, teamID)
	if err != nil {
		return nil, err
	}
	live, err := a.Forecast(ctx, actor, period, ReportScope{TeamID: teamID})
	if err != nil {
		return nil, err
	}
	out := &Rollup{Period: live.Period, TeamID: teamID, TeamName: team.Name, Live: live.Forecast, Rows: []RollupRow{}}
	if out.Submitted, err = a.DB.LatestSubmission(ctx, "team", teamID, live.Period); err != nil {
		return nil, err
	}
	teams, members, err := a.DB.TeamChildren(ctx, teamID)
	if err != nil {
		return nil, err
	}
	add := func(kind, id, name string, scope ReportScope) error {
		f, err := a.Forecast(ctx, actor, live.Period, scope)
		if err != nil {
			return err
		}
		row := RollupRow{Kind: kind, ID: id, Name: name, Live: f.Forecast}
		if row.Submitted, err = a.DB.LatestSubmission(ctx, kind, id, live.Period); err != nil {
			return err
		}
		if row.Submitted != nil {
			out.SubmittedBelow += row.Submitted.Amount
		} else {
			out.SubmittedBelow += row.Live
			out.Missing++
		}
		out.Rows = append(out.Rows, row)
		return nil
	}
	for _, t := range teams {
		if err := add("team", t.ID, t.Name, ReportScope{TeamID: t.ID}); err != nil {
			return nil, err
		}
	}
	for _, u := range members {
		if err := add("user", u.ID, u.Name, ReportScope{OwnerID: u.ID}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
