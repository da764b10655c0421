// Package ingest takes partners' figures in: CSV files and JSON rows go through one
// validation and storage path (docs/ARCHITECTURE.md#the-data-flow-of-an-upload). A submission is
// validated whole, rejected whole when anything is wrong (nothing is stored), and
// stored in one transaction with COPY when it is right. Memory stays flat in the
// file's size: rows stream from the reader into COPY, and the checks between rows
// (duplicates, overlapping periods) run in SQL over the rows copied.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Config bounds what one submission may cost. Zero fields take the defaults.
type Config struct {
	// MaxRows is the most data rows one submission may have (HJX_MAX_UPLOAD_ROWS).
	MaxRows int
	// MaxBytes is the largest CSV file read (HJX_MAX_UPLOAD_BYTES); the HTTP server
	// enforces the same limit on the request.
	MaxBytes int64
	// MaxIssues is how many issues a rejection lists; all are counted.
	MaxIssues int
	// MaxRecordBytes bounds one CSV record.
	MaxRecordBytes int64
	// RevisionLimit is how many versions of one cell (partner, metric, period and
	// breakdown) may be stored within RevisionWindow, counting every version kept:
	// current, superseded and retracted (HJX_REVISION_LIMIT, HJX_REVISION_WINDOW).
	// The default 3 is a first upload and two corrections. Re-uploading one's own
	// cell again and again is how an insider would probe the noise of the pools it
	// is in; the record keys keep that noise fixed, and this keeps the probing slow
	// and visible in the audit log.
	RevisionLimit  int
	RevisionWindow time.Duration
	// RetractionLimit is how many submissions one partner may retract within
	// RetractionWindow (HJX_RETRACTION_LIMIT, HJX_RETRACTION_WINDOW): upload and
	// retract is the other way to difference a pool.
	RetractionLimit  int
	RetractionWindow time.Duration
}

// Default limits.
const (
	DefaultMaxRows        = 1_000_000
	DefaultMaxBytes       = 256 << 20
	DefaultMaxIssues      = 500
	DefaultMaxRecordBytes = 64 << 10
	DefaultRevisionLimit  = 3
	DefaultRevisionWindow = 30 * 24 * time.Hour
	DefaultRetractions    = 3
	DefaultRetractWindow  = 30 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	orDefault(&c.MaxRows, DefaultMaxRows)
	orDefault(&c.MaxBytes, DefaultMaxBytes)
	orDefault(&c.MaxIssues, DefaultMaxIssues)
	orDefault(&c.MaxRecordBytes, DefaultMaxRecordBytes)
	orDefault(&c.RevisionLimit, DefaultRevisionLimit)
	orDefault(&c.RevisionWindow, DefaultRevisionWindow)
	orDefault(&c.RetractionLimit, DefaultRetractions)
	orDefault(&c.RetractionWindow, DefaultRetractWindow)
	return c
}

// orDefault sets a limit that is not positive to its default.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Service validates and stores submissions.
type Service struct {
	DB     *sqlx.DB
	Audit  *audit.Log
	Now    func() time.Time
	Config Config
	// Secret keys every stored row (its record keys, the basis of the noise its
	// cells get when published); a service without it stores nothing.
	Secret disclosure.Secret
	// Country, on a national node (HJX_NODE_COUNTRY), is the one country whose
	// partners may upload here; empty: any.
	Country string
}

// Formats of a submission.
const (
	FormatCSV  = "CSV"
	FormatJSON = "JSON"
)

// Request is one submission: a CSV file (Format CSV) or rows (Format JSON).
type Request struct {
	Format       string
	ConsentBasis hjx.ConsentBasis
	DryRun       bool
	// CSV is read once, row by row. If it is also an io.Seeker it is hashed first,
	// so a repeated file is recognised before any parsing.
	CSV  io.Reader
	Rows []Row
}

