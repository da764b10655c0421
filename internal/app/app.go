// Package app wires hjx together: every domain service, the GraphQL resolver and the
// HTTP handler, built explicitly from a database handle and a configuration. The
// binary (cmd/hjx) and the end-to-end tests build the same App, so what is tested is
// what is served.
package app

import (
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel/trace"

	"github.com/hjx-exchange/hjx/graph"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/documents"
	"github.com/hjx-exchange/hjx/internal/federation"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/metrics"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/rates"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/telemetry"
	"github.com/hjx-exchange/hjx/internal/web"
)

// Config is what App needs beyond the database.
type Config struct {
	Server  server.Config
	GraphQL graph.HandlerConfig
	// Ingest bounds uploads (rows, bytes, issues listed) and how often the same
	// cells may be revised or submissions retracted.
	Ingest ingest.Config
	// Now is the clock every service uses; tests inject a fixed one.
	Now func() time.Time
	// MinCellFloor is the smallest min_cell any partner may set (HJX_MIN_CELL_FLOOR);
	// 0 means access.DefaultMinCellFloor.
	MinCellFloor int
	// OutcomeCacheSize is how many protected outcome tables are kept for repeat
	// queries (HJX_OUTCOME_CACHE_SIZE); 0 turns the cache off.
	OutcomeCacheSize int
	// TracerProvider receives the spans of requests, resolvers, aggregation,
	// disclosure and audit writes (OTEL_* variables, telemetry/export); nil records nothing.
	TracerProvider trace.TracerProvider
	// OutcomeCacheBytes is the outcome cache's memory budget in estimated bytes
	// (HJX_OUTCOME_CACHE_BYTES); 0 means outcomes.DefaultCacheBytes.
	OutcomeCacheBytes int64
	// Secret is the disclosure secret (postgres.LoadDisclosureSecret): ingest keys
	// every stored row under it and outcomes perturbs every published figure with
	// it. Without it both refuse to work rather than store or publish unkeyed data.
	Secret disclosure.Secret
	// SessionIdle and SessionMaxAge bound the portal's browser sessions
	// (HJX_SESSION_IDLE, HJX_SESSION_MAX_AGE); 0 means auth's defaults.
	SessionIdle, SessionMaxAge time.Duration
	// Federation makes this process a national node, a coordinator, or both
	// (docs/FEDERATION.md); the zero value is a standalone hjx.
	Federation Federation
}

// Federation is the federation part of Config.
type Federation struct {
	// NodeID names this process in the federation (HJX_NODE_ID): the coordinator's
	// id in its requests, a node's in its answers.
	NodeID string
	// NodeCountry makes it a national node holding only that country's partners
	// (HJX_NODE_COUNTRY), answering the coordinators in Coordinators.
	NodeCountry string
	// Key is this process's signing key (HJX_FEDERATION_KEY).
	Key ed25519.PrivateKey
	// Coordinators are the coordinators a node answers, by id, with their public
	// keys (HJX_FEDERATION_COORDINATORS).
	Coordinators map[string]ed25519.PublicKey
	// Peers make this process a coordinator (HJX_FEDERATION_PEERS,
	// HJX_FEDERATION_PEER_KEYS).
	Peers []federation.Peer
	// Client makes the coordinator's calls (mutual TLS when configured).
	Client *http.Client
	// Timeout bounds each node's answer (HJX_FEDERATION_TIMEOUT).
	Timeout time.Duration
}

// App is one process's set of services.
type App struct {
	DB        *sqlx.DB
	Log       *slog.Logger
	Config    Config
	Audit     *audit.Log
	Auth      *auth.Service
	Directory *directory.Service
	// Governance holds policies, projects, access decisions, tokens and audit reads.
	Governance *governance.Service
	// Outcomes answers pooled, protected outcome queries.
	Outcomes *outcomes.Service
	// Rates keeps the exchange rates.
	Rates *rates.Service
	// Documents keeps projects' trusted documents (persisted operations).
	Documents *documents.Service
	Ingest    *ingest.Service
	// Metrics is this process's Prometheus registry (served on HJX_METRICS_ADDR).
	Metrics *metrics.Metrics
	// Tracer is hjx's tracer on Config.TracerProvider (a no-op one without).
	Tracer trace.Tracer
	// Node answers coordinators' exchange requests on a national node; nil otherwise.
	Node *federation.Node
	// Coordinator pools queries across the nodes; nil unless peers are configured.
	Coordinator *federation.Coordinator
}

