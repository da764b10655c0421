// Package postgres opens the database, applies the embedded migrations and the
// reference data, and gives the one transaction helper every service uses.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver registered as "postgres"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// DefaultURL is used when DATABASE_URL is not set: the local server the Makefile
// starts or finds on 127.0.0.1:5432.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable"

// PoolConfig sizes the connection pool.
type PoolConfig struct {
	MaxOpen     int
	MaxIdle     int
	MaxLifetime time.Duration
}

// Open connects to url and checks the connection within ctx.
func Open(ctx context.Context, url string, pool PoolConfig) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if pool.MaxOpen > 0 {
		db.SetMaxOpenConns(pool.MaxOpen)
	}
	if pool.MaxIdle > 0 {
		db.SetMaxIdleConns(pool.MaxIdle)
	}
	if pool.MaxLifetime > 0 {
		db.SetConnMaxLifetime(pool.MaxLifetime)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// WithTx runs fn in a transaction, committing if fn returns nil and rolling back
// otherwise (and on panic). It is the only place the project begins a transaction,
// so "all or nothing" has one implementation.
func WithTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return hjx.Internal(err, "begin transaction")
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return hjx.Internal(err, "commit transaction")
	}
	return nil
}

// IsNoRows reports whether err is the "no rows" of a single-row lookup.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
