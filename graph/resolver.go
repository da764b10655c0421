package graph

//go:generate go run github.com/99designs/gqlgen generate

import (
	"log/slog"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/rates"
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
	// Rates loads and lists exchange rates.
	Rates  *rates.Service
	Ingest *ingest.Service
}