// New wires the services on db.
func New(db *sqlx.DB, log *slog.Logger, cfg Config) *App {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &App{DB: db, Log: log, Config: cfg, Tracer: telemetry.Tracer(cfg.TracerProvider)}
	a.Audit = &audit.Log{Now: cfg.Now, Tracer: a.Tracer}
	a.Auth = &auth.Service{DB: db, Now: cfg.Now}
	a.Directory = &directory.Service{DB: db, Audit: a.Audit, Now: cfg.Now}
	a.Governance = &governance.Service{DB: db, Audit: a.Audit, Auth: a.Auth, Now: cfg.Now, MinCellFloor: cfg.MinCellFloor}
	a.Outcomes = &outcomes.Service{DB: db, Governance: a.Governance, Audit: a.Audit, Now: cfg.Now,
		Disclosure: disclosure.Config{Floor: cfg.MinCellFloor},
		Cache:      outcomes.NewCache(outcomes.CacheConfig{Entries: cfg.OutcomeCacheSize, Bytes: cfg.OutcomeCacheBytes}),
		Tracer:     a.Tracer, Secret: cfg.Secret}
	a.Rates = &rates.Service{DB: db, Audit: a.Audit, Now: cfg.Now}
	a.Documents = &documents.Service{DB: db, Audit: a.Audit, Now: cfg.Now}
	a.Ingest = &ingest.Service{DB: db, Audit: a.Audit, Now: cfg.Now, Config: cfg.Ingest, Secret: cfg.Secret}
	a.Metrics = metrics.New(db.DB)
	a.federate(cfg.Federation)
	return a
}

// federate makes the app a national node and/or a coordinator.
func (a *App) federate(f Federation) {
	floor := a.Config.MinCellFloor
	if floor == 0 {
		floor = disclosure.DefaultFloor
	}
	if f.NodeCountry != "" {
		a.Directory.Country, a.Ingest.Country = f.NodeCountry, f.NodeCountry
		a.Node = &federation.Node{ID: f.NodeID, Country: f.NodeCountry, Key: f.Key, Coordinators: f.Coordinators,
			DB: a.DB, Directory: a.Directory, Governance: a.Governance, Outcomes: a.Outcomes, Audit: a.Audit, Now: a.Config.Now, Log: a.Log,
			Floor: floor}
	}
	if len(f.Peers) > 0 {
		client, timeout := f.Client, f.Timeout
		if client == nil {
			client = federation.NewClient(nil)
		}
		if timeout == 0 {
			timeout = federation.DefaultTimeout
		}
		a.Coordinator = &federation.Coordinator{ID: f.NodeID, Key: f.Key, Peers: f.Peers, Local: a.Node, Client: client,
			Timeout: timeout, DB: a.DB, Disclosure: a.Outcomes.Disclosure, Now: a.Config.Now,
			Log: a.Log}
		a.Outcomes.Federation = a.Coordinator
		a.Directory.Remote = a.Coordinator
	}
}

// FederationHandler serves the exchange on a national node (a listener of its own,
// HJX_FEDERATION_ADDR); nil when this process is not one.
func (a *App) FederationHandler() http.Handler {
	if a.Node == nil {
		return nil
	}
	return a.Node.Handler()
}

// Resolver returns the GraphQL resolver over the services.
func (a *App) Resolver() *graph.Resolver {
	return &graph.Resolver{Log: a.Log, Auth: a.Auth, Directory: a.Directory,
		Governance: a.Governance, OutcomeQueries: a.Outcomes, Rates: a.Rates, Ingest: a.Ingest, Documents: a.Documents,
		MaxPageSize: a.Config.GraphQL.MaxPageSize, Metrics: a.Metrics, Tracer: a.Tracer}
}

// Handler returns the whole HTTP surface: GraphQL, pages, health checks.
func (a *App) Handler() http.Handler {
	return server.Handler(a.Config.Server, a.deps())
}

// HTTPServer returns the http.Server with the configured timeouts.
func (a *App) HTTPServer() *http.Server {
	return server.New(a.Config.Server, a.deps())
}

func (a *App) deps() server.Deps {
	return server.Deps{
		Log:          a.Log,
		GraphQL:      graph.NewHandler(a.Resolver(), a.Config.GraphQL),
		Authenticate: a.Auth.Authenticate,
		Ready:        a.DB.PingContext,
		Pages:        web.Handler(),
		Metrics:      a.Metrics,
		Now:          a.Config.Now,
		UploadRoles:  graph.UploadRoles(),
		Sessions:     &auth.Sessions{Tokens: a.Auth, Idle: a.Config.SessionIdle, MaxAge: a.Config.SessionMaxAge},
	}
}

// MetricsHandler serves /metrics for the separate metrics listener
// (HJX_METRICS_ADDR); the public handler never serves it.
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return mux
}
