package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel/trace"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/spool"
	"github.com/hjx-exchange/hjx/internal/telemetry/export"
	"github.com/hjx-exchange/hjx/internal/web"
)

func newLogger(cfg config, w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

func openDB(ctx context.Context, cfg config) (*sqlx.DB, error) {
	return postgres.Open(ctx, cfg.DatabaseURL, cfg.Pool)
}

// openApp is how the operator commands that act through the services start: a
// migrated database and the services on it. The caller closes db.
func openApp(ctx context.Context, cfg config, stderr io.Writer) (a *app.App, db *sqlx.DB, err error) {
	log := newLogger(cfg, stderr)
	if db, err = openMigrated(ctx, cfg, log); err != nil {
		return nil, nil, err
	}
	if a, err = newTracedApp(ctx, db, cfg, log, nil); err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return a, db, nil
}

// newTracedApp wires the services on a migrated database, with its disclosure
// secret, their spans sent to tp (nil: nowhere).
func newTracedApp(ctx context.Context, db *sqlx.DB, cfg config, log *slog.Logger, tp trace.TracerProvider) (*app.App, error) {
	secret, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil {
		return nil, err
	}
	return app.New(db, log, app.Config{Server: cfg.Server, GraphQL: cfg.GraphQL, MinCellFloor: cfg.MinCellFloor,
		OutcomeCacheSize: cfg.OutcomeCacheSize, OutcomeCacheBytes: cfg.OutcomeCacheBytes, Ingest: cfg.Ingest,
		TracerProvider: tp, Secret: secret, SessionIdle: cfg.SessionIdle, SessionMaxAge: cfg.SessionMaxAge,
		Federation: cfg.Federation.Federation}), nil
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

func cmdServe(ctx context.Context, cfg config, getenv func(string) string, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	tp, err := export.FromEnv(ctx, getenv, version)
	if err != nil {
		return err
	}
	defer func() {
		// Spans still buffered are sent before exit, within a bound.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			log.Warn("flush traces", "error", err.Error())
		}
	}()
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db, log); err != nil {
		return err
	}
	if cfg.Production {
		if err := refuseDemoTokens(ctx, db, log); err != nil {
			return err
		}
	}
	spoolDir, stale, closeSpool, err := spool.Open(os.TempDir(), os.Getpid())
	if err != nil {
		return err
	}
	defer func() { _ = closeSpool() }()
	log.Info("upload spool", "dir", spoolDir, "stale_removed", stale)
	cfg.GraphQL.UploadDir = spoolDir
	a, err := newTracedApp(ctx, db, cfg, log, tp)
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
	if missing := web.MissingBundles(); len(missing) > 0 {
		log.Warn(web.NotBuilt, "missing", missing)
	}
	if h := a.FederationHandler(); h != nil && cfg.Federation.Addr != "" {
		fln, err := net.Listen("tcp", cfg.Federation.Addr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen for the federation exchange on %s: %w", cfg.Federation.Addr, err)
		}
		fsrv := &http.Server{Handler: h, ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout, ReadTimeout: time.Minute,
			WriteTimeout: cfg.Server.RequestTimeout + time.Minute, IdleTimeout: cfg.Server.IdleTimeout,
			TLSConfig: cfg.Federation.ServerTLS}
		if fsrv.TLSConfig != nil {
			fln = tls.NewListener(fln, fsrv.TLSConfig)
		}
		log.Info("federation exchange serving", "addr", fln.Addr().String(), "node", cfg.Federation.NodeID,
			"country", cfg.Federation.NodeCountry, "mutual_tls", fsrv.TLSConfig != nil)
		go func() { _ = server.Serve(ctx, fsrv, fln, cfg.Server.ShutdownTimeout, log) }()
	}
	log.Info("hjx serving", "addr", ln.Addr().String(), "version", version, "production", cfg.Production,
		"tracing", tp.Enabled)
	return server.Serve(ctx, srv, ln, cfg.Server.ShutdownTimeout, log)
}

// errDemoTokens stops `hjx serve` in production mode while demo principals
// can still sign in: their secrets derive from the public default seed, so
// anyone could act as the demo steward. The message names the fix.
var errDemoTokens = errors.New("production mode (HJX_PRODUCTION=true) refuses to serve while demo tokens are valid: " +
	"their secrets derive from a public seed; run `hjx token revoke --demo`, then start again")

func refuseDemoTokens(ctx context.Context, db *sqlx.DB, log *slog.Logger) error {
	n, err := auth.NewService(db).ValidDemoTokens(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Error("demo tokens in production", "valid_demo_tokens", n, "fix", "hjx token revoke --demo")
		return fmt.Errorf("%w (%d valid)", errDemoTokens, n)
	}
	return nil
}

func cmdMigrate(ctx context.Context, cfg config, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	// `make run` migrates first: a DATABASE_URL naming a database that does not
	// exist yet (a fresh machine, a custom name) gets it created here.
	created, err := postgres.CreateIfMissing(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	if created {
		log.Info("created the database named in DATABASE_URL")
	}
	db, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database is up to date")
	return nil
}
