package governance

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// UsageMonth is how many outcome queries of one project included a partner's
// figures in one calendar month (UTC).
type UsageMonth struct {
	ProjectID    string `db:"project_id"`
	ProjectTitle string `db:"project_title"`
	Month        string `db:"month"` // YYYY-MM
	Queries      int    `db:"queries"`
}

// DataUsageSummary counts, by project and month, the outcome queries whose
// answer included partnerID's figures: the partner's "who used our data" view,
// read from the audit log. The same people as DataUsage may ask.
func (s *Service) DataUsageSummary(ctx context.Context, p *hjx.Principal, partnerID string) ([]UsageMonth, error) {
	if p == nil || !(p.Role == hjx.RoleSteward || (p.Role == hjx.RolePartnerAdmin && p.PartnerID == partnerID)) {
		return nil, hjx.Forbidden("only %s's partner admins and the steward may read its data usage", partnerID)
	}
	out := []UsageMonth{}
	err := sqlx.SelectContext(ctx, s.DB, &out, `
		SELECT COALESCE(a.project_id::text, '') AS project_id, COALESCE(rp.title, '') AS project_title,
			to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*)::int AS queries
		FROM audit_entries a LEFT JOIN research_projects rp ON rp.id = a.project_id
		WHERE a.action = 'outcomes.query' AND a.partners_included @> ARRAY[$1]::text[]
		GROUP BY 1, 2, 3 ORDER BY 3 DESC, 2, 1`, partnerID)
	if err != nil {
		return nil, hjx.Internal(err, "summarise data usage")
	}
	return out, nil
}

// ChainStatus is the result of verifying the audit log's hash chain.
type ChainStatus struct {
	OK       bool
	Entries  int64
	HeadHash string
	// FirstBadSeq and Problem say where and why the chain breaks (OK false).
	FirstBadSeq int64
	Problem     string
}

// AuditChainStatus verifies the whole audit hash chain (audit.Verify, as `hjx
// audit verify` does) for the steward's audit page. It reads every entry, so it
// costs as much as the log is long.
func (s *Service) AuditChainStatus(ctx context.Context, p *hjx.Principal) (*ChainStatus, error) {
	if p == nil || p.Role != hjx.RoleSteward {
		return nil, hjx.Forbidden("only the steward may verify the audit log")
	}
	checked, head, problem, err := audit.Verify(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	out := &ChainStatus{OK: problem == nil, Entries: checked, HeadHash: head}
	if problem != nil {
		out.FirstBadSeq, out.Problem = problem.Seq, problem.Reason
	}
	return out, nil
}
