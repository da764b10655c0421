package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// setting is one environment variable hjx reads: the README's configuration table
// is generated from these (TestREADMEConfiguration fails when the two differ), so
// a variable cannot be added, renamed or given another default without the
// operators' documentation following.
type setting struct {
	// name is the variable; label, when set, is what the table shows instead.
	name, label string
	// def is the default as the table shows it (Markdown); settings that share a
	// row show their non-empty defaults joined.
	def string
	// doc is what the variable does (Markdown); "" puts the variable in the row of
	// the setting before it, which describes both.
	doc string
	// parse reads a non-empty value into c; its error names the variable. nil:
	// the variable is read elsewhere (loadFederation, cmdUpload, the OpenTelemetry SDK).
	parse func(c *config, name, v string) error
}

// settings lists every variable in the README's order.
func settings() []setting {
	return slices.Concat(serverSettings(), requestLimitSettings(), timeoutSettings(), rateSettings(),
		federationSettings(), dataSettings())
}

func serverSettings() []setting {
	return []setting{
		{name: "DATABASE_URL", def: "`postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable`", doc: "PostgreSQL connection URL",
			parse: text(func(c *config) *string { return &c.DatabaseURL })},
		{name: "HJX_ADDR", def: "`:8080`", doc: "listen address", parse: text(func(c *config) *string { return &c.Server.Addr })},
		{name: "HJX_CORS_ORIGINS", def: "(none)", doc: "comma-separated origins allowed to call the API from a browser (dashboards elsewhere)",
			parse: func(c *config, _, v string) error {
				for _, o := range strings.Split(v, ",") {
					if o = strings.TrimSpace(o); o != "" {
						c.Server.CORSOrigins = append(c.Server.CORSOrigins, o)
					}
				}
				return nil
			}},
		{name: "HJX_PRODUCTION", def: "`false`", doc: "production mode: introspection off for anonymous callers; no \"did you mean\" hints in errors for any caller; `seed --demo` refused; `serve` refuses to start while demo tokens are valid",
			parse: func(c *config, name, v string) error {
				if err := boolean(func(c *config) *bool { return &c.Production })(c, name, v); err != nil {
					return err
				}
				// The defaults of the two settings below follow production mode.
				c.GraphQL.IntrospectionAnonymous, c.GraphQL.Suggestions = !c.Production, !c.Production
				c.Server.CookieSecure = c.Production
				return nil
			}},
		{name: "HJX_COOKIE_SECURE", def: "`HJX_PRODUCTION`", doc: "mark the portal's session cookie `Secure` even on plain-HTTP requests (set it when a TLS-terminating proxy is in front; requests over TLS always get `Secure`); see [docs/PORTAL.md](docs/PORTAL.md#sessions)",
			parse: boolean(func(c *config) *bool { return &c.Server.CookieSecure })},
		{name: "HJX_INTROSPECTION_ANONYMOUS", def: "`!HJX_PRODUCTION`", doc: "let callers without a token introspect the schema",
			parse: boolean(func(c *config) *bool { return &c.GraphQL.IntrospectionAnonymous })},
	}
}

