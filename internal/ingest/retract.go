package ingest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// maxReasonLength bounds a retraction's reason, which the audit log keeps.
const maxReasonLength = 1000

// Retract withdraws a submission of p's partner from every later output at once: its
// figures stop being current in the same transaction. The submission and its rows
// are kept for audit. Figures it had superseded stay superseded: a retraction says
// the figures were wrong, not that the older ones were right (upload them again).
func (s *Service) Retract(ctx context.Context, p *hjx.Principal, id, reason string) (*Submission, error) {
	if p == nil || p.Role != hjx.RolePartnerAdmin || p.PartnerID == "" {
		return nil, hjx.Forbidden("only a partner admin may retract a submission")
	}
	reason = strings.TrimSpace(reason)
	if err := identifiers.CheckText("reason", reason); err != nil {
		return nil, err
	}
	if reason == "" || utf8.RuneCountInString(reason) > maxReasonLength {
		return nil, hjx.Invalid("reason", "must be 1 to %d characters saying why the figures are withdrawn", maxReasonLength)
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, hjx.NotFound("submission")
	}
	cfg := s.Config.withDefaults()
	var out *Submission
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		status, err := s.retractable(ctx, tx, p, id, cfg)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE observations SET current = false WHERE submission_id = $1 AND current`, id)
		if err != nil {
			return hjx.Internal(err, "withdraw figures")
		}
		withdrawn, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET status = 'RETRACTED', retracted_at = $2, retracted_by = $3,
			retracted_reason = $4 WHERE id = $1`, id, s.Now().UTC(), p.ID, reason); err != nil {
			return hjx.Internal(err, "retract submission")
		}
		var r submissionRow
		if err := sqlx.GetContext(ctx, tx, &r, `SELECT `+submissionColumns+` FROM submissions s WHERE s.id = $1`, id); err != nil {
			return hjx.Internal(err, "read submission")
		}
		out = r.submission()
		_, err = s.Audit.Append(ctx, tx, p, audit.Entry{ChangesData: true, Action: "submission.retract", Subject: "submission:" + id,
			PartnersIncluded: []string{p.PartnerID},
			Detail: map[string]string{"reason": reason, "previousStatus": string(status),
				"figuresWithdrawn": strconv.FormatInt(withdrawn, 10)}})
		return err
	})
	if errors.Is(err, errRetractionLimit) {
		return nil, s.refuseRetraction(ctx, p, id, cfg)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// retractable takes the partner's lock and returns the status of its submission
// id, or why it may not be retracted: it does not exist, it is already retracted,
// or the partner has used up its retractions for the window.
func (s *Service) retractable(ctx context.Context, tx *sqlx.Tx, p *hjx.Principal, id string, cfg Config) (hjx.SubmissionStatus, error) {
	if err := lockPartner(ctx, tx, p.PartnerID); err != nil {
		return "", err
	}
	var status hjx.SubmissionStatus
	err := sqlx.GetContext(ctx, tx, &status, `SELECT status FROM submissions WHERE id = $1 AND partner_id = $2 FOR UPDATE`,
		id, p.PartnerID)
	if postgres.IsNoRows(err) {
		return "", hjx.NotFound("submission")
	}
	if err != nil {
		return "", hjx.Internal(err, "read submission")
	}
	if status == hjx.SubmissionRetracted {
		return "", &hjx.Error{Code: hjx.CodeConflict, Message: "the submission is already retracted"}
	}
	var recent int
	if err := sqlx.GetContext(ctx, tx, &recent, `SELECT count(*) FROM submissions
		WHERE partner_id = $1 AND status = 'RETRACTED' AND retracted_at > $2`,
		p.PartnerID, s.Now().UTC().Add(-cfg.RetractionWindow)); err != nil {
		return "", hjx.Internal(err, "count retractions")
	}
	if recent >= cfg.RetractionLimit {
		return "", errRetractionLimit
	}
	return status, nil
}

// errRetractionLimit ends a retraction's transaction when the partner has used up
// its retractions for the window.
var errRetractionLimit = errors.New("retraction limit")

// refuseRetraction audits a retraction refused by the limit (in a transaction of
// its own: the retraction's was rolled back, nothing changed) and returns the
// error the partner sees.
func (s *Service) refuseRetraction(ctx context.Context, p *hjx.Principal, id string, cfg Config) error {
	days := strconv.Itoa(int(cfg.RetractionWindow.Hours() / 24))
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		_, err := s.Audit.Append(ctx, tx, p, audit.Entry{Action: "submission.retract.refused", Subject: "submission:" + id,
			PartnersIncluded: []string{p.PartnerID},
			Detail: map[string]string{"code": string(hjx.CodeRateLimited), "limit": strconv.Itoa(cfg.RetractionLimit),
				"windowDays": days}})
		return err
	})
	if err != nil {
		return err
	}
	return hjx.Errorf(hjx.CodeRateLimited, "the partner has retracted %d submissions in the last %s days, the most allowed; "+
		"nothing was changed. Upload corrected figures instead (they replace the same cells), or retract once the window has passed",
		cfg.RetractionLimit, days)
}
