package governance

import (
	"context"

	"github.com/hjx-exchange/hjx/internal/access"
)

// DecisionsForClaims returns every local partner's access decision for a project
// this database does not hold: a national node deciding for its own partners on
// the project facts a federation's coordinator signed (internal/federation). The
// rules are the same as DecisionsForProject's; a COL partner's answer is looked up
// by the project's id, so a partner that has not answered is PENDING_APPROVAL.
// The caller has checked the claims' signature: there is no principal here.
func (s *Service) DecisionsForClaims(ctx context.Context, project access.Project) ([]PartnerDecision, error) {
	return s.decisions(ctx, s.DB, &Project{Project: project}, "")
}
