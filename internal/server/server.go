// Package server is hjx's HTTP front: routing, authentication of bearer tokens,
// CORS, body limits, health checks, access logs and graceful shutdown. It knows
// HTTP, not GraphQL: the GraphQL endpoint is a handler handed to it.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rs/cors"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/metrics"
)

// Config is the HTTP server's configuration; see the README's table.
type Config struct {
	Addr              string
	CORSOrigins       []string
	MaxBodyBytes      int64 // non-multipart request bodies
	MaxUploadBytes    int64 // multipart (file upload) request bodies
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	// RequestTimeout bounds the work of one GraphQL request (HJX_REQUEST_TIMEOUT):
	// its context ends then, and the database cancels the statement it was
	// running. UploadTimeout replaces it for multipart uploads (HJX_UPLOAD_TIMEOUT).
	RequestTimeout time.Duration
	UploadTimeout  time.Duration
	// BodyReadTimeout (HJX_BODY_READ_TIMEOUT) is how long a non-upload request
	// body may take to arrive, and an upload's grace before UploadMinRate
	// (HJX_UPLOAD_MIN_RATE, bytes a second on average) applies; 0 turns both off.
	BodyReadTimeout time.Duration
	UploadMinRate   int64
	// Rate is the per-caller rate limit; the zero value turns it off (tests).
	Rate RateConfig
	// CookieSecure marks the session cookie Secure even on plain-HTTP requests:
	// the server is behind a TLS-terminating proxy (HJX_COOKIE_SECURE, on in production).
	CookieSecure bool
}

// DefaultConfig returns the values used when nothing is configured.
func DefaultConfig() Config {
	return Config{
		Addr:              ":8080",
		MaxBodyBytes:      1 << 20,
		MaxUploadBytes:    256 << 20,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Minute, // large uploads over slow links
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   30 * time.Second,
		RequestTimeout:    30 * time.Second,
		UploadTimeout:     10 * time.Minute,
		BodyReadTimeout:   10 * time.Second,
		UploadMinRate:     16 << 10,
	}
}

// Deps are what the server serves.
type Deps struct {
	Log          *slog.Logger
	GraphQL      http.Handler
	Authenticate func(ctx context.Context, secret string) (*hjx.Principal, error)
	Ready        func(ctx context.Context) error
	// Pages serves the browser pages and static files (playground, templates).
	Pages http.Handler
	// Metrics receives request counts and latencies; nil records nothing.
	Metrics *metrics.Metrics
	// Now is the rate limiter's clock (tests inject one); nil is the wall clock.
	Now func() time.Time
	// UploadRoles may send multipart (file upload) requests; anyone else is
	// refused before the body is read. None listed: no uploads at all.
	UploadRoles []hjx.Role
	// Sessions are the portal's browser sessions; nil serves no /session.
	Sessions SessionStore
}

// Handler returns the server's routes with every middleware applied.
func Handler(cfg Config, d Deps) http.Handler {
	mux := http.NewServeMux()
	lim := newLimiter(cfg.Rate, d.Now, d.Metrics)
	mux.Handle("/graphql", requirePreflight(limitBody(cfg, bodyDeadline(cfg, deadline(cfg,
		sessionAuth(cfg, d, authenticate(d, lim, lim.middleware(uploadGate(d.UploadRoles, newUploadSlots(), d.GraphQL)))))))))
	sessionRoutes(mux, cfg, d, lim)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := d.Ready(ctx); err != nil {
			d.Log.WarnContext(ctx, "not ready", "error", err.Error())
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unreachable\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if d.Pages != nil {
		mux.Handle("/", d.Pages)
	}
	return accessLog(d.Log, d.Metrics, noSniff(corsFor(cfg.CORSOrigins).Handler(mux)))
}

// noSniff stops browsers from guessing a response's type (a JSON error body
// rendered as HTML, say). The pages add their own stricter headers.
func noSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// deadline bounds a GraphQL request's work: its context ends after
// RequestTimeout (UploadTimeout for multipart uploads), which cancels the
// database statement in progress; the client gets UNAVAILABLE, not a hang.
func deadline(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := cfg.RequestTimeout
		if isMultipart(r) {
			limit = cfg.UploadTimeout
		}
		if limit <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), limit)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// corsFor lets browser apps on the configured origins (HJX_CORS_ORIGINS:
// "https://dash.example.org", "https://*.example.org" or "*") call the API with a
// bearer token. No origin configured means no cross-origin access at all: rs/cors
// would otherwise treat an empty list as "every origin". Credentials (cookies)
// are never allowed: hjx authenticates with the Authorization header only.
func corsFor(origins []string) *cors.Cors {
	opts := cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: []string{"Authorization", "Content-Type", PreflightHeader},
		MaxAge:         600,
	}
	if len(origins) == 0 {
		opts.AllowOriginFunc = func(string) bool { return false }
	}
	return cors.New(opts)
}

