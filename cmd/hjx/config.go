package main

import (
	"errors"
	"log/slog"
	"time"

	"github.com/hjx-exchange/hjx/graph"
	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// config is everything hjx reads from the environment. Each variable is a setting
// (settings.go), which the README's configuration table is generated from.
type config struct {
	DatabaseURL string
	Production  bool
	LogLevel    slog.Level
	Server      server.Config
	GraphQL     graph.HandlerConfig
	Pool        postgres.PoolConfig
	DemoSeed    string
	// MinCellFloor: no partner's min_cell may be below it (HJX_MIN_CELL_FLOOR, default 8).
	MinCellFloor int
	// OutcomeCacheSize: protected outcome tables kept for repeats (HJX_OUTCOME_CACHE_SIZE).
	OutcomeCacheSize int
	// OutcomeCacheBytes: the outcome cache's memory budget (HJX_OUTCOME_CACHE_BYTES).
	OutcomeCacheBytes int64
	Ingest            ingest.Config
	// MetricsAddr is where /metrics is served (HJX_METRICS_ADDR); empty: nowhere.
	// It is a listener of its own so that only who can reach that address (a
	// loopback or an internal network) may scrape.
	MetricsAddr string
	// SessionIdle and SessionMaxAge bound the portal's sessions (HJX_SESSION_IDLE,
	// HJX_SESSION_MAX_AGE); 0 keeps auth's defaults (30 minutes, 12 hours).
	SessionIdle, SessionMaxAge time.Duration
	// Federation makes this process a national node and/or a coordinator.
	Federation federationConfig
}

// errUsage marks a command-line mistake (exit code 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usageError(msg string) error { return errUsage{msg} }

// errSilent is returned when the command already told the user what went wrong.
var errSilent = errors.New("failed")

func exitCode(err error) int {
	var u errUsage
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// loadConfig walks settings() over the defaults below; it reports every bad
// variable at once, as one usage error.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL: postgres.DefaultURL,
		Server:      server.DefaultConfig(),
		GraphQL:     graph.DefaultHandlerConfig(),
		Pool: postgres.PoolConfig{MaxOpen: 20, MaxIdle: 10, MaxLifetime: 30 * time.Minute,
			ConnectTimeout: 5 * time.Second, StatementTimeout: 10 * time.Minute},
		DemoSeed:          "hjx-demo",
		MinCellFloor:      access.DefaultMinCellFloor,
		OutcomeCacheSize:  1000,
		OutcomeCacheBytes: outcomes.DefaultCacheBytes,
		Ingest: ingest.Config{MaxRows: ingest.DefaultMaxRows, RevisionLimit: ingest.DefaultRevisionLimit,
			RevisionWindow: ingest.DefaultRevisionWindow, RetractionLimit: ingest.DefaultRetractions,
			RetractionWindow: ingest.DefaultRetractWindow},
	}
	c.Server.Rate = server.DefaultRateConfig()
	var errs []error
	for _, s := range settings() {
		if v := getenv(s.name); v != "" && s.parse != nil {
			if err := s.parse(&c, s.name, v); err != nil {
				errs = append(errs, err)
			}
		}
	}
	c.GraphQL.MaxUploadBytes = c.Server.MaxUploadBytes
	c.Ingest.MaxBytes = c.Server.MaxUploadBytes
	c.Pool.MaxIdle = min(c.Pool.MaxIdle, c.Pool.MaxOpen)
	loadFederation(getenv, &c.Federation, &errs)
	if len(errs) > 0 {
		return c, usageError(errors.Join(errs...).Error())
	}
	return c, nil
}
