// Package documents keeps trusted documents (persisted operations): the GraphQL
// documents a research project registers for its dashboards, stored under the
// SHA-256 of their text. A project can restrict its DASHBOARD tokens to them, so
// that a leaked dashboard token can run the few queries the dashboard sends and
// nothing else (no ad-hoc outcome queries: the widest door for differencing).
// The package treats a document as text; reading it as GraphQL is the GraphQL
// layer's business.
package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// MaxBytes is the longest document accepted; a dashboard's queries are a few
// hundred bytes each.
const MaxBytes = 64 << 10

// MaxPerCall bounds the documents registered in one call.
const MaxPerCall = 100

// Service registers and serves trusted documents.
type Service struct {
	DB    *sqlx.DB
	Audit *audit.Log
	Now   func() time.Time
}

// Document is one registered document.
type Document struct {
	ProjectID     string
	SHA256        string
	Body          string
	OperationName string // "" when not given
	RegisteredAt  time.Time
}

type docRow struct {
	ProjectID     string    `db:"project_id"`
	SHA256        string    `db:"sha256"`
	Body          string    `db:"body"`
	OperationName *string   `db:"operation_name"`
	RegisteredAt  time.Time `db:"registered_at"`
}

func (r docRow) document() *Document {
	d := &Document{ProjectID: r.ProjectID, SHA256: r.SHA256, Body: r.Body, RegisteredAt: r.RegisteredAt}
	if r.OperationName != nil {
		d.OperationName = *r.OperationName
	}
	return d
}

const docColumns = `project_id::text AS project_id, sha256, body, operation_name, registered_at`

// New is a document to register: its text and, when the caller knows it, the
// name of its operation (shown in listings and the audit log).
type New struct {
	Body          string
	OperationName string
}

// Hash is a document's key: the lowercase hex SHA-256 of its exact text, as
// Apollo, Relay and graphql.org's trusted documents compute it.
func Hash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// mayManageSQL: the steward, or the project's lead. $1 role, $2 principal id, $3 project id.
const mayManageSQL = `($1 = 'STEWARD' OR EXISTS (SELECT 1 FROM project_members m
	WHERE m.project_id = $3::uuid AND m.principal_id = NULLIF($2, '')::uuid AND m.is_lead))`

// mayReadSQL: who may list a project's documents: those who may manage them, the
// project's members and its dashboards. $1 role, $2 principal id, $3 project id, $4 the principal's project.
const mayReadSQL = `(` + mayManageSQL + `
	OR ($1 = 'RESEARCHER' AND EXISTS (SELECT 1 FROM project_members m
		WHERE m.project_id = $3::uuid AND m.principal_id = NULLIF($2, '')::uuid))
	OR ($1 = 'DASHBOARD' AND $3::text = $4::text))`

// maySeeProjectSQL: who may see whether the project's dashboards are restricted:
// whoever may see the project (as governance scopes projects: the steward and
// partner admins every project, researchers theirs, a dashboard its own). Same
// parameters as mayReadSQL.
const maySeeProjectSQL = `($1 IN ('STEWARD', 'PARTNER_ADMIN') OR ` + mayReadSQL + `)`

// Register records docs for the project (the steward or the project's lead);
// registering a document already there changes nothing. It returns the
// documents in the order given, with one audit entry naming their hashes.
func (s *Service) Register(ctx context.Context, p *hjx.Principal, projectID string, docs []New) ([]*Document, error) {
	if p == nil {
		return nil, hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	if len(docs) == 0 || len(docs) > MaxPerCall {
		return nil, hjx.Invalid("documents", "give between 1 and %d documents", MaxPerCall)
	}
	hashes := make([]string, len(docs))
	for i, d := range docs {
		if strings.TrimSpace(d.Body) == "" || len(d.Body) > MaxBytes {
			return nil, hjx.Invalid("documents", "document %d must be between 1 and %d bytes", i+1, MaxBytes)
		}
		hashes[i] = Hash(d.Body)
	}
	if err := s.requireManage(ctx, s.DB, p, projectID); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		for i, d := range docs {
			_, err := tx.ExecContext(ctx, `INSERT INTO trusted_documents
				(project_id, sha256, body, operation_name, registered_at, registered_by)
				VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6) ON CONFLICT (project_id, sha256) DO NOTHING`,
				projectID, hashes[i], d.Body, d.OperationName, now, p.ID)
			if err != nil {
				return hjx.Internal(err, "insert trusted document")
			}
		}
		_, err := s.Audit.Append(ctx, tx, p, audit.Entry{Action: "documents.register", Subject: "project:" + projectID,
			ProjectID: projectID, Detail: map[string]string{"sha256": strings.Join(hashes, ",")}})
		return err
	})
	if err != nil {
		return nil, err
	}
	byHash, err := s.byHash(ctx, projectID, hashes)
	if err != nil {
		return nil, err
	}
	out := make([]*Document, len(hashes))
	for i, h := range hashes {
		out[i] = byHash[h]
	}
	return out, nil
}

