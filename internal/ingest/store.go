package ingest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

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

// copyColumns are the observation columns an upload writes, in COPY order.
var copyColumns = []string{"submission_id", "partner_id", "source_row", "metric", "period_start", "period_end",
	"welfare_domain", "ihelp_category", "health_setting", "age_band", "sex", "deprivation_scheme",
	"deprivation_value", "value", "n", "sd", "currency", "key_value", "key_n"}

// copyCells maps copyColumns[3:] to the row's cells; the record keys follow them.
var copyCells = []column{colMetric, colPeriodStart, colPeriodEnd, colWelfareDomain, colIhelpCategory,
	colHealthSetting, colAgeBand, colSex, colDeprivationScheme, colDeprivationValue, colValue, colN, colSD, colCurrency}

// recordIdentity is the cell a validated row belongs to, as disclosure keys it: the
// cells are already in their stored text (dates YYYY-MM-DD, the decile a plain
// number), so the identity is the same as migration 00071 reads back from a row.
func recordIdentity(partnerID string, c *cells) disclosure.RecordIdentity {
	return disclosure.RecordIdentity{PartnerID: partnerID, Metric: c[colMetric], PeriodStart: c[colPeriodStart],
		PeriodEnd: c[colPeriodEnd], WelfareDomain: c[colWelfareDomain], IhelpCategory: c[colIhelpCategory],
		HealthSetting: c[colHealthSetting], AgeBand: c[colAgeBand], Sex: c[colSex],
		DeprivationScheme: c[colDeprivationScheme], DeprivationValue: c[colDeprivationValue]}
}

// store runs one submission's transaction. It returns errRejected, errDryRun or an
// errExisting to roll back without error; done receives the stored submission, dry
// what an accepted dry run would have stored.
func (s *Service) store(ctx context.Context, p *hjx.Principal, req Request, cfg Config, val *validator,
	preHash string, done func(*Submission), dry func(*Preview)) error {
	return postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, partnerLock, p.PartnerID); err != nil {
			return hjx.Internal(err, "lock partner")
		}
		if preHash != "" { // a concurrent upload of the same content may have committed meanwhile
			if sub, err := s.findBySha(ctx, tx, p.PartnerID, preHash); err != nil {
				return err
			} else if sub != nil {
				return errExisting{sub}
			}
		}
		sub := &Submission{ID: uuid.NewString(), PartnerID: p.PartnerID, UploaderID: p.ID, Format: req.Format,
			Status: StatusAccepted, ConsentBasis: req.ConsentBasis, ReceivedAt: s.Now().UTC()}
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
			return hjx.Internal(err, "insert submission")
		}
		if _, err := tx.ExecContext(ctx, `SET CONSTRAINTS observations_one_current DEFERRED`); err != nil {
			return hjx.Internal(err, "defer constraint")
		}
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn("observations", copyColumns...))
		if err != nil {
			return hjx.Internal(err, "begin copy")
		}
		args := make([]any, len(copyColumns))
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
		if err != nil {
			_ = stmt.Close()
			return err
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			_ = stmt.Close()
			return hjx.Internal(err, "end copy")
		}
		if err := stmt.Close(); err != nil {
			return hjx.Internal(err, "close copy")
		}
		sub.Sha256 = preHash
		if sub.Sha256 == "" {
			sub.Sha256 = f.sha256
			if sub.Sha256 != "" {
				if old, err := s.findBySha(ctx, tx, p.PartnerID, sub.Sha256); err != nil {
					return err
				} else if old != nil {
					return errExisting{old}
				}
			}
		}
		if f.rows == 0 && val.issues.total == 0 {
			val.issues.add(0, "", CodeNoRows, "the submission has no data rows")
		}
		if !f.fatal && f.stored > 0 {
			if err := crossRowChecks(ctx, tx, sub, val.issues); err != nil {
				return err
			}
			if err := revisionCheck(ctx, tx, sub, cfg, val.issues); err != nil {
				return err
			}
		}
		if val.issues.total > 0 {
			return errRejected
		}
		if req.DryRun {
			pv, err := preview(ctx, tx, sub.ID)
			if err != nil {
				return err
			}
			dry(pv)
			return errDryRun
		}
		superseded, err := supersede(ctx, tx, sub)
		if err != nil {
			return err
		}
		sub.SupersedesIDs = superseded
		sub.RowCount = f.stored
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
				"consentBasis": sub.ConsentBasis, "supersedes": strings.Join(superseded, ",")}})
		if err != nil {
			return err
		}
		done(sub)
		return nil
	})
}

