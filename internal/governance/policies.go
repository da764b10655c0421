package governance

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// policyRow is a sharing_policies row. Its fields are nullable so that it also
// scans the empty side of a LEFT JOIN (a partner with no policy).
type policyRow struct {
	PartnerID              string         `db:"partner_id"`
	Version                *int           `db:"version"`
	Permission             *string        `db:"permission"`
	NonCommercialOnly      *bool          `db:"non_commercial_only"`
	NotForProfitOnly       *bool          `db:"not_for_profit_only"`
	AllowedCountries       pq.StringArray `db:"allowed_countries"`
	AllowedInstitutions    pq.StringArray `db:"allowed_institutions"`
	AllowedProjects        pq.StringArray `db:"allowed_projects"`
	ExpiresAt              *time.Time     `db:"expires_at"`
	EthicsApprovalRequired *bool          `db:"ethics_approval_required"`
	CollaborationRequired  *bool          `db:"collaboration_required"`
	PublicationRequired    *bool          `db:"publication_required"`
	MoratoriumUntil        *time.Time     `db:"moratorium_until"`
	MinCell                *int           `db:"min_cell"`
	Identifiable           *bool          `db:"identifiable"`
	CreatedAt              *time.Time     `db:"created_at"`
	CreatedBy              *string        `db:"created_by"`
}

// policyColumns selects a policy as policyRow expects, from alias sp.
const policyColumns = `sp.version, sp.permission, sp.non_commercial_only, sp.not_for_profit_only,
	sp.allowed_countries, sp.allowed_institutions, sp.allowed_projects::text[] AS allowed_projects, sp.expires_at,
	sp.ethics_approval_required, sp.collaboration_required, sp.publication_required, sp.moratorium_until,
	sp.min_cell, sp.identifiable, sp.created_at, sp.created_by::text AS created_by`

// currentPolicyJoin joins each partner pa to its newest policy version sp (if any).
const currentPolicyJoin = `LEFT JOIN LATERAL (SELECT * FROM sharing_policies s WHERE s.partner_id = pa.id
	ORDER BY s.version DESC LIMIT 1) sp ON true`

// policy returns the row as a policy, nil when it is the empty side of a join.
func (r policyRow) policy() *access.Policy {
	if r.Version == nil {
		return nil
	}
	list := func(a pq.StringArray) []string {
		if a == nil {
			return nil
		}
		return []string(a)
	}
	p := &access.Policy{PartnerID: r.PartnerID, Version: *r.Version, Permission: access.Permission(hjx.Deref(r.Permission)),
		NonCommercialOnly: hjx.Deref(r.NonCommercialOnly), NotForProfitOnly: hjx.Deref(r.NotForProfitOnly),
		AllowedCountries: hjx.Codes[hjx.Country](r.AllowedCountries), AllowedInstitutions: list(r.AllowedInstitutions),
		AllowedProjects: list(r.AllowedProjects), ExpiresAt: utcDate(r.ExpiresAt),
		EthicsApprovalRequired: hjx.Deref(r.EthicsApprovalRequired), CollaborationRequired: hjx.Deref(r.CollaborationRequired),
		PublicationRequired: hjx.Deref(r.PublicationRequired), MoratoriumUntil: utcDate(r.MoratoriumUntil),
		Identifiable: hjx.Deref(r.Identifiable), CreatedBy: hjx.Deref(r.CreatedBy)}
	if r.MinCell != nil {
		p.MinCell = *r.MinCell
	}
	if r.CreatedAt != nil {
		p.CreatedAt = *r.CreatedAt
	}
	return p
}

func utcDate(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := hjx.DateOf(*t)
	return &u
}

// nullableArray stores nil as SQL NULL ("no restriction") and a list as an array.
func nullableArray[T ~string](xs []T) any {
	if xs == nil {
		return nil
	}
	return pq.Array(xs)
}

