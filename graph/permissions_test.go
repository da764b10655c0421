package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/hjx-exchange/hjx/graph/generated"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// rootFields lists every Query and Mutation field of the executable schema, as
// "Query.me", so the test sees exactly what clients can call.
func rootFields(t *testing.T) []string {
	t.Helper()
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	var out []string
	for _, def := range []string{"Query", "Mutation"} {
		for _, f := range schema.Types[def].Fields {
			if slices.Contains(introspectionFields, f.Name) {
				continue
			}
			out = append(out, def+"."+f.Name)
		}
	}
	return out
}

// TestEveryRootFieldHasARule is default deny's other half: a field added to the
// schema without a declared rule fails here before it can be refused in production.
func TestEveryRootFieldHasARule(t *testing.T) {
	t.Parallel()
	rules := fieldRules()
	fields := rootFields(t)
	if len(fields) < 20 {
		t.Fatalf("found only %d root fields: the schema walk is broken", len(fields))
	}
	for _, f := range fields {
		rule, ok := rules[f]
		if !ok {
			t.Errorf("%s has no rule in fieldRules (graph/permissions.go)", f)
			continue
		}
		if !rule.public && len(rule.roles) == 0 {
			t.Errorf("%s has a rule that admits nobody", f)
		}
	}
	for name := range rules {
		if !slices.Contains(fields, name) {
			t.Errorf("fieldRules declares %s, which is not in the schema", name)
		}
	}
}

// TestUndeclaredFieldRefused runs a real query through gqlgen with the gate: the
// same field passes with its rule and is FORBIDDEN, even for the steward, once its
// rule is missing.
func TestUndeclaredFieldRefused(t *testing.T) {
	t.Parallel()
	send := func(rules map[string]fieldRule) (code string, data string) {
		srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}))
		srv.AddTransport(transport.POST{})
		srv.SetErrorPresenter(presentError(slog.New(slog.DiscardHandler)))
		srv.AroundFields(gate(rules))
		body, _ := json.Marshal(map[string]any{"query": `{ me { id role } }`})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(hjx.WithPrincipal(context.Background(), &hjx.Principal{ID: "s1", Name: "s", Role: hjx.RoleSteward}))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var resp struct {
			Data   json.RawMessage `json:"data"`
			Errors []struct {
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("response %s: %v", rec.Body.String(), err)
		}
		if len(resp.Errors) > 0 {
			code, _ = resp.Errors[0].Extensions["code"].(string)
		}
		return code, string(resp.Data)
	}
	t.Run("OKDeclared", func(t *testing.T) {
		if code, data := send(fieldRules()); code != "" || data != `{"me":{"id":"s1","role":"STEWARD"}}` {
			t.Fatalf("code %q data %s, want the steward", code, data)
		}
	})
	t.Run("ErrForbiddenUndeclared", func(t *testing.T) {
		rules := fieldRules()
		delete(rules, "Query.me")
		if code, _ := send(rules); code != string(hjx.CodeForbidden) {
			t.Fatalf("code %q, want FORBIDDEN for a field with no rule", code)
		}
	})
}

// TestEveryEntityHasARule is default deny for Apollo Federation's _entities: an
// entity type (a member of _Entity, from an @key in schema/federation.graphqls)
// without an entity rule fails here, and each rule names a declared root field.
func TestEveryEntityHasARule(t *testing.T) {
	t.Parallel()
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	union := schema.Types["_Entity"]
	if union == nil || len(union.Types) < 3 {
		t.Fatal("the schema has no _Entity union of the federation entities: is federation configured in gqlgen.yml?")
	}
	entities, rules := entityRules(), fieldRules()
	for _, typename := range union.Types {
		entity, ok := entities[typename]
		if !ok {
			t.Errorf("entity %s has no rule in entityRules (graph/permissions.go)", typename)
			continue
		}
		if _, ok := rules[entity.field]; !ok {
			t.Errorf("entity %s follows %s, which has no rule in fieldRules", typename, entity.field)
		}
		keys := schema.Types[typename].Directives.ForNames("key")
		if len(keys) != 1 || keys[0].Arguments.ForName("fields").Value.Raw != entity.key {
			t.Errorf("entity %s: entityRules says key %q, the schema's @key differs", typename, entity.key)
		}
	}
	for typename := range entities {
		if !slices.Contains(union.Types, typename) {
			t.Errorf("entityRules declares %s, which is not an entity of the schema", typename)
		}
	}
}
