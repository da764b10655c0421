package graph_test

import (
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// suggestionCases are one mistake of each kind gqlparser answers with a "Did
// you mean ..." naming part of the schema.
var suggestionCases = []struct {
	kind  string
	query string
	vars  map[string]any
}{
	{"Field", `{ partnrs { totalCount } }`, nil},
	{"Argument", `{ partners(frist: 1) { totalCount } }`, nil},
	{"InputField", `{ partners(filter: {countri: GB}) { totalCount } }`, nil},
	{"EnumValue", `{ partners(filter: {country: GBR}) { totalCount } }`, nil},
	{"EnumValueInVariable", `query($c: Country) { partners(filter: {country: $c}) { totalCount } }`, map[string]any{"c": "GBR"}},
	{"Type", `query($f: PartnerFiltr) { partners(filter: $f) { totalCount } }`, nil},
	{"SubfieldSelection", `{ partners }`, nil},
}

// TestSuggestions: in production mode no caller, steward included, gets a
// "Did you mean" hint of any kind; outside it, callers who may not explore
// the schema get none either, and those who may keep them.
func TestSuggestions(t *testing.T) {
	t.Parallel()
	production := testkit.New(t, func(c *app.Config) {
		c.GraphQL.IntrospectionAnonymous = false
		c.GraphQL.Suggestions = false
	})
	development := testkit.New(t, func(c *app.Config) { c.GraphQL.IntrospectionAnonymous = false })
	prodSteward, _ := production.Token(hjx.RoleSteward, "", "")
	prodResearcher, _ := production.Token(hjx.RoleResearcher, "", "")
	devSteward, _ := development.Token(hjx.RoleSteward, "", "")
	devUploader, _ := development.Token(hjx.RolePartnerUploader, development.Partner("p-a", "GB", "GB-ENG").ID, "")
	callers := []struct {
		name  string
		env   *testkit.Env
		token string
		want  bool
	}{
		{"ErrProduction/Anonymous", production, "", false},
		{"ErrProduction/Steward", production, prodSteward, false},
		{"ErrProduction/Researcher", production, prodResearcher, false},
		{"ErrDevelopment/Anonymous", development, "", false},
		{"ErrDevelopment/Uploader", development, devUploader, false},
	}
	for _, c := range callers {
		for _, tc := range suggestionCases {
			t.Run(c.name+"/"+tc.kind, func(t *testing.T) {
				r := c.env.Do(c.token, tc.query, tc.vars)
				if r.Code() != "INVALID" {
					t.Fatalf("code %q, want INVALID: %+v", r.Code(), r.Errors)
				}
				for _, e := range r.Errors {
					if strings.Contains(strings.ToLower(e.Message), "did you mean") {
						t.Fatalf("suggestion reached the caller: %q", e.Message)
					}
				}
			})
		}
	}
	t.Run("OKDevelopmentStewardGetsSuggestions", func(t *testing.T) {
		for _, q := range []string{`{ partnrs { totalCount } }`, `{ partners(frist: 1) { totalCount } }`} {
			r := development.Do(devSteward, q, nil)
			if r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "Did you mean") {
				t.Fatalf("%s: want INVALID with a suggestion, got %+v", q, r.Errors)
			}
		}
	})
}
