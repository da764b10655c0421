package graph

//go:generate go run github.com/99designs/gqlgen generate

import (
	"log/slog"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/metrics"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/jmoiron/sqlx"
)

// Resolver holds the domain services the resolvers translate to. It is built once in
// cmd/hjx and passed in; resolvers hold no state of their own and contain no SQL and
// no rules: they check input shape, call a service and convert the result.
type Resolver struct {
	DB        *sqlx.DB
	Log       *slog.Logger
	Auth      *auth.Service
	Directory *directory.Service
	Audit     *audit.Log
	// Governance: sharing policies, projects, access decisions, tokens, audit reads.
	Governance *governance.Service
	// OutcomeQueries answers pooled, protected outcome queries.
	OutcomeQueries *outcomes.Service
	Ingest         *ingest.Service
	// MaxPageSize is the largest `first` a connection accepts (HJX_MAX_PAGE_SIZE).
	MaxPageSize int
	// Metrics receives operation, upload and disclosure counts; nil records nothing.
	Metrics *metrics.Metrics
}
