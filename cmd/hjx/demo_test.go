package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/internal/web"
)

// lineWatch is a log writer that reports when a line containing want appears.
type lineWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.seen != nil && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return len(p), nil
}

func (w *lineWatch) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.buf.String() }

// TestProductionRefusesDemoTokens: on a database seeded with --demo, `hjx
// serve` in production mode does not start: it logs the problem and its fix
// and exits non-zero; `hjx token revoke --demo` is the fix, after which it
// serves, and the demo tokens are dead.
func TestProductionRefusesDemoTokens(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabaseURL(t)
	env := func(production bool) func(string) string {
		return func(k string) string {
			switch k {
			case "DATABASE_URL":
				return url
			case "HJX_PRODUCTION":
				if production {
					return "true"
				}
			case "HJX_ADDR":
				return "127.0.0.1:0"
			}
			return ""
		}
	}
	var seedOut, seedErr bytes.Buffer
	if err := run(context.Background(), []string{"hjx", "seed", "--demo"}, env(false), &seedOut, &seedErr); err != nil {
		t.Fatalf("seed --demo: %v\n%s", err, seedErr.String())
	}

	t.Run("ErrProductionWithDemoTokens", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var out bytes.Buffer
		logs := &lineWatch{}
		err := run(ctx, []string{"hjx", "serve"}, env(true), &out, logs)
		if err == nil || exitCode(err) == 0 {
			t.Fatalf("serve in production with demo tokens: err %v, want a failure", err)
		}
		if !errors.Is(err, errDemoTokens) || !strings.Contains(err.Error(), "hjx token revoke --demo") {
			t.Fatalf("error %q does not name the problem and its fix", err)
		}
		if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "hjx token revoke --demo") {
			t.Fatalf("the log does not say why: %s", logs.String())
		}
		if strings.Contains(logs.String(), "hjx serving") {
			t.Fatalf("it served: %s", logs.String())
		}
	})
	t.Run("OKDevelopmentServesTheDemo", func(t *testing.T) {
		// A binary built without the pages' bundles (go install) says so at
		// start-up, and one built by make build does not.
		logs := serveUntilReady(t, env(false))
		if missing := web.MissingBundles(); strings.Contains(logs, "assets not built") != (len(missing) > 0) {
			t.Errorf("bundles missing: %v; the start-up log says so: %v\n%s", missing, strings.Contains(logs, "assets not built"), logs)
		}
	})
	t.Run("OKProductionAfterRevoke", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"hjx", "token", "revoke", "--demo"}, env(true), &out, &errOut); err != nil {
			t.Fatalf("token revoke --demo: %v\n%s", err, errOut.String())
		}
		if !strings.HasPrefix(out.String(), "revoked ") || strings.HasPrefix(out.String(), "revoked 0 ") {
			t.Fatalf("output %q, want the number of demo tokens revoked", out.String())
		}
		serveUntilReady(t, env(true))
		out.Reset()
		if err := run(context.Background(), []string{"hjx", "token", "revoke", "--demo"}, env(true), &out, &errOut); err != nil ||
			!strings.HasPrefix(out.String(), "revoked 0 ") {
			t.Fatalf("second revoke: %v %q, want revoked 0", err, out.String())
		}
	})
}

// serveUntilReady runs `hjx serve` until it logs that it serves, then stops it.
// It returns the start-up log.
func serveUntilReady(t *testing.T, getenv func(string) string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lineWatch{want: "hjx serving", seen: make(chan struct{})}
	seen := logs.seen
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"hjx", "serve"}, getenv, &bytes.Buffer{}, logs) }()
	select {
	case <-seen:
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped before serving: %v\n%s", err, logs.String())
	}
	return logs.String()
}

// TestMigrateCreatesMissingDatabase: `hjx migrate` (the first step of `make
// run`) with a DATABASE_URL naming a database that does not exist creates it
// through the server's postgres database, then migrates it; no manual step.
func TestMigrateCreatesMissingDatabase(t *testing.T) {
	t.Parallel()
	u, name, admin := missingDatabaseURL(t, "hjx_fresh_")
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return u.String()
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"hjx", "migrate"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("hjx migrate with a missing database: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "created the database") {
		t.Errorf("the log does not say the database was created:\n%s", stderr.String())
	}
	var tables int
	if err := admin.Get(&tables, `SELECT count(*) FROM pg_database WHERE datname = $1`, name); err != nil || tables != 1 {
		t.Errorf("database %s: found %d (%v)", name, tables, err)
	}
}