// SetPolicy stores a new version of partnerID's sharing policy. Its admins and the
// steward may; the new version applies from the next decision on, and the change is
// audited in the same transaction.
func (s *Service) SetPolicy(ctx context.Context, p *hjx.Principal, partnerID string, in access.PolicyInput) (*access.Policy, error) {
	if p == nil {
		return nil, hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	if !(p.Role == hjx.RoleSteward || (p.Role == hjx.RolePartnerAdmin && p.PartnerID == partnerID)) {
		return nil, hjx.Forbidden("only %s's partner admins and the steward may set its sharing policy", partnerID)
	}
	var out *access.Policy
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		// Locking the partner row serialises versions of its policy; NO KEY keeps
		// uploads (whose foreign keys take KEY SHARE) flowing meanwhile.
		var country hjx.Country
		err := sqlx.GetContext(ctx, tx, &country, `SELECT country FROM partners WHERE id = $1 FOR NO KEY UPDATE`, partnerID)
		if postgres.IsNoRows(err) {
			return hjx.NotFound("partner")
		}
		if err != nil {
			return hjx.Internal(err, "lock partner")
		}
		pol, err := in.Policy(partnerID, country, s.floor(), s.today())
		if err != nil {
			return err
		}
		pol.CreatedAt = s.Now().UTC()
		pol.CreatedBy = p.ID
		err = sqlx.GetContext(ctx, tx, &pol.Version, `
			INSERT INTO sharing_policies (partner_id, version, permission, non_commercial_only, not_for_profit_only,
				allowed_countries, allowed_institutions, allowed_projects, expires_at, ethics_approval_required,
				collaboration_required, publication_required, moratorium_until, min_cell, identifiable, created_at, created_by)
			SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4, $5, $6, $7::uuid[], $8, $9, $10, $11, $12, $13, $14, $15,
				NULLIF($16, '')::uuid
			FROM sharing_policies WHERE partner_id = $1
			RETURNING version`,
			partnerID, string(pol.Permission), pol.NonCommercialOnly, pol.NotForProfitOnly,
			nullableArray(pol.AllowedCountries), nullableArray(pol.AllowedInstitutions), nullableArray(pol.AllowedProjects),
			pol.ExpiresAt, pol.EthicsApprovalRequired, pol.CollaborationRequired, pol.PublicationRequired,
			pol.MoratoriumUntil, pol.MinCell, pol.Identifiable, pol.CreatedAt, p.ID)
		if err != nil {
			return hjx.Internal(err, "insert sharing policy")
		}
		_, err = s.Audit.Append(ctx, tx, p, audit.Entry{ChangesData: true, Action: "policy.set", Subject: "partner:" + partnerID,
			PartnersIncluded: []string{partnerID},
			Detail: map[string]string{"version": strconv.Itoa(pol.Version), "duo": strings.Join(pol.Codes(), " "),
				"minCell": strconv.Itoa(pol.MinCell), "identifiable": strconv.FormatBool(pol.Identifiable)}})
		out = &pol
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CurrentPolicy returns the policy that applies to partnerID now: its admins and
// the steward may read it; anyone else, and a partner with no policy, get NOT_FOUND.
func (s *Service) CurrentPolicy(ctx context.Context, p *hjx.Principal, partnerID string) (*access.Policy, error) {
	if p == nil || !(p.Role == hjx.RoleSteward || (p.Role == hjx.RolePartnerAdmin && p.PartnerID == partnerID)) {
		return nil, hjx.NotFound("sharing policy")
	}
	var r policyRow
	err := sqlx.GetContext(ctx, s.DB, &r, `SELECT pa.id AS partner_id, `+policyColumns+`
		FROM partners pa `+currentPolicyJoin+` WHERE pa.id = $1`, partnerID)
	if postgres.IsNoRows(err) {
		return nil, hjx.NotFound("partner")
	}
	if err != nil {
		return nil, hjx.Internal(err, "read sharing policy")
	}
	pol := r.policy()
	if pol == nil {
		return nil, &hjx.Error{Code: hjx.CodeNotFound,
			Message: "sharing policy not found: partner " + partnerID + " has set none, so it shares with no one"}
	}
	return pol, nil
}
