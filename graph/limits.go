package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

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

// shapeLimits refuses operations nested deeper than maxDepth or with more than
// maxAliases aliased fields, before anything is resolved. Depth counts fields,
// not fragments; introspection fields (__schema, __type) are not descended:
// their depth is the schema's, bounded, and GraphiQL's own query is deep.
// Aliases are how one request asks for the same expensive field many times.
type shapeLimits struct {
	maxDepth   int
	maxAliases int
}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = shapeLimits{}

// maxShapeVisits bounds the walk itself: fragments spread inside fragments can
// make a small document expand enormously.
const maxShapeVisits = 100_000

func (shapeLimits) ExtensionName() string                   { return "hjx-shape-limits" }
func (shapeLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l shapeLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := shapeWalk{doc: oc.Doc}
	w.walk(oc.Operation.SelectionSet, 1)
	switch {
	case w.visits > maxShapeVisits:
		return gqlerror.Errorf("the operation expands to more than %d fields; simplify its fragments", maxShapeVisits)
	case l.maxDepth > 0 && w.depth > l.maxDepth:
		return gqlerror.Errorf("the operation is nested %d levels deep; the limit is %d", w.depth, l.maxDepth)
	case l.maxAliases > 0 && w.aliases > l.maxAliases:
		return gqlerror.Errorf("the operation has %d aliased fields; the limit is %d", w.aliases, l.maxAliases)
	}
	return nil
}

type shapeWalk struct {
	doc     *ast.QueryDocument
	depth   int
	aliases int
	visits  int
}

func (w *shapeWalk) walk(set ast.SelectionSet, depth int) {
	for _, sel := range set {
		w.visits++
		if w.visits > maxShapeVisits {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			w.depth = max(w.depth, depth)
			w.walk(s.SelectionSet, depth+1)
		case *ast.InlineFragment:
			w.walk(s.SelectionSet, depth)
		case *ast.FragmentSpread:
			if f := w.doc.Fragments.ForName(s.Name); f != nil {
				w.walk(f.SelectionSet, depth)
			}
		}
	}
}
