package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// PostgreSQL itself ends a statement that runs past HJX_STATEMENT_TIMEOUT, and
// the failure is classified UNAVAILABLE (the client may retry), not INTERNAL.
func TestStatementTimeout(t *testing.T) {
	url := pgtest.NewDatabaseURL(t)
	ctx := context.Background()
	t.Run("ErrTimedOut", func(t *testing.T) {
		db, err := postgres.Open(ctx, url, postgres.PoolConfig{MaxOpen: 1, StatementTimeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var got string
		if err := db.GetContext(ctx, &got, `SHOW statement_timeout`); err != nil || got != "100ms" {
			t.Fatalf("statement_timeout %q (%v), want 100ms", got, err)
		}
		start := time.Now()
		_, err = db.ExecContext(ctx, `SELECT pg_sleep(5)`)
		if err == nil {
			t.Fatal("a 5 s statement finished under a 100 ms statement_timeout")
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("the statement ran %s", took)
		}
		u := postgres.Unavailable(hjx.Internal(err, "sleep"))
		if u == nil || u.Code != hjx.CodeUnavailable {
			t.Fatalf("classified %v, want UNAVAILABLE", u)
		}
	})
	t.Run("OKURLSettingWins", func(t *testing.T) {
		db, err := postgres.Open(ctx, url+"&statement_timeout=7000", postgres.PoolConfig{MaxOpen: 1, StatementTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var got string
		if err := db.GetContext(ctx, &got, `SHOW statement_timeout`); err != nil || got != "7s" {
			t.Fatalf("statement_timeout %q (%v), want the URL's 7s", got, err)
		}
	})
	t.Run("OKOtherErrorsAreNotUnavailable", func(t *testing.T) {
		db, err := postgres.Open(ctx, url, postgres.PoolConfig{MaxOpen: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, `SELECT * FROM no_such_table`)
		if err == nil || postgres.Unavailable(err) != nil || postgres.Unavailable(errors.New("x")) != nil {
			t.Fatalf("a programming error was classified UNAVAILABLE: %v", err)
		}
	})
}

// HJX_DB_MAX_CONNS bounds the pool: no more connections are opened however
// many requests wait.
func TestPoolSize(t *testing.T) {
	t.Parallel()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabaseURL(t), postgres.PoolConfig{MaxOpen: 3, MaxIdle: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Stats().MaxOpenConnections; got != 3 {
		t.Fatalf("MaxOpenConnections %d, want 3", got)
	}
}
