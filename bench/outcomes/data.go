package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// generatorVersion changes whenever the generated data would; a database made by
// another version is generated again.
const generatorVersion = 5

// benchProject is the approved project the dashboard token queries.
const benchProject = "00000000-0000-4000-8000-00000000b002"

// rowsPerPartner is what one partner contributes: 6 metrics x 84 months x about
// 330 breakdowns (see breakdownsSQL).
const rowsPerPartner = 6 * 84 * 330.5

// The metrics generated, one of each kind and three counts.
var benchMetrics = []struct{ Code, Kind string }{
	{"PATIENTS_SCREENED", "COUNT"}, {"PATIENTS_REFERRED", "COUNT"}, {"CLIENTS_ADVISED", "COUNT"},
	{"REFERRALS_WITH_INTAKE", "PROPORTION"}, {"FINANCIAL_GAIN", "AMOUNT"}, {"WEMWBS_CHANGE", "MEAN"},
}

// dataset is a generated database.
type dataset struct {
	URL      string
	Rows     int64
	Partners int
	Seconds  float64 // generation time (0 when reused)
	Reused   bool
}

// partnersFor is how many partners (an even number, half GB, half US, at least 8
// so that a country's cells have the 4 partners disclosure control's remainder
// rule requires: 3 left when any one subtracts itself) make about rows.
func partnersFor(rows int64) int {
	p := int(math.Round(float64(rows)/rowsPerPartner/2)) * 2
	return max(p, 8)
}

// ensureData returns the database for target observations, generating it unless
// an earlier run left one made by this generator for this size.
func ensureData(ctx context.Context, serverURL, hjxBin string, target int64, fresh bool) (*dataset, error) {
	name := fmt.Sprintf("hjx_bench_%d", target)
	dbURL, err := withDatabase(serverURL, name)
	if err != nil {
		return nil, err
	}
	adminURL, _ := withDatabase(serverURL, "postgres")
	admin, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var exists bool
	if err := admin.Get(&exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return nil, err
	}
	ds := &dataset{URL: dbURL}
	if exists && !fresh {
		db, err := sqlx.Open("postgres", dbURL)
		if err != nil {
			return nil, err
		}
		var meta struct {
			Generator int   `db:"generator"`
			Rows      int64 `db:"rows"`
			Partners  int   `db:"partners"`
		}
		err = db.Get(&meta, `SELECT generator, rows, partners FROM bench_meta`)
		db.Close()
		if err == nil && meta.Generator == generatorVersion {
			ds.Rows, ds.Partners, ds.Reused = meta.Rows, meta.Partners, true
			// New migrations (if any) apply to a reused database too.
			if out, err := command(append(os.Environ(), "DATABASE_URL="+dbURL), hjxBin, "migrate"); err != nil {
				return nil, fmt.Errorf("migrate: %v: %s", err, out)
			}
			return ds, nil
		}
	}
	if exists {
		if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			return nil, err
		}
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		return nil, err
	}
	if out, err := command(append(os.Environ(), "DATABASE_URL="+dbURL), hjxBin, "migrate"); err != nil {
		return nil, fmt.Errorf("migrate: %v: %s", err, out)
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // the session settings below hold for every statement
	began := time.Now()
	ds.Partners = partnersFor(target)
	logf("generating about %d observations for %d partners in %s", target, ds.Partners, name)
	if err := generate(ctx, db, ds.Partners); err != nil {
		return nil, err
	}
	ds.Seconds = time.Since(began).Seconds()
	if err := db.Get(&ds.Rows, `SELECT count(*) FROM observations`); err != nil {
		return nil, err
	}
	if _, err := db.Exec(`CREATE TABLE bench_meta AS SELECT $1::int AS generator, $2::bigint AS rows, $3::int AS partners,
		$4::float8 AS seconds`, generatorVersion, ds.Rows, ds.Partners, ds.Seconds); err != nil {
		return nil, err
	}
	logf("generated %d observations in %.0fs", ds.Rows, ds.Seconds)
	return ds, nil
}