// feedResult is what reading a submission's rows found.
type feedResult struct {
	rows   int    // data rows read
	stored int    // rows copied (valid ones)
	fatal  bool   // reading stopped early; cross-row checks would be incomplete
	sha256 string // of the bytes read (CSV)
}

// feedCSV reads the file record by record, validates each row and emits the valid
// ones. Only one record is in memory at a time.
func feedCSV(r io.Reader, cfg Config, val *validator, emit func(*observation) error) (feedResult, error) {
	var f feedResult
	issues := val.issues
	hashed, h := hashingReader(&limitedReader{r: r, max: cfg.MaxBytes})
	cr := newCSVReader(hashed, cfg.MaxRecordBytes)
	stop := func(err error) (bool, error) {
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, errFileTooLarge) || errors.As(err, &mbe):
			issues.add(0, "", CodeFileTooLarge, "the file is larger than the limit of %d bytes; split it into several submissions", cfg.MaxBytes)
		case errors.Is(err, errRecordTooLong):
			issues.add(cr.Record()+1, "", CodeRowTooLong, "a row is longer than %d bytes; a valid row is a few hundred (is a quote left open?)", cfg.MaxRecordBytes)
		default:
			return true, hjx.Internal(err, "read upload")
		}
		f.fatal = true
		return true, nil
	}

	header, err := cr.Read()
	if err == io.EOF {
		issues.add(0, "", CodeFileEmpty, "the file is empty; it needs a header row and data rows (see /templates/observations.csv)")
		f.fatal = true
		return f, nil
	}
	if err != nil && !isParseError(err) {
		_, err = stop(err)
		return f, err
	}
	if err != nil {
		issues.add(1, "", CodeCSVMalformed, "the header row is not valid CSV: %s", csvErrorText(err))
		f.fatal = true
		return f, nil
	}
	// The reader reuses its record slice: keep the header's own copy, or later rows
	// would show through it (and a cell's value could end up named as a column).
	header = slices.Clone(header)
	layout, headerOK := parseHeader(header, issues)
	width := len(layout)

	var c cells
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		row := cr.Record()
		if err != nil && !isParseError(err) {
			if _, err := stop(err); err != nil {
				return f, err
			}
			break
		}
		if err != nil {
			issues.add(row, "", CodeCSVMalformed, "the row is not valid CSV: %s", csvErrorText(err))
			continue
		}
		f.rows++
		if f.rows > cfg.MaxRows {
			issues.add(row, "", CodeTooManyRows, "the file has more than %d data rows; split it into several submissions", cfg.MaxRows)
			f.fatal = true
			break
		}
		// Cells outside the known columns are scanned for identifiers too.
		for i, v := range rec {
			if i >= width || layout[i] < 0 {
				if k, hit := FindIdentifier(v, false); hit {
					// No column name: the header of a column outside the format is
					// the partner's own text, never repeated.
					issues.add(row, "", k.IssueCode(), "a cell in column %d looks like %s; remove it", i+1, k.Description())
				}
			}
		}
		if len(rec) != width {
			// Still check the known cells for identifiers before reporting the shape.
			issues.add(row, "", CodeFieldCount, "the row has %d cells but the header has %d; every row needs one cell per column (blank cells are fine)", len(rec), width)
			c = cells{}
			for i, col := range layout {
				if col >= 0 && i < len(rec) {
					c[col] = normaliseCell(rec[i])
				}
			}
			val.scanIdentifiers(row, &c)
			continue
		}
		c = cells{}
		for i, col := range layout {
			if col >= 0 {
				c[col] = normaliseCell(rec[i])
			}
		}
		if !headerOK {
			val.scanIdentifiers(row, &c)
			continue
		}
		o, ok := val.validate(row, &c)
		if !ok {
			continue
		}
		if err := emit(&o); err != nil {
			return f, err
		}
		f.stored++
	}
	f.sha256 = hex.EncodeToString(h.Sum(nil))
	return f, nil
}

