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
// It reports whether it created anything. The principal is marked demo (see
// ValidDemoTokens).
func (s *Service) EnsurePrincipalWithSecret(ctx context.Context, tx sqlx.ExtContext, id string, np NewPrincipal, secret string) (bool, error) {
	if err := np.Validate(s.Now()); err != nil {
		return false, err
	}
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) < len(SecretPrefix)+52 {
		return false, hjx.Invalid("secret", "must carry the %s prefix and 256 bits", SecretPrefix)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO principals (id, name, role, partner_id, project_id, created_at, demo)
		VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, '')::uuid, $6, true)
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

// ValidDemoTokens counts the tokens of demo principals that would still
// authenticate. Production mode refuses to serve while there are any: their
// secrets derive from a seed anyone can read, the steward's included.
func (s *Service) ValidDemoTokens(ctx context.Context) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, s.DB, &n, `
		SELECT count(*) FROM tokens t JOIN principals p ON p.id = t.principal_id
		WHERE p.demo AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $1)`, s.Now())
	if err != nil {
		return 0, hjx.Internal(err, "count demo tokens")
	}
	return n, nil
}

// RevokeDemo revokes every valid token of every demo principal (those its
// seed derives and any issued to them since) and returns how many: the
// operator's step before a database that was ever seeded with --demo serves
// in production mode.
func (s *Service) RevokeDemo(ctx context.Context) (int, error) {
	res, err := s.DB.ExecContext(ctx, `
		UPDATE tokens t SET revoked_at = $1
		FROM principals p
		WHERE p.id = t.principal_id AND p.demo AND t.revoked_at IS NULL`, s.Now())
	if err != nil {
		return 0, hjx.Internal(err, "revoke demo tokens")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, hjx.Internal(err, "revoke demo tokens")
	}
	return int(n), nil
}
