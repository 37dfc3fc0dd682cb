package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"shangji/internal/funnel"
)

// tokenPrefix makes Shangji tokens easy to spot in logs and secret scanners.
const tokenPrefix = "sjt_"

// NewSecret returns a random token and the hash kept at rest. Only the hash is
// stored: a stolen database does not yield working tokens.
func NewSecret() (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret is SHA-256: tokens are 256 random bits, so a slow hash adds nothing.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken makes an API token for userID and returns its secret, shown once.
func (tx *Tx) CreateToken(ctx context.Context, userID, name string) (string, error) {
	secret, hash := NewSecret()
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		tx.db.NewID(), userID, name, hash, tx.nowMS())
	return secret, err
}

// UserByToken returns the active user holding the token.
func (db *DB) UserByToken(ctx context.Context, secret string) (*User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColsOf("u.")+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND t.revoked_at IS NULL AND u.active = 1`, HashSecret(secret)))
	if funnel.ErrorCode(err) == funnel.ENOTFOUND {
		return nil, funnel.Errorf(funnel.EUNAUTHORIZED, "invalid or revoked token")
	}
	return u, err
}

// CreateSetupToken stores a one-time first-admin link secret.
func (tx *Tx) CreateSetupToken(ctx context.Context) (string, error) {
	secret, hash := NewSecret()
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO setup_tokens (hash, created_at) VALUES ($1, $2)`, hash, tx.nowMS())
	return secret, err
}

// UseSetupToken spends a setup secret; it works once, and only while nobody
// has an account yet.
func (tx *Tx) UseSetupToken(ctx context.Context, secret string) error {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE setup_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL`, tx.nowMS(), HashSecret(secret))
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k != 1 || n > 0 {
		return funnel.Errorf(funnel.EUNAUTHORIZED, "this setup link is invalid or was already used")
	}
	return nil
}
