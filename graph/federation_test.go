package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

const entitiesQuery = `query($r: [_Any!]!) { _entities(representations: $r) {
	__typename
	... on Partner { id name country region model }
	... on MetricDefinition { code kind unit title }
	... on Project { id title status }
} }`

// TestEntities fetches entities as a gateway does (Apollo Federation's
// _entities) and checks each answers what hjx's own root field answers the same
// caller, refusals included: a gateway is no way around a rule.
func TestEntities(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := func(typename, key, value string) map[string]any {
		return map[string]any{"__typename": typename, key: value}
	}
	tests := []struct {
		name   string
		caller string
		reps   func() []any
		// direct is the root-field query answering the same, one alias per
		// representation (its data, as a list, must equal _entities'); empty
		// when the call must fail with code.
		direct string
		code   hjx.Code
	}{
		{"OK/Partner", anon, func() []any { return []any{rep("Partner", "id", "leeds")} },
			`{ a: partner(id: "leeds") { __typename id name country region model } }`, ""},
		{"OK/MetricDefinition", anon, func() []any { return []any{rep("MetricDefinition", "code", "PATIENTS_SCREENED")} },
			`{ metrics { __typename code kind unit title } }`, ""},
		{"OK/ProjectOfItsResearcher", researcher, func() []any { return []any{rep("Project", "id", f.ids["p1"])} },
			`query($p: ID!) { a: project(id: $p) { __typename id title status } }`, ""},
		{"OK/ProjectOfItsDashboard", dashboard, func() []any { return []any{rep("Project", "id", f.ids["p1"])} },
			`query($p: ID!) { a: project(id: $p) { __typename id title status } }`, ""},
		{"OK/MixedInOrder", researcher, func() []any {
			return []any{rep("Partner", "id", "boston"), rep("Project", "id", f.ids["p1"]), rep("Partner", "id", "leeds")}
		}, `query($p: ID!) { a: partner(id: "boston") { __typename id name country region model }
			b: project(id: $p) { __typename id title status }
			c: partner(id: "leeds") { __typename id name country region model } }`, ""},
		{"ErrNotFound/ProjectOfAnotherResearcher", "r2", func() []any { return []any{rep("Project", "id", f.ids["p1"])} }, "", hjx.CodeNotFound},
		{"ErrNotFound/ProjectOfAnotherDashboard", dashboard, func() []any { return []any{rep("Project", "id", f.ids["p2"])} }, "", hjx.CodeNotFound},
		{"ErrNotFound/Partner", anon, func() []any { return []any{rep("Partner", "id", "nowhere")} }, "", hjx.CodeNotFound},
		{"ErrNotFound/MetricDefinition", anon, func() []any { return []any{rep("MetricDefinition", "code", "NO_SUCH_METRIC")} }, "", hjx.CodeNotFound},
		{"ErrForbidden/ProjectForUploader", uploader, func() []any { return []any{rep("Project", "id", f.ids["p1"])} }, "", hjx.CodeForbidden},
		{"ErrForbidden/WholeCallWhenOneTypeIsRefused", uploader, func() []any {
			return []any{rep("Partner", "id", "leeds"), rep("Project", "id", f.ids["p1"])}
		}, "", hjx.CodeForbidden},
		{"ErrUnauthenticated/ProjectForAnonymous", anon, func() []any { return []any{rep("Project", "id", f.ids["p1"])} }, "", hjx.CodeUnauthenticated},
		{"ErrInvalid/NotAnEntity", steward, func() []any { return []any{rep("Submission", "id", f.ids["p1"])} }, "", hjx.CodeInvalid},
		{"ErrInvalid/NoTypename", steward, func() []any { return []any{map[string]any{"id": "leeds"}} }, "", hjx.CodeInvalid},
		{"ErrInvalid/KeyNotAString", steward, func() []any { return []any{map[string]any{"__typename": "Partner", "id": map[string]any{"x": 1}}} }, "", hjx.CodeInvalid},
		{"ErrInvalid/NoKey", steward, func() []any { return []any{map[string]any{"__typename": "Partner"}} }, "", hjx.CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := f.do(t, tc.caller, entitiesQuery, map[string]any{"r": tc.reps()})
			if tc.code != "" {
				if got.Code() != string(tc.code) {
					t.Fatalf("code %q, want %s (errors %+v, data %s)", got.Code(), tc.code, got.Errors, got.Data)
				}
				return
			}
			var entities struct {
				Entities []json.RawMessage `json:"_entities"`
			}
			got.Decode(t, &entities)
			var direct map[string]json.RawMessage
			f.must(t, tc.caller, tc.direct, map[string]any{"p": f.ids["p1"]}, &direct)
			want := directList(t, direct)
			if g, w := compact(t, entities.Entities...), compact(t, want...); g != w {
				t.Fatalf("_entities answered\n%s\nthe root fields\n%s", g, w)
			}
		})
	}
}

// directList orders the aliased answers a, b, c... as a list, and keeps of
// metrics the entry the MetricDefinition case asks for.
func directList(t *testing.T, direct map[string]json.RawMessage) []json.RawMessage {
	t.Helper()
	if ms, ok := direct["metrics"]; ok {
		var list []json.RawMessage
		if err := json.Unmarshal(ms, &list); err != nil {
			t.Fatal(err)
		}
		for _, m := range list {
			if strings.Contains(string(m), `"code":"PATIENTS_SCREENED"`) {
				return []json.RawMessage{m}
			}
		}
		t.Fatal("PATIENTS_SCREENED is not in the codebook")
	}
	var out []json.RawMessage
	for _, alias := range []string{"a", "b", "c"} {
		if v, ok := direct[alias]; ok {
			out = append(out, v)
		}
	}
	return out
}

func compact(t *testing.T, items ...json.RawMessage) string {
	t.Helper()
	b, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEntitiesLimit: one _entities call holds at most HJX_MAX_PAGE_SIZE
// representations, the bound of a page.
func TestEntitiesLimit(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, func(c *app.Config) { c.GraphQL.MaxPageSize = 2 })
	env.Partner("leeds", "GB", "GB-ENG")
	reps := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"__typename": "Partner", "id": "leeds"}
		}
		return out
	}
	t.Run("OK", func(t *testing.T) {
		if r := env.Do("", entitiesQuery, map[string]any{"r": reps(2)}); len(r.Errors) > 0 {
			t.Fatalf("errors %+v", r.Errors)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		r := env.Do("", entitiesQuery, map[string]any{"r": reps(3)})
		if r.Code() != string(hjx.CodeInvalid) || !strings.Contains(r.Errors[0].Message, "at most 2 representations") {
			t.Fatalf("errors %+v, want INVALID at most 2 representations", r.Errors)
		}
	})
}
