package governance

import (
	"context"
	"slices"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// AuditLog returns one page of the whole audit log, newest first: the steward's
// view (the data access committee reads everything).
func (s *Service) AuditLog(ctx context.Context, p *hjx.Principal, page hjx.Page) (*hjx.Connection[audit.Entry], error) {
	if p == nil || p.Role != hjx.RoleSteward {
		return nil, hjx.Forbidden("only the steward may read the whole audit log")
	}
	return audit.List(ctx, s.DB, "", page)
}

// DataUsage returns one page, newest first, of the audit entries that mention
// partnerID as included in or excluded from what they record: who used (or was
// refused) the partner's data, and the changes to its policy and tokens. The
// partner's admins and the steward may read it; a partner admin sees each entry as
// it concerns its own partner only (partnerView).
func (s *Service) DataUsage(ctx context.Context, p *hjx.Principal, partnerID string, page hjx.Page) (*hjx.Connection[audit.Entry], error) {
	if p == nil || !(p.Role == hjx.RoleSteward || (p.Role == hjx.RolePartnerAdmin && p.PartnerID == partnerID)) {
		return nil, hjx.Forbidden("only %s's partner admins and the steward may read its data usage", partnerID)
	}
	if partnerID == "" {
		return nil, hjx.Invalid("partnerId", "is required")
	}
	c, err := audit.List(ctx, s.DB, partnerID, page)
	if err != nil || p.Role == hjx.RoleSteward {
		return c, err
	}
	for i, e := range c.Items {
		c.Items[i] = partnerView(e, partnerID)
	}
	return c, nil
}

// partnerView is an entry as a partner may read it: whether its own data was
// included, and its own exclusion reasons, but no other partner's id or policy
// reasons (which would tell one partner another's sharing policy), and no request
// hash (another researcher's query, even hashed, is not the partner's to read).
func partnerView(e audit.Entry, partnerID string) audit.Entry {
	included := []string{}
	if slices.Contains(e.PartnersIncluded, partnerID) {
		included = append(included, partnerID)
	}
	excluded := []audit.Excluded{}
	for _, x := range e.PartnersExcluded {
		if x.PartnerID == partnerID {
			excluded = append(excluded, x)
		}
	}
	e.PartnersIncluded, e.PartnersExcluded, e.RequestHash = included, excluded, ""
	return e
}
