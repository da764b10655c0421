package graph

import (
	"context"
	"os"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// BenchmarkDocumentLimits is the cost the pre-validation measure adds to every
// request (a second parse and a linear walk), for GraphiQL's introspection
// query (the largest document a tool sends) and a typical outcome query.
func BenchmarkDocumentLimits(b *testing.B) {
	introspection, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		b.Fatal(err)
	}
	l := newDocumentLimits(DefaultHandlerConfig())
	for _, bc := range []struct{ name, query string }{
		{"Introspection", string(introspection)},
		{"Outcomes", `query($p: ID!) { outcomes(projectId: $p, query: {metric: "PEOPLE_ADVISED", groupBy: [COUNTRY, YEAR]}) {
			rows { value suppressed reason dimensions { dimension value } } coverage { partnersIncluded } } }`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			params := &graphql.RawParams{Query: bc.query}
			for b.Loop() {
				if err := l.MutateOperationParameters(context.Background(), params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
