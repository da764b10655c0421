package postgres_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// TestCreateIfMissing: a DATABASE_URL naming a database that does not exist
// yet gets it created (once), so that `make run` needs no manual step.
func TestCreateIfMissing(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	name := "hjx_create_" + uuid.NewString()[:8]
	u.Path = "/" + name
	admin, err := postgres.Open(ctx, pgtest.ServerURL(), postgres.PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
		_ = admin.Close()
	})
	if _, err := postgres.Open(ctx, u.String(), postgres.PoolConfig{}); err == nil {
		t.Fatalf("database %s exists before the test", name)
	}

	t.Run("OK/Created", func(t *testing.T) {
		created, err := postgres.CreateIfMissing(ctx, u.String())
		if err != nil || !created {
			t.Fatalf("CreateIfMissing = %v, %v; want created", created, err)
		}
		db, err := postgres.Open(ctx, u.String(), postgres.PoolConfig{})
		if err != nil {
			t.Fatalf("the created database does not open: %v", err)
		}
		_ = db.Close()
	})
	t.Run("OK/AlreadyThere", func(t *testing.T) {
		created, err := postgres.CreateIfMissing(ctx, u.String())
		if err != nil || created {
			t.Fatalf("CreateIfMissing on an existing database = %v, %v; want nothing done", created, err)
		}
	})
	t.Run("ErrBadURL", func(t *testing.T) {
		if _, err := postgres.CreateIfMissing(ctx, "postgres://%zz"); err == nil {
			t.Fatal("a malformed URL was accepted")
		}
	})
}
