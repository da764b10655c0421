package governance

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// Project is a research project as governance sees it: the facts the decision
// engine matches (access.Project), its dates and its lifecycle.
type Project struct {
	access.Project
	Title         string
	StartsOn      time.Time
	EndsOn        time.Time
	Status        access.Status // on today's date: EXPIRED is computed, never stored
	ApprovedAt    *time.Time
	RevokedAt     *time.Time
	RevokedReason string
	CreatedAt     time.Time
	LeadID        string
	// MemberIDs are the researchers on the project, lead first. Empty for viewers
	// who may see the project but not who works on it (dashboards).
	MemberIDs []string
}

type projectRow struct {
	ID                   string         `db:"id"`
	Title                string         `db:"title"`
	Institution          string         `db:"institution"`
	InstitutionCountry   hjx.Country    `db:"institution_country"`
	ForProfit            bool           `db:"for_profit"`
	Purpose              string         `db:"purpose"`
	CommercialUse        bool           `db:"commercial_use"`
	EthicsApprovalRef    *string        `db:"ethics_approval_ref"`
	PublicationCommitted bool           `db:"publication_committed"`
	StartsOn             time.Time      `db:"starts_on"`
	EndsOn               time.Time      `db:"ends_on"`
	Status               string         `db:"status"`
	ApprovedAt           *time.Time     `db:"approved_at"`
	RevokedAt            *time.Time     `db:"revoked_at"`
	RevokedReason        *string        `db:"revoked_reason"`
	CreatedAt            time.Time      `db:"created_at"`
	LeadID               *string        `db:"lead_id"`
	MemberIDs            pq.StringArray `db:"member_ids"`
}

// projectColumns selects a project as projectRow expects, from alias rp.
const projectColumns = `rp.id::text AS id, rp.title, rp.institution, rp.institution_country, rp.for_profit, rp.purpose,
	rp.commercial_use, rp.ethics_approval_ref, rp.publication_committed, rp.starts_on, rp.ends_on, rp.status,
	rp.approved_at, rp.revoked_at, rp.revoked_reason, rp.created_at,
	(SELECT m.principal_id::text FROM project_members m WHERE m.project_id = rp.id AND m.is_lead) AS lead_id,
	COALESCE((SELECT array_agg(m.principal_id::text ORDER BY m.is_lead DESC, m.added_at, m.principal_id)
		FROM project_members m WHERE m.project_id = rp.id), '{}') AS member_ids`

// visibleProjectSQL is the object-level scope of projects: the steward and partner
// admins (who decide on projects' use of their data) see every project, a
// researcher the projects they are a member of, a dashboard its own project.
// $1 role, $2 principal id, $3 dashboard project id.
const visibleProjectSQL = `($1 IN ('STEWARD', 'PARTNER_ADMIN')
	OR ($1 = 'RESEARCHER' AND EXISTS (SELECT 1 FROM project_members v
		WHERE v.project_id = rp.id AND v.principal_id = NULLIF($2, '')::uuid))
	OR ($1 = 'DASHBOARD' AND rp.id = NULLIF($3, '')::uuid))`

func scopeArgs(p *hjx.Principal) []any {
	return []any{string(p.Role), p.ID, p.ProjectID}
}

func (r projectRow) project(today time.Time) *Project {
	out := &Project{Project: access.Project{ID: r.ID, Institution: r.Institution, InstitutionCountry: r.InstitutionCountry,
		ForProfit: r.ForProfit, Purpose: access.Purpose(r.Purpose), CommercialUse: r.CommercialUse,
		EthicsApprovalRef: hjx.Deref(r.EthicsApprovalRef), PublicationCommitted: r.PublicationCommitted},
		Title: r.Title, StartsOn: hjx.DateOf(r.StartsOn), EndsOn: hjx.DateOf(r.EndsOn),
		Status:     access.StatusOn(access.Status(r.Status), r.EndsOn, today),
		ApprovedAt: r.ApprovedAt, RevokedAt: r.RevokedAt, RevokedReason: hjx.Deref(r.RevokedReason), CreatedAt: r.CreatedAt,
		LeadID: hjx.Deref(r.LeadID), MemberIDs: []string(r.MemberIDs)}
	if out.MemberIDs == nil {
		out.MemberIDs = []string{}
	}
	return out
}

// forViewer hides what p may not see of a visible project.
func forViewer(p *hjx.Principal, pr *Project) *Project {
	if p.Role == hjx.RoleDashboard {
		pr.MemberIDs, pr.LeadID = []string{}, ""
	}
	return pr
}

// Project returns one project p may see, NOT_FOUND otherwise (a researcher asking
// for a project they are not on cannot tell it exists).
func (s *Service) Project(ctx context.Context, p *hjx.Principal, id string) (*Project, error) {
	if p == nil || !hjx.ValidID(id) {
		return nil, hjx.NotFound("project")
	}
	return s.visibleProject(ctx, s.DB, p, id, false)
}