func requestLimitSettings() []setting {
	return []setting{
		{name: "HJX_MAX_BODY_BYTES", def: "`1048576`", doc: "largest non-upload request body (`413`, `INVALID`)",
			parse: byteCount(func(c *config) *int64 { return &c.Server.MaxBodyBytes })},
		{name: "HJX_MAX_UPLOAD_BYTES", def: "`268435456`", doc: "largest multipart (file upload) request (`413`, `INVALID`)",
			parse: byteCount(func(c *config) *int64 { return &c.Server.MaxUploadBytes })},
		{name: "HJX_MAX_UPLOAD_ROWS", def: "`1000000`", doc: "most data rows in one upload (issue `TOO_MANY_ROWS`)",
			parse: integer(1, func(c *config) *int { return &c.Ingest.MaxRows })},
		{name: "HJX_COMPLEXITY_LIMIT", def: "`10000`", doc: "largest summed field cost of one GraphQL operation; a connection costs its item's cost times `first` (default 50), `outcomes` 100 more (`INVALID`)",
			parse: integer(1, func(c *config) *int { return &c.GraphQL.ComplexityLimit })},
		{name: "HJX_PARSER_TOKEN_LIMIT", def: "`5000`", doc: "most lexer tokens in one query document (`INVALID`)",
			parse: integer(1, func(c *config) *int { return &c.GraphQL.ParserTokenLimit })},
		{name: "HJX_MAX_QUERY_DEPTH", def: "`12`", doc: "deepest nesting of fields in one operation; introspection fields not counted (`INVALID`)",
			parse: integer(1, func(c *config) *int { return &c.GraphQL.MaxDepth })},
		{name: "HJX_MAX_ALIASES", def: "`30`", doc: "most aliased fields in one operation, introspection included; `0` turns the limit off (`INVALID`). Batched operations (a JSON array) are always refused",
			parse: integer(0, func(c *config) *int { return &c.GraphQL.MaxAliases })},
		{name: "HJX_MAX_FIELDS", def: "`500`", doc: "most fields in one operation, fragments expanded, `__typename` and introspection fields included (GraphiQL's schema query has 230); no response name more than 10 times in one selection; counted before validation (`INVALID`)",
			parse: integer(1, func(c *config) *int { return &c.GraphQL.MaxFields })},
		{name: "HJX_MAX_OUTCOMES_PER_REQUEST", def: "`5`", doc: "most `outcomes` fields in one operation (each is a pooled query and an audit entry) (`INVALID`)",
			parse: integer(1, func(c *config) *int { return &c.GraphQL.MaxOutcomes })},
		{name: "HJX_MAX_PAGE_SIZE", def: "`500`", doc: "largest `first` of a connection, and most representations in one federation `_entities` call ([docs/FEDERATION.md](docs/FEDERATION.md)) (`INVALID`)",
			parse: integer(1, func(c *config) *int { return &c.GraphQL.MaxPageSize })},
		{name: "HJX_APQ_CACHE_SIZE", def: "`1000`", doc: "automatic persisted queries kept (LRU); `0` turns APQ off ([docs/CLIENTS.md](docs/CLIENTS.md#persisted-queries))",
			parse: integer(0, func(c *config) *int { return &c.GraphQL.APQCacheSize })},
	}
}

