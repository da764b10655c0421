package graph

//go:generate go run github.com/99designs/gqlgen generate
//go:generate go run ./internal/fedsdl -o ../schema/generated/federation.graphql

import (
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/documents"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/metrics"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/rates"
)

// Resolver holds the domain services the resolvers translate to. It is built once
// (internal/app) and passed in; resolvers hold no state of their own and contain no
// SQL and no rules: they call a service with the request's principal and convert
// the result. There is no database handle here on purpose.
type Resolver struct {
	Log       *slog.Logger
	Auth      *auth.Service
	Directory *directory.Service
	// Governance: sharing policies, projects, access decisions, tokens, audit reads.
	Governance *governance.Service
	// Ingest: uploads, submissions, retraction.
	Ingest *ingest.Service
	// OutcomeQueries answers pooled, protected outcome queries.
	OutcomeQueries *outcomes.Service
	// Rates loads and lists exchange rates.
	Rates *rates.Service
	// Documents: trusted documents (persisted operations) of projects.
	Documents *documents.Service
	// MaxPageSize is the largest `first` a connection accepts (HJX_MAX_PAGE_SIZE).
	MaxPageSize int
	// Metrics receives operation, upload and disclosure counts; nil records nothing.
	Metrics *metrics.Metrics
	// Tracer traces requests and root fields (tracing.go); nil records nothing.
	Tracer trace.Tracer
}
