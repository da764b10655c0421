package governance

import (
	"context"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// PartnerDecision is one partner's access decision for a project, with the
// disclosure settings of the partner's current policy that the outcome queries
// need. A partner without a policy is DENY (POLICY_MISSING) with the defaults for
// its country (its data is never used, but the numbers stay meaningful).
type PartnerDecision struct {
	ProjectID      string
	PartnerID      string
	PartnerCountry hjx.Country
	Decision       access.Decision
	PolicyVersion  int // 0: no policy
	MinCell        int
	Identifiable   bool
}

type decisionRow struct {
	Country hjx.Country `db:"country"`
	policyRow
	Allow     *bool      `db:"allow"`
	DecidedBy *string    `db:"decided_by"`
	DecidedAt *time.Time `db:"decided_at"`
}

// DecisionsForProject returns the access decision of every partner (ordered by
// partner id) for projectID, computed afresh from the current policies, the
// partners' COL answers and today's date: a policy change applies to the next call.
// The steward, the project's researchers and its dashboards see every partner; a
// partner admin sees its own partner's row only; anyone else gets NOT_FOUND.
func (s *Service) DecisionsForProject(ctx context.Context, p *hjx.Principal, projectID string) ([]PartnerDecision, error) {
	if p == nil {
		return nil, hjx.NotFound("project")
	}
	pr, err := s.visibleProject(ctx, s.DB, p, projectID, false)
	if err != nil {
		return nil, err
	}
	onlyPartner := ""
	if p.Role == hjx.RolePartnerAdmin {
		onlyPartner = p.PartnerID
	}
	return s.decisions(ctx, s.DB, pr, onlyPartner)
}

func (s *Service) decisions(ctx context.Context, q sqlx.QueryerContext, pr *Project, onlyPartner string) ([]PartnerDecision, error) {
	var rows []decisionRow
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT pa.id AS partner_id, pa.country, `+policyColumns+`,
			ap.allow, ap.decided_by::text AS decided_by, ap.decided_at
		FROM partners pa `+currentPolicyJoin+`
		LEFT JOIN LATERAL (SELECT a.allow, a.decided_by, a.decided_at FROM project_access_approvals a
			WHERE a.project_id = $1 AND a.partner_id = pa.id ORDER BY a.id DESC LIMIT 1) ap ON true
		WHERE ($2 = '' OR pa.id = $2)
		ORDER BY pa.id`, pr.ID, onlyPartner)
	if err != nil {
		return nil, hjx.Internal(err, "read access decisions")
	}
	today := s.today()
	out := make([]PartnerDecision, 0, len(rows))
	for _, r := range rows {
		pol := r.policy()
		var approval *access.Approval
		if r.Allow != nil {
			approval = &access.Approval{Allow: *r.Allow, DecidedBy: hjx.Deref(r.DecidedBy)}
			if r.DecidedAt != nil {
				approval.DecidedAt = *r.DecidedAt
			}
		}
		d := PartnerDecision{ProjectID: pr.ID, PartnerID: r.PartnerID, PartnerCountry: r.Country,
			Decision: access.Decide(pol, pr.Project, approval, today),
			MinCell:  max(access.CountryDefaultMinCell(r.Country), s.floor())}
		if pol != nil {
			d.PolicyVersion, d.MinCell, d.Identifiable = pol.Version, pol.MinCell, pol.Identifiable
		}
		out = append(out, d)
	}
	return out, nil
}

// DecideProjectAccess records a partner admin's answer to a project under its COL
// (collaboration required) policy, and returns the resulting decision. The newest
// answer applies; earlier ones stay as history.
func (s *Service) DecideProjectAccess(ctx context.Context, p *hjx.Principal, projectID, partnerID string, allow bool) (*PartnerDecision, error) {
	if p == nil || p.Role != hjx.RolePartnerAdmin || p.PartnerID != partnerID {
		return nil, hjx.Forbidden("only %s's partner admins may decide on its data's use", partnerID)
	}
	var out *PartnerDecision
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		pr, err := s.visibleProject(ctx, tx, p, projectID, true)
		if err != nil {
			return err
		}
		if pr.Status == access.StatusRevoked || pr.Status == access.StatusExpired {
			return hjx.Errorf(hjx.CodeConflict, "the project is %s: there is nothing to decide", pr.Status)
		}
		var col *bool
		err = sqlx.GetContext(ctx, tx, &col, `SELECT (SELECT collaboration_required FROM sharing_policies
			WHERE partner_id = $1 ORDER BY version DESC LIMIT 1)`, partnerID)
		if err != nil {
			return hjx.Internal(err, "read sharing policy")
		}
		if col == nil || !*col {
			return hjx.Errorf(hjx.CodeConflict, "the current sharing policy of %s does not require collaboration (COL): "+
				"there is no per-project approval to give; set collaborationRequired first", partnerID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO project_access_approvals (project_id, partner_id, allow, decided_by, decided_at)
			VALUES ($1, $2, $3, $4, $5)`, projectID, partnerID, allow, p.ID, s.Now().UTC()); err != nil {
			return hjx.Internal(err, "insert access approval")
		}
		ds, err := s.decisions(ctx, tx, pr, partnerID)
		if err != nil {
			return err
		}
		if len(ds) != 1 {
			return hjx.NotFound("partner")
		}
		out = &ds[0]
		e := audit.Entry{Action: "project.access.decide", Subject: "project:" + projectID, ProjectID: projectID,
			Detail: map[string]string{"allow": strconv.FormatBool(allow), "decision": string(out.Decision.Outcome)}}
		if out.Decision.Outcome == access.Allow {
			e.PartnersIncluded = []string{partnerID}
		} else {
			e.PartnersExcluded = []audit.Excluded{{PartnerID: partnerID, Reasons: out.Decision.ReasonCodes()}}
		}
		_, err = s.Audit.Append(ctx, tx, p, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RequireOutcomeAccess is the "safe project, safe people" check before any outcome
// query: p must be a researcher on projectID, or a dashboard token bound to it, and
// the project must be APPROVED, started and not expired or revoked. Anything else
// is FORBIDDEN (UNAUTHENTICATED without a principal).
func (s *Service) RequireOutcomeAccess(ctx context.Context, p *hjx.Principal, projectID string) error {
	if p == nil {
		return hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	switch p.Role {
	case hjx.RoleResearcher:
	case hjx.RoleDashboard:
		if p.ProjectID != projectID {
			return hjx.Forbidden("this dashboard token is bound to another project")
		}
	default:
		return hjx.Forbidden("only a project's researchers and dashboards may query outcomes")
	}
	if !hjx.ValidID(projectID) {
		return hjx.Forbidden("you are not a member of this project")
	}
	pr, err := s.visibleProject(ctx, s.DB, p, projectID, false)
	if hjx.ErrorCode(err) == hjx.CodeNotFound {
		return hjx.Forbidden("you are not a member of this project")
	}
	if err != nil {
		return err
	}
	if pr.Status != access.StatusApproved {
		return hjx.Forbidden("the project is %s: outcomes are open to APPROVED projects only", pr.Status)
	}
	if s.today().Before(pr.StartsOn) {
		return hjx.Forbidden("the project starts on %s", pr.StartsOn.Format(time.DateOnly))
	}
	return nil
}
