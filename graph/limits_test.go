package graph_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// Every limit on what a client controls refuses with INVALID and a message
// naming the limit, and accepts what is within it.
func TestQueryLimits(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, func(c *app.Config) {
		c.GraphQL.MaxDepth = 5
		c.GraphQL.MaxAliases = 3
		c.GraphQL.ComplexityLimit = 500
		c.GraphQL.ParserTokenLimit = 200
		c.GraphQL.MaxPageSize = 100
	})
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: metrics { code }", i)
		}
		return b.String() + " }"
	}
	tests := []struct {
		name    string
		query   string
		code    string // "" means it must succeed
		message string // part of the refusal's message
	}{
		// Depth: partners(1) edges(2) node(3) id(4) is within 5.
		{"OKDepth", `{ partners { edges { node { id } } } }`, "", ""},
		// Fragments add no depth of their own, but their fields do.
		{"OKFragmentsAddNoDepth", `query { partners { edges { ...E } } } fragment E on PartnerEdge { node { id } cursor }`, "", ""},
		// submissions(1) edges(2) node(3) supersedes(4) partner(5) id(6); refused
		// before any resolver runs, so even without a token.
		{"ErrDepth", `{ submissions { edges { node { supersedes { partner { id } } } } } }`, "INVALID", "nested 6 levels deep; the limit is 5"},
		{"ErrDepthThroughFragment", `{ submissions { edges { ...E } } } fragment E on SubmissionEdge { node { supersedes { partner { id } } } }`, "INVALID", "nested 6 levels deep"},
		{"OKIntrospectionIsNotCounted", `{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }`, "", ""},
		{"OKAliases", aliases(3), "", ""},
		{"ErrAliases", aliases(4), "INVALID", "aliased fields; the limit is 3"},
		// partners costs 1 + (its edge's cost: 7 here) per item asked for: 20
		// items (141) are within 500, 100 (701) are not, though both are allowed
		// page sizes.
		{"OKComplexityFirst20", `{ partners(first: 20) { edges { node { id name country region model } } } }`, "", ""},
		{"ErrComplexityFirst100", `{ partners(first: 100) { edges { node { id name country region model } } } }`, "INVALID", "too complex"},
		// Each copy costs 1 + 4*60 = 241, within the limit alone; three are 723.
		{"OKComplexityOneConnection", `{ a: partners(first: 60) { edges { node { id name } } } }`, "", ""},
		{"ErrComplexityAliasedConnections", `{ a: partners(first: 60) { edges { node { id name } } } b: partners(first: 60) { edges { node { id name } } } c: partners(first: 60) { edges { node { id name } } } }`, "INVALID", "too complex"},
		{"ErrParserTokens", "{ metrics { " + strings.Repeat("code ", 250) + "} }", "INVALID", "token limit"},
		{"OKFirstAtMax", `{ partners(first: 100) { totalCount } }`, "", ""},
		{"ErrFirstAboveConfiguredMax", `{ partners(first: 101) { totalCount } }`, "INVALID", "between 0 and 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do("", tc.query, nil)
			if r.Code() != tc.code {
				t.Fatalf("code %q, want %q: %+v", r.Code(), tc.code, r.Errors)
			}
			if tc.code != "" && !strings.Contains(r.Errors[0].Message, tc.message) {
				t.Fatalf("message %q lacks %q", r.Errors[0].Message, tc.message)
			}
		})
	}
}

// A request body over HJX_MAX_BODY_BYTES is refused before it is read, whether
// its length is declared or not.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, func(c *app.Config) { c.Server.MaxBodyBytes = 512; c.Server.MaxUploadBytes = 1024 })
	big := `{"query":"{ metrics { code } }","variables":{"pad":"` + strings.Repeat("x", 600) + `"}}`
	t.Run("ErrDeclaredLength", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		r := env.Send(req)
		if r.Status != http.StatusRequestEntityTooLarge || r.Code() != "INVALID" {
			t.Fatalf("status %d code %q, want 413 INVALID", r.Status, r.Code())
		}
	})
	t.Run("ErrUndeclaredLength", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", struct{ *strings.Reader }{strings.NewReader(big)})
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		r := env.Send(req)
		if r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "larger than the limit") {
			t.Fatalf("want INVALID 'larger than the limit', got %d %+v", r.Status, r.Errors)
		}
	})
	t.Run("ErrUploadLarger", func(t *testing.T) {
		body := "--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n--b\r\n" + strings.Repeat("x", 1100)
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		req.Header.Set("Apollo-Require-Preflight", "true")
		r := env.Send(req)
		if r.Status != http.StatusRequestEntityTooLarge || r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "1 KiB") {
			t.Fatalf("status %d %+v, want 413 INVALID naming the 1 KiB limit", r.Status, r.Errors)
		}
	})
	t.Run("OKWithin", func(t *testing.T) {
		r := env.Do("", `{ metrics { code } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%+v", r.Errors)
		}
	})
}

// One request is one operation: gqlgen's POST transport decodes one JSON object,
// so an array of operations (Apollo-style batching) is refused, without the
// body being echoed back.
func TestBatchedOperationsRefused(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	body := `[{"query":"{ metrics { code } }"},{"query":"{ partners { totalCount } }"}]`
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	r := env.Send(req)
	if r.Status != http.StatusBadRequest || r.Code() != "INVALID" {
		t.Fatalf("status %d code %q, want 400 INVALID: %+v", r.Status, r.Code(), r.Errors)
	}
	if !strings.Contains(r.Errors[0].Message, "batched operations") || strings.Contains(r.Errors[0].Message, "metrics") {
		t.Fatalf("message %q should name batching and not echo the body", r.Errors[0].Message)
	}
	if r.Data != nil && string(r.Data) != "null" {
		t.Fatalf("a refused batch returned data: %s", r.Data)
	}
}

// "Did you mean" suggestions name fields: only callers who may introspect get them.
func TestFieldSuggestions(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, func(c *app.Config) { c.GraphQL.IntrospectionAnonymous = false })
	steward, _ := env.Token(hjx.RoleSteward, "", "")
	const typo = `{ partnrs { totalCount } }`
	t.Run("ErrAnonymousWithoutSuggestion", func(t *testing.T) {
		r := env.Do("", typo, nil)
		if r.Code() != "INVALID" || strings.Contains(r.Errors[0].Message, "Did you mean") {
			t.Fatalf("want INVALID without a suggestion, got %+v", r.Errors)
		}
	})
	t.Run("OKStewardGetsSuggestion", func(t *testing.T) {
		r := env.Do(steward, typo, nil)
		if r.Code() != "INVALID" || !strings.Contains(r.Errors[0].Message, `Did you mean "partners"`) {
			t.Fatalf("want INVALID with a suggestion, got %+v", r.Errors)
		}
	})
}
