package ingest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// partnerLock is the advisory lock namespace serialising one partner's submissions:
// the overlap and supersession checks read the partner's stored figures, and the
// repeated-content check its hashes, so two uploads of one partner must not
// interleave. Different partners upload in parallel.
const partnerLock = 0x686a78 // "hjx"

// lockPartner serialises the partner's submissions and retractions until the
// transaction ends.
func lockPartner(ctx context.Context, tx *sqlx.Tx, partnerID string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, partnerLock, partnerID); err != nil {
		return hjx.Internal(err, "lock partner")
	}
	return nil
}

// copyStatement copies an upload's rows into observations; its columns are, in
// order, the submission, the partner, the source row, the cells of copyCells and
// the two record keys.
const copyStatement = `COPY observations (submission_id, partner_id, source_row, metric, period_start, period_end,
	welfare_domain, ihelp_category, health_setting, age_band, sex, deprivation_scheme,
	deprivation_value, value, n, sd, currency, key_value, key_n) FROM STDIN`

// copyCells are the row's cells in copyStatement's order, after source_row.
var copyCells = []column{colMetric, colPeriodStart, colPeriodEnd, colWelfareDomain, colIhelpCategory,
	colHealthSetting, colAgeBand, colSex, colDeprivationScheme, colDeprivationValue, colValue, colN, colSD, colCurrency}

// copyArgs is how many values copyStatement takes per row.
var copyArgs = 3 + len(copyCells) + 2

// recordIdentity is the cell a validated row belongs to, as disclosure keys it: the
// cells are already in their stored text (dates YYYY-MM-DD, the decile a plain
// number), so the identity is the same as migration 00071 reads back from a row.
func recordIdentity(partnerID string, c *cells) disclosure.RecordIdentity {
	return disclosure.RecordIdentity{PartnerID: partnerID, Metric: c[colMetric], PeriodStart: c[colPeriodStart],
		PeriodEnd: c[colPeriodEnd], WelfareDomain: c[colWelfareDomain], IhelpCategory: c[colIhelpCategory],
		HealthSetting: c[colHealthSetting], AgeBand: c[colAgeBand], Sex: c[colSex],
		DeprivationScheme: c[colDeprivationScheme], DeprivationValue: c[colDeprivationValue]}
}

// store runs one submission's transaction: open the submission, copy its valid
// rows, check them across rows and against the partner's stored figures, then
// accept it. It returns errRejected, errDryRun or an errExisting to roll back
// without error; done receives the stored submission, dry what an accepted dry run
// would have stored.
func (s *Service) store(ctx context.Context, p *hjx.Principal, req Request, cfg Config, val *validator,
	preHash string, done func(*Submission), dry func(*Preview)) error {
	return postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		sub, err := s.open(ctx, tx, p, req, preHash)
		if err != nil {
			return err
		}
		f, err := s.copyRows(ctx, tx, sub, req, cfg, val)
		if err != nil {
			return err
		}
		if err := s.settleHash(ctx, tx, sub, preHash, f); err != nil {
			return err
		}
		if err := checkStored(ctx, tx, sub, cfg, val.issues, f); err != nil {
			return err
		}
		if req.DryRun {
			pv, err := preview(ctx, tx, sub.ID)
			if err != nil {
				return err
			}
			dry(pv)
			return errDryRun
		}
		if err := s.accept(ctx, tx, p, sub, f.stored); err != nil {
			return err
		}
		done(sub)
		return nil
	})
}

