package graph

import (
	"context"
	"net/http"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hjx-exchange/hjx/graph/generated"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// HandlerConfig bounds what one GraphQL request may cost. Every field has a
// default (DefaultHandlerConfig) and an environment variable (see README).
type HandlerConfig struct {
	ComplexityLimit  int   // summed field cost of one operation (connections cost per item asked for)
	ParserTokenLimit int   // lexer tokens in one query document
	MaxDepth         int   // nesting of selections in one operation (introspection fields excepted)
	MaxAliases       int   // aliased fields in one operation, introspection included
	MaxFields        int   // fields in one operation, fragments expanded, __typename and introspection included
	MaxOutcomes      int   // root outcomes fields in one operation (each a pooled query and an audit entry)
	MaxPageSize      int   // largest `first` of a connection
	MaxUploadBytes   int64 // one multipart request
	UploadMemory     int64 // multipart bytes held in memory before spilling to disk
	QueryCacheSize   int   // parsed documents kept (LRU)
	APQCacheSize     int   // automatic persisted queries kept (LRU, persisted.go); 0 turns APQ off
	// IntrospectionAnonymous lets every caller introspect the schema, those
	// without a token included; stewards and researchers always may. Off in
	// production mode: an anonymous caller learns the public fields from the docs.
	IntrospectionAnonymous bool
	// Suggestions lets callers who may explore the schema see "did you mean"
	// hints in validation errors. Off in production mode: then no caller gets
	// one, whatever its role.
	Suggestions bool
	// UploadDir is where an upload too large for memory is spooled while it
	// is read: the binary's own directory, emptied at start-up; "" is
	// os.TempDir() (tests).
	UploadDir string
}

// DefaultHandlerConfig returns the limits used when nothing is configured.
func DefaultHandlerConfig() HandlerConfig {
	return HandlerConfig{
		ComplexityLimit:        10000,
		ParserTokenLimit:       5000,
		MaxDepth:               12,
		MaxAliases:             30,
		MaxFields:              500,
		MaxOutcomes:            5,
		MaxPageSize:            hjx.MaxPageSize,
		MaxUploadBytes:         256 << 20,
		UploadMemory:           8 << 20,
		QueryCacheSize:         1000,
		APQCacheSize:           DefaultAPQCacheSize,
		IntrospectionAnonymous: true,
		Suggestions:            true,
	}
}

// NewHandler builds the GraphQL HTTP handler: transports, limits, the error
// presenter, the access gate, metrics and the per-request dataloaders.
//
// Two executors share the schema: one answers callers who may explore the
// schema (see introspectionFor) with "did you mean" suggestions in validation
// errors, the other everyone else without them, so that a caller who may not
// introspect cannot recover field names from error messages either.
func NewHandler(r *Resolver, cfg HandlerConfig) http.Handler {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: complexity(cfg)})
	explorer := newServer(r, cfg, schema, cfg.Suggestions)
	stranger := newServer(r, cfg, schema, false)
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if mayExplore(req.Context(), cfg.IntrospectionAnonymous) {
			explorer.ServeHTTP(w, req)
			return
		}
		stranger.ServeHTTP(w, req)
	})
	return withLoaders(r, h)
}

func newServer(r *Resolver, cfg HandlerConfig, schema graphql.ExecutableSchema, suggestions bool) *handler.Server {
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	// GET and JSON POST as GraphQL over HTTP says (transport.go). POST decodes
	// one JSON object: a batched array of operations is refused
	// (TestBatchedOperationsRefused), so one request is one operation.
	srv.AddTransport(overHTTP{})
	srv.AddTransport(multipartForm{maxUploadSize: cfg.MaxUploadBytes, maxMemory: cfg.UploadMemory, dir: cfg.UploadDir})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](cfg.QueryCacheSize))
	srv.SetParserTokenLimit(cfg.ParserTokenLimit)
	setSuggestions(srv, suggestions)
	// Persisted documents fill in the query text first, so that the limits below
	// measure the document that will run.
	srv.Use(newPersistedDocuments(r.Documents, cfg.APQCacheSize))
	srv.Use(tracing{r.Tracer})
	srv.Use(newDocumentLimits(cfg))
	srv.Use(extension.FixedComplexityLimit(cfg.ComplexityLimit))
	srv.Use(introspectionFor(cfg.IntrospectionAnonymous))
	srv.Use(operationMetrics{r.Metrics})
	srv.SetErrorPresenter(withoutEcho(presentError(r.Log), schemaWords(schema.Schema())))
	srv.SetRecoverFunc(recoverPanic(r.Log))
	srv.AroundFields(gate(fieldRules()))
	srv.AroundFields(entitiesLimit(cfg.MaxPageSize))
	srv.AroundFields(resultMetrics(r.Metrics))
	return srv
}

// mayExplore reports whether the caller may introspect the schema and see
// field suggestions: stewards and researchers always, others only when
// anonymous introspection is configured (development).
func mayExplore(ctx context.Context, everyone bool) bool {
	if everyone {
		return true
	}
	p := hjx.PrincipalFrom(ctx)
	return p != nil && slices.Contains(introspectionRoles, p.Role)
}

// introspectionFor decides who may introspect the schema (the playground's
// completion and docs need it). Stewards and researchers always may: they write
// queries. Everyone else, callers without a token included, only when the
// configuration allows it (IntrospectionAnonymous, off in production mode):
// partner and dashboard tokens are used by fixed clients that need no schema.
type introspectionFor bool

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = introspectionFor(false)

// introspectionRoles may always introspect.
var introspectionRoles = []hjx.Role{hjx.RoleSteward, hjx.RoleResearcher}

func (introspectionFor) ExtensionName() string                   { return "hjx-introspection" }
func (introspectionFor) Validate(graphql.ExecutableSchema) error { return nil }
func (everyone introspectionFor) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DisableIntrospection = !mayExplore(ctx, bool(everyone))
	return nil
}
