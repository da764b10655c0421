package governance

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// DecisionChange is a current project whose access decision for a partner
// would change if a proposed policy were saved: what it is now, what it would
// be (After's reasons say why it would not be ALLOW).
type DecisionChange struct {
	Project       *Project
	Before, After access.Decision
}

// PreviewPolicy computes, without saving anything, which current projects
// (proposed or approved, not expired or revoked) would get another decision
// from partnerID's data under the policy in. It lets an information-governance
// lead see a change's effect before making it. The same people as SetPolicy
// may ask, with the same validation; it is not audited, because it changes
// nothing and shows its asker only decisions accessDecisions already shows them.
func (s *Service) PreviewPolicy(ctx context.Context, p *hjx.Principal, partnerID string, in access.PolicyInput) ([]DecisionChange, error) {
	if p == nil {
		return nil, hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	if !(p.Role == hjx.RoleSteward || (p.Role == hjx.RolePartnerAdmin && p.PartnerID == partnerID)) {
		return nil, hjx.Forbidden("only %s's partner admins and the steward may preview its sharing policy", partnerID)
	}
	var cur decisionRow // its country and current policy
	err := sqlx.GetContext(ctx, s.DB, &cur, `SELECT pa.id AS partner_id, pa.country, `+policyColumns+`
		FROM partners pa `+currentPolicyJoin+` WHERE pa.id = $1`, partnerID)
	if postgres.IsNoRows(err) {
		return nil, hjx.NotFound("partner")
	}
	if err != nil {
		return nil, hjx.Internal(err, "read sharing policy")
	}
	today := s.today()
	proposed, err := in.Policy(partnerID, cur.Country, s.floor(), today)
	if err != nil {
		return nil, err
	}
	var approvals []struct {
		ProjectID string    `db:"project_id"`
		Allow     bool      `db:"allow"`
		DecidedBy string    `db:"decided_by"`
		DecidedAt time.Time `db:"decided_at"`
	}
	err = sqlx.SelectContext(ctx, s.DB, &approvals, `SELECT DISTINCT ON (a.project_id) a.project_id::text AS project_id,
		a.allow, a.decided_by::text AS decided_by, a.decided_at
		FROM project_access_approvals a WHERE a.partner_id = $1 ORDER BY a.project_id, a.id DESC`, partnerID)
	if err != nil {
		return nil, hjx.Internal(err, "read access approvals")
	}
	byProject := make(map[string]*access.Approval, len(approvals))
	for _, a := range approvals {
		byProject[a.ProjectID] = &access.Approval{Allow: a.Allow, DecidedBy: a.DecidedBy, DecidedAt: a.DecidedAt}
	}
	var rows []projectRow
	err = sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+projectColumns+` FROM research_projects rp
		WHERE rp.status IN ('PROPOSED', 'APPROVED') ORDER BY rp.created_at DESC, rp.id DESC`)
	if err != nil {
		return nil, hjx.Internal(err, "list projects")
	}
	before := cur.policy()
	out := []DecisionChange{}
	for _, r := range rows {
		pr := r.project(today)
		if pr.Status == access.StatusExpired || pr.Status == access.StatusRevoked {
			continue
		}
		b := access.Decide(before, pr.Project, byProject[pr.ID], today)
		a := access.Decide(&proposed, pr.Project, byProject[pr.ID], today)
		if a.Outcome != b.Outcome {
			out = append(out, DecisionChange{Project: forViewer(p, pr), Before: b, After: a})
		}
	}
	return out, nil
}
