package postgres_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/migrations"
)

// emptyDB returns a database with nothing in it: pgtest's databases are already
// migrated, so roll them back to empty first through goose's own down path.
func emptyDB(t *testing.T) *sqlx.DB {
	t.Helper()
	db := pgtest.NewDB(t)
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestMigrateFromEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := emptyDB(t)
	log := slog.New(slog.DiscardHandler)

	// Two replicas starting at once must both succeed and apply everything once.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = postgres.Migrate(ctx, db, log)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	// And again: nothing left to do, nothing duplicated.
	if err := postgres.Migrate(ctx, db, log); err != nil {
		t.Fatal(err)
	}

	counts := map[string]int{
		"metric_definitions": 20, // the 20 codebook metrics
		"welfare_domains":    11, // the crosswalk's rows
		"exchange_rates":     7,  // 2015-2021, version 1 each
	}
	for table, want := range counts {
		var got int
		if err := db.Get(&got, `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s has %d rows, want %d", table, got, want)
		}
	}
	for _, table := range []string{"partners", "submissions", "observations", "sharing_policies", "research_projects",
		"project_members", "project_access_approvals", "principals", "tokens", "audit_entries", "submission_supersedes"} {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM `+table); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func TestConstraints(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	// One audit entry, so that the row-level append-only trigger has a row to refuse.
	if _, err := db.Exec(`INSERT INTO audit_entries (seq, id, at, action, subject, prev_hash, hash)
		VALUES (1, gen_random_uuid(), now(), 'test', 'test', 'p', 'h')`); err != nil {
		t.Fatal(err)
	}
	mustFail := []struct{ name, sql string }{
		{"ErrPartnerSlug", `INSERT INTO partners (id, name, country, region, model) VALUES ('Bad Id', 'x', 'GB', 'GB-ENG', 'HJP')`},
		{"ErrRegionForCountry", `INSERT INTO partners (id, name, country, region, model) VALUES ('ok-id', 'x', 'GB', 'US-NY', 'HJP')`},
		{"ErrEmptyName", `INSERT INTO partners (id, name, country, region, model) VALUES ('ok-id', '  ', 'GB', 'GB-ENG', 'HJP')`},
		{"ErrHealthSetting", `INSERT INTO partners (id, name, country, region, model, health_settings) VALUES ('ok-id', 'x', 'GB', 'GB-ENG', 'HJP', '{SPA}')`},
		{"ErrRoleWithoutPartner", `INSERT INTO principals (id, name, role) VALUES (gen_random_uuid(), 'x', 'PARTNER_ADMIN')`},
		{"ErrAuditUpdate", `UPDATE audit_entries SET action = 'x'`},
		{"ErrAuditDelete", `DELETE FROM audit_entries`},
		{"ErrAuditTruncate", `TRUNCATE audit_entries`},
	}
	for _, tc := range mustFail {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.Exec(tc.sql); err == nil {
				t.Fatalf("statement succeeded, want a constraint error: %s", tc.sql)
			}
		})
	}
}

func TestWithTxRollsBack(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	err := postgres.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`INSERT INTO partners (id, name, country, region, model) VALUES ('p-one', 'x', 'GB', 'GB-ENG', 'HJP')`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO partners (id, name, country, region, model) VALUES ('p-two', 'x', 'GB', 'NOPE', 'HJP')`)
		return err
	})
	if err == nil {
		t.Fatal("want the second insert to fail")
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM partners`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d partners stored after a failed transaction, want 0", n)
	}
}

// Migration 00071 gives every observation stored before it its record keys under
// the secret it creates (keeping one that exists), exactly as ingest keys new rows,
// and then makes the keys NOT NULL.
func TestDisclosureKeysMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	before, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil || len(before) != 32 {
		t.Fatalf("secret after migrating: %x, %v; want 32 bytes", before, err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS,
		goose.WithGoMigrations(migrations.GoMigrations()...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.DownTo(ctx, 70); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(oneSubmission + `
		INSERT INTO observations (submission_id, partner_id, metric, period_start, period_end, welfare_domain,
			deprivation_scheme, deprivation_value, value)
		SELECT '00000000-0000-4000-8000-0000000000a1', 'gb-a', 'PATIENTS_SCREENED',
			make_date(2000 + i / 12, 1 + i % 12, 1), (make_date(2000 + i / 12, 1 + i % 12, 1) + interval '1 month - 1 day')::date,
			CASE WHEN i % 2 = 0 THEN 'DEBT' END, CASE WHEN i % 3 = 0 THEN 'IMD_DECILE' END,
			CASE WHEN i % 3 = 0 THEN 1 + i % 10 END, i
		FROM generate_series(0, 239) i`); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	after, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil || string(after) != string(before) {
		t.Fatalf("secret changed by migrating again: %x -> %x (%v)", before, after, err)
	}
	var rows []struct {
		Start, End, Domain, Scheme, Decile string
		Value, N                           int16
	}
	if err := db.Select(&rows, `SELECT to_char(period_start, 'YYYY-MM-DD') AS start, to_char(period_end, 'YYYY-MM-DD') AS "end",
		coalesce(welfare_domain, '') AS domain, coalesce(deprivation_scheme, '') AS scheme,
		coalesce(deprivation_value::text, '') AS decile, key_value AS value, key_n AS n FROM observations`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 240 {
		t.Fatalf("%d observations, want 240", len(rows))
	}
	distinct := map[int16]bool{}
	for _, r := range rows {
		v, n := after.RecordKeys(disclosure.RecordIdentity{PartnerID: "gb-a", Metric: "PATIENTS_SCREENED",
			PeriodStart: r.Start, PeriodEnd: r.End, WelfareDomain: r.Domain, DeprivationScheme: r.Scheme, DeprivationValue: r.Decile})
		if r.Value != v || r.N != n {
			t.Fatalf("row %+v: keys (%d, %d), want (%d, %d)", r, r.Value, r.N, v, n)
		}
		distinct[r.Value] = true
	}
	if len(distinct) < 100 {
		t.Fatalf("240 cells got only %d distinct value keys", len(distinct))
	}
	_, err = db.Exec(`INSERT INTO observations (submission_id, partner_id, metric, period_start, period_end, value)
		VALUES ('00000000-0000-4000-8000-0000000000a1', 'gb-a', 'PATIENTS_SCREENED', '2030-01-01', '2030-01-31', 1)`)
	if err == nil {
		t.Fatal("an observation without record keys was stored; want NOT NULL to refuse it")
	}
}

// Every database gets a secret of its own: a fresh migration never reuses one.
func TestDisclosureSecretPerDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := pgtest.NewDB(t)
	secretA, err := postgres.LoadDisclosureSecret(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	b := emptyDB(t)
	if _, err := postgres.LoadDisclosureSecret(ctx, b); err == nil {
		t.Fatal("an empty database has a secret")
	}
	if err := postgres.Migrate(ctx, b, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	secretB, err := postgres.LoadDisclosureSecret(ctx, b)
	if err != nil || len(secretB) != 32 || string(secretB) == string(secretA) {
		t.Fatalf("fresh database's secret %x (%v), other database's %x: want 32 new bytes", secretB, err, secretA)
	}
}
