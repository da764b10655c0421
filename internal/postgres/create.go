package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"
)

// CreateIfMissing creates the database url names when the server has none of
// that name, connecting to the same server's `postgres` database to do it. It is
// what lets `make run` (through `hjx migrate`) work on a fresh machine or with a
// DATABASE_URL naming a database nobody has created yet. It reports whether it
// created one; a database created meanwhile by another process counts as there.
func CreateIfMissing(ctx context.Context, url string) (created bool, err error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return false, fmt.Errorf("open database: %w", err)
	}
	name := cfg.Database
	if name == "" || name == "postgres" {
		return false, nil
	}
	admin := cfg.Clone()
	admin.Database = "postgres"
	connector, err := pq.NewConnectorConfig(admin)
	if err != nil {
		return false, fmt.Errorf("open database: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, fmt.Errorf("look for database %s through the server's postgres database: %w", name, err)
	}
	if exists {
		return false, nil
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: created meanwhile
			return false, nil
		}
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}