// List returns the project's documents, oldest first, to those who may read them.
func (s *Service) List(ctx context.Context, p *hjx.Principal, projectID string) ([]*Document, error) {
	if p == nil {
		return nil, hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	if !hjx.ValidID(projectID) {
		return nil, hjx.NotFound("project")
	}
	var ok bool
	err := sqlx.GetContext(ctx, s.DB, &ok, `SELECT EXISTS (SELECT 1 FROM research_projects rp
		WHERE rp.id = $3::uuid AND `+mayReadSQL+`)`, string(p.Role), p.ID, projectID, p.ProjectID)
	if err != nil {
		return nil, hjx.Internal(err, "check project")
	}
	if !ok {
		return nil, hjx.NotFound("project")
	}
	var rows []docRow
	err = sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+docColumns+`
		FROM trusted_documents WHERE project_id = $1 ORDER BY registered_at, sha256`, projectID)
	if err != nil {
		return nil, hjx.Internal(err, "list trusted documents")
	}
	docs := make([]*Document, len(rows))
	for i, r := range rows {
		docs[i] = r.document()
	}
	return docs, nil
}

// Restrict sets whether the project's DASHBOARD tokens may run only its
// registered documents (the steward or the project's lead); audited.
func (s *Service) Restrict(ctx context.Context, p *hjx.Principal, projectID string, only bool) error {
	if p == nil {
		return hjx.Errorf(hjx.CodeUnauthenticated, "a valid bearer token is required")
	}
	return postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		if err := s.requireManage(ctx, tx, p, projectID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE research_projects SET dashboards_trusted_only = $2 WHERE id = $1`,
			projectID, only); err != nil {
			return hjx.Internal(err, "restrict dashboards")
		}
		action := "documents.unrestrict"
		if only {
			action = "documents.restrict"
		}
		_, err := s.Audit.Append(ctx, tx, p, audit.Entry{Action: action, Subject: "project:" + projectID, ProjectID: projectID})
		return err
	})
}

// Restricted reports whether the project's dashboards run only registered
// documents, to those who may see the project.
func (s *Service) Restricted(ctx context.Context, p *hjx.Principal, projectID string) (bool, error) {
	if p == nil || !hjx.ValidID(projectID) {
		return false, hjx.NotFound("project")
	}
	var only []bool
	err := sqlx.SelectContext(ctx, s.DB, &only, `SELECT rp.dashboards_trusted_only FROM research_projects rp
		WHERE rp.id = $3::uuid AND `+maySeeProjectSQL, string(p.Role), p.ID, projectID, p.ProjectID)
	if err != nil {
		return false, hjx.Internal(err, "read project restriction")
	}
	if len(only) == 0 {
		return false, hjx.NotFound("project")
	}
	return only[0], nil
}

// ForDashboard looks up, for a DASHBOARD principal, whether its project is
// restricted to registered documents and the registered document with the
// hash, nil when there is none. One indexed query: it runs on every request
// of a dashboard token.
func (s *Service) ForDashboard(ctx context.Context, p *hjx.Principal, sha string) (restricted bool, doc *Document, err error) {
	if p == nil || p.Role != hjx.RoleDashboard || !hjx.ValidID(p.ProjectID) {
		return false, nil, nil
	}
	var row dashboardRow
	err = sqlx.GetContext(ctx, s.DB, &row, `SELECT rp.dashboards_trusted_only, d.body, d.operation_name, d.registered_at
		FROM research_projects rp
		LEFT JOIN trusted_documents d ON d.project_id = rp.id AND d.sha256 = $2
		WHERE rp.id = $1`, p.ProjectID, sha)
	if postgres.IsNoRows(err) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, hjx.Internal(err, "read trusted document")
	}
	if row.Body == nil {
		return row.Restricted, nil, nil
	}
	return row.Restricted, docRow{ProjectID: p.ProjectID, SHA256: sha, Body: *row.Body,
		OperationName: row.OperationName, RegisteredAt: *row.RegisteredAt}.document(), nil
}

type dashboardRow struct {
	Restricted    bool       `db:"dashboards_trusted_only"`
	Body          *string    `db:"body"`
	OperationName *string    `db:"operation_name"`
	RegisteredAt  *time.Time `db:"registered_at"`
}

// ValidHash reports whether s is a document key: 64 lowercase hex digits.
func ValidHash(s string) bool { return hexHash.MatchString(s) }

func (s *Service) requireManage(ctx context.Context, q sqlx.QueryerContext, p *hjx.Principal, projectID string) error {
	if !hjx.ValidID(projectID) {
		return hjx.NotFound("project")
	}
	var may, sees bool
	err := q.QueryRowxContext(ctx, `SELECT `+mayManageSQL+`, `+mayReadSQL+` FROM research_projects WHERE id = $3::uuid`,
		string(p.Role), p.ID, projectID, p.ProjectID).Scan(&may, &sees)
	if postgres.IsNoRows(err) || (err == nil && !sees) {
		return hjx.NotFound("project")
	}
	if err != nil {
		return hjx.Internal(err, "check project lead")
	}
	if !may {
		return hjx.Forbidden("only the steward or the project's lead may manage its trusted documents")
	}
	return nil
}

func (s *Service) byHash(ctx context.Context, projectID string, hashes []string) (map[string]*Document, error) {
	var rows []docRow
	err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+docColumns+`
		FROM trusted_documents WHERE project_id = $1 AND sha256 = ANY($2)`, projectID, pq.Array(hashes))
	if err != nil {
		return nil, hjx.Internal(err, "read trusted documents")
	}
	out := make(map[string]*Document, len(rows))
	for _, r := range rows {
		out[r.SHA256] = r.document()
	}
	return out, nil
}
