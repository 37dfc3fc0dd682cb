package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"shangji/internal/funnel"
)

// Roles. Only admin changes what a user may see; the others name the job.
const (
	RoleAdmin           = "admin"
	RoleDirector        = "director"
	RoleManager         = "manager"
	RoleRep             = "rep"
	RolePresales        = "presales"
	RoleCustomerSuccess = "customer_success"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleDirector, RoleManager, RoleRep, RolePresales, RoleCustomerSuccess:
		return true
	}
	return false
}

// User is a person who signs in.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	TeamID       string    `json:"team_id,omitempty"`
	Locale       string    `json:"locale"`
	TimeZone     string    `json:"time_zone"`
	Active       bool      `json:"active"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	PasswordHash string    `json:"-"`
}

// Viewer returns the visibility of u.
func (u *User) Viewer() Viewer { return Viewer{UserID: u.ID, Admin: u.Role == RoleAdmin} }

// userColsOf lists the columns scanUser reads, qualified by a table alias.
func userColsOf(a string) string {
	return fmt.Sprintf(`%[1]sid, %[1]semail, %[1]sname, %[1]srole, COALESCE(%[1]steam_id, ''), %[1]slocale, %[1]stime_zone,
		%[1]sactive, %[1]sversion, %[1]screated_at, %[1]supdated_at, %[1]spassword_hash`, a)
}

var userCols = userColsOf("")

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var active int
	var created, updated int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.TeamID, &u.Locale, &u.TimeZone, &active, &u.Version, &created, &updated, &u.PasswordHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	} else if err != nil {
		return nil, err
	}
	u.Active = active == 1
	u.CreatedAt, u.UpdatedAt = msTime(created), msTime(updated)
	return &u, nil
}

// CreateUser inserts u; the email must be new.
func (tx *Tx) CreateUser(ctx context.Context, u *User) error {
	u.ID = tx.db.NewID()
	u.Version, u.Active = 1, true
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	if u.Locale == "" {
		u.Locale = "zh-CN"
	}
	if u.TimeZone == "" {
		u.TimeZone = "Asia/Shanghai"
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, team_id, locale, time_zone, active, version, created_at, updated_at, password_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 1, 1, $8, $8, $9)`,
		u.ID, u.Email, u.Name, u.Role, nullStr(u.TeamID), u.Locale, u.TimeZone, tx.nowMS(), u.PasswordHash)
	if isUniqueViolation(err) {
		return &funnel.Error{Code: funnel.ECONFLICT, Message: "a user with this email exists",
			Fields: []funnel.FieldError{{Field: "email", Message: "already taken"}}}
	}
	return err
}

// UpdateUser writes u if its version is current.
func (tx *Tx) UpdateUser(ctx context.Context, u *User) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, team_id = $3, locale = $4, time_zone = $5,
		active = $6, password_hash = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10`,
		u.Name, u.Role, nullStr(u.TeamID), u.Locale, u.TimeZone, boolInt(u.Active), u.PasswordHash, tx.nowMS(), u.ID, u.Version)
	if err != nil {
		return err
	}
	return tx.checkVersion(ctx, res, "user", func() (any, error) { return tx.db.userBy(ctx, tx.tx, "id", u.ID) })
}

// User returns the user with id. Users are visible to every signed-in user
// (names and emails are needed to assign and mention colleagues).
func (db *DB) User(ctx context.Context, id string) (*User, error) {
	return db.userBy(ctx, db.r, "id", id)
}

// UserByEmail returns the user with that email.
func (db *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	return db.userBy(ctx, db.r, "email", email)
}

// User reads inside the transaction.
func (tx *Tx) User(ctx context.Context, id string) (*User, error) {
	return tx.db.userBy(ctx, tx.tx, "id", id)
}

func (db *DB) userBy(ctx context.Context, q querier, col, v string) (*User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+col+` = $1`, v))
}

// UserFilter selects users to list.
type UserFilter struct {
	TeamID string
	Page
}

// Users lists users by id.
func (db *DB) Users(ctx context.Context, f UserFilter) ([]*User, string, error) {
	var p params
	where := "1=1"
	if f.TeamID != "" {
		where += " AND team_id = " + p.add(f.TeamID)
	}
	where += f.after(&p, "id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE `+where+` ORDER BY id LIMIT `+f.limitPlusOne(&p), p...)
	if err != nil {
		return nil, "", err
	}
	return collect(rows, scanUser, f.Page, func(u *User) string { return u.ID })
}

// CountUsers tells whether anyone exists yet (first start).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
