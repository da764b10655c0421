package auth

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// TokenInfo describes an issued token without its secret (which is never
// stored): what the steward's token list shows, so that a lost or unused token
// can be found and revoked.
type TokenInfo struct {
	ID            string     `db:"id"`
	Name          string     `db:"name"`
	PrincipalID   string     `db:"principal_id"`
	PrincipalName string     `db:"principal_name"`
	Role          hjx.Role   `db:"role"`
	PartnerID     *string    `db:"partner_id"`
	ProjectID     *string    `db:"project_id"`
	CreatedAt     time.Time  `db:"created_at"`
	ExpiresAt     *time.Time `db:"expires_at"`
	RevokedAt     *time.Time `db:"revoked_at"`
}

// List returns the newest limit tokens of every principal; the steward's only.
func (s *Service) List(ctx context.Context, p *hjx.Principal, limit int) ([]TokenInfo, error) {
	if p == nil || p.Role != hjx.RoleSteward {
		return nil, hjx.Forbidden("only the steward may list tokens")
	}
	if limit < 1 || limit > 500 {
		return nil, hjx.Invalid("first", "must be 1 to 500")
	}
	out := []TokenInfo{}
	err := sqlx.SelectContext(ctx, s.DB, &out, `
		SELECT t.id::text AS id, t.name, p.id::text AS principal_id, p.name AS principal_name, p.role, p.partner_id,
			p.project_id::text AS project_id, t.created_at, t.expires_at, t.revoked_at
		FROM tokens t JOIN principals p ON p.id = t.principal_id
		ORDER BY t.created_at DESC, t.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, hjx.Internal(err, "list tokens")
	}
	return out, nil
}
