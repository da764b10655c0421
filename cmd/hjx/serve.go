package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/server"
)

func newLogger(cfg config, w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

func openDB(ctx context.Context, cfg config) (*sqlx.DB, error) {
	return postgres.Open(ctx, cfg.DatabaseURL, cfg.Pool)
}

// newApp wires the services on a migrated database, with its disclosure secret.
func newApp(ctx context.Context, db *sqlx.DB, cfg config, log *slog.Logger) (*app.App, error) {
	secret, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil {
		return nil, err
	}
	return app.New(db, log, app.Config{Server: cfg.Server, GraphQL: cfg.GraphQL, MinCellFloor: cfg.MinCellFloor,
		OutcomeCacheSize: cfg.OutcomeCacheSize, Ingest: cfg.Ingest, Secret: secret}), nil
}

// openMigrated connects and brings the schema and reference data up to date: every
// command that touches data starts this way, so none runs on an old schema.
func openMigrated(ctx context.Context, cfg config, log *slog.Logger) (*sqlx.DB, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, db, log); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func cmdServe(ctx context.Context, cfg config, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db, log); err != nil {
		return err
	}
	a, err := newApp(ctx, db, cfg, log)
	if err != nil {
		return err
	}
	srv := a.HTTPServer()
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: a.MetricsHandler(), ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
			ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: cfg.Server.IdleTimeout}
		log.Info("metrics serving", "addr", mln.Addr().String())
		go func() { _ = server.Serve(ctx, msrv, mln, cfg.Server.ShutdownTimeout, log) }()
	}
	log.Info("hjx serving", "addr", ln.Addr().String(), "version", version, "production", cfg.Production)
	return server.Serve(ctx, srv, ln, cfg.Server.ShutdownTimeout, log)
}

func cmdMigrate(ctx context.Context, cfg config, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	db, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database is up to date")
	return nil
}
