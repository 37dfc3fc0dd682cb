package app

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// UserInput creates a user.
type UserInput struct {
	Email    string `json:"email" doc:"used to sign in"`
	Name     string `json:"name"`
	Role     string `json:"role,omitempty" enum:"admin,director,manager,rep,presales,customer_success" doc:"required"`
	TeamID   string `json:"team_id,omitempty"`
	Password string `json:"password,omitempty" doc:"at least 10 characters; generated when empty"`
	Locale   string `json:"locale,omitempty" enum:"zh-CN,en"`
	TimeZone string `json:"time_zone,omitempty"`
}

func (in *UserInput) validate() error {
	var p funnel.Problems
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	if _, err := mail.ParseAddress(in.Email); err != nil || in.Email == "" {
		p.Add("email", "is not an e-mail address")
	}
	if in.Name == "" {
		p.Add("name", "is required")
	}
	if !store.ValidRole(in.Role) {
		p.Add("role", "must be one of admin, director, manager, rep, presales, customer_success")
	}
	if in.Password != "" && len([]rune(in.Password)) < MinPasswordLength {
		p.Add("password", "must have at least %d characters", MinPasswordLength)
	}
	if in.Locale != "" && in.Locale != "zh-CN" && in.Locale != "en" {
		p.Add("locale", "must be zh-CN or en")
	}
	if in.TimeZone != "" {
		if _, err := time.LoadLocation(in.TimeZone); err != nil {
			p.Add("time_zone", "is not a known time zone")
		}
	}
	return p.Err()
}

// CreateUser adds a user (admin only; the CLI acts as admin). It returns the
// password, generated when none was given, so it can be shown once.
func (a *App) CreateUser(ctx context.Context, actor *store.User, in UserInput) (*store.User, string, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, "", err
	}
	if err := in.validate(); err != nil {
		return nil, "", err
	}
	pw := in.Password
	if pw == "" {
		pw = GeneratePassword()
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return nil, "", err
	}
	u := &store.User{Email: in.Email, Name: in.Name, Role: in.Role, TeamID: in.TeamID, Locale: in.Locale, TimeZone: in.TimeZone, PasswordHash: hash}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if in.TeamID != "" {
			if _, err := tx.Team(ctx, in.TeamID); err != nil {
				return fieldErr("team_id", "team not found")
			}
		}
		return tx.CreateUser(ctx, u)
	})
	return u, pw, err
}

// UserPatch changes a user; nil fields stay as they are.
type UserPatch struct {
	Name     *string `json:"name,omitempty"`
	Role     *string `json:"role,omitempty" enum:"admin,director,manager,rep,presales,customer_success"`
	TeamID   *string `json:"team_id,omitempty"`
	Locale   *string `json:"locale,omitempty" enum:"zh-CN,en"`
	TimeZone *string `json:"time_zone,omitempty"`
	Active   *bool   `json:"active,omitempty"`
	Password *string `json:"password,omitempty"`
	Version  int     `json:"version"`
}

// UpdateUser changes a user: admins change anyone; a user changes their own
// name, language, zone and password.
func (a *App) UpdateUser(ctx context.Context, actor *store.User, id string, in UserPatch) (*store.User, error) {
	if actor.Role != store.RoleAdmin {
		if actor.ID != id {
			return nil, forbidden("only an admin may change other users")
		}
		if in.Role != nil || in.TeamID != nil || in.Active != nil {
			return nil, forbidden("only an admin may change roles, teams and activation")
		}
	}
	var u *store.User
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(ctx, id); err != nil {
			return err
		}
		in2 := UserInput{Email: u.Email, Name: u.Name, Role: u.Role, Locale: u.Locale, TimeZone: u.TimeZone}
		setStr(&in2.Name, in.Name)
		setStr(&in2.Role, in.Role)
		setStr(&in2.Locale, in.Locale)
		setStr(&in2.TimeZone, in.TimeZone)
		if in.Password != nil {
			in2.Password = *in.Password
			if in2.Password == "" {
				return fieldErr("password", "must not be empty")
			}
		}
		if err := in2.validate(); err != nil {
			return err
		}
		u.Name, u.Role, u.Locale, u.TimeZone = in2.Name, in2.Role, in2.Locale, in2.TimeZone
		if in.TeamID != nil {
			if *in.TeamID != "" {
				if _, err := tx.Team(ctx, *in.TeamID); err != nil {
					return fieldErr("team_id", "team not found")
				}
			}
			u.TeamID = *in.TeamID
		}
		if in.Active != nil {
			u.Active = *in.Active
		}
		if in.Password != nil {
			if u.PasswordHash, err = HashPassword(*in.Password); err != nil {
				return err
			}
		}
		u.Version = in.Version
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		return nil, err
	}
	return a.DB.User(ctx, id)
}

// Login checks an e-mail and password and returns the user.
func (a *App) Login(ctx context.Context, email, pw string) (*store.User, error) {
	u, err := a.DB.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil || !u.Active || !VerifyPassword(u.PasswordHash, pw) {
		return nil, funnel.Errorf(funnel.EUNAUTHORIZED, "wrong e-mail or password")
	}
	return u, nil
}

// Authenticate returns the user holding an API token.
func (a *App) Authenticate(ctx context.Context, token string) (*store.User, error) {
	return a.DB.UserByToken(ctx, token)
}

// CreateToken makes an API token for a user: one's own, or anyone's for an admin.
func (a *App) CreateToken(ctx context.Context, actor *store.User, userID, name string) (string, error) {
	if actor.ID != userID && actor.Role != store.RoleAdmin {
		return "", forbidden("you may create tokens only for yourself")
	}
	var secret string
	err := a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, userID); err != nil {
			return err
		}
		var err error
		secret, err = tx.CreateToken(ctx, userID, name)
		return err
	})
	return secret, err
}

// SetupLink returns a one-time secret for creating the first admin, or ""
// when users exist already: nobody is locked out and nobody gets a default
// password.
func (a *App) SetupLink(ctx context.Context) (string, error) {
	n, err := a.DB.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	var secret string
	err = a.tx(ctx, func(tx *store.Tx) error {
		var err error
		secret, err = tx.CreateSetupToken(ctx)
		return err
	})
	return secret, err
}

// CompleteSetup spends the setup secret and creates the first admin.
func (a *App) CompleteSetup(ctx context.Context, secret string, in UserInput) (*store.User, error) {
	in.Role = store.RoleAdmin
	if in.Password == "" {
		return nil, fieldErr("password", "is required")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &store.User{Email: in.Email, Name: in.Name, Role: store.RoleAdmin, Locale: in.Locale, TimeZone: in.TimeZone, PasswordHash: hash}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.UseSetupToken(ctx, secret); err != nil {
			return err
		}
		return tx.CreateUser(ctx, u)
	})
	return u, err
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

func fieldErr(field, format string, args ...any) error {
	var p funnel.Problems
	p.Add(field, format, args...)
	return p.Err()
}
