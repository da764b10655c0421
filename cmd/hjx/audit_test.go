package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// auditDB is a fresh database with five chained entries, and the run arguments
// to verify it.
func auditDB(t *testing.T) (*sqlx.DB, func() (string, string, error)) {
	t.Helper()
	url := pgtest.NewDatabaseURL(t)
	db, err := postgres.Open(context.Background(), url, postgres.PoolConfig{MaxOpen: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	clock := time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC)
	log := &audit.Log{Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	by := &hjx.Principal{ID: "4d9f0e2a-1b3c-4d5e-8f70-000000000001", Name: "steward", Role: hjx.RoleSteward}
	for i := 1; i <= 5; i++ {
		err := postgres.WithTx(context.Background(), db, func(tx *sqlx.Tx) error {
			_, err := log.Append(context.Background(), tx, by, audit.Entry{Action: "policy.set", Subject: fmt.Sprintf("partner:p%d", i),
				PartnersIncluded: []string{fmt.Sprintf("p%d", i)},
				PartnersExcluded: []audit.Excluded{{PartnerID: "x", Reasons: []string{"GS"}}},
				Detail:           map[string]string{"version": "1", "note": "<&> é"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	verify := func() (string, string, error) {
		var out, errOut bytes.Buffer
		getenv := func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		}
		err := run(context.Background(), []string{"hjx", "audit", "verify"}, getenv, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	return db, verify
}

// tamper runs SQL as an insider with table rights would, past the append-only triggers.
func tamper(t *testing.T, db *sqlx.DB, sql string) {
	t.Helper()
	stmts := `ALTER TABLE audit_entries DISABLE TRIGGER USER; ` + sql + `; ALTER TABLE audit_entries ENABLE TRIGGER USER`
	if _, err := db.Exec(stmts); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func idOf(t *testing.T, db *sqlx.DB, seq int) string {
	t.Helper()
	var id string
	if err := db.Get(&id, `SELECT id::text FROM audit_entries WHERE seq = $1`, seq); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		db, verify := auditDB(t)
		var head string
		_ = db.Get(&head, `SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1`)
		out, _, err := verify()
		if err != nil || !strings.Contains(out, "5 entries") || !strings.Contains(out, head) {
			t.Fatalf("verify = %q, %v; want 5 entries and head %s", out, err, head)
		}
	})
	t.Run("OKAppendOnlyTriggers", func(t *testing.T) {
		db, _ := auditDB(t)
		if _, err := db.Exec(`UPDATE audit_entries SET subject = 'x' WHERE seq = 1`); err == nil {
			t.Fatal("update allowed on the append-only table")
		}
		if _, err := db.Exec(`DELETE FROM audit_entries WHERE seq = 1`); err == nil {
			t.Fatal("delete allowed on the append-only table")
		}
	})
	cases := []struct {
		name    string
		sql     string
		badSeq  int
		message string
	}{
		{"ErrEdited", `UPDATE audit_entries SET subject = 'partner:other' WHERE seq = 3`, 3, "edited"},
		{"ErrEditedPartners", `UPDATE audit_entries SET partners_included = '{}' WHERE seq = 2`, 2, "edited"},
		{"ErrEditedDetail", `UPDATE audit_entries SET detail = '{"version": "2", "note": "<&> é"}' WHERE seq = 4`, 4, "edited"},
		{"ErrAddedJSONKey", `UPDATE audit_entries SET partners_excluded = '[{"partnerId": "x", "reasons": ["GS"], "hidden": 1}]' WHERE seq = 2`, 2, "unreadable"},
		{"ErrDeleted", `DELETE FROM audit_entries WHERE seq = 2`, 3, "deleted"},
		{"ErrDeletedFirst", `DELETE FROM audit_entries WHERE seq = 1`, 2, "deleted"},
		{"ErrReordered", `UPDATE audit_entries SET seq = 1000 WHERE seq = 2;
			UPDATE audit_entries SET seq = 2 WHERE seq = 3; UPDATE audit_entries SET seq = 3 WHERE seq = 1000`, 2, "reordered"},
		// Issue 12, item 5: edits the decoded entry does not show but SQL readers do.
		{"ErrKeyCaseInExcluded", `UPDATE audit_entries SET partners_excluded = '[{"PartnerID": "x", "reasons": ["GS"]}]' WHERE seq = 2`, 2, "edited"},
		{"ErrNullBecomesEmpty", `UPDATE audit_entries SET request_hash = '' WHERE seq = 4`, 4, "edited"},
		{"ErrHashVersionDowngraded", `UPDATE audit_entries SET hash_version = 1 WHERE seq = 3`, 3, "hash version"},
		{"ErrRechainedAfterEdit", `UPDATE audit_entries SET prev_hash = (SELECT hash FROM audit_entries WHERE seq = 1) WHERE seq = 3`, 3, "prev_hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db, verify := auditDB(t)
			var wantID string
			if c.name == "ErrReordered" {
				wantID = idOf(t, db, 3) // the entry that ends up at seq 2
			}
			tamper(t, db, c.sql)
			if wantID == "" {
				wantID = idOf(t, db, c.badSeq)
			}
			out, errOut, err := verify()
			if err == nil || exitCode(err) != 1 {
				t.Fatalf("verify passed or wrong exit (%v): %s", err, out)
			}
			want := regexp.MustCompile(fmt.Sprintf(`seq %d \(id %s\): .*%s`, c.badSeq, wantID, c.message))
			if !want.MatchString(errOut) {
				t.Fatalf("stderr = %q, want it to name seq %d id %s (%s)", errOut, c.badSeq, wantID, c.message)
			}
		})
	}
	t.Run("ErrUsage", func(t *testing.T) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"hjx", "audit", "check"}, func(string) string { return "" }, &out, &errOut)
		if exitCode(err) != 2 {
			t.Fatalf("err = %v, want a usage error", err)
		}
	})
}
