package postgres_test

import (
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// oneSubmission is a partner, a steward and one accepted submission, for tests
// that write observations directly.
const oneSubmission = `
	INSERT INTO partners (id, name, country, region, model) VALUES ('gb-a', 'A', 'GB', 'GB-ENG', 'HJP');
	INSERT INTO principals (id, name, role) VALUES ('00000000-0000-4000-8000-000000000001', 'x', 'STEWARD');
	INSERT INTO submissions (id, partner_id, uploader_id, format, sha256, consent_basis, status, row_count)
	VALUES ('00000000-0000-4000-8000-0000000000a1', 'gb-a', '00000000-0000-4000-8000-000000000001', 'CSV',
		repeat('a', 64), 'EXPLICIT_CONSENT', 'ACCEPTED', 1);`

// observations_one_current (migration 00060): at most one current figure per
// partner, metric, period and breakdown, NULL dimensions equal, deferrable.
func TestOneCurrentFigure(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) *sqlx.DB {
		db := pgtest.NewDB(t)
		if _, err := db.Exec(oneSubmission + `
			INSERT INTO observations (submission_id, partner_id, metric, period_start, period_end, age_band, value, key_value, key_n)
			VALUES ('00000000-0000-4000-8000-0000000000a1', 'gb-a', 'PATIENTS_SCREENED', '2021-01-01', '2021-01-31', NULL, 5, 0, 0)`); err != nil {
			t.Fatal(err)
		}
		return db
	}
	insert := func(db sqlx.Execer, ageBand any) error {
		_, err := db.Exec(`INSERT INTO observations (submission_id, partner_id, metric, period_start, period_end, age_band, value, key_value, key_n)
			VALUES ('00000000-0000-4000-8000-0000000000a1', 'gb-a', 'PATIENTS_SCREENED', '2021-01-01', '2021-01-31', $1, 7, 0, 0)`, ageBand)
		return err
	}
	isUnique := func(err error) bool {
		var pqErr *pq.Error
		return errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == "observations_one_current"
	}
	t.Run("ErrSecondCurrentMargin", func(t *testing.T) {
		// NULL dimensions are the margin: a second current total collides.
		if err := insert(setup(t), nil); !isUnique(err) {
			t.Fatalf("a second current figure for the same breakdown: %v", err)
		}
	})
	t.Run("OKOtherBreakdown", func(t *testing.T) {
		if err := insert(setup(t), "AGE_18_24"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OKHistoryKept", func(t *testing.T) {
		db := setup(t)
		for i := 0; i < 2; i++ { // two generations of history beside the current figure
			if _, err := db.Exec(`UPDATE observations SET current = false WHERE current`); err != nil {
				t.Fatal(err)
			}
			if err := insert(db, nil); err != nil {
				t.Fatal(err)
			}
		}
		var rows int
		if err := db.Get(&rows, `SELECT count(*) FILTER (WHERE current) * 10 + count(*) FROM observations`); err != nil || rows != 13 {
			t.Fatalf("want 1 current of 3 rows, got code %d (%v)", rows, err)
		}
	})
	// deferredInsert inserts a second current figure in a transaction whose
	// uniqueness check is deferred to the commit.
	deferredInsert := func(t *testing.T) *sqlx.Tx {
		tx := setup(t).MustBegin()
		t.Cleanup(func() { _ = tx.Rollback() })
		tx.MustExec(`SET CONSTRAINTS observations_one_current DEFERRED`)
		if err := insert(tx, nil); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	t.Run("OKDeferredSupersession", func(t *testing.T) {
		// An upload copies first and supersedes after, in one transaction.
		tx := deferredInsert(t)
		tx.MustExec(`UPDATE observations SET current = false WHERE value = 5`)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrDeferredStillChecked", func(t *testing.T) {
		tx := deferredInsert(t)
		if err := tx.Commit(); !isUnique(err) {
			t.Fatalf("commit with two current figures: %v", err)
		}
	})
}