// Row is one observation given as data rather than CSV text (the JSON API and the
// demo seed). Empty strings and nil pointers are blank cells.
type Row struct {
	Metric            string
	PeriodStart       time.Time
	PeriodEnd         time.Time
	Value             float64
	N                 *int
	SD                *float64
	Currency          string
	WelfareDomain     string
	IhelpCategory     string
	HealthSetting     string
	AgeBand           string
	Sex               string
	DeprivationScheme string
	DeprivationValue  *int
}

// Submission is a stored submission.
type Submission struct {
	ID         string
	PartnerID  string
	UploaderID string
	Format     string
	// Status is never SubmissionRejected: a rejected submission leaves nothing behind.
	Status          hjx.SubmissionStatus
	RowCount        int
	Sha256          string
	ConsentBasis    hjx.ConsentBasis
	ReceivedAt      time.Time
	RetractedAt     *time.Time
	RetractedReason *string
	// SupersedesIDs are the earlier submissions some of whose figures this one replaced.
	SupersedesIDs []string
	// SupersededByIDs are the later submissions that replaced some of its figures.
	SupersededByIDs []string
	// PeriodStart and PeriodEnd are the period its figures cover (the first
	// month's start, the last month's end); nil when it stored no figures.
	PeriodStart, PeriodEnd *time.Time
}

// Result is the outcome of Submit. Accepted with a nil Submission is a dry run that
// would have been accepted. Existing means the same bytes were already submitted by
// this partner, and Submission is that earlier submission.
type Result struct {
	Accepted   bool
	Submission *Submission
	Issues     []Issue
	IssueCount int
	// Existing: the same content was already stored; Submission is that earlier one
	// and nothing new was stored.
	Existing bool
	// Preview is what an accepted dry run would have stored (nil otherwise).
	Preview *Preview
}

// Preview is what an accepted dry run would store, so a partner can check a file
// before sending it for real: its rows, periods and metrics.
type Preview struct {
	Rows int
	// Periods counts the distinct reporting periods; From and To are the first day
	// of the earliest and the last day of the latest.
	Periods  int
	From, To time.Time
	Metrics  []string
	// Supersedes counts the current figures of earlier submissions the rows would
	// replace (revisions of the same cells).
	Supersedes int
}

// rejected, dryRun and existing end the upload transaction without committing.
var (
	errRejected = errors.New("submission rejected")
	errDryRun   = errors.New("dry run")
)

type errExisting struct{ sub *Submission }

func (errExisting) Error() string { return "submission exists" }

// Submit validates a submission from p's partner and, unless it is a dry run or has
// issues, stores it: all rows or none, superseding the partner's earlier figures for
// the same metric, period and breakdown, audited in the same transaction.
func (s *Service) Submit(ctx context.Context, p *hjx.Principal, req Request) (*Result, error) {
	cfg := s.Config.withDefaults()
	if res, err := s.checkRequest(p, req, cfg); res != nil || err != nil {
		return res, err
	}
	preHash, err := contentHash(req, cfg)
	if err != nil {
		return nil, err
	}
	// The registration first: on a national node it refuses a partner of another
	// country, even for bytes it already holds.
	reg, err := s.registration(ctx, p.PartnerID)
	if err != nil {
		return nil, err
	}
	if preHash != "" {
		if sub, err := s.findBySha(ctx, s.DB, p.PartnerID, preHash); err != nil {
			return nil, err
		} else if sub != nil {
			return existingResult(sub, req.ConsentBasis)
		}
	}
	metrics, err := s.codebook(ctx)
	if err != nil {
		return nil, err
	}
	issues := &issueList{max: cfg.MaxIssues}
	val := newValidator(metrics, reg, s.Now(), issues)
	var stored *Submission
	var preview *Preview
	err = s.store(ctx, p, req, cfg, val, preHash, func(sub *Submission) { stored = sub }, func(pv *Preview) { preview = pv })
	return s.result(ctx, p, req, cfg, err, issues, stored, preview)
}

