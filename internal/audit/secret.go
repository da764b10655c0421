package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// keyedRequestHash is HMAC-SHA256 under the audit secret of a request's content
// (length-prefixed parts, so no two part lists share an encoding). Two entries that asked the
// same thing still share it, but without the secret nobody can test a guessed query
// against it, as they could an unkeyed hash.
func keyedRequestHash(secret []byte, parts ...string) string {
	h := hmac.New(sha256.New, secret)
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// requestSecret returns the audit secret (table audit_secret, migration 00080),
// read once per Log: it never changes.
func (l *Log) requestSecret(ctx context.Context, q sqlx.QueryerContext) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.secret != nil {
		return l.secret, nil
	}
	var secret []byte
	if err := sqlx.GetContext(ctx, q, &secret, `SELECT secret FROM audit_secret`); err != nil {
		return nil, hjx.Internal(err, "read audit secret")
	}
	l.secret = secret
	return secret, nil
}
