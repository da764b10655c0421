package ingest

import (
	"context"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

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
		Kind hjx.MetricKind      `db:"kind"`
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