// feedRows validates and emits JSON rows; row numbers are positions from 1.
func feedRows(rows []Row, val *validator, emit func(*observation) error) (feedResult, error) {
	var f feedResult
	for i, r := range rows {
		f.rows++
		c := rowCells(r)
		o, ok := val.validate(i+1, &c)
		if !ok {
			continue
		}
		if err := emit(&o); err != nil {
			return f, err
		}
		f.stored++
	}
	return f, nil
}

func csvErrorText(err error) string {
	var pe interface{ Unwrap() error }
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return "unreadable"
}

func headerName(h string) string { return strings.ToLower(normaliseCell(h)) }

// parseHeader maps the file's columns to the format's; -1 marks an unknown column.
// It reports unknown, repeated and missing columns, and identifiers in the header.
// ok says whether every required column is there: then the rows are checked too
// (the file is rejected either way), so the partner sees every problem in one go.
func parseHeader(header []string, issues *issueList) ([]column, bool) {
	ok := true
	layout := make([]column, len(header))
	seen := map[column]bool{}
	for i, h := range header {
		layout[i] = -1
		name := headerName(h)
		if k, hit := FindIdentifier(name, false); hit {
			issues.add(1, "", k.IssueCode(), "the header of column %d looks like %s; use the template's column names", i+1, k.Description())
			continue
		}
		col := column(-1)
		for c := column(0); c < numColumns; c++ {
			if Columns[c] == name {
				col = c
			}
		}
		switch {
		case col < 0:
			issues.add(1, "", CodeColumnUnknown, "column %d is not a column of the format; remove it (free-text columns are not accepted). Columns: %s",
				i+1, strings.Join(Columns[:], ", "))
		case seen[col]:
			issues.add(1, name, CodeColumnRepeated, "column %s appears more than once", name)
		default:
			seen[col] = true
			layout[i] = col
		}
	}
	for _, name := range RequiredColumns {
		found := false
		for c := range seen {
			if Columns[c] == name {
				found = true
			}
		}
		if !found {
			issues.add(1, name, CodeColumnMissing, "required column %s is missing from the header", name)
			ok = false
		}
	}
	return layout, ok
}

// dimensionKey is the breakdown of a row in SQL: the partition of the duplicate and
// overlap checks (NULLs group together there).
const dimensionKey = `metric, welfare_domain, ihelp_category, health_setting, age_band, sex, deprivation_scheme, deprivation_value`

// sameBreakdown compares the breakdowns of observations a and b, NULL equal to NULL,
// in the form a hash join can use.
func sameBreakdown(a, b string) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%s.metric = %s.metric", a, b))
	for _, col := range []string{"welfare_domain", "ihelp_category", "health_setting", "age_band", "sex", "deprivation_scheme"} {
		parts = append(parts, fmt.Sprintf("coalesce(%[1]s.%[3]s, '') = coalesce(%[2]s.%[3]s, '')", a, b, col))
	}
	parts = append(parts, fmt.Sprintf("coalesce(%[1]s.deprivation_value, 0) = coalesce(%[2]s.deprivation_value, 0)", a, b))
	return strings.Join(parts, " AND ")
}

type rowIssue struct {
	Row   int           `db:"source_row"`
	Code  string        `db:"code"`
	Other sql.NullInt64 `db:"other_row"`
	Total int           `db:"total"`
}

