// Package postgres opens the database, applies the embedded migrations and the
// reference data, and gives the one transaction helper every service uses.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// DefaultURL is used when DATABASE_URL is not set: the local server the Makefile
// starts or finds on 127.0.0.1:5432.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable"

// PoolConfig sizes the connection pool and bounds how long the database may take.
type PoolConfig struct {
	MaxOpen     int
	MaxIdle     int
	MaxLifetime time.Duration
	// ConnectTimeout bounds opening one connection, TCP and handshake together
	// (HJX_DB_CONNECT_TIMEOUT): with the database unreachable a request fails in
	// this time instead of hanging. Whole seconds; 0 leaves the URL's setting.
	ConnectTimeout time.Duration
	// StatementTimeout is PostgreSQL's statement_timeout on every connection
	// (HJX_STATEMENT_TIMEOUT): the database itself ends a statement that runs
	// longer, even when the server could not cancel it. It also bounds how long
	// a transaction may sit idle (idle_in_transaction_session_timeout), so a
	// crashed client never holds locks for long. 0 leaves the URL's setting.
	StatementTimeout time.Duration
}

// Open connects to url and checks the connection within ctx.
func Open(ctx context.Context, url string, pool PoolConfig) (*sqlx.DB, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if pool.ConnectTimeout > 0 {
		cfg.ConnectTimeout = max(pool.ConnectTimeout.Round(time.Second), time.Second)
	}
	if pool.StatementTimeout > 0 {
		if cfg.Runtime == nil {
			cfg.Runtime = map[string]string{}
		}
		ms := strconv.FormatInt(max(pool.StatementTimeout.Milliseconds(), 1), 10)
		setDefault(cfg.Runtime, "statement_timeout", ms)
		setDefault(cfg.Runtime, "idle_in_transaction_session_timeout", ms)
	}
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
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

// setDefault sets m[k] unless the database URL already chose a value.
func setDefault(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
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
