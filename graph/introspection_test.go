package graph_test

import (
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

func TestIntrospection(t *testing.T) {
	t.Parallel()
	const query = `{ __schema { queryType { name } } }`
	production := func(c *app.Config) { c.GraphQL.IntrospectionAnonymous = false }
	dev := func(c *app.Config) { c.GraphQL.IntrospectionAnonymous = true }
	tests := []struct {
		name   string
		config func(*app.Config)
		role   hjx.Role // "" is a caller without a token
		want   bool
	}{
		{"OK/ProductionSteward", production, hjx.RoleSteward, true},
		{"OK/ProductionResearcher", production, hjx.RoleResearcher, true},
		{"OK/DevAnonymous", dev, "", true},
		{"OK/DevPartnerAdmin", dev, hjx.RolePartnerAdmin, true},
		{"ErrDisabled/ProductionAnonymous", production, "", false},
		{"ErrDisabled/ProductionPartnerAdmin", production, hjx.RolePartnerAdmin, false},
		{"ErrDisabled/ProductionUploader", production, hjx.RolePartnerUploader, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testkit.New(t, tc.config)
			token := ""
			if tc.role != "" {
				partner := ""
				if tc.role == hjx.RolePartnerUploader || tc.role == hjx.RolePartnerAdmin {
					partner = env.Partner("p-a", "GB", "GB-ENG").ID
				}
				token, _ = env.Token(tc.role, partner, "")
			}
			checkServiceSDL(t, env, token, tc.want)
			res := env.Do(token, query, nil)
			if !tc.want {
				if len(res.Errors) == 0 {
					t.Fatalf("introspection answered, want it refused: %s", res.Data)
				}
				return
			}
			var got struct {
				Schema struct {
					QueryType struct{ Name string } `json:"queryType"`
				} `json:"__schema"`
			}
			res.Decode(t, &got)
			if got.Schema.QueryType.Name != "Query" {
				t.Fatalf("queryType = %q, want Query", got.Schema.QueryType.Name)
			}
		})
	}
}

// checkServiceSDL: Apollo Federation's _service { sdl } is the schema, so
// whoever may introspect may read it (a gateway composing hjx sends a token
// that may), and nobody else: UNAUTHENTICATED without a token, FORBIDDEN with one.
func checkServiceSDL(t *testing.T, env *testkit.Env, token string, want bool) {
	t.Helper()
	res := env.Do(token, `{ _service { sdl } }`, nil)
	if !want {
		code := string(hjx.CodeForbidden)
		if token == "" {
			code = string(hjx.CodeUnauthenticated)
		}
		if res.Code() != code || string(res.Data) != "null" {
			t.Fatalf("_service: code %q data %s, want %s and no data", res.Code(), res.Data, code)
		}
		return
	}
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	res.Decode(t, &got)
	for _, s := range []string{`extend type Partner @key(fields: "id")`, `extend type Project @key(fields: "id")`, "type Query"} {
		if !strings.Contains(got.Service.SDL, s) {
			t.Errorf("_service sdl does not contain %q", s)
		}
	}
}
