package audit

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// TestHashVersions: entries written before migration 00080 (hash version 1) still
// verify, entries after them are written with version 2 and chain on, and a
// version-2 entry whose stored JSON changes only in key case no longer verifies.
func TestHashVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	at := time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC)
	prev := GenesisHash
	for seq := int64(1); seq <= 2; seq++ { // as Append wrote them before the migration
		e := Entry{Seq: seq, ID: uuid.NewString(), At: at, Action: "policy.set", Subject: "partner:p",
			PartnersExcluded: []Excluded{{PartnerID: "x", Reasons: []string{"GS"}}}, Detail: map[string]string{"k": "v"},
			PrevHash: prev}
		e.Hash = computeHash(e)
		excluded, _ := json.Marshal(e.PartnersExcluded)
		detail, _ := json.Marshal(e.Detail)
		if _, err := db.Exec(`INSERT INTO audit_entries (seq, id, at, action, subject, partners_included,
			partners_excluded, cells_suppressed, detail, prev_hash, hash, hash_version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, 1)`, e.Seq, e.ID, e.At, e.Action, e.Subject,
			pq.Array([]string{}), excluded, detail, e.PrevHash, e.Hash); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	log := &Log{Now: func() time.Time { return at }}
	for i := 0; i < 2; i++ {
		if err := postgres.WithTx(ctx, db, func(tx *sqlx.Tx) error {
			_, err := log.Append(ctx, tx, nil, Entry{Action: "outcomes.query", Subject: "s", Request: "q",
				ProjectID:        "4D9F0E2A-1B3C-4D5E-8F70-000000000001",
				PartnersExcluded: []Excluded{{PartnerID: "x", Reasons: []string{"GS"}}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var versions []int
	if err := db.Select(&versions, `SELECT hash_version FROM audit_entries ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if len(versions) != 4 || versions[0] != HashV1 || versions[1] != HashV1 || versions[2] != HashV2 || versions[3] != HashV2 {
		t.Fatalf("hash versions %v, want 1 1 2 2", versions)
	}
	checked, _, problem, err := Verify(ctx, db)
	if err != nil || problem != nil || checked != 4 {
		t.Fatalf("verify: %d checked, problem %v, err %v; want 4 checked, none", checked, problem, err)
	}
	if _, err := db.Exec(`ALTER TABLE audit_entries DISABLE TRIGGER USER;
		UPDATE audit_entries SET partners_excluded = '[{"partnerID": "x", "reasons": ["GS"]}]' WHERE seq = 3;
		ALTER TABLE audit_entries ENABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	if _, _, problem, _ := Verify(ctx, db); problem == nil || problem.Seq != 3 {
		t.Fatalf("verify after a key-case edit of seq 3: problem %v, want seq 3", problem)
	}
}