// PreflightHeader must be present (any non-empty value; clients send "true") on
// every GraphQL POST whose content type a browser may send cross-site without a
// CORS preflight: multipart/form-data (file uploads), application/x-www-form-urlencoded
// and text/plain. A page on another site cannot add a custom header without a
// preflight, which hjx refuses for origins not configured, so an upload cannot be
// forged from another site (CSRF). The name is Apollo's, so GraphQL clients that
// already send it for Apollo Server work unchanged; apollo-upload-client and urql
// do not send it by themselves, so the refusal says how to add it.
const PreflightHeader = "Apollo-Require-Preflight"

// simpleContentTypes are the request content types a cross-site form or fetch
// may send without a preflight (the CORS "CORS-safelisted" types).
var simpleContentTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}

// requirePreflight refuses a POST with a CORS-safelisted content type (or none)
// unless it carries PreflightHeader; see PreflightHeader for why.
func requirePreflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Header.Get(PreflightHeader) == "" {
			mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || slices.Contains(simpleContentTypes, strings.ToLower(mediaType)) {
				writeError(w, http.StatusBadRequest, hjx.CodeInvalid, describePost(mediaType)+preflightFix)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// preflightFix is the refusal's advice: no client sends the header by itself, and
// a user who sees only "status code 400" from an upload library needs the exact
// option to add.
const preflightFix = " must carry the header " + PreflightHeader + ": true (protection against cross-site request forgery): " +
	"add it to your client (curl: -H '" + PreflightHeader + ": true'; apollo-upload-client: " +
	"createUploadLink({ headers: { \"" + PreflightHeader + "\": \"true\" } }); urql: fetchOptions: { headers: { \"" +
	PreflightHeader + "\": \"true\" } }); see docs/CLIENTS.md#uploads-and-the-csrf-header"

func describePost(mediaType string) string {
	if mediaType == "" {
		return "a POST without a Content-Type"
	}
	return "a " + mediaType + " POST"
}

// New returns an http.Server with the configured timeouts.
func New(cfg Config, d Deps) *http.Server {
	return &http.Server{
		Addr:              cfg.Addr,
		Handler:           Handler(cfg, d),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(d.Log.Handler(), slog.LevelWarn),
		MaxHeaderBytes:    64 << 10,
	}
}

// Serve runs srv on ln until ctx ends, then shuts down gracefully: in-flight
// requests (an upload's transaction, say) get up to timeout to finish.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", timeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// limitBody caps request bodies: multipart uploads to MaxUploadBytes, everything
// else to MaxBodyBytes. Reading past the cap fails the request, not the server.
func limitBody(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := cfg.MaxBodyBytes
		if isMultipart(r) {
			limit = cfg.MaxUploadBytes
			// gqlgen's multipart transport keeps a file of unknown length in memory
			// (only a declared length lets it spill to disk), so an upload must say
			// how long it is.
			if r.ContentLength < 0 {
				writeError(w, http.StatusLengthRequired, hjx.CodeInvalid, "a file upload must declare its Content-Length")
				return
			}
		}
		if r.ContentLength > limit {
			writeError(w, http.StatusRequestEntityTooLarge, hjx.CodeInvalid, "request body is larger than the limit of "+byteSize(limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the bearer token into a principal on the request context.
// No header means an anonymous caller (public fields only); a header with a bad
// token is refused outright, so a client learns at once that its token is dead.
// Failed checks count against the client address's bucket of them, and once it
// is spent a failed check is answered 429 instead of 401 (guessing and a script
// looping on a revoked token are throttled). Every token is still checked: a
// valid one is never refused for what other callers behind the same address
// (one office's NAT) did. A check is one lookup by unique hash.
func authenticate(d Deps, lim *limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			writeError(w, http.StatusUnauthorized, hjx.CodeUnauthenticated, "the Authorization header must be: Bearer <token>")
			return
		}
		p, err := d.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			code := hjx.ErrorCode(err)
			if code == hjx.CodeUnauthenticated {
				if !lim.allowFailedAuth(w, r) {
					return
				}
				writeError(w, http.StatusUnauthorized, code, err.(*hjx.Error).Message)
				return
			}
			d.Log.ErrorContext(r.Context(), "authenticate", "error", err.Error())
			writeError(w, http.StatusServiceUnavailable, hjx.CodeUnavailable, "the service cannot check tokens right now; try again shortly")
			return
		}
		next.ServeHTTP(w, r.WithContext(hjx.WithPrincipal(r.Context(), p)))
	})
}

// writeError answers in GraphQL's response shape, so clients handle one format.
func writeError(w http.ResponseWriter, status int, code hjx.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": string(code)}}},
	})
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
