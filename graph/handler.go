package graph

import (
	"context"
	"net/http"
	"slices"
	"time"

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
	ComplexityLimit  int   // summed field cost of one operation
	ParserTokenLimit int   // lexer tokens in one query document
	MaxUploadBytes   int64 // one multipart request
	UploadMemory     int64 // multipart bytes held in memory before spilling to disk
	QueryCacheSize   int   // parsed documents kept (LRU)
	// IntrospectionAnonymous lets every caller introspect the schema, those
	// without a token included; stewards and researchers always may. Off in
	// production mode: an anonymous caller learns the public fields from the docs.
	IntrospectionAnonymous bool
}

// DefaultHandlerConfig returns the limits used when nothing is configured.
func DefaultHandlerConfig() HandlerConfig {
	return HandlerConfig{
		ComplexityLimit:        2000,
		ParserTokenLimit:       5000,
		MaxUploadBytes:         256 << 20,
		UploadMemory:           8 << 20,
		QueryCacheSize:         1000,
		IntrospectionAnonymous: true,
	}
}

// NewHandler builds the GraphQL HTTP handler: transports, limits, the error
// presenter, the access gate and the per-request dataloaders.
func NewHandler(r *Resolver, cfg HandlerConfig) http.Handler {
	c := generated.Config{Resolvers: r}
	srv := handler.New(generated.NewExecutableSchema(c))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: cfg.MaxUploadBytes, MaxMemory: cfg.UploadMemory})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](cfg.QueryCacheSize))
	srv.SetParserTokenLimit(cfg.ParserTokenLimit)
	srv.Use(extension.FixedComplexityLimit(cfg.ComplexityLimit))
	srv.Use(introspectionFor(cfg.IntrospectionAnonymous))
	srv.SetErrorPresenter(presentError(r.Log))
	srv.SetRecoverFunc(recoverPanic(r.Log))
	srv.AroundFields(gate(fieldRules()))
	return withLoaders(r, srv)
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
	p := hjx.PrincipalFrom(ctx)
	oc.DisableIntrospection = !bool(everyone) && (p == nil || !slices.Contains(introspectionRoles, p.Role))
	return nil
}

// dateOnly keeps only the calendar date of t, in UTC.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
