package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hjx-exchange/hjx/graph/generated"
	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Field costs of the complexity limit (HJX_COMPLEXITY_LIMIT). gqlgen counts one
// per field by default; these make what is expensive cost what it costs.
const (
	// outcomeQueryCost is the extra cost of one pooled outcome query: an
	// aggregate over every partner's figures, disclosure control and an audit
	// entry, where a directory field is one indexed lookup.
	outcomeQueryCost = 100
)

// complexity makes each connection cost its item's cost times the items asked
// for (first, or the default page size), so that `partners(first: 500)` weighs
// what it returns and ten aliased copies of it weigh ten times that.
func complexity(cfg HandlerConfig) generated.ComplexityRoot {
	var c generated.ComplexityRoot
	maxPage := cfg.MaxPageSize
	if maxPage <= 0 {
		maxPage = hjx.MaxPageSize // the resolvers' bound when none is configured
	}
	page := func(child int, first *int) int {
		n := hjx.DefaultPageSize
		if first != nil {
			n = *first
		}
		// An out-of-range first is refused by the resolver; until then it costs
		// the most it could.
		n = min(max(n, 1), maxPage)
		return 1 + child*n
	}
	c.Query.Partners = func(child int, _ *model.PartnerFilter, first *int, _ *string) int { return page(child, first) }
	c.Query.Submissions = func(child int, _ *string, first *int, _ *string) int { return page(child, first) }
	c.Query.Projects = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.DataUsage = func(child int, _ string, first *int, _ *string) int { return page(child, first) }
	c.Query.AuditLog = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.Outcomes = func(child int, _ string, _ model.OutcomeQuery) int { return child + outcomeQueryCost }
	return c
}

// entitiesLimit bounds the representations of one Query._entities call, as
// MaxPageSize bounds a page: a gateway asks for the entities of one result,
// and each is a lookup (complexity cannot weigh them: the argument is a list
// of arbitrary objects).
func entitiesLimit(most int) graphql.FieldMiddleware {
	if most <= 0 {
		most = hjx.MaxPageSize
	}
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc != nil && fc.Object == "Query" && fc.Field.Name == "_entities" {
			if reps, _ := fc.Args["representations"].([]map[string]any); len(reps) > most {
				return nil, hjx.Invalid("representations", "at most %d representations in one request", most)
			}
		}
		return next(ctx)
	}
}
