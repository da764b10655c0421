package graph_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestDocumentLimits: what a document selects is counted before it is
// validated or run, every field and alias included (introspection and
// __typename too), so that documents which cost much to validate or answer
// are refused at once with INVALID. Default limits throughout.
func TestDocumentLimits(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	steward, _ := env.Token(hjx.RoleSteward, "", "")
	repeat := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	outcome := `o%d: outcomes(projectId: "p", query: {metric: "PEOPLE_ADVISED"}) { rows { value } } `
	introspection, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		query   string
		message string // part of the refusal; "" means not refused by a limit
	}{
		// Each repeat is compared with every other in validation: 4,900 cost
		// seconds of CPU before any limit looked at them.
		{"ErrTypenameRepeated", "{ " + strings.Repeat("__typename ", 4900) + "}", "fields; the limit is"},
		{"ErrFieldRepeated", "{ metrics { " + strings.Repeat("code ", 11) + "} }", "same field 11 times in one selection; the limit is 10"},
		{"ErrFieldRepeatedThroughInlineFragments", "{ metrics { " + strings.Repeat("... on MetricDefinition { code } ", 11) + "} }", "same field 11 times"},
		{"OKFieldRepeatedTenTimes", "{ metrics { " + strings.Repeat("code ", 10) + "} }", ""},
		{"ErrTypenameThroughFragments", "{ " + strings.Repeat("...F ", 600) + "} fragment F on Query { __typename }", "fields; the limit is"},
		{"ErrUnusedFragment", "{ __typename } fragment F on Query { " + strings.Repeat("__typename ", 600) + "}", "fields; the limit is"},
		{"ErrAliasesInsideIntrospection", "{ __schema { " + repeat(31, "a%d: types { name } ") + "} }", "31 aliased fields; the limit is 30"},
		{"Err280AliasesInsideIntrospection", "{ __schema { " + repeat(280, "a%d: types { name } ") + "} }", "the limit is"},
		{"ErrAliasedTypename", "{ " + repeat(31, "t%d: __typename ") + "}", "aliased fields; the limit is 30"},
		{"ErrOutcomesPerRequest", "{ " + repeat(6, outcome) + "}", "6 outcome tables; the limit is 5"},
		{"ErrOutcomesThroughFragment", "{ ...O ...P } fragment O on Query { " + repeat(3, outcome) + "} fragment P on Query { " +
			repeat(3, strings.Replace(outcome, "o%d:", "p%d:", 1)) + "}", "6 outcome tables; the limit is 5"},
		{"OKFiveOutcomes", "{ " + repeat(5, outcome) + "}", ""},
		{"OKGraphiQLIntrospection", string(introspection), ""},
		{"OKTypename", "{ __typename metrics { __typename code } }", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(steward, tc.query, nil)
			if tc.message == "" {
				for _, e := range r.Errors {
					if e.Extensions["code"] == "INVALID" {
						t.Fatalf("refused: %+v", r.Errors)
					}
				}
				return
			}
			if r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, tc.message) {
				t.Fatalf("code %q %+v, want INVALID with %q", r.Code(), r.Errors, tc.message)
			}
			if r.Data != nil && string(r.Data) != "null" {
				t.Fatalf("a refused document returned data: %.200s", r.Data)
			}
		})
	}
	t.Run("OKConfigured", func(t *testing.T) {
		env := testkit.New(t, func(c *app.Config) { c.GraphQL.MaxOutcomes = 6; c.GraphQL.MaxFields = 700 })
		if r := env.Do("", "{ "+repeat(6, outcome)+"}", nil); r.Code() == "INVALID" {
			t.Fatalf("six outcome tables refused with the limit at 6: %+v", r.Errors)
		}
		if r := env.Do("", "{ "+strings.Repeat("...F ", 600)+"} fragment F on Query { __typename }", nil); r.Code() == "INVALID" {
			t.Fatalf("600 fields refused with the limit at 700: %+v", r.Errors)
		}
	})
}