func timeoutSettings() []setting {
	return []setting{
		{name: "HJX_SESSION_IDLE", def: "`30m`", doc: "a portal session unused for this long ends ([docs/PORTAL.md](docs/PORTAL.md#sessions))",
			parse: duration(func(c *config) *time.Duration { return &c.SessionIdle })},
		{name: "HJX_SESSION_MAX_AGE", def: "`12h`", doc: "a portal session ends this long after sign-in at the latest (sooner when its token expires)",
			parse: duration(func(c *config) *time.Duration { return &c.SessionMaxAge })},
		{name: "HJX_REQUEST_TIMEOUT", def: "`30s`", doc: "a GraphQL request's work ends then; the database statement is cancelled (`UNAVAILABLE`)",
			parse: duration(func(c *config) *time.Duration { return &c.Server.RequestTimeout })},
		{name: "HJX_UPLOAD_TIMEOUT", def: "`10m`", doc: "the same for multipart uploads",
			parse: duration(func(c *config) *time.Duration { return &c.Server.UploadTimeout })},
		{name: "HJX_BODY_READ_TIMEOUT", def: "`10s`", doc: "a non-upload request body must have arrived by then (`408`, `INVALID`); for uploads, the grace before `HJX_UPLOAD_MIN_RATE` applies",
			parse: duration(func(c *config) *time.Duration { return &c.Server.BodyReadTimeout })},
		{name: "HJX_UPLOAD_MIN_RATE", def: "`16384`", doc: "bytes a second an upload must average after that grace, or it is cut off (`408`, `INVALID`); `0` turns it off (`HJX_READ_TIMEOUT` still bounds it). One upload at a time per principal (`429`, `RATE_LIMITED`); a caller whose role may not upload is refused before its file is read",
			parse: number(parseInt64, func(n int64) bool { return n >= 0 }, "bytes a second >= 0 (0 turns it off)",
				func(c *config) *int64 { return &c.Server.UploadMinRate })},
		{name: "HJX_STATEMENT_TIMEOUT", def: "`10m`", doc: "PostgreSQL `statement_timeout` and `idle_in_transaction_session_timeout` of every connection: the database's own backstop (`UNAVAILABLE`); a value in `DATABASE_URL` wins",
			parse: duration(func(c *config) *time.Duration { return &c.Pool.StatementTimeout })},
		{name: "HJX_DB_MAX_CONNS", def: "`20`", doc: "database connection pool size",
			parse: integer(1, func(c *config) *int { return &c.Pool.MaxOpen })},
		{name: "HJX_DB_CONNECT_TIMEOUT", def: "`5s`", doc: "opening one database connection (whole seconds); with the database unreachable requests fail in this time (`UNAVAILABLE`)",
			parse: duration(func(c *config) *time.Duration { return &c.Pool.ConnectTimeout })},
		{name: "HJX_READ_HEADER_TIMEOUT", def: "`5s`", doc: "HTTP server timeouts",
			parse: duration(func(c *config) *time.Duration { return &c.Server.ReadHeaderTimeout })},
		{name: "HJX_READ_TIMEOUT", def: "`10m`", parse: duration(func(c *config) *time.Duration { return &c.Server.ReadTimeout })},
		{name: "HJX_WRITE_TIMEOUT", def: "`10m`", parse: duration(func(c *config) *time.Duration { return &c.Server.WriteTimeout })},
		{name: "HJX_IDLE_TIMEOUT", def: "`2m`", parse: duration(func(c *config) *time.Duration { return &c.Server.IdleTimeout })},
		{name: "HJX_SHUTDOWN_TIMEOUT", def: "`30s`", doc: "grace for in-flight requests on SIGTERM",
			parse: duration(func(c *config) *time.Duration { return &c.Server.ShutdownTimeout })},
	}
}

func rateSettings() []setting {
	return []setting{
		{name: "HJX_RATE_LIMIT", def: "`20`", doc: "requests per second (and at once) per principal, whichever of its tokens it uses; for DASHBOARD tokens per project, however many were minted; `0` turns it off (`429`, `RATE_LIMITED`, `Retry-After`)",
			parse: requestRate(func(c *config) *float64 { return &c.Server.Rate.PerToken })},
		{name: "HJX_RATE_BURST", def: "`40`", parse: integer(1, func(c *config) *int { return &c.Server.Rate.TokenBurst })},
		{name: "HJX_RATE_LIMIT_ANONYMOUS", def: "`10`", doc: "the same per client IP address for requests without a valid token (failed token checks count here)",
			parse: requestRate(func(c *config) *float64 { return &c.Server.Rate.PerIP })},
		{name: "HJX_RATE_BURST_ANONYMOUS", def: "`20`", parse: integer(1, func(c *config) *int { return &c.Server.Rate.IPBurst })},
		{name: "HJX_RATE_LIMIT_KEYS", def: "`10000`", doc: "callers tracked at once; the least recently seen is forgotten (bounded memory)",
			parse: integer(1, func(c *config) *int { return &c.Server.Rate.MaxKeys })},
		{name: "HJX_TRUSTED_PROXIES", def: "(none)", doc: "comma-separated addresses or CIDR prefixes of reverse proxies whose `X-Forwarded-For` is believed; from anyone else it is ignored",
			parse: trustedProxies},
		{name: "HJX_METRICS_ADDR", def: "(none: off)", doc: "listen address of `/metrics` (Prometheus), separate from `HJX_ADDR`: bind it to loopback or an internal network; whoever reaches it may scrape",
			parse: text(func(c *config) *string { return &c.MetricsAddr })},
	}
}

