package governance

import (
	"context"

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
// partner's admins and the steward may read it.
func (s *Service) DataUsage(ctx context.Context, p *hjx.Principal, partnerID string, page hjx.Page) (*hjx.Connection[audit.Entry], error) {
	if p == nil || !(p.Role == hjx.RoleSteward || (p.Role == hjx.RolePartnerAdmin && p.PartnerID == partnerID)) {
		return nil, hjx.Forbidden("only %s's partner admins and the steward may read its data usage", partnerID)
	}
	if partnerID == "" {
		return nil, hjx.Invalid("partnerId", "is required")
	}
	return audit.List(ctx, s.DB, partnerID, page)
}
