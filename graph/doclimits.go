package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// documentLimits refuses a document by its shape before gqlgen validates it:
// validation compares every pair of fields that share a response name, so a
// document of 4,900 `__typename` cost seconds of CPU before any limit that runs
// after validation (complexity) looked at it. It counts every field and alias,
// introspection fields and __typename included, with fragments expanded; depth
// alone leaves introspection out (its depth is the schema's, bounded, and
// GraphiQL's own query is deep). All of it is linear in the document, bounded
// by maxShapeVisits where fragments multiply it.
type documentLimits struct {
	tokenLimit  int // the parser's, as gqlgen applies it
	maxFields   int
	maxAliases  int
	maxDepth    int
	maxOutcomes int
}

var _ interface {
	graphql.OperationParameterMutator
	graphql.HandlerExtension
} = documentLimits{}

// maxShapeVisits bounds the walk itself: fragments spread inside fragments can
// make a small document expand enormously.
const maxShapeVisits = 100_000

// maxRepeats is how often one response name may be selected in one selection
// set (inline fragments included). GraphQL merges repeats into one answer, so
// more than a few serve no purpose, and validation's cost grows with their
// square.
const maxRepeats = 10

func newDocumentLimits(cfg HandlerConfig) documentLimits {
	return documentLimits{tokenLimit: cfg.ParserTokenLimit, maxFields: cfg.MaxFields, maxAliases: cfg.MaxAliases,
		maxDepth: cfg.MaxDepth, maxOutcomes: cfg.MaxOutcomes}
}

func (documentLimits) ExtensionName() string                   { return "hjx-document-limits" }
func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters parses the document once more (linear, bounded by
// the parser's token limit) and measures it. A document that does not parse is
// left to gqlgen, which reports why.
func (l documentLimits) MutateOperationParameters(_ context.Context, params *graphql.RawParams) *gqlerror.Error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, l.tokenLimit)
	if err != nil {
		return nil
	}
	s := measure(doc)
	switch {
	case s.visits > maxShapeVisits:
		return gqlerror.Errorf("the operation expands to more than %d fields; simplify its fragments", maxShapeVisits)
	case l.maxFields > 0 && s.fields > l.maxFields:
		return gqlerror.Errorf("the operation selects %d fields; the limit is %d (fragments expanded; __typename and introspection fields count)", s.fields, l.maxFields)
	case s.repeats > maxRepeats:
		return gqlerror.Errorf("the operation selects the same field %d times in one selection; the limit is %d", s.repeats, maxRepeats)
	case l.maxDepth > 0 && s.depth > l.maxDepth:
		return gqlerror.Errorf("the operation is nested %d levels deep; the limit is %d", s.depth, l.maxDepth)
	case l.maxAliases > 0 && s.aliases > l.maxAliases:
		return gqlerror.Errorf("the operation has %d aliased fields; the limit is %d", s.aliases, l.maxAliases)
	case l.maxOutcomes > 0 && s.outcomes > l.maxOutcomes:
		return gqlerror.Errorf("the operation asks for %d outcome tables; the limit is %d (each is a pooled query and an audit entry)", s.outcomes, l.maxOutcomes)
	}
	return nil
}

// shape is what a document selects. Per-operation figures are those of its
// largest operation; fields is also at least what the document holds as
// written, unused fragments included, since validation reads all of it.
type shape struct {
	fields   int // every field, fragments expanded
	aliases  int // fields whose response name is not their name
	depth    int // deepest field, introspection left out
	outcomes int // root `outcomes` fields of a query
	repeats  int // most selections of one response name in one selection set
	visits   int // selections walked, fragments expanded (all operations)
}

func measure(doc *ast.QueryDocument) shape {
	var total shape
	for _, op := range doc.Operations {
		w := shapeWalk{doc: doc, expanding: map[string]bool{}, shape: shape{visits: total.visits}}
		w.walk(op.SelectionSet, 1, op.Operation == ast.Query, false)
		total.visits = w.visits
		total.fields = max(total.fields, w.fields)
		total.aliases = max(total.aliases, w.aliases)
		total.depth = max(total.depth, w.depth)
		total.outcomes = max(total.outcomes, w.outcomes)
		if total.visits > maxShapeVisits {
			return total
		}
	}
	var written writtenWalk
	for _, op := range doc.Operations {
		written.set(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		written.set(f.SelectionSet)
	}
	total.fields = max(total.fields, written.fields)
	total.repeats = written.repeats
	return total
}

// shapeWalk walks one operation with its fragments expanded.
type shapeWalk struct {
	doc       *ast.QueryDocument
	expanding map[string]bool // fragments on the path: a cycle is validation's to report, not to follow
	shape
}

func (w *shapeWalk) walk(set ast.SelectionSet, depth int, root, introspection bool) {
	for _, sel := range set {
		w.visits++
		if w.visits > maxShapeVisits {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			w.fields++
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if root && s.Name == "outcomes" {
				w.outcomes++
			}
			inside := introspection || strings.HasPrefix(s.Name, "__")
			if !inside {
				w.depth = max(w.depth, depth)
			}
			w.walk(s.SelectionSet, depth+1, false, inside)
		case *ast.InlineFragment:
			w.walk(s.SelectionSet, depth, root, introspection)
		case *ast.FragmentSpread:
			f := w.doc.Fragments.ForName(s.Name)
			if f == nil || w.expanding[s.Name] {
				continue
			}
			w.expanding[s.Name] = true
			w.walk(f.SelectionSet, depth, root, introspection)
			delete(w.expanding, s.Name)
		}
	}
}

// writtenWalk reads the document as written, once: its fields and, per
// selection set (with its inline fragments, as validation collects them), the
// most repeated response name.
type writtenWalk struct {
	fields  int
	repeats int
}

func (w *writtenWalk) set(set ast.SelectionSet) {
	counts := map[string]int{}
	w.collect(set, counts)
	for _, n := range counts {
		w.repeats = max(w.repeats, n)
	}
}

func (w *writtenWalk) collect(set ast.SelectionSet, counts map[string]int) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			w.fields++
			counts[s.Alias]++
			if len(s.SelectionSet) > 0 {
				w.set(s.SelectionSet)
			}
		case *ast.InlineFragment:
			w.collect(s.SelectionSet, counts)
		}
	}
}