// federationSettings: read together by loadFederation, as they depend on each
// other, but for the timeout.
func federationSettings() []setting {
	return []setting{
		{name: "HJX_NODE_ID", def: "(none)", doc: "this process's name in a federation (`gb`, `us`, `hub`): required on a national node or a coordinator ([docs/FEDERATION.md](docs/FEDERATION.md))"},
		{name: "HJX_NODE_COUNTRY", def: "(none)", doc: "`GB` or `US`: makes this a national node holding only that country's partners (`registerPartner` and uploads refuse others) and answering the exchange"},
		{name: "HJX_FEDERATION_KEY", def: "(none)", doc: "this node's or coordinator's Ed25519 signing key, base64 (`hjx federation keygen`)"},
		{name: "HJX_FEDERATION_ADDR", def: "(none: off)", doc: "national node: listen address of the exchange (`POST /federation/v1/cells`), for the coordinator only"},
		{name: "HJX_FEDERATION_COORDINATORS", def: "(none)", doc: "national node: `id=publickey,...`, the coordinators it answers"},
		{name: "HJX_FEDERATION_PEERS", def: "(none)", doc: "coordinator: `id=url,...` the national nodes' exchange URLs and `id=publickey,...` their keys; with them every `outcomes` query is pooled across the nodes"},
		{name: "HJX_FEDERATION_PEER_KEYS"},
		{name: "HJX_FEDERATION_TIMEOUT", def: "`10s`", doc: "coordinator: a node that has not answered by then is left out and the table marked `partial`",
			parse: duration(func(c *config) *time.Duration { return &c.Federation.Timeout })},
		{name: "HJX_FEDERATION_TLS_CERT", def: "(none: plain HTTP)", doc: "mutual TLS of the exchange: this process's certificate and key, and the federation's CA (both sides)"},
		{name: "HJX_FEDERATION_TLS_KEY"},
		{name: "HJX_FEDERATION_TLS_CA"},
	}
}

func dataSettings() []setting {
	return []setting{
		{name: "OTEL_EXPORTER_OTLP_ENDPOINT", def: "(none: tracing off)", doc: "OpenTelemetry traces over OTLP/HTTP; the standard variables ([docs/OBSERVABILITY.md](docs/OBSERVABILITY.md))"},
		{name: "OTEL_TRACES_EXPORTER"},
		{name: "OTEL_*", label: "other `OTEL_*`"},
		{name: "HJX_LOG_LEVEL", def: "`info`", doc: "`debug`, `info`, `warn` or `error` (JSON logs on stderr)", parse: logLevel},
		{name: "HJX_REVISION_LIMIT", def: "`3`", doc: "most versions of one cell (partner, metric, period, breakdown) stored in the window, superseded and retracted ones included: the first upload and two corrections; an upload past it is rejected whole (issue `REVISION_LIMIT`) and audited ([docs/UPLOADS.md](docs/UPLOADS.md))",
			parse: integer(1, func(c *config) *int { return &c.Ingest.RevisionLimit })},
		{name: "HJX_REVISION_WINDOW", def: "`720h`", parse: duration(func(c *config) *time.Duration { return &c.Ingest.RevisionWindow })},
		{name: "HJX_RETRACTION_LIMIT", def: "`3`", doc: "most submissions one partner may retract in the window; past it `RATE_LIMITED`, nothing changed, audited",
			parse: integer(1, func(c *config) *int { return &c.Ingest.RetractionLimit })},
		{name: "HJX_RETRACTION_WINDOW", def: "`720h`", parse: duration(func(c *config) *time.Duration { return &c.Ingest.RetractionWindow })},
		{name: "HJX_MIN_CELL_FLOOR", def: "`8`", doc: "platform floor of disclosure control: no partner's `minCell` may be lower",
			parse: integer(1, func(c *config) *int { return &c.MinCellFloor })},
		{name: "HJX_OUTCOME_CACHE_SIZE", def: "`1000`", doc: "most protected outcome tables kept for repeat queries (0: no cache)",
			parse: integer(0, func(c *config) *int { return &c.OutcomeCacheSize })},
		{name: "HJX_OUTCOME_CACHE_BYTES", def: "`67108864` (64 MiB)", doc: "memory budget of those tables (estimated bytes); both bounds hold, least recently used first out; a table over an eighth of it is served but not kept",
			parse: byteCount(func(c *config) *int64 { return &c.OutcomeCacheBytes })},
		{name: "HJX_URL", def: "`http://localhost:8080`", doc: "for `hjx upload` and `hjx documents register`, and read by every example in the docs: the server's base address (the API is `$HJX_URL/graphql`) and a token"},
		{name: "HJX_TOKEN", def: "(none)"},
		{name: "HJX_DEMO_TOKEN_SEED", def: "`hjx-demo`", doc: "seed of the demo tokens (demo only: anyone with the seed can derive them)",
			parse: text(func(c *config) *string { return &c.DemoSeed })},
	}
}

