// Package auth issues, checks and revokes the opaque bearer tokens principals use.
// A token's secret is shown once and stored only as its SHA-256, so a copy of the
// database grants no access; it carries a recognisable prefix so secret scanners can
// find one that leaked.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// SecretPrefix starts every token secret ("hjx" + version), for secret scanners.
const SecretPrefix = "hjx1_"

// secretBytes of randomness per token: 256 bits, well above the 128 the threat model asks.
const secretBytes = 32

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Service manages principals' tokens.
type Service struct {
	DB  *sqlx.DB
	Now func() time.Time
}

// NewService returns a Service using the wall clock.
func NewService(db *sqlx.DB) *Service { return &Service{DB: db, Now: time.Now} }

// NewPrincipal describes a principal to create together with its first token.
type NewPrincipal struct {
	Name      string
	Role      hjx.Role
	PartnerID string
	ProjectID string
	ExpiresAt *time.Time
}

// Issued is a freshly created token. Secret exists only here, never in storage.
type Issued struct {
	TokenID   string
	Secret    string
	Principal *hjx.Principal
	ExpiresAt *time.Time
}

func newSecret() (string, []byte, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	secret := SecretPrefix + strings.ToLower(encoding.EncodeToString(b))
	h := sha256.Sum256([]byte(secret))
	return secret, h[:], nil
}

// Validate checks a new principal's fields against the role's binding rules. It does
// not decide who may create it: that is the caller's rule (the CLI is the operator,
// issueToken checks the requesting principal).
func (np NewPrincipal) Validate(now time.Time) error {
	if !np.Role.Valid() {
		return hjx.Invalid("role", "must be one of %s", strings.Join(hjx.Strings(hjx.AllRoles()), ", "))
	}
	name := strings.TrimSpace(np.Name)
	if err := identifiers.CheckText("name", name); err != nil {
		return err
	}
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return hjx.Invalid("name", "must be 1 to 200 characters")
	}
	partnerRole := np.Role == hjx.RolePartnerAdmin || np.Role == hjx.RolePartnerUploader
	if partnerRole && np.PartnerID == "" {
		return hjx.Invalid("partnerId", "is required for role %s", np.Role)
	}
	if !partnerRole && np.PartnerID != "" {
		return hjx.Invalid("partnerId", "applies only to partner roles")
	}
	if np.Role == hjx.RoleDashboard && np.ProjectID == "" {
		return hjx.Invalid("projectId", "is required for role DASHBOARD")
	}
	if np.Role != hjx.RoleDashboard && np.ProjectID != "" {
		return hjx.Invalid("projectId", "applies only to DASHBOARD tokens")
	}
	if np.ProjectID != "" {
		if _, err := uuid.Parse(np.ProjectID); err != nil {
			return hjx.Invalid("projectId", "is not a project id")
		}
	}
	if np.ExpiresAt != nil && !np.ExpiresAt.After(now) {
		return hjx.Invalid("expiresAt", "must be in the future")
	}
	return nil
}

// CreatePrincipal stores a new principal and its first token within tx and returns
// the secret. The partner or project it is bound to must exist.
func (s *Service) CreatePrincipal(ctx context.Context, tx sqlx.ExtContext, np NewPrincipal) (*Issued, error) {
	if err := np.Validate(s.Now()); err != nil {
		return nil, err
	}
	if np.PartnerID != "" {
		var ok bool
		if err := sqlx.GetContext(ctx, tx, &ok, `SELECT EXISTS (SELECT 1 FROM partners WHERE id = $1)`, np.PartnerID); err != nil {
			return nil, hjx.Internal(err, "check partner")
		}
		if !ok {
			return nil, hjx.Invalid("partnerId", "is not a registered partner")
		}
	}
	if np.ProjectID != "" {
		var ok bool
		if err := sqlx.GetContext(ctx, tx, &ok, `SELECT EXISTS (SELECT 1 FROM research_projects WHERE id = $1)`, np.ProjectID); err != nil {
			return nil, hjx.Internal(err, "check project")
		}
		if !ok {
			return nil, hjx.Invalid("projectId", "no such project")
		}
	}
	p := &hjx.Principal{ID: uuid.NewString(), Name: strings.TrimSpace(np.Name), Role: np.Role,
		PartnerID: np.PartnerID, ProjectID: np.ProjectID}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO principals (id, name, role, partner_id, project_id, created_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, '')::uuid, $6)`,
		p.ID, p.Name, string(p.Role), p.PartnerID, p.ProjectID, s.Now())
	if err != nil {
		return nil, hjx.Internal(err, "insert principal")
	}
	return s.AddToken(ctx, tx, p, p.Name, np.ExpiresAt)
}

// AddToken issues another token for an existing principal.
func (s *Service) AddToken(ctx context.Context, tx sqlx.ExtContext, p *hjx.Principal, name string, expiresAt *time.Time) (*Issued, error) {
	secret, hash, err := newSecret()
	if err != nil {
		return nil, hjx.Internal(err, "generate token")
	}
	id := uuid.NewString()
	_, err = tx.ExecContext(ctx, `
		INSERT INTO tokens (id, principal_id, secret_hash, name, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, p.ID, hash, name, s.Now(), expiresAt)
	if err != nil {
		return nil, hjx.Internal(err, "insert token")
	}
	cp := *p
	cp.TokenID = id
	return &Issued{TokenID: id, Secret: secret, Principal: &cp, ExpiresAt: expiresAt}, nil
}

