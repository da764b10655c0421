package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// DeriveSecret makes a token secret from a seed and a label with HMAC-SHA256. It
// exists for the demo world only: anyone who knows the seed can derive the secret,
// which is what lets `hjx seed --demo` print the same demo tokens on every run
// without storing them. Production tokens come from crypto/rand (newSecret).
func DeriveSecret(seed, label string) string {
	m := hmac.New(sha256.New, []byte(seed))
	m.Write([]byte(label))
	return SecretPrefix + strings.ToLower(encoding.EncodeToString(m.Sum(nil)))
}

// EnsurePrincipalWithSecret creates the principal id (with np's fields) and a token
// with the given secret, unless that principal already exists: then nothing changes.
// It reports whether it created anything.
func (s *Service) EnsurePrincipalWithSecret(ctx context.Context, tx sqlx.ExtContext, id string, np NewPrincipal, secret string) (bool, error) {
	if err := np.Validate(s.Now()); err != nil {
		return false, err
	}
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) < len(SecretPrefix)+52 {
		return false, hjx.Invalid("secret", "must carry the %s prefix and 256 bits", SecretPrefix)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO principals (id, name, role, partner_id, project_id, created_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, '')::uuid, $6)
		ON CONFLICT (id) DO NOTHING`,
		id, strings.TrimSpace(np.Name), string(np.Role), np.PartnerID, np.ProjectID, s.Now())
	if err != nil {
		return false, hjx.Internal(err, "insert principal")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	h := sha256.Sum256([]byte(secret))
	_, err = tx.ExecContext(ctx, `
		INSERT INTO tokens (id, principal_id, secret_hash, name, created_at, expires_at)
		VALUES ($1, $1, $2, $3, $4, $5)`, id, h[:], np.Name, s.Now(), np.ExpiresAt)
	if err != nil {
		return false, hjx.Internal(err, "insert token")
	}
	return true, nil
}
