package ingest

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

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
