package graph_test

import (
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

func TestIntrospection(t *testing.T) {
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