// open takes the partner's lock and inserts the submission, under the content's
// hash when it is known and a provisional one otherwise.
func (s *Service) open(ctx context.Context, tx *sqlx.Tx, p *hjx.Principal, req Request, preHash string) (*Submission, error) {
	if err := lockPartner(ctx, tx, p.PartnerID); err != nil {
		return nil, err
	}
	if preHash != "" { // a concurrent upload of the same content may have committed meanwhile
		if err := s.notStored(ctx, tx, p.PartnerID, preHash); err != nil {
			return nil, err
		}
	}
	sub := &Submission{ID: uuid.NewString(), PartnerID: p.PartnerID, UploaderID: p.ID, Format: req.Format,
		Status: hjx.SubmissionAccepted, ConsentBasis: req.ConsentBasis, ReceivedAt: s.Now().UTC()}
	provisional := preHash
	if provisional == "" { // replaced by the content's hash once it has been read
		h := sha256.Sum256([]byte(sub.ID))
		provisional = hex.EncodeToString(h[:])
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO submissions (id, partner_id, uploader_id, received_at, format, sha256, consent_basis, status, row_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)`,
		sub.ID, sub.PartnerID, sub.UploaderID, sub.ReceivedAt, sub.Format, provisional, sub.ConsentBasis, sub.Status)
	if err != nil {
		return nil, hjx.Internal(err, "insert submission")
	}
	if _, err := tx.ExecContext(ctx, `SET CONSTRAINTS observations_one_current DEFERRED`); err != nil {
		return nil, hjx.Internal(err, "defer constraint")
	}
	return sub, nil
}

// notStored returns an errExisting when the partner already stored content of
// this hash.
func (s *Service) notStored(ctx context.Context, tx *sqlx.Tx, partnerID, sha string) error {
	old, err := s.findBySha(ctx, tx, partnerID, sha)
	if err != nil {
		return err
	}
	if old != nil {
		return errExisting{old}
	}
	return nil
}

// copyRows streams the submission's valid rows into observations with COPY, as
// they are read and validated.
func (s *Service) copyRows(ctx context.Context, tx *sqlx.Tx, sub *Submission, req Request, cfg Config,
	val *validator) (feedResult, error) {
	stmt, err := tx.PrepareContext(ctx, copyStatement)
	if err != nil {
		return feedResult{}, hjx.Internal(err, "begin copy")
	}
	args := make([]any, copyArgs)
	args[0], args[1] = sub.ID, sub.PartnerID
	emit := func(o *observation) error {
		args[2] = o.row
		for i, col := range copyCells {
			if v := o.cells[col]; v != "" {
				args[3+i] = v
			} else {
				args[3+i] = nil
			}
		}
		args[3+len(copyCells)], args[4+len(copyCells)] = s.Secret.RecordKeys(recordIdentity(sub.PartnerID, &o.cells))
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return hjx.Internal(err, "copy row")
		}
		return nil
	}
	var f feedResult
	if req.Format == FormatCSV {
		f, err = feedCSV(req.CSV, cfg, val, emit)
	} else {
		f, err = feedRows(req.Rows, val, emit)
	}
	return f, endCopy(ctx, stmt, err)
}

// endCopy ends the COPY stream (flushing it) unless feeding failed, and closes it.
func endCopy(ctx context.Context, stmt *sql.Stmt, feedErr error) error {
	if feedErr != nil {
		_ = stmt.Close()
		return feedErr
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		_ = stmt.Close()
		return hjx.Internal(err, "end copy")
	}
	if err := stmt.Close(); err != nil {
		return hjx.Internal(err, "close copy")
	}
	return nil
}

// settleHash sets the submission's hash: the one taken up front, or that of the
// bytes read, which may name content the partner already stored.
func (s *Service) settleHash(ctx context.Context, tx *sqlx.Tx, sub *Submission, preHash string, f feedResult) error {
	sub.Sha256 = preHash
	if sub.Sha256 != "" {
		return nil
	}
	sub.Sha256 = f.sha256
	if sub.Sha256 == "" {
		return nil
	}
	return s.notStored(ctx, tx, sub.PartnerID, sub.Sha256)
}

// checkStored runs the checks between the copied rows and against the partner's
// stored figures, and returns errRejected when the submission has any issue.
func checkStored(ctx context.Context, tx *sqlx.Tx, sub *Submission, cfg Config, issues *issueList, f feedResult) error {
	if f.rows == 0 && issues.total == 0 {
		issues.add(0, "", CodeNoRows, "the submission has no data rows")
	}
	if !f.fatal && f.stored > 0 {
		if err := crossRowChecks(ctx, tx, sub, issues); err != nil {
			return err
		}
		if err := revisionCheck(ctx, tx, sub, cfg, issues); err != nil {
			return err
		}
	}
	if issues.total > 0 {
		return errRejected
	}
	return nil
}

// accept supersedes the figures the submission replaces, records its hash, row
// count and period, and audits it.
func (s *Service) accept(ctx context.Context, tx *sqlx.Tx, p *hjx.Principal, sub *Submission, rows int) error {
	superseded, err := supersede(ctx, tx, sub)
	if err != nil {
		return err
	}
	sub.SupersedesIDs = superseded
	sub.RowCount = rows
	if _, err := tx.ExecContext(ctx, `UPDATE submissions SET sha256 = $2, row_count = $3 WHERE id = $1`,
		sub.ID, sub.Sha256, sub.RowCount); err != nil {
		return hjx.Internal(err, "finish submission")
	}
	var period struct {
		Start *time.Time `db:"period_start"`
		End   *time.Time `db:"period_end"`
	}
	if err := sqlx.GetContext(ctx, tx, &period, `SELECT min(period_start)::timestamptz AS period_start,
		max(period_end)::timestamptz AS period_end FROM observations WHERE submission_id = $1`, sub.ID); err != nil {
		return hjx.Internal(err, "read submission period")
	}
	sub.PeriodStart, sub.PeriodEnd = period.Start, period.End
	_, err = s.Audit.Append(ctx, tx, p, audit.Entry{ChangesData: true, Action: "submission.accept", Subject: "submission:" + sub.ID,
		PartnersIncluded: []string{sub.PartnerID}, RequestHash: sub.Sha256,
		Detail: map[string]string{"format": sub.Format, "rows": strconv.Itoa(sub.RowCount),
			"consentBasis": string(sub.ConsentBasis), "supersedes": strings.Join(superseded, ",")}})
	return err
}
