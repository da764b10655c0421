package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

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
		db := open(t, url, postgres.PoolConfig{MaxOpen: 1, StatementTimeout: 100 * time.Millisecond})
		statementTimeout(t, db, "100ms", "statement_timeout %q (%v), want 100ms")
		start := time.Now()
		_, err := db.ExecContext(ctx, `SELECT pg_sleep(5)`)
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
		db := open(t, url+"&statement_timeout=7000", postgres.PoolConfig{MaxOpen: 1, StatementTimeout: time.Second})
		statementTimeout(t, db, "7s", "statement_timeout %q (%v), want the URL's 7s")
	})
	t.Run("OKOtherErrorsAreNotUnavailable", func(t *testing.T) {
		db := open(t, url, postgres.PoolConfig{MaxOpen: 1})
		_, err := db.ExecContext(ctx, `SELECT * FROM no_such_table`)
		if err == nil || postgres.Unavailable(err) != nil || postgres.Unavailable(errors.New("x")) != nil {
			t.Fatalf("a programming error was classified UNAVAILABLE: %v", err)
		}
	})
}

// HJX_DB_MAX_CONNS bounds the pool: no more connections are opened however
// many requests wait.
func TestPoolSize(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.NewDatabaseURL(t), postgres.PoolConfig{MaxOpen: 3, MaxIdle: 3})
	if got := db.Stats().MaxOpenConnections; got != 3 {
		t.Fatalf("MaxOpenConnections %d, want 3", got)
	}
}

// open connects to url with the pool configuration until the test ends.
func open(t *testing.T, url string, cfg postgres.PoolConfig) *sqlx.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// statementTimeout fails the test unless the connection's statement_timeout is
// want; msg formats the setting found and the error.
func statementTimeout(t *testing.T, db *sqlx.DB, want, msg string) {
	t.Helper()
	var got string
	if err := db.GetContext(context.Background(), &got, `SHOW statement_timeout`); err != nil || got != want {
		t.Fatalf(msg, got, err)
	}
}