// number makes a parser of a value that must satisfy ok (described by want).
func number[T any](parse func(string) (T, error), ok func(T) bool, want string, field func(*config) *T) func(*config, string, string) error {
	return func(c *config, name, v string) error {
		n, err := parse(v)
		if err != nil || !ok(n) {
			return fmt.Errorf("%s=%q: want %s", name, v, want)
		}
		*field(c) = n
		return nil
	}
}

func integer(min int, field func(*config) *int) func(*config, string, string) error {
	return number(strconv.Atoi, func(n int) bool { return n >= min }, fmt.Sprintf("a whole number >= %d", min), field)
}

func byteCount(field func(*config) *int64) func(*config, string, string) error {
	return number(parseInt64, func(n int64) bool { return n >= 1 }, "a byte count >= 1", field)
}

func duration(field func(*config) *time.Duration) func(*config, string, string) error {
	return number(time.ParseDuration, func(d time.Duration) bool { return d > 0 }, "a duration such as 30s", field)
}

func requestRate(field func(*config) *float64) func(*config, string, string) error {
	return number(func(s string) (float64, error) { return strconv.ParseFloat(s, 64) },
		func(f float64) bool { return f >= 0 && !math.IsInf(f, 0) && !math.IsNaN(f) },
		"requests per second >= 0 (0 turns the limit off)", field)
}

func boolean(field func(*config) *bool) func(*config, string, string) error {
	return number(strconv.ParseBool, func(bool) bool { return true }, "true or false", field)
}

func text(field func(*config) *string) func(*config, string, string) error {
	return func(c *config, _, v string) error { *field(c) = v; return nil }
}

func parseInt64(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// trustedProxies reads addresses or CIDR prefixes; a bare address is its own /32 or /128.
func trustedProxies(c *config, name, v string) error {
	var errs []error
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not an address or CIDR prefix", name, part))
				continue
			}
			pfx = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		c.Server.Rate.TrustedProxies = append(c.Server.Rate.TrustedProxies, pfx.Masked())
	}
	return errors.Join(errs...)
}

func logLevel(c *config, name, v string) error {
	levels := map[string]slog.Level{"info": slog.LevelInfo, "debug": slog.LevelDebug, "warn": slog.LevelWarn, "error": slog.LevelError}
	l, ok := levels[strings.ToLower(v)]
	if !ok {
		return fmt.Errorf("%s=%q: want debug, info, warn or error", name, v)
	}
	c.LogLevel = l
	return nil
}

// configMarkdown is the README's configuration table: one row per documented
// setting, with the settings that follow it without a doc of their own.
func configMarkdown() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n| --- | --- | --- |\n")
	all := settings()
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].doc == "" {
			j++
		}
		var names, defs []string
		for _, s := range all[i:j] {
			label := s.label
			if label == "" {
				label = "`" + s.name + "`"
			}
			names = append(names, label)
			if s.def != "" {
				defs = append(defs, s.def)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.Join(names, ", "), strings.Join(defs, ", "), all[i].doc)
		i = j
	}
	return b.String()
}