// Create is CreatePrincipal in its own transaction (the CLI's `hjx token create`).
func (s *Service) Create(ctx context.Context, np NewPrincipal) (*Issued, error) {
	var out *Issued
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		var err error
		out, err = s.CreatePrincipal(ctx, tx, np)
		return err
	})
	return out, err
}

type tokenRow struct {
	TokenID     string     `db:"token_id"`
	SecretHash  []byte     `db:"secret_hash"`
	ExpiresAt   *time.Time `db:"expires_at"`
	RevokedAt   *time.Time `db:"revoked_at"`
	PrincipalID string     `db:"principal_id"`
	Name        string     `db:"name"`
	Role        string     `db:"role"`
	PartnerID   *string    `db:"partner_id"`
	ProjectID   *string    `db:"project_id"`
}

// tokenColumns are tokenRow's columns, of tokens t joined to principals p.
const tokenColumns = `t.id AS token_id, t.secret_hash, t.expires_at, t.revoked_at,
	p.id AS principal_id, p.name, p.role, p.partner_id, p.project_id::text AS project_id`

// selectToken reads tokenRows; the caller adds the WHERE.
const selectToken = `SELECT ` + tokenColumns + ` FROM tokens t JOIN principals p ON p.id = t.principal_id`

// ended reports whether the token was revoked or has expired at now.
func (r tokenRow) ended(now time.Time) bool {
	return r.RevokedAt != nil || (r.ExpiresAt != nil && !r.ExpiresAt.After(now))
}

// principal is the token's principal, as a request acts with it.
func (r tokenRow) principal() *hjx.Principal {
	p := principalOf(r.PrincipalID, r.Name, r.Role, r.PartnerID, r.ProjectID)
	p.TokenID = r.TokenID
	return p
}

// principalOf is a principal as stored, where a NULL partner or project is none.
func principalOf(id, name, role string, partnerID, projectID *string) *hjx.Principal {
	return &hjx.Principal{ID: id, Name: name, Role: hjx.Role(role),
		PartnerID: hjx.Deref(partnerID), ProjectID: hjx.Deref(projectID)}
}

// errUnauthenticated is the same for every failure, so a caller cannot tell an
// unknown token from a revoked or expired one.
var errUnauthenticated = hjx.Errorf(hjx.CodeUnauthenticated, "the bearer token is not valid (unknown, expired or revoked)")

// Authenticate returns the principal a bearer secret speaks for.
func (s *Service) Authenticate(ctx context.Context, secret string) (*hjx.Principal, error) {
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) > 200 {
		return nil, errUnauthenticated
	}
	h := sha256.Sum256([]byte(secret))
	var r tokenRow
	err := sqlx.GetContext(ctx, s.DB, &r, selectToken+` WHERE t.secret_hash = $1`, h[:])
	if postgres.IsNoRows(err) {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, hjx.Internal(err, "look up token")
	}
	// The index lookup already matched the hash; compare again in constant time so
	// that no code path compares secret material byte by byte with early exit.
	if subtle.ConstantTimeCompare(r.SecretHash, h[:]) != 1 {
		return nil, errUnauthenticated
	}
	if r.ended(s.Now()) {
		return nil, errUnauthenticated
	}
	return r.principal(), nil
}

// TokenOwner returns the principal a token belongs to, for revocation rules.
func (s *Service) TokenOwner(ctx context.Context, tx sqlx.ExtContext, tokenID string) (*hjx.Principal, error) {
	if _, err := uuid.Parse(tokenID); err != nil {
		return nil, hjx.NotFound("token")
	}
	var r tokenRow
	err := sqlx.GetContext(ctx, tx, &r, selectToken+` WHERE t.id = $1`, tokenID)
	if postgres.IsNoRows(err) {
		return nil, hjx.NotFound("token")
	}
	if err != nil {
		return nil, hjx.Internal(err, "look up token")
	}
	return r.principal(), nil
}

// Revoke marks a token revoked within tx; it is refused from the next request on.
// Revoking a revoked token is a no-op that still succeeds.
func (s *Service) Revoke(ctx context.Context, tx sqlx.ExtContext, tokenID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, tokenID, s.Now())
	if err != nil {
		return hjx.Internal(err, "revoke token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hjx.NotFound("token")
	}
	return nil
}

// PrincipalsByID loads principals for the graph's member lists.
func (s *Service) PrincipalsByID(ctx context.Context, ids []string) (map[string]*hjx.Principal, error) {
	var rows []struct {
		ID        string  `db:"id"`
		Name      string  `db:"name"`
		Role      string  `db:"role"`
		PartnerID *string `db:"partner_id"`
		ProjectID *string `db:"project_id"`
	}
	err := sqlx.SelectContext(ctx, s.DB, &rows, `
		SELECT id, name, role, partner_id, project_id::text AS project_id
		FROM principals WHERE id = ANY($1::uuid[])`, pq.Array(hjx.ValidIDs(ids)))
	if err != nil {
		return nil, hjx.Internal(err, "load principals")
	}
	out := make(map[string]*hjx.Principal, len(rows))
	for _, r := range rows {
		out[r.ID] = principalOf(r.ID, r.Name, r.Role, r.PartnerID, r.ProjectID)
	}
	return out, nil
}
