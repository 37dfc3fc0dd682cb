package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"shangji/internal/funnel"
)

// Team is a node of the team tree (rep → manager → second line → country →
// region → global, seed 003). Its manager sees everything below it.
type Team struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	ParentID  string    `json:"parent_id,omitempty"`
	ManagerID string    `json:"manager_id,omitempty"`
	Region    string    `json:"region,omitempty"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	path      string
}

const teamCols = `id, name, COALESCE(parent_id, ''), COALESCE(manager_id, ''), region, version, created_at, updated_at, path`

func scanTeam(row interface{ Scan(...any) error }) (*Team, error) {
	var t Team
	var c, u int64
	err := row.Scan(&t.ID, &t.Name, &t.ParentID, &t.ManagerID, &t.Region, &t.Version, &c, &u, &t.path)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("team")
	} else if err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = msTime(c), msTime(u)
	return &t, nil
}

// CreateTeam inserts t under its parent.
func (tx *Tx) CreateTeam(ctx context.Context, t *Team) error {
	t.ID = tx.db.NewID()
	t.Version = 1
	t.CreatedAt, t.UpdatedAt = tx.now, tx.now
	t.path = "/" + t.ID + "/"
	if t.ParentID != "" {
		parent, err := tx.Team(ctx, t.ParentID)
		if err != nil {
			return fieldNotFound("parent_id", "team")
		}
		t.path = parent.path + t.ID + "/"
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO teams (id, name, parent_id, path, manager_id, region, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)`,
		t.ID, t.Name, nullStr(t.ParentID), t.path, nullStr(t.ManagerID), t.Region, tx.nowMS())
	return err
}

// UpdateTeam renames a team, changes its manager or region, or moves it under
// another parent (rewriting the paths of its subtree in the same transaction).
func (tx *Tx) UpdateTeam(ctx context.Context, t *Team) error {
	old, err := tx.Team(ctx, t.ID)
	if err != nil {
		return err
	}
	newPath := "/" + t.ID + "/"
	if t.ParentID != "" {
		parent, err := tx.Team(ctx, t.ParentID)
		if err != nil {
			return fieldNotFound("parent_id", "team")
		}
		if strings.HasPrefix(parent.path, old.path) {
			return &funnel.Error{Code: funnel.EINVALID, Message: "a team cannot move under itself",
				Fields: []funnel.FieldError{{Field: "parent_id", Message: "is this team or one below it"}}}
		}
		newPath = parent.path + t.ID + "/"
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE teams SET name = $1, parent_id = $2, manager_id = $3, region = $4, path = $5,
		version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`,
		t.Name, nullStr(t.ParentID), nullStr(t.ManagerID), t.Region, newPath, tx.nowMS(), t.ID, t.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersion(ctx, res, "team", func() (any, error) { return tx.Team(ctx, t.ID) }); err != nil {
		return err
	}
	if newPath != old.path {
		_, err = tx.tx.ExecContext(ctx, `UPDATE teams SET path = $1 || SUBSTR(path, $2) WHERE path LIKE $3 AND id <> $4`,
			newPath, len(old.path)+1, old.path+"%", t.ID)
	}
	return err
}

// DeleteTeam removes an empty team (no members, no sub-teams).
func (tx *Tx) DeleteTeam(ctx context.Context, id string) error {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE team_id = $1) + (SELECT COUNT(*) FROM teams WHERE parent_id = $1)`, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return funnel.Errorf(funnel.ECONFLICT, "team still has members or sub-teams")
	}
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM teams WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("team")
	}
	return nil
}

// Team returns a team. The team tree is visible to every signed-in user.
func (db *DB) Team(ctx context.Context, id string) (*Team, error) {
	return scanTeam(db.r.QueryRowContext(ctx, `SELECT `+teamCols+` FROM teams WHERE id = $1`, id))
}

// Team reads inside the transaction.
func (tx *Tx) Team(ctx context.Context, id string) (*Team, error) {
	return scanTeam(tx.tx.QueryRowContext(ctx, `SELECT `+teamCols+` FROM teams WHERE id = $1`, id))
}

// Teams lists teams by id.
func (db *DB) Teams(ctx context.Context, pg Page) ([]*Team, string, error) {
	var p params
	rows, err := db.r.QueryContext(ctx, `SELECT `+teamCols+` FROM teams WHERE 1=1`+pg.after(&p, "id")+` ORDER BY id LIMIT `+pg.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanTeam, pg, func(t *Team) string { return t.ID })
}

// ManagerOf returns the manager of the user's team, or of the nearest team
// above it that has one (approvals and escalations go there). "" if none.
func (db *DB) ManagerOf(ctx context.Context, userID string) (string, error) {
	return managerOf(ctx, db.r, userID)
}

// ManagerOf reads inside the transaction.
func (tx *Tx) ManagerOf(ctx context.Context, userID string) (string, error) {
	return managerOf(ctx, tx.tx, userID)
}

func managerOf(ctx context.Context, q querier, userID string) (string, error) {
	var path string
	err := q.QueryRowContext(ctx, `SELECT t.path FROM users u JOIN teams t ON u.team_id = t.id WHERE u.id = $1`, userID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	ids := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(ids) - 1; i >= 0; i-- {
		var m sql.NullString
		if err := q.QueryRowContext(ctx, `SELECT manager_id FROM teams WHERE id = $1`, ids[i]).Scan(&m); err != nil {
			return "", err
		}
		if m.Valid && m.String != "" && m.String != userID {
			return m.String, nil
		}
	}
	return "", nil
}

func fieldNotFound(field, what string) error {
	return &funnel.Error{Code: funnel.EINVALID, Message: "invalid input",
		Fields: []funnel.FieldError{{Field: field, Message: what + " not found"}}}
}

// ManagedTeam returns the highest team userID manages, or "".
func (db *DB) ManagedTeam(ctx context.Context, userID string) (string, error) {
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT id FROM teams WHERE manager_id = $1 ORDER BY LENGTH(path), id LIMIT 1`, userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// TeamByName returns the id of the team with that name, or "".
func (db *DB) TeamByName(ctx context.Context, name string) (string, error) {
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = $1 ORDER BY id LIMIT 1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