// crossRowChecks finds, in SQL over the rows just copied, duplicate rows, periods
// overlapping other periods of the same metric and breakdown in the file, and
// periods overlapping (without equalling) the partner's stored current figures. One
// sort of the submission's rows answers the first two; the memory is PostgreSQL's,
// bounded by work_mem, not the server's.
func crossRowChecks(ctx context.Context, tx *sqlx.Tx, sub *Submission, issues *issueList) error {
	// One sort of up to the row limit: in memory rather than in temporary files,
	// for this transaction only.
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return hjx.Internal(err, "set work_mem")
	}
	var inFile []rowIssue
	err := sqlx.SelectContext(ctx, tx, &inFile, `
		SELECT source_row, code, other_row, count(*) OVER () AS total FROM (
			SELECT source_row,
				CASE WHEN row_number() OVER byRow <> rank() OVER byPeriod THEN 'DUPLICATE_ROW'
				     WHEN period_start <= max(period_end) OVER (byPeriod RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP)
				     THEN 'PERIOD_OVERLAP_IN_FILE' END AS code,
				lag(source_row) OVER byRow AS other_row
			FROM observations WHERE submission_id = $1
			WINDOW breakdown AS (PARTITION BY `+dimensionKey+`),
			       byPeriod AS (breakdown ORDER BY period_start, period_end),
			       byRow AS (breakdown ORDER BY period_start, period_end, source_row)
		) x WHERE code IS NOT NULL ORDER BY source_row LIMIT $2`, sub.ID, issues.room()+1)
	if err != nil {
		return hjx.Internal(err, "check duplicates")
	}
	for i, r := range inFile {
		if r.Code == CodeDuplicateRow {
			issues.add(r.Row, "", CodeDuplicateRow, "the row repeats row %d: same metric, period and breakdown; keep one of them", r.Other.Int64)
		} else {
			issues.add(r.Row, "period_start", CodePeriodOverlapInFile, "the period overlaps, without equalling, the period of another row with the same metric and breakdown (a quarter beside one of its months, say): summing them would count twice")
		}
		if i == len(inFile)-1 {
			issues.total += r.Total - len(inFile) // the rows past the listing limit
		}
	}

	if stored, err := hasOtherCurrent(ctx, tx, sub); err != nil || !stored {
		return err
	}
	var overlaps []rowIssue
	err = sqlx.SelectContext(ctx, tx, &overlaps, `
		SELECT n.source_row, 'PERIOD_OVERLAP_STORED' AS code, NULL::bigint AS other_row, count(*) OVER () AS total
		FROM observations n
		WHERE n.submission_id = $1 AND EXISTS (
			SELECT 1 FROM observations o
			WHERE o.partner_id = $2 AND o.current AND o.submission_id <> $1 AND `+sameBreakdown("o", "n")+`
			  AND o.period_start <= n.period_end AND n.period_start <= o.period_end
			  AND (o.period_start, o.period_end) <> (n.period_start, n.period_end))
		ORDER BY n.source_row LIMIT $3`, sub.ID, sub.PartnerID, issues.room()+1)
	if err != nil {
		return hjx.Internal(err, "check stored overlaps")
	}
	for i, r := range overlaps {
		issues.add(r.Row, "period_start", CodePeriodOverlapStored, "the period overlaps, without equalling, a stored figure of the same metric and breakdown from an earlier submission: upload the same periods as before (to replace them) or periods that do not overlap them")
		if i == len(overlaps)-1 {
			issues.total += r.Total - len(overlaps)
		}
	}
	return nil
}

// revisionCheck counts, for every row of the new submission, the versions of its
// cell the partner stored in submissions received within the revision window (any
// status: superseded and retracted versions count, or retracting would reset the
// count), and reports the rows that would exceed the limit. Only submissions of
// the window are read, through their index, so a partner's first upload in a
// window costs one lookup.
func revisionCheck(ctx context.Context, tx *sqlx.Tx, sub *Submission, cfg Config, issues *issueList) error {
	since := sub.ReceivedAt.Add(-cfg.RevisionWindow)
	var recent bool
	if err := sqlx.GetContext(ctx, tx, &recent, `SELECT EXISTS (SELECT 1 FROM submissions
		WHERE partner_id = $1 AND id <> $2 AND received_at > $3)`, sub.PartnerID, sub.ID, since); err != nil {
		return hjx.Internal(err, "check recent submissions")
	}
	if !recent {
		return nil
	}
	var over []struct {
		Row      int `db:"source_row"`
		Versions int `db:"versions"`
		Total    int `db:"total"`
	}
	err := sqlx.SelectContext(ctx, tx, &over, `
		SELECT n.source_row, count(*) + 1 AS versions, count(*) OVER () AS total
		FROM submissions s
		JOIN observations o ON o.submission_id = s.id
		JOIN observations n ON n.submission_id = $1 AND `+sameBreakdown("o", "n")+`
			AND o.period_start = n.period_start AND o.period_end = n.period_end
		WHERE s.partner_id = $2 AND s.id <> $1 AND s.received_at > $3
		GROUP BY n.source_row HAVING count(*) + 1 > $4
		ORDER BY n.source_row LIMIT $5`, sub.ID, sub.PartnerID, since, cfg.RevisionLimit, issues.room()+1)
	if err != nil {
		return hjx.Internal(err, "check revisions")
	}
	days := int(cfg.RevisionWindow.Hours() / 24)
	for i, r := range over {
		issues.add(r.Row, "", CodeRevisionLimit, "this would be version %d of the same figure (metric, period and breakdown) within %d days; at most %d are accepted (the first upload and its corrections), counting superseded and retracted ones: upload it again after the window, or ask the steward",
			r.Versions, days, cfg.RevisionLimit)
		if i == len(over)-1 {
			issues.total += r.Total - len(over)
			issues.revisions += r.Total
		}
	}
	return nil
}

