package postgres_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
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
