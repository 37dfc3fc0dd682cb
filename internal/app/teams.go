package app

import (
	"context"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// TeamInput creates or changes a team.
type TeamInput struct {
	Name      string `json:"name"`
	ParentID  string `json:"parent_id,omitempty"`
	ManagerID string `json:"manager_id,omitempty"`
	Region    string `json:"region,omitempty" doc:"region code used in opportunity numbers, e.g. SH"`
	Version   int    `json:"version,omitempty" doc:"required when updating"`
}

func (a *App) validTeam(ctx context.Context, in *TeamInput) error {
	var p funnel.Problems
	in.Name = strings.TrimSpace(in.Name)
	in.Region = strings.ToUpper(strings.TrimSpace(in.Region))
	if in.Name == "" {
		p.Add("name", "is required")
	}
	if in.Region != "" && !funnel.ValidRegionCode(in.Region) {
		p.Add("region", "must be 2–4 capital letters, like SH")
	}
	if in.ManagerID != "" {
		if _, err := a.DB.User(ctx, in.ManagerID); err != nil {
			p.Add("manager_id", "user not found")
		}
	}
	return p.Err()
}

// CreateTeam adds a team to the tree (admin only).
func (a *App) CreateTeam(ctx context.Context, actor *store.User, in TeamInput) (*store.Team, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	if err := a.validTeam(ctx, &in); err != nil {
		return nil, err
	}
	t := &store.Team{Name: in.Name, ParentID: in.ParentID, ManagerID: in.ManagerID, Region: in.Region}
	return t, a.tx(ctx, func(tx *store.Tx) error { return tx.CreateTeam(ctx, t) })
}

// UpdateTeam changes a team (admin only).
func (a *App) UpdateTeam(ctx context.Context, actor *store.User, id string, in TeamInput) (*store.Team, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	if err := a.validTeam(ctx, &in); err != nil {
		return nil, err
	}
	t := &store.Team{ID: id, Name: in.Name, ParentID: in.ParentID, ManagerID: in.ManagerID, Region: in.Region, Version: in.Version}
	if err := a.tx(ctx, func(tx *store.Tx) error { return tx.UpdateTeam(ctx, t) }); err != nil {
		return nil, err
	}
	return a.DB.Team(ctx, id)
}

// DeleteTeam removes an empty team (admin only).
func (a *App) DeleteTeam(ctx context.Context, actor *store.User, id string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error { return tx.DeleteTeam(ctx, id) })
}
