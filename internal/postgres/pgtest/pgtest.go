// Package pgtest gives each test its own freshly migrated PostgreSQL database. The
// first caller builds a template database (migrated once per version of the
// migrations); every test database is then a cheap CREATE DATABASE ... TEMPLATE.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/migrations"
)

// templateLockID serialises template creation across test binaries running in parallel.
const templateLockID = 0x686a785f747031 // "hjx_tp1"

// ServerURL is the PostgreSQL server the tests use: DATABASE_URL if set, else the
// local default. The database named in it is only used to connect for admin work.
func ServerURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return postgres.DefaultURL
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// NewDB returns a connection to a new database with every migration and the
// reference data applied; it is dropped when the test ends.
func NewDB(t testing.TB) *sqlx.DB {
	t.Helper()
	url := NewDatabaseURL(t)
	db, err := postgres.Open(context.Background(), url, postgres.PoolConfig{MaxOpen: 8})
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// NewDatabaseURL creates a fresh migrated database and returns its URL, for tests
// that start the real binary against it.
func NewDatabaseURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	adminURL, err := withDatabase(ServerURL(), "postgres")
	if err != nil {
		t.Fatalf("pgtest: DATABASE_URL: %v", err)
	}
	admin, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	tpl, err := ensureTemplate(ctx, admin, adminURL)
	if err != nil {
		t.Fatalf("pgtest: template database: %v (is PostgreSQL running? `make db-up` starts one)", err)
	}
	name := "hjx_test_" + randomSuffix()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tpl)); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sqlx.Open("postgres", adminURL)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	dbURL, err := withDatabase(ServerURL(), name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dbURL
}

func ensureTemplate(ctx context.Context, admin *sqlx.DB, adminURL string) (string, error) {
	name := "hjx_tpl_" + migrationsDigest()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLockID); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, templateLockID) //nolint:errcheck
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building)); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	buildURL, err := withDatabase(adminURL, building)
	if err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, buildURL, postgres.PoolConfig{MaxOpen: 2})
	if err != nil {
		return "", err
	}
	err = postgres.Migrate(ctx, db, slog.New(slog.DiscardHandler))
	_ = db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// migrationsDigest names the template after the migrations' content, so a changed
// migration gets a new template instead of a stale one.
func migrationsDigest() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	h.Write([]byte(postgres.ReferenceDigest()))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
