package outcomes

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

func TestAuditBatch(t *testing.T) {
	t.Run("OKConcurrentQueriesOneChain", func(t *testing.T) {
		db := pgtest.NewDB(t)
		log := audit.NewLog()
		var b auditBatch
		const queries = 64
		var wg sync.WaitGroup
		errs := make(chan error, queries)
		for i := 0; i < queries; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- b.append(context.Background(), db, log, &hjx.Principal{ID: "00000000-0000-4000-8000-000000000009",
					Name: "r", Role: hjx.RoleResearcher}, audit.Entry{Action: "outcomes.query", Subject: fmt.Sprint("q", i)})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// Every entry committed before append returned, in one unbroken chain.
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM audit_entries WHERE action = 'outcomes.query'`); err != nil {
			t.Fatal(err)
		}
		if n != queries {
			t.Fatalf("%d entries, want %d", n, queries)
		}
		checked, _, problem, err := audit.Verify(context.Background(), db)
		if err != nil || problem != nil || checked != queries {
			t.Fatalf("verify: checked %d, problem %v, err %v", checked, problem, err)
		}
		if b.flushing || len(b.queue) != 0 {
			t.Fatalf("batch left flushing=%v with %d queued", b.flushing, len(b.queue))
		}
	})
	t.Run("ErrFailedCommitReachesEveryQuery", func(t *testing.T) {
		db := pgtest.NewDB(t)
		var b auditBatch
		// A project id that is not a uuid fails the INSERT: the query must not be
		// answered as if audited.
		err := b.append(context.Background(), db, audit.NewLog(), nil, audit.Entry{Action: "outcomes.query", Subject: "x", ProjectID: "not-a-uuid"})
		if err == nil {
			t.Fatal("append succeeded with an entry PostgreSQL refuses")
		}
		if b.flushing {
			t.Fatal("a failed commit left the batch flushing")
		}
	})
}