// generate writes the bench world in SQL: partners half GB, half US, each with a
// GRU policy (min cell 8 in GB, 11 in US), one submission per partner, an approved
// project, and every partner's observations for 6 metrics, each month of 2015-2021
// (the years with exchange rates), as a cube: the total, by age band, by sex, by age
// x sex, by deprivation decile, by age x sex x decile, by welfare domain (GB) or
// I-HELP category (US), and by health setting. Indexes, the exclusion constraint and
// foreign keys are dropped for the load and rebuilt from their own definitions, and
// the shape counts are filled by migration 00050's statement (bulk loading, the way
// PostgreSQL's documentation advises; the rows satisfy every constraint by
// construction, which rebuilding them checks).
func generate(ctx context.Context, db *sqlx.DB, partners int) error {
	perCountry := partners / 2
	var rebuild []string
	if err := db.Select(&rebuild, `
		SELECT 'ALTER TABLE observations ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE conrelid = 'observations'::regclass AND contype IN ('f', 'x', 'u')
		UNION ALL
		SELECT indexdef FROM pg_indexes WHERE tablename = 'observations' AND schemaname = 'public'
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'observations'::regclass)`); err != nil {
		return err
	}
	var drop []string
	if err := db.Select(&drop, `
		SELECT 'ALTER TABLE observations DROP CONSTRAINT ' || quote_ident(conname)
		FROM pg_constraint WHERE conrelid = 'observations'::regclass AND contype IN ('f', 'x', 'u')
		UNION ALL
		SELECT 'DROP INDEX ' || quote_ident(indexname) FROM pg_indexes WHERE tablename = 'observations' AND schemaname = 'public'
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'observations'::regclass)`); err != nil {
		return err
	}
	var metrics, kinds []string
	for _, m := range benchMetrics {
		metrics = append(metrics, "'"+m.Code+"'")
		kinds = append(kinds, "'"+m.Kind+"'")
	}
	steps := []string{
		`SET maintenance_work_mem = '512MB'`,
		`SET work_mem = '256MB'`,
		fmt.Sprintf(`INSERT INTO partners (id, name, country, region, model, health_settings, advice_domains)
		SELECT 'bench-' || lower(c) || '-' || lpad(i::text, 3, '0'), 'Bench partner ' || c || ' ' || i, c,
			CASE c WHEN 'GB' THEN (ARRAY['GB-ENG', 'GB-WLS', 'GB-SCT', 'GB-NIR'])[1 + i %% 4]
				ELSE (ARRAY['US-NY', 'US-CA', 'US-TX', 'US-MA', 'US-IL'])[1 + i %% 5] END,
			CASE c WHEN 'GB' THEN 'HJP' ELSE 'MLP' END, '{PRIMARY_CARE,HOSPITAL}', '{}'
		FROM unnest(ARRAY['GB', 'US']) c, generate_series(1, %d) i`, perCountry),
		`INSERT INTO sharing_policies (partner_id, version, permission, min_cell)
		SELECT id, 1, 'GRU', CASE country WHEN 'GB' THEN 8 ELSE 11 END FROM partners`,
		`INSERT INTO principals (id, name, role) VALUES ('00000000-0000-4000-8000-00000000b001', 'bench loader', 'STEWARD')`,
		`INSERT INTO submissions (id, partner_id, uploader_id, format, sha256, consent_basis, status, row_count)
		SELECT gen_random_uuid(), id, '00000000-0000-4000-8000-00000000b001', 'CSV', encode(sha256(id::bytea), 'hex'),
			'EXPLICIT_CONSENT', 'ACCEPTED', 0 FROM partners`,
		`INSERT INTO research_projects (id, title, institution, institution_country, for_profit, purpose, commercial_use,
			ethics_approval_ref, publication_committed, starts_on, ends_on, status, approved_at)
		VALUES ('` + benchProject + `', 'Benchmark project', 'Bench University', 'GB', false, 'GENERAL_RESEARCH', false,
			'REC 00/0000', true, '2020-01-01', '2099-12-31', 'APPROVED', now())`,
		breakdownsSQL,
		`CREATE TEMP TABLE bench_metrics AS SELECT * FROM unnest(ARRAY[` + strings.Join(metrics, ",") + `],
			ARRAY[` + strings.Join(kinds, ",") + `]) AS m(code, kind)`,
	}
	steps = append(steps, drop...)
	steps = append(steps, `ALTER TABLE observations DISABLE TRIGGER observation_shape_counts_insert`,
		observationsSQL,
		`ALTER TABLE observations ENABLE TRIGGER observation_shape_counts_insert`,
		// Migration 00050's backfill.
		`INSERT INTO observation_shape_counts (metric, partner_id, shape, period_start, period_end, rows)
		SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band, sex,
			deprivation_scheme), period_start, period_end, count(*)
		FROM observations WHERE current GROUP BY 1, 2, 3, 4, 5`,
		`UPDATE submissions s SET row_count = c.n
		FROM (SELECT submission_id, count(*) AS n FROM observations GROUP BY 1) c WHERE c.submission_id = s.id`)
	steps = append(steps, rebuild...)
	steps = append(steps, `VACUUM (ANALYZE) observations`, `VACUUM (ANALYZE) observation_shape_counts`,
		`ANALYZE partners`, `ANALYZE sharing_policies`, `ANALYZE submissions`)
	for _, q := range steps {
		began := time.Now()
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%w\n%s", err, q)
		}
		if d := time.Since(began); d > 5*time.Second {
			logf("  %.0fs: %s", d.Seconds(), firstLine(q))
		}
	}
	return nil
}