// hasOtherCurrent tells whether the partner has current figures from another
// submission, so a partner's first upload skips the checks against stored figures
// and the supersession join, each a pass over the new rows. Current figures belong
// to ACCEPTED submissions only (a submission is SUPERSEDED once none of its figures
// is current, RETRACTED makes them all non-current, REJECTED stores none), so the
// partner's submissions answer it from their index, without reading the new rows.
func hasOtherCurrent(ctx context.Context, tx *sqlx.Tx, sub *Submission) (bool, error) {
	var stored bool
	if err := sqlx.GetContext(ctx, tx, &stored, `SELECT EXISTS (SELECT 1 FROM submissions
		WHERE partner_id = $1 AND id <> $2 AND status = 'ACCEPTED')`, sub.PartnerID, sub.ID); err != nil {
		return false, hjx.Internal(err, "check stored figures")
	}
	return stored, nil
}

// supersede marks the partner's current figures that the new submission replaces
// (same metric, period and breakdown) as no longer current, links the submissions,
// and marks an earlier submission SUPERSEDED once none of its figures is current.
// It returns the ids of the submissions superseded in part or whole.
func supersede(ctx context.Context, tx *sqlx.Tx, sub *Submission) ([]string, error) {
	if stored, err := hasOtherCurrent(ctx, tx, sub); err != nil || !stored {
		return []string{}, err
	}
	var ids []string
	err := sqlx.SelectContext(ctx, tx, &ids, `
		WITH replaced AS (
			UPDATE observations o SET current = false
			FROM observations n
			WHERE n.submission_id = $1 AND o.partner_id = $2 AND o.current AND o.submission_id <> $1
			  AND `+sameBreakdown("o", "n")+`
			  AND o.period_start = n.period_start AND o.period_end = n.period_end
			RETURNING o.submission_id)
		SELECT DISTINCT submission_id::text FROM replaced ORDER BY 1`, sub.ID, sub.PartnerID)
	if err != nil {
		return nil, hjx.Internal(err, "supersede figures")
	}
	if len(ids) == 0 {
		return []string{}, nil
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO submission_supersedes (submission_id, superseded_id) SELECT $1, unnest($2::uuid[])`,
		sub.ID, pq.Array(ids)); err != nil {
		return nil, hjx.Internal(err, "link superseded submissions")
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE submissions s SET status = 'SUPERSEDED'
		WHERE s.id = ANY($1::uuid[]) AND s.status = 'ACCEPTED'
		  AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.submission_id = s.id AND o.current)`,
		pq.Array(ids)); err != nil {
		return nil, hjx.Internal(err, "mark superseded submissions")
	}
	return ids, nil
}

// registration loads the partner's registered health settings and advice
// domains, and the I-HELP categories of those domains.
func (s *Service) registration(ctx context.Context, partnerID string) (registration, error) {
	var r struct {
		Settings   pq.StringArray `db:"health_settings"`
		Domains    pq.StringArray `db:"advice_domains"`
		Categories pq.StringArray `db:"categories"`
		Country    string         `db:"country"`
	}
	err := sqlx.GetContext(ctx, s.DB, &r, `
		SELECT p.country, p.health_settings, p.advice_domains,
			ARRAY(SELECT DISTINCT w.ihelp_category FROM welfare_domains w WHERE w.code = ANY (p.advice_domains)
				ORDER BY 1) AS categories
		FROM partners p WHERE p.id = $1`, partnerID)
	if postgres.IsNoRows(err) {
		return registration{}, hjx.Forbidden("the token's partner is not registered")
	}
	if err != nil {
		return registration{}, hjx.Internal(err, "load partner registration")
	}
	if s.Country != "" && r.Country != s.Country {
		return registration{}, hjx.Forbidden("this is the %s national node: the partner's figures are uploaded to its own country's node", s.Country)
	}
	return registration{HealthSettings: r.Settings, AdviceDomains: r.Domains, Categories: r.Categories}, nil
}