// checkRequest refuses a caller that may not submit, a service without its secret
// and a malformed request; a JSON submission over the row limit gets a rejection.
func (s *Service) checkRequest(p *hjx.Principal, req Request, cfg Config) (*Result, error) {
	if p == nil || p.PartnerID == "" || (p.Role != hjx.RolePartnerUploader && p.Role != hjx.RolePartnerAdmin) {
		return nil, hjx.Forbidden("only a partner's uploader or admin may submit figures")
	}
	if len(s.Secret) == 0 {
		return nil, hjx.Internal(errors.New("ingest: no disclosure secret"), "submit")
	}
	if !hjx.In(hjx.AllConsentBases(), req.ConsentBasis) {
		return nil, hjx.Invalid("consentBasis", "must be one of UK_GDPR_PUBLIC_TASK_RESEARCH, UK_GDPR_LEGITIMATE_INTERESTS_RESEARCH, EXPLICIT_CONSENT, HIPAA_SAFE_HARBOR, HIPAA_EXPERT_DETERMINATION")
	}
	switch req.Format {
	case FormatCSV:
		if req.CSV == nil {
			return nil, hjx.Invalid("file", "is required")
		}
	case FormatJSON:
		if len(req.Rows) > cfg.MaxRows {
			return &Result{Issues: []Issue{{Code: CodeTooManyRows,
				Message: "the submission has more than " + strconv.Itoa(cfg.MaxRows) + " rows; split it"}}, IssueCount: 1}, nil
		}
	default:
		return nil, hjx.Invalid("format", "must be CSV or JSON")
	}
	return nil, nil
}

// result turns the end of the submission's transaction into Submit's answer.
func (s *Service) result(ctx context.Context, p *hjx.Principal, req Request, cfg Config, err error,
	issues *issueList, stored *Submission, preview *Preview) (*Result, error) {
	var ex errExisting
	switch {
	case errors.As(err, &ex):
		return existingResult(ex.sub, req.ConsentBasis)
	case errors.Is(err, errRejected):
		if issues.revisions > 0 {
			if err := s.auditRevisionLimit(ctx, p, req, issues.revisions, cfg); err != nil {
				return nil, err
			}
		}
		return &Result{Issues: issues.items, IssueCount: issues.total}, nil
	case errors.Is(err, errDryRun):
		return &Result{Accepted: true, Issues: []Issue{}, Preview: preview}, nil
	case err != nil:
		return nil, err
	}
	return &Result{Accepted: true, Submission: stored, Issues: []Issue{}}, nil
}

func existingResult(sub *Submission, consentBasis hjx.ConsentBasis) (*Result, error) {
	if sub.ConsentBasis != consentBasis {
		return nil, &hjx.Error{Code: hjx.CodeConflict, Field: "consentBasis",
			Message: "this content was already submitted as submission " + sub.ID + " with consent basis " +
				string(sub.ConsentBasis) + "; to change the basis, retract it and submit the corrected file"}
	}
	return &Result{Accepted: true, Submission: sub, Issues: []Issue{}, Existing: true}, nil
}

// Summary is the result in one sentence for a person, the same in the API and the
// CLI: what was stored, that the same file was already stored, what a dry run would
// store, or how many issues a rejection had.
func (r *Result) Summary() string {
	switch {
	case r.Accepted && r.Existing && r.Submission != nil:
		return fmt.Sprintf("already stored (same file) as submission %s (%d rows); nothing new was stored",
			r.Submission.ID, r.Submission.RowCount)
	case r.Accepted && r.Submission != nil:
		return fmt.Sprintf("stored as submission %s (%d rows)", r.Submission.ID, r.Submission.RowCount)
	case r.Accepted && r.Preview != nil:
		pv := r.Preview
		s := fmt.Sprintf("dry run: would store %d rows of %d period(s) from %s to %s, metrics %s", pv.Rows, pv.Periods,
			pv.From.Format(time.DateOnly), pv.To.Format(time.DateOnly), strings.Join(pv.Metrics, ", "))
		if pv.Supersedes > 0 {
			s += fmt.Sprintf(", replacing %d current figure(s)", pv.Supersedes)
		}
		return s + "; nothing was stored"
	case r.Accepted:
		return "dry run: the file would be accepted; nothing was stored"
	}
	return fmt.Sprintf("rejected: %d issue(s); nothing was stored", r.IssueCount)
}