func (s *Service) visibleProject(ctx context.Context, q sqlx.QueryerContext, p *hjx.Principal, id string, lock bool) (*Project, error) {
	if !hjx.ValidID(id) {
		return nil, hjx.NotFound("project")
	}
	query := `SELECT ` + projectColumns + ` FROM research_projects rp WHERE rp.id = $4 AND ` + visibleProjectSQL
	if lock {
		query += ` FOR NO KEY UPDATE OF rp`
	}
	var r projectRow
	err := sqlx.GetContext(ctx, q, &r, query, append(scopeArgs(p), id)...)
	if postgres.IsNoRows(err) {
		return nil, hjx.NotFound("project")
	}
	if err != nil {
		return nil, hjx.Internal(err, "read project")
	}
	return forViewer(p, r.project(s.today())), nil
}

// Projects lists the projects p may see, newest first (keyset on creation time, id).
func (s *Service) Projects(ctx context.Context, p *hjx.Principal, page hjx.Page) (*hjx.Connection[*Project], error) {
	if p == nil {
		return nil, hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	afterAt, afterID := time.Time{}, ""
	if page.AfterKey != "" {
		at, id, ok := strings.Cut(page.AfterKey, "|")
		t, err := time.Parse(time.RFC3339Nano, at)
		if !ok || err != nil || !hjx.ValidID(id) {
			return nil, hjx.Invalid("after", "is not a cursor of this list")
		}
		afterAt, afterID = t, id
	}
	args := append(scopeArgs(p), afterID, afterAt, page.First+1)
	var rows []projectRow
	err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+projectColumns+` FROM research_projects rp
		WHERE `+visibleProjectSQL+` AND ($4 = '' OR (rp.created_at, rp.id) < ($5, NULLIF($4, '')::uuid))
		ORDER BY rp.created_at DESC, rp.id DESC LIMIT $6`, args...)
	if err != nil {
		return nil, hjx.Internal(err, "list projects")
	}
	var total int
	err = sqlx.GetContext(ctx, s.DB, &total, `SELECT count(*) FROM research_projects rp WHERE `+visibleProjectSQL, scopeArgs(p)...)
	if err != nil {
		return nil, hjx.Internal(err, "count projects")
	}
	c := &hjx.Connection[*Project]{TotalCount: total, HasPrevious: afterID != "", Items: []*Project{}}
	if len(rows) > page.First {
		rows, c.HasNext = rows[:page.First], true
	}
	today := s.today()
	for _, r := range rows {
		c.Items = append(c.Items, forViewer(p, r.project(today)))
		c.Keys = append(c.Keys, r.CreatedAt.UTC().Format(time.RFC3339Nano)+"|"+r.ID)
	}
	return c, nil
}

// ProposeProject records a researcher's proposal; the researcher becomes its lead.
func (s *Service) ProposeProject(ctx context.Context, p *hjx.Principal, in access.ProjectInput) (*Project, error) {
	return s.ProposeProjectWithID(ctx, p, uuid.NewString(), in)
}

