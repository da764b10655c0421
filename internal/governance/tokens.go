package governance

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// IssueToken creates a principal and its first token on behalf of p:
//   - the steward may issue any role;
//   - a partner admin may issue PARTNER_ADMIN and PARTNER_UPLOADER tokens of its own
//     partner (partnerId defaults to it);
//   - a researcher may issue DASHBOARD tokens bound to a running project it leads.
//
// The secret is returned once; the issue is audited (never with the secret).
func (s *Service) IssueToken(ctx context.Context, p *hjx.Principal, np auth.NewPrincipal) (*auth.Issued, error) {
	if p == nil {
		return nil, hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	switch p.Role {
	case hjx.RoleSteward:
	case hjx.RolePartnerAdmin:
		if np.Role != hjx.RolePartnerAdmin && np.Role != hjx.RolePartnerUploader {
			return nil, hjx.Forbidden("a partner admin may issue only PARTNER_ADMIN and PARTNER_UPLOADER tokens")
		}
		if np.PartnerID == "" {
			np.PartnerID = p.PartnerID
		}
		if np.PartnerID != p.PartnerID {
			return nil, hjx.Forbidden("a partner admin may issue tokens of its own partner only")
		}
	case hjx.RoleResearcher:
		if np.Role != hjx.RoleDashboard {
			return nil, hjx.Forbidden("a researcher may issue only DASHBOARD tokens of a project it leads")
		}
	default:
		return nil, hjx.Forbidden("role %s may not issue tokens", p.Role)
	}
	if err := np.Validate(s.Now()); err != nil {
		return nil, err
	}
	if err := access.PlainText("name", np.Name); err != nil {
		return nil, err
	}
	var out *auth.Issued
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		if np.Role == hjx.RoleDashboard && p.Role == hjx.RoleResearcher {
			pr, err := s.visibleProject(ctx, tx, p, np.ProjectID, true)
			if hjx.ErrorCode(err) == hjx.CodeNotFound {
				return &hjx.Error{Code: hjx.CodeNotFound, Field: "projectId", Message: "project not found"}
			}
			if err != nil {
				return err
			}
			if pr.LeadID != p.ID {
				return hjx.Forbidden("only the project's lead may issue its dashboard tokens")
			}
			if pr.Status == access.StatusRevoked || pr.Status == access.StatusExpired {
				return hjx.Errorf(hjx.CodeConflict, "the project is %s: it gets no new dashboard tokens", pr.Status)
			}
		}
		var err error
		if out, err = s.Auth.CreatePrincipal(ctx, tx, np); err != nil {
			return err
		}
		e := audit.Entry{Action: "token.issue", Subject: "token:" + out.TokenID, ProjectID: np.ProjectID,
			Detail: map[string]string{"principalId": out.Principal.ID, "role": string(np.Role), "name": out.Principal.Name}}
		if np.PartnerID != "" {
			e.PartnersIncluded = []string{np.PartnerID}
		}
		_, err = s.Audit.Append(ctx, tx, p, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RevokeToken revokes a token p may manage: the steward any; a partner admin the
// tokens of its own partner; a researcher its own tokens and the dashboard tokens of
// projects it leads. Any other token is NOT_FOUND, as if it did not exist.
func (s *Service) RevokeToken(ctx context.Context, p *hjx.Principal, tokenID string) error {
	if p == nil {
		return hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	return postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		owner, err := s.Auth.TokenOwner(ctx, tx, tokenID)
		if err != nil {
			return err
		}
		ok, err := s.mayRevoke(ctx, tx, p, owner)
		if err != nil {
			return err
		}
		if !ok {
			return hjx.NotFound("token")
		}
		if err := s.Auth.Revoke(ctx, tx, tokenID); err != nil {
			return err
		}
		e := audit.Entry{Action: "token.revoke", Subject: "token:" + tokenID, ProjectID: owner.ProjectID,
			Detail: map[string]string{"principalId": owner.ID, "role": string(owner.Role)}}
		if owner.PartnerID != "" {
			e.PartnersIncluded = []string{owner.PartnerID}
		}
		_, err = s.Audit.Append(ctx, tx, p, e)
		return err
	})
}

func (s *Service) mayRevoke(ctx context.Context, q sqlx.QueryerContext, p, owner *hjx.Principal) (bool, error) {
	switch p.Role {
	case hjx.RoleSteward:
		return true, nil
	case hjx.RolePartnerAdmin:
		return owner.IsPartner(p.PartnerID), nil
	case hjx.RoleResearcher:
		if owner.ID == p.ID {
			return true, nil
		}
		if owner.Role != hjx.RoleDashboard {
			return false, nil
		}
		var lead bool
		err := sqlx.GetContext(ctx, q, &lead, `SELECT EXISTS (SELECT 1 FROM project_members
			WHERE project_id = $1 AND principal_id = $2 AND is_lead)`, owner.ProjectID, p.ID)
		if err != nil {
			return false, hjx.Internal(err, "check project lead")
		}
		return lead, nil
	}
	return false, nil
}
