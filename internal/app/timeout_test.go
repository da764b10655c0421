package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// A request whose query hangs (here: on a lock another session holds) ends at
// the request timeout with UNAVAILABLE and a clear message, and the database
// statement is cancelled, not left running.
func TestHungQueryEndsWithUnavailable(t *testing.T) {
	env := testkit.New(t, func(c *app.Config) { c.Server.RequestTimeout = 300 * time.Millisecond })
	env.Partner("p-a", "GB", "GB-ENG")
	ctx := context.Background()
	tx, err := env.App.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, `LOCK TABLE partners IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := env.Do("", `{ partners { totalCount } }`, nil)
	took := time.Since(start)
	if r.Code() != "UNAVAILABLE" || !strings.Contains(r.Errors[0].Message, "time limit") {
		t.Fatalf("want UNAVAILABLE naming the time limit, got %+v", r.Errors)
	}
	if took > 5*time.Second {
		t.Fatalf("the hung request took %s to end, want about 300 ms", took)
	}
	// The cancelled statement no longer waits for the lock.
	var waiting int
	if err := tx.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if waiting != 0 {
		t.Fatalf("%d statements still wait on the lock after the request ended", waiting)
	}
}