// ProposeProjectWithID is ProposeProject with the new project's id chosen by the
// caller: the demo world's project has a fixed id, so that the playground's examples
// and the docs can name it and run as written. The API never lets a client choose.
func (s *Service) ProposeProjectWithID(ctx context.Context, p *hjx.Principal, id string, in access.ProjectInput) (*Project, error) {
	if p == nil || p.Role != hjx.RoleResearcher {
		return nil, hjx.Forbidden("only researchers may propose projects")
	}
	if err := in.Validate(s.today()); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, hjx.Invalid("id", "must be a UUID")
	}
	now := s.Now().UTC()
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO research_projects (id, title, institution, institution_country, for_profit, purpose,
				commercial_use, ethics_approval_ref, publication_committed, starts_on, ends_on, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), $9, $10, $11, 'PROPOSED', $12)`,
			id, in.Title, in.Institution, in.InstitutionCountry, in.ForProfit, string(in.Purpose), in.CommercialUse,
			in.EthicsApprovalRef, in.PublicationCommitted, in.StartsOn, in.EndsOn, now)
		if err != nil {
			return hjx.Internal(err, "insert project")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO project_members (project_id, principal_id, is_lead, added_at)
			VALUES ($1, $2, true, $3)`, id, p.ID, now); err != nil {
			return hjx.Internal(err, "insert project lead")
		}
		_, err = s.Audit.Append(ctx, tx, p, audit.Entry{Action: "project.propose", Subject: "project:" + id, ProjectID: id,
			Detail: map[string]string{"title": in.Title, "institution": in.Institution, "purpose": string(in.Purpose)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Project(ctx, p, id)
}

// AddProjectMember adds a researcher to a project: the steward or the project's
// lead may. The project must still be running (not revoked, not expired).
func (s *Service) AddProjectMember(ctx context.Context, p *hjx.Principal, projectID, principalID string) (*Project, error) {
	if p == nil || (p.Role != hjx.RoleSteward && p.Role != hjx.RoleResearcher) {
		return nil, hjx.Forbidden("only the steward or the project's lead may add members")
	}
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		pr, err := s.visibleProject(ctx, tx, p, projectID, true)
		if err != nil {
			return err
		}
		if p.Role == hjx.RoleResearcher && pr.LeadID != p.ID {
			return hjx.Forbidden("only the project's lead may add members")
		}
		if pr.Status == access.StatusRevoked || pr.Status == access.StatusExpired {
			return hjx.Errorf(hjx.CodeConflict, "the project is %s: it takes no new members", pr.Status)
		}
		notResearcher := hjx.Invalid("principalId", "is not the id of a researcher")
		if !hjx.ValidID(principalID) {
			return notResearcher
		}
		var role string
		err = sqlx.GetContext(ctx, tx, &role, `SELECT role FROM principals WHERE id = $1`, principalID)
		if postgres.IsNoRows(err) || (err == nil && role != string(hjx.RoleResearcher)) {
			return notResearcher
		}
		if err != nil {
			return hjx.Internal(err, "read principal")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO project_members (project_id, principal_id, is_lead, added_at)
			VALUES ($1, $2, false, $3) ON CONFLICT DO NOTHING`, projectID, principalID, s.Now().UTC())
		if err != nil {
			return hjx.Internal(err, "insert project member")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &hjx.Error{Code: hjx.CodeConflict, Field: "principalId", Message: "is already a member of the project"}
		}
		_, err = s.Audit.Append(ctx, tx, p, audit.Entry{Action: "project.member.add", Subject: "project:" + projectID,
			ProjectID: projectID, Detail: map[string]string{"principalId": principalID}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Project(ctx, p, projectID)
}

// ApproveProject is the steward's approval of a proposed project (the data access
// committee's decision). Only a PROPOSED project that has not ended can be approved.
func (s *Service) ApproveProject(ctx context.Context, p *hjx.Principal, id string) (*Project, error) {
	return s.transition(ctx, p, id, "project.approve", func(pr *Project) error {
		if pr.Status != access.StatusProposed {
			return hjx.Errorf(hjx.CodeConflict, "only a PROPOSED project can be approved; this one is %s", pr.Status)
		}
		return nil
	}, `UPDATE research_projects SET status = 'APPROVED', approved_at = $2 WHERE id = $1`, nil)
}

// RevokeProject ends a proposed or approved project at once, with a reason: its
// members and dashboards lose access from the next query on.
func (s *Service) RevokeProject(ctx context.Context, p *hjx.Principal, id, reason string) (*Project, error) {
	reason = strings.TrimSpace(reason)
	if err := access.PlainText("reason", reason); err != nil {
		return nil, err
	}
	if reason == "" || len([]rune(reason)) > access.MaxRevokeReason {
		return nil, hjx.Invalid("reason", "must be 1 to %d characters", access.MaxRevokeReason)
	}
	return s.transition(ctx, p, id, "project.revoke", func(pr *Project) error {
		if pr.Status == access.StatusRevoked {
			return hjx.Errorf(hjx.CodeConflict, "the project is already revoked")
		}
		return nil
	}, `UPDATE research_projects SET status = 'REVOKED', revoked_at = $2, revoked_reason = $3 WHERE id = $1`,
		map[string]string{"reason": reason})
}

// transition applies a steward's status change to a project, audited.
func (s *Service) transition(ctx context.Context, p *hjx.Principal, id, action string, check func(*Project) error,
	update string, detail map[string]string) (*Project, error) {
	if p == nil || p.Role != hjx.RoleSteward {
		return nil, hjx.Forbidden("only the steward may approve or revoke projects")
	}
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		pr, err := s.visibleProject(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if err := check(pr); err != nil {
			return err
		}
		args := []any{id, s.Now().UTC()}
		if r, ok := detail["reason"]; ok {
			args = append(args, r)
		}
		if _, err := tx.ExecContext(ctx, update, args...); err != nil {
			return hjx.Internal(err, "update project status")
		}
		_, err = s.Audit.Append(ctx, tx, p, audit.Entry{Action: action, Subject: "project:" + id, ProjectID: id, Detail: detail})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Project(ctx, p, id)
}

// ProjectsByID loads the projects among ids that p may see, in one query (the
// graph's dataloader calls it); ids p may not see are simply absent.
func (s *Service) ProjectsByID(ctx context.Context, p *hjx.Principal, ids []string) (map[string]*Project, error) {
	out := map[string]*Project{}
	if p == nil {
		return out, nil
	}
	var rows []projectRow
	err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+projectColumns+` FROM research_projects rp
		WHERE rp.id = ANY($4::uuid[]) AND `+visibleProjectSQL, append(scopeArgs(p), pq.Array(hjx.ValidIDs(ids)))...)
	if err != nil {
		return nil, hjx.Internal(err, "load projects")
	}
	today := s.today()
	for _, r := range rows {
		out[r.ID] = forViewer(p, r.project(today))
	}
	return out, nil
}