// auditRevisionLimit records a submission refused by the revision limit, in a
// transaction of its own (the submission's was rolled back): repeated revisions
// are how an insider would probe, so the steward sees each attempt.
func (s *Service) auditRevisionLimit(ctx context.Context, p *hjx.Principal, req Request, rows int, cfg Config) error {
	return postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		_, err := s.Audit.Append(ctx, tx, p, audit.Entry{Action: "submission.reject", Subject: "partner:" + p.PartnerID,
			PartnersIncluded: []string{p.PartnerID},
			Detail: map[string]string{"code": CodeRevisionLimit, "rows": strconv.Itoa(rows), "format": req.Format,
				"dryRun": strconv.FormatBool(req.DryRun), "limit": strconv.Itoa(cfg.RevisionLimit),
				"windowDays": strconv.Itoa(int(cfg.RevisionWindow.Hours() / 24))}})
		return err
	})
}

// codebook loads the metric definitions validation needs (a few dozen rows).
func (s *Service) codebook(ctx context.Context) (map[string]metricDef, error) {
	var rows []struct {
		Code string              `db:"code"`
		Kind string              `db:"kind"`
		Min  decimal.NullDecimal `db:"range_min"`
		Max  decimal.NullDecimal `db:"range_max"`
	}
	if err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT code, kind, range_min, range_max FROM metric_definitions`); err != nil {
		return nil, hjx.Internal(err, "load codebook")
	}
	out := make(map[string]metricDef, len(rows))
	for _, r := range rows {
		d := metricDef{Kind: r.Kind}
		if r.Min.Valid {
			m := r.Min.Decimal
			d.Min = &m
		}
		if r.Max.Valid {
			m := r.Max.Decimal
			d.Max = &m
		}
		out[r.Code] = d
	}
	return out, nil
}

// preview summarises the rows a dry run copied (rolled back with its transaction).
func preview(ctx context.Context, tx sqlx.QueryerContext, submissionID string) (*Preview, error) {
	var row struct {
		Rows       int            `db:"rows"`
		Periods    int            `db:"periods"`
		From       time.Time      `db:"first_day"`
		To         time.Time      `db:"last_day"`
		Metrics    pq.StringArray `db:"metrics"`
		Supersedes int            `db:"supersedes"`
	}
	err := sqlx.GetContext(ctx, tx, &row, `
		SELECT count(*) AS rows, count(DISTINCT (o.period_start, o.period_end)) AS periods,
			min(o.period_start) AS first_day, max(o.period_end) AS last_day,
			array_agg(DISTINCT o.metric ORDER BY o.metric) AS metrics,
			(SELECT count(*) FROM observations c JOIN observations n ON n.submission_id = $1
				AND c.partner_id = n.partner_id AND c.metric = n.metric AND c.period_start = n.period_start
				AND c.period_end = n.period_end
				AND c.welfare_domain IS NOT DISTINCT FROM n.welfare_domain AND c.ihelp_category IS NOT DISTINCT FROM n.ihelp_category
				AND c.health_setting IS NOT DISTINCT FROM n.health_setting AND c.age_band IS NOT DISTINCT FROM n.age_band
				AND c.sex IS NOT DISTINCT FROM n.sex AND c.deprivation_scheme IS NOT DISTINCT FROM n.deprivation_scheme
				AND c.deprivation_value IS NOT DISTINCT FROM n.deprivation_value
			 WHERE c.current AND c.submission_id <> $1) AS supersedes
		FROM observations o WHERE o.submission_id = $1`, submissionID)
	if err != nil {
		return nil, hjx.Internal(err, "preview dry run")
	}
	return &Preview{Rows: row.Rows, Periods: row.Periods, From: row.From.UTC(), To: row.To.UTC(),
		Metrics: []string(row.Metrics), Supersedes: row.Supersedes}, nil
}
