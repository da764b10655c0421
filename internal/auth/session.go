package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// Session limits when none are configured: a browser session lasts at most a
// working day and ends after half an hour without a request, so a browser left
// open on a shared desk does not keep a partner's access.
const (
	DefaultSessionMaxAge = 12 * time.Hour
	DefaultSessionIdle   = 30 * time.Minute
)

// sessionTouchEvery is how stale last_seen_at may get before a request updates
// it: one write a minute per session at most, not one per request.
const sessionTouchEvery = time.Minute

// Sessions turns a token pasted once into a browser session (the portal's
// sign-in), so the token itself need not stay in the page where scripts can
// read it. A session speaks for its token's principal and never outlives the
// token: it ends at the token's expiry, on the token's revocation, at MaxAge,
// after Idle without use, or on sign-out.
type Sessions struct {
	Tokens *Service
	// MaxAge caps a session's life; 0 is DefaultSessionMaxAge.
	MaxAge time.Duration
	// Idle ends a session unused for that long; 0 is DefaultSessionIdle.
	Idle time.Duration
}

// Session is an open session. ID is the cookie's value and exists only here and
// in the browser: storage holds its SHA-256. CSRF is the value the browser must
// send back in a header with every request the cookie authenticates.
type Session struct {
	ID        string
	CSRF      string
	Principal *hjx.Principal
	ExpiresAt time.Time
}

var errSessionEnded = hjx.Errorf(hjx.CodeUnauthenticated,
	"your session has ended (signed out, expired, idle too long, or its token was revoked): sign in again with your token")

func (s *Sessions) maxAge() time.Duration {
	if s.MaxAge > 0 {
		return s.MaxAge
	}
	return DefaultSessionMaxAge
}

func (s *Sessions) idle() time.Duration {
	if s.Idle > 0 {
		return s.Idle
	}
	return DefaultSessionIdle
}

func randomText() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(encoding.EncodeToString(b)), nil
}

func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// Start checks a token's secret and opens a session for its principal. A bad
// secret gets the same error as a bad bearer token.
func (s *Sessions) Start(ctx context.Context, secret string) (*Session, error) {
	p, err := s.Tokens.Authenticate(ctx, secret)
	if err != nil {
		return nil, err
	}
	var tokenExpiry *time.Time
	if err := sqlx.GetContext(ctx, s.Tokens.DB, &tokenExpiry, `SELECT expires_at FROM tokens WHERE id = $1`, p.TokenID); err != nil {
		return nil, hjx.Internal(err, "read token expiry")
	}
	now := s.Tokens.Now()
	expires := now.Add(s.maxAge())
	if tokenExpiry != nil && tokenExpiry.Before(expires) {
		expires = *tokenExpiry
	}
	id, err := randomText()
	if err != nil {
		return nil, hjx.Internal(err, "generate session")
	}
	csrf, err := randomText()
	if err != nil {
		return nil, hjx.Internal(err, "generate session")
	}
	_, err = s.Tokens.DB.ExecContext(ctx, `
		INSERT INTO sessions (id_hash, token_id, csrf_token, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $4, $5)`, sessionHash(id), p.TokenID, csrf, now, expires)
	if err != nil {
		return nil, hjx.Internal(err, "insert session")
	}
	return &Session{ID: id, CSRF: csrf, Principal: p, ExpiresAt: expires}, nil
}

type sessionRow struct {
	tokenRow
	CSRF           string     `db:"csrf_token"`
	LastSeen       time.Time  `db:"last_seen_at"`
	SessionExpires time.Time  `db:"session_expires_at"`
	SessionRevoked *time.Time `db:"session_revoked_at"`
}

// Resume returns the open session a cookie names, with its principal, and
// records the use (for the idle limit). Every way a session can have ended gives
// the same error, which tells the person to sign in again.
func (s *Sessions) Resume(ctx context.Context, id string) (*Session, error) {
	if id == "" || len(id) > 200 {
		return nil, errSessionEnded
	}
	h := sessionHash(id)
	var r sessionRow
	err := sqlx.GetContext(ctx, s.Tokens.DB, &r, `
		SELECT `+tokenColumns+`,
		       s.csrf_token, s.last_seen_at, s.expires_at AS session_expires_at, s.revoked_at AS session_revoked_at
		FROM sessions s JOIN tokens t ON t.id = s.token_id JOIN principals p ON p.id = t.principal_id
		WHERE s.id_hash = $1`, h)
	if postgres.IsNoRows(err) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, hjx.Internal(err, "look up session")
	}
	now := s.Tokens.Now()
	switch {
	case r.SessionRevoked != nil, !r.SessionExpires.After(now), !r.LastSeen.Add(s.idle()).After(now),
		r.RevokedAt != nil, r.ExpiresAt != nil && !r.ExpiresAt.After(now):
		return nil, errSessionEnded
	}
	if now.Sub(r.LastSeen) >= sessionTouchEvery {
		if _, err := s.Tokens.DB.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1`, h, now); err != nil {
			return nil, hjx.Internal(err, "touch session")
		}
	}
	return &Session{ID: id, CSRF: r.CSRF, Principal: r.principal(), ExpiresAt: r.SessionExpires}, nil
}

// CheckCSRF reports whether the header value a request carried is the
// session's CSRF value, compared in constant time.
func (sess *Session) CheckCSRF(header string) bool {
	return header != "" && subtle.ConstantTimeCompare([]byte(header), []byte(sess.CSRF)) == 1
}

// End revokes a session (sign-out). Ending a session that has already ended
// succeeds: the person is signed out either way.
func (s *Sessions) End(ctx context.Context, id string) error {
	_, err := s.Tokens.DB.ExecContext(ctx, `UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2) WHERE id_hash = $1`,
		sessionHash(id), s.Tokens.Now())
	if err != nil {
		return hjx.Internal(err, "end session")
	}
	return nil
}
