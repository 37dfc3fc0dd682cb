package store

import (
	"context"
	"time"

	"shangji/internal/funnel"
)

// SessionTTL is how long a web sign-in lasts without signing in again.
const SessionTTL = 14 * 24 * time.Hour

// CreateSession signs userID in for SessionTTL and returns the cookie secret,
// which is not stored (only its hash is). Expired sessions of the same user
// are swept on the way, so the table does not grow without a cleanup job.
func (tx *Tx) CreateSession(ctx context.Context, userID string) (string, error) {
	secret, hash := NewSecret()
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`, userID, tx.nowMS()); err != nil {
		return "", err
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, userID, tx.nowMS(), tx.now.Add(SessionTTL).UnixMilli())
	return secret, err
}

// UserBySession returns the active user signed in with secret, unless the
// session has expired.
func (db *DB) UserBySession(ctx context.Context, secret string) (*User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColsOf("u.")+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = $1 AND s.expires_at > $2 AND u.active = 1`, HashSecret(secret), db.Now().UnixMilli()))
	if funnel.ErrorCode(err) == funnel.ENOTFOUND {
		return nil, funnel.Errorf(funnel.EUNAUTHORIZED, "signed out or session expired")
	}
	return u, err
}

// DeleteSession signs a session out; an unknown secret is not an error.
func (tx *Tx) DeleteSession(ctx context.Context, secret string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, HashSecret(secret))
	return err
}