// breakdownsSQL lists a partner's breakdowns (country NULL: both countries).
const breakdownsSQL = `CREATE TEMP TABLE bench_breakdowns AS
WITH ages AS (SELECT unnest(ARRAY['AGE_0_17', 'AGE_18_24', 'AGE_25_34', 'AGE_35_44', 'AGE_45_54', 'AGE_55_64',
		'AGE_65_74', 'AGE_75_89', 'AGE_90_PLUS']) AS age),
	sexes AS (SELECT unnest(ARRAY['FEMALE', 'MALE', 'OTHER_OR_NOT_STATED']) AS sex),
	deciles AS (SELECT generate_series(1, 10)::smallint AS dec)
SELECT NULL::text AS country, NULL::text AS wd, NULL::text AS ihelp, NULL::text AS hs, NULL::text AS age,
	NULL::text AS sex, NULL::smallint AS dec
UNION ALL SELECT NULL, NULL, NULL, NULL, age, NULL, NULL FROM ages
UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, sex, NULL FROM sexes
UNION ALL SELECT NULL, NULL, NULL, NULL, age, sex, NULL FROM ages, sexes
UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, dec FROM deciles
UNION ALL SELECT NULL, NULL, NULL, NULL, age, sex, dec FROM ages, sexes, deciles
UNION ALL (SELECT 'GB', code, NULL, NULL, NULL, NULL, NULL FROM welfare_domains ORDER BY code LIMIT 12)
UNION ALL SELECT 'US', NULL, unnest(ARRAY['INCOME_INSURANCE', 'HOUSING_UTILITIES', 'EDUCATION_EMPLOYMENT',
	'LEGAL_STATUS', 'PERSONAL_FAMILY_STABILITY']), NULL, NULL, NULL, NULL
UNION ALL SELECT NULL, NULL, NULL, unnest(ARRAY['PRIMARY_CARE', 'HOSPITAL']), NULL, NULL, NULL`

// observationsSQL writes every partner's cube. Figures are random within plausible
// ranges (a subquery keeps random() per row). The record keys are a deterministic
// hash of the row's cell in SQL, not ingest's HMAC under the disclosure secret: the
// bench measures cost, and any key in 0..255 that is fixed per cell costs the same.
const observationsSQL = `INSERT INTO observations (submission_id, partner_id, metric, period_start, period_end,
	welfare_domain, ihelp_category, health_setting, age_band, sex, deprivation_scheme, deprivation_value,
	value, n, sd, currency, key_value, key_n)
SELECT sub, partner, code, month, (month + interval '1 month - 1 day')::date, wd, ihelp, hs, age, sex,
	CASE WHEN dec IS NOT NULL THEN CASE country WHEN 'GB' THEN 'IMD_DECILE' ELSE 'ADI_DECILE' END END, dec,
	CASE kind WHEN 'COUNT' THEN floor(r * 400)
		WHEN 'PROPORTION' THEN floor(r * d)
		WHEN 'AMOUNT' THEN round((r * 900 * d)::numeric, 2)
		ELSE round((r * 20 - 5)::numeric, 1) END,
	CASE WHEN kind = 'COUNT' THEN NULL ELSE d END,
	CASE WHEN kind = 'MEAN' THEN round((r * 6)::numeric, 2) END,
	CASE WHEN kind = 'AMOUNT' THEN CASE country WHEN 'GB' THEN 'GBP' ELSE 'USD' END END,
	(hashtext(concat_ws('|', 'value', partner, code, month, wd, ihelp, hs, age, sex, dec)) & 255)::smallint,
	(hashtext(concat_ws('|', 'n', partner, code, month, wd, ihelp, hs, age, sex, dec)) & 255)::smallint
FROM (SELECT s.id AS sub, p.id AS partner, p.country, m.code, m.kind, mo::date AS month, b.wd, b.ihelp, b.hs, b.age,
		b.sex, b.dec, random() AS r, 20 + floor(random() * 400)::int AS d
	FROM partners p
	JOIN submissions s ON s.partner_id = p.id
	CROSS JOIN bench_metrics m
	CROSS JOIN generate_series(date '2015-01-01', date '2021-12-01', interval '1 month') mo
	JOIN bench_breakdowns b ON b.country IS NULL OR b.country = p.country) g`

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
