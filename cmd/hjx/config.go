package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
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

// config is everything hjx reads from the environment. Each variable is listed in
// the README's configuration table.
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

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL: getenv("DATABASE_URL"),
		Server:      server.DefaultConfig(),
		GraphQL:     graph.DefaultHandlerConfig(),
		Pool: postgres.PoolConfig{MaxOpen: 20, MaxIdle: 10, MaxLifetime: 30 * time.Minute,
			ConnectTimeout: 5 * time.Second, StatementTimeout: 10 * time.Minute},
		DemoSeed:          getenv("HJX_DEMO_TOKEN_SEED"),
		MinCellFloor:      access.DefaultMinCellFloor,
		OutcomeCacheSize:  1000,
		OutcomeCacheBytes: outcomes.DefaultCacheBytes,
		Ingest: ingest.Config{MaxRows: ingest.DefaultMaxRows, RevisionLimit: ingest.DefaultRevisionLimit,
			RevisionWindow: ingest.DefaultRevisionWindow, RetractionLimit: ingest.DefaultRetractions,
			RetractionWindow: ingest.DefaultRetractWindow},
	}
	c.Server.Rate = server.DefaultRateConfig()
	if c.DatabaseURL == "" {
		c.DatabaseURL = postgres.DefaultURL
	}
	if c.DemoSeed == "" {
		c.DemoSeed = "hjx-demo"
	}
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	integer := func(name string, dst *int, min int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < min {
				errs = append(errs, fmt.Errorf("%s=%q: want a whole number >= %d", name, v, min))
				return
			}
			*dst = n
		}
	}
	bytes := func(name string, dst *int64) {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				errs = append(errs, fmt.Errorf("%s=%q: want a byte count >= 1", name, v))
				return
			}
			*dst = n
		}
	}
	duration := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 30s", name, v))
				return
			}
			*dst = d
		}
	}
	rate := func(name string, dst *float64) {
		if v := getenv(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
				errs = append(errs, fmt.Errorf("%s=%q: want requests per second >= 0 (0 turns the limit off)", name, v))
				return
			}
			*dst = f
		}
	}
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want true or false", name, v))
				return
			}
			*dst = b
		}
	}
	str("HJX_ADDR", &c.Server.Addr)
	if v := getenv("HJX_CORS_ORIGINS"); v != "" {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.Server.CORSOrigins = append(c.Server.CORSOrigins, o)
			}
		}
	}
	boolean("HJX_PRODUCTION", &c.Production)
	c.GraphQL.IntrospectionAnonymous = !c.Production
	c.GraphQL.Suggestions = !c.Production
	boolean("HJX_INTROSPECTION_ANONYMOUS", &c.GraphQL.IntrospectionAnonymous)
	c.Server.CookieSecure = c.Production
	boolean("HJX_COOKIE_SECURE", &c.Server.CookieSecure)
	bytes("HJX_MAX_BODY_BYTES", &c.Server.MaxBodyBytes)
	bytes("HJX_MAX_UPLOAD_BYTES", &c.Server.MaxUploadBytes)
	c.GraphQL.MaxUploadBytes = c.Server.MaxUploadBytes
	c.Ingest.MaxBytes = c.Server.MaxUploadBytes
	integer("HJX_MAX_UPLOAD_ROWS", &c.Ingest.MaxRows, 1)
	integer("HJX_REVISION_LIMIT", &c.Ingest.RevisionLimit, 1)
	duration("HJX_REVISION_WINDOW", &c.Ingest.RevisionWindow)
	integer("HJX_RETRACTION_LIMIT", &c.Ingest.RetractionLimit, 1)
	duration("HJX_RETRACTION_WINDOW", &c.Ingest.RetractionWindow)
	integer("HJX_COMPLEXITY_LIMIT", &c.GraphQL.ComplexityLimit, 1)
	integer("HJX_PARSER_TOKEN_LIMIT", &c.GraphQL.ParserTokenLimit, 1)
	integer("HJX_MAX_QUERY_DEPTH", &c.GraphQL.MaxDepth, 1)
	integer("HJX_MAX_ALIASES", &c.GraphQL.MaxAliases, 0)
	integer("HJX_MAX_FIELDS", &c.GraphQL.MaxFields, 1)
	integer("HJX_MAX_OUTCOMES_PER_REQUEST", &c.GraphQL.MaxOutcomes, 1)
	integer("HJX_MAX_PAGE_SIZE", &c.GraphQL.MaxPageSize, 1)
	integer("HJX_APQ_CACHE_SIZE", &c.GraphQL.APQCacheSize, 0)
	duration("HJX_REQUEST_TIMEOUT", &c.Server.RequestTimeout)
	duration("HJX_SESSION_IDLE", &c.SessionIdle)
	duration("HJX_SESSION_MAX_AGE", &c.SessionMaxAge)
	duration("HJX_UPLOAD_TIMEOUT", &c.Server.UploadTimeout)
	duration("HJX_BODY_READ_TIMEOUT", &c.Server.BodyReadTimeout)
	if v := getenv("HJX_UPLOAD_MIN_RATE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("HJX_UPLOAD_MIN_RATE=%q: want bytes a second >= 0 (0 turns it off)", v))
		} else {
			c.Server.UploadMinRate = n
		}
	}
	duration("HJX_STATEMENT_TIMEOUT", &c.Pool.StatementTimeout)
	duration("HJX_DB_CONNECT_TIMEOUT", &c.Pool.ConnectTimeout)
	rate("HJX_RATE_LIMIT", &c.Server.Rate.PerToken)
	integer("HJX_RATE_BURST", &c.Server.Rate.TokenBurst, 1)
	rate("HJX_RATE_LIMIT_ANONYMOUS", &c.Server.Rate.PerIP)
	integer("HJX_RATE_BURST_ANONYMOUS", &c.Server.Rate.IPBurst, 1)
	integer("HJX_RATE_LIMIT_KEYS", &c.Server.Rate.MaxKeys, 1)
	if v := getenv("HJX_TRUSTED_PROXIES"); v != "" {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			pfx, err := netip.ParsePrefix(part)
			if err != nil {
				a, aerr := netip.ParseAddr(part)
				if aerr != nil {
					errs = append(errs, fmt.Errorf("HJX_TRUSTED_PROXIES: %q is not an address or CIDR prefix", part))
					continue
				}
				pfx = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			c.Server.Rate.TrustedProxies = append(c.Server.Rate.TrustedProxies, pfx.Masked())
		}
	}
	str("HJX_METRICS_ADDR", &c.MetricsAddr)
	integer("HJX_DB_MAX_CONNS", &c.Pool.MaxOpen, 1)
	integer("HJX_MIN_CELL_FLOOR", &c.MinCellFloor, 1)
	integer("HJX_OUTCOME_CACHE_SIZE", &c.OutcomeCacheSize, 0)
	bytes("HJX_OUTCOME_CACHE_BYTES", &c.OutcomeCacheBytes)
	if c.Pool.MaxIdle > c.Pool.MaxOpen {
		c.Pool.MaxIdle = c.Pool.MaxOpen
	}
	duration("HJX_READ_HEADER_TIMEOUT", &c.Server.ReadHeaderTimeout)
	duration("HJX_READ_TIMEOUT", &c.Server.ReadTimeout)
	duration("HJX_WRITE_TIMEOUT", &c.Server.WriteTimeout)
	duration("HJX_IDLE_TIMEOUT", &c.Server.IdleTimeout)
	duration("HJX_SHUTDOWN_TIMEOUT", &c.Server.ShutdownTimeout)
	c.Federation = loadFederation(getenv, &errs)
	duration("HJX_FEDERATION_TIMEOUT", &c.Federation.Timeout)
	switch strings.ToLower(getenv("HJX_LOG_LEVEL")) {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Errorf("HJX_LOG_LEVEL=%q: want debug, info, warn or error", getenv("HJX_LOG_LEVEL")))
	}
	if len(errs) > 0 {
		return c, usageError(errors.Join(errs...).Error())
	}
	return c, nil
}
