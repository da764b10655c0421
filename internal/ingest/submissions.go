package ingest

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

type submissionRow struct {
	ID              string               `db:"id"`
	PartnerID       string               `db:"partner_id"`
	UploaderID      string               `db:"uploader_id"`
	Format          string               `db:"format"`
	Status          hjx.SubmissionStatus `db:"status"`
	RowCount        int                  `db:"row_count"`
	Sha256          string               `db:"sha256"`
	ConsentBasis    hjx.ConsentBasis     `db:"consent_basis"`
	ReceivedAt      time.Time            `db:"received_at"`
	RetractedAt     *time.Time           `db:"retracted_at"`
	RetractedReason *string              `db:"retracted_reason"`
	Supersedes      pq.StringArray       `db:"supersedes"`
	SupersededBy    pq.StringArray       `db:"superseded_by"`
	PeriodStart     *time.Time           `db:"period_start"`
	PeriodEnd       *time.Time           `db:"period_end"`
}

func (r submissionRow) submission() *Submission {
	return &Submission{ID: r.ID, PartnerID: r.PartnerID, UploaderID: r.UploaderID, Format: r.Format, Status: r.Status,
		RowCount: r.RowCount, Sha256: r.Sha256, ConsentBasis: r.ConsentBasis, ReceivedAt: r.ReceivedAt.UTC(),
		RetractedAt: r.RetractedAt, RetractedReason: r.RetractedReason, SupersedesIDs: []string(r.Supersedes),
		SupersededByIDs: []string(r.SupersededBy), PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd}
}

const submissionColumns = `s.id, s.partner_id, s.uploader_id, s.format, s.status, s.row_count, s.sha256,
	s.consent_basis, s.received_at, s.retracted_at, s.retracted_reason,
	ARRAY(SELECT l.superseded_id::text FROM submission_supersedes l WHERE l.submission_id = s.id ORDER BY 1) AS supersedes,
	ARRAY(SELECT l.submission_id::text FROM submission_supersedes l WHERE l.superseded_id = s.id ORDER BY 1) AS superseded_by,
	(SELECT min(o.period_start) FROM observations o WHERE o.submission_id = s.id)::timestamptz AS period_start,
	(SELECT max(o.period_end) FROM observations o WHERE o.submission_id = s.id)::timestamptz AS period_end`

// scope returns the partner whose submissions p may see ("" for a steward: all), or
// false when p may see none.
func scope(p *hjx.Principal) (string, bool) {
	switch {
	case p == nil:
		return "", false
	case p.Role == hjx.RoleSteward:
		return "", true
	case (p.Role == hjx.RolePartnerAdmin || p.Role == hjx.RolePartnerUploader) && p.PartnerID != "":
		return p.PartnerID, true
	}
	return "", false
}

func (s *Service) findBySha(ctx context.Context, q sqlx.QueryerContext, partnerID, sha string) (*Submission, error) {
	var r submissionRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+submissionColumns+` FROM submissions s
		WHERE s.partner_id = $1 AND s.sha256 = $2`, partnerID, sha)
	if postgres.IsNoRows(err) {
		return nil, nil // no earlier submission: the caller goes on to store this one
	}
	if err != nil {
		return nil, hjx.Internal(err, "find submission by hash")
	}
	return r.submission(), nil
}

// Get returns one submission p may see: its partner's own for partner roles, any for
// a steward. Anything else, including another partner's, is NOT_FOUND.
func (s *Service) Get(ctx context.Context, p *hjx.Principal, id string) (*Submission, error) {
	subs, err := s.GetMany(ctx, p, []string{id})
	if err != nil {
		return nil, err
	}
	sub, ok := subs[id]
	if !ok {
		return nil, hjx.NotFound("submission")
	}
	return sub, nil
}

// GetMany loads the submissions among ids that p may see, in one query (the
// graph's dataloader for Submission.supersedes calls it).
func (s *Service) GetMany(ctx context.Context, p *hjx.Principal, ids []string) (map[string]*Submission, error) {
	partner, ok := scope(p)
	out := map[string]*Submission{}
	if !ok {
		return out, nil
	}
	valid := hjx.ValidIDs(ids)
	if len(valid) == 0 {
		return out, nil
	}
	var rows []submissionRow
	err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+submissionColumns+` FROM submissions s
		WHERE s.id = ANY($1::uuid[]) AND ($2 = '' OR s.partner_id = $2)`, pq.Array(valid), partner)
	if err != nil {
		return nil, hjx.Internal(err, "load submissions")
	}
	for _, r := range rows {
		out[r.ID] = r.submission()
	}
	return out, nil
}

// List returns one page of the submissions p may see, newest first. partnerID
// narrows the list; a partner asking for another partner's list is FORBIDDEN.
func (s *Service) List(ctx context.Context, p *hjx.Principal, partnerID string, page hjx.Page) (*hjx.Connection[*Submission], error) {
	scoped, ok := scope(p)
	if !ok {
		return nil, hjx.Forbidden("only partners and stewards may list submissions")
	}
	if scoped != "" {
		if partnerID != "" && partnerID != scoped {
			return nil, hjx.Forbidden("a partner may list only its own submissions")
		}
		partnerID = scoped
	}
	afterTime, afterID := time.Time{}, ""
	if page.AfterKey != "" {
		t, id, found := strings.Cut(page.AfterKey, "|")
		at, err := time.Parse(time.RFC3339Nano, t)
		if !found || err != nil {
			return nil, hjx.Invalid("after", "is not a cursor returned by this API")
		}
		if _, err := uuid.Parse(id); err != nil {
			return nil, hjx.Invalid("after", "is not a cursor returned by this API")
		}
		afterTime, afterID = at, id
	}
	var rows []submissionRow
	err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+submissionColumns+` FROM submissions s
		WHERE ($1 = '' OR s.partner_id = $1)
		  AND ($2 = '' OR (s.received_at, s.id) < ($3, $2::uuid))
		ORDER BY s.received_at DESC, s.id DESC LIMIT $4`, partnerID, afterID, afterTime, page.First+1)
	if err != nil {
		return nil, hjx.Internal(err, "list submissions")
	}
	var total int
	if err := sqlx.GetContext(ctx, s.DB, &total, `SELECT count(*) FROM submissions s WHERE ($1 = '' OR s.partner_id = $1)`,
		partnerID); err != nil {
		return nil, hjx.Internal(err, "count submissions")
	}
	return hjx.PageOf(rows, total, page, submissionRow.submission, func(r submissionRow) string {
		return r.ReceivedAt.UTC().Format(time.RFC3339Nano) + "|" + r.ID
	}), nil
}
