package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// TestDBUpCreatesDatabaseOfDatabaseURL runs .ci/db-up (the first step of `make
// run`) with a DATABASE_URL naming a database that does not exist: the script
// creates it on that server and says so, and a second run leaves it alone.
func TestDBUpCreatesDatabaseOfDatabaseURL(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed: .ci/db-up leaves the database to hjx migrate (TestMigrateCreatesMissingDatabase)")
	}
	u, name, admin := missingDatabaseURL(t, "hjx_dbup_")
	dbUp := func() string {
		cmd := exec.Command("../../.ci/db-up")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+u.String())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf(".ci/db-up: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := dbUp(); !strings.Contains(out, "created database "+name) {
		t.Errorf(".ci/db-up did not say it created %s: %q", name, out)
	}
	var n int
	if err := admin.Get(&n, `SELECT count(*) FROM pg_database WHERE datname = $1`, name); err != nil || n != 1 {
		t.Fatalf("database %s after .ci/db-up: found %d (%v)", name, n, err)
	}
	if out := dbUp(); strings.Contains(out, "created") {
		t.Errorf("a second .ci/db-up created the database again: %q", out)
	}
}

// missingDatabaseURL is the test server's URL naming a database that does not
// exist yet (prefix plus the time), with that name and a connection to the
// server's own database; the database is dropped when the test ends, whoever
// created it.
func missingDatabaseURL(t *testing.T, prefix string) (*url.URL, string, *sqlx.DB) {
	t.Helper()
	u, err := url.Parse(pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	name := prefix + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	u.Path = "/" + name
	adminURL := *u
	adminURL.Path = "/postgres" // the server's own database: the one DATABASE_URL names may not exist either
	admin, err := postgres.Open(context.Background(), adminURL.String(), postgres.PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
		_ = admin.Close()
	})
	return u, name, admin
}
