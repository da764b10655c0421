package graph_test

import (
	"slices"
	"testing"

	"github.com/hjx-exchange/hjx/graph/generated"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/reference"
)

// The GraphQL enums, the domain vocabularies and the reference files must hold the
// same code lists; a code added to one and not the others would be refused or lost.
func TestVocabulariesMatchSchema(t *testing.T) {
	t.Parallel()
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	enum := func(name string) []string {
		def := schema.Types[name]
		if def == nil {
			t.Fatalf("no enum %s in the schema", name)
		}
		var out []string
		for _, v := range def.EnumValues {
			out = append(out, v.Name)
		}
		return out
	}
	for name, vocab := range map[string][]string{
		"Country": hjx.Countries, "PartnershipModel": hjx.PartnershipModels, "HealthSetting": hjx.HealthSettings,
		"WelfareDomain": hjx.WelfareDomains, "IhelpCategory": hjx.IhelpCategories, "AgeBand": hjx.AgeBands,
		"Sex": hjx.Sexes, "DeprivationScheme": hjx.DeprivationSchemes, "Currency": hjx.Currencies,
		"ConsentBasis": hjx.ConsentBases, "MetricKind": hjx.MetricKinds,
	} {
		if got := enum(name); !slices.Equal(got, vocab) {
			t.Errorf("enum %s = %v, domain vocabulary = %v", name, got, vocab)
		}
	}
	var roles []string
	for _, r := range hjx.Roles {
		roles = append(roles, string(r))
	}
	if got := enum("Role"); !slices.Equal(got, roles) {
		t.Errorf("enum Role = %v, domain = %v", got, roles)
	}

	walks, err := reference.Crosswalks()
	if err != nil {
		t.Fatal(err)
	}
	var domains []string
	for _, w := range walks {
		domains = append(domains, w.WelfareDomain)
		if !hjx.In(hjx.IhelpCategories, w.IhelpCategory) {
			t.Errorf("crosswalk maps %s to unknown I-HELP category %s", w.WelfareDomain, w.IhelpCategory)
		}
	}
	if !slices.Equal(domains, hjx.WelfareDomains) {
		t.Errorf("crosswalk rows %v, welfare domains %v", domains, hjx.WelfareDomains)
	}
	metrics, err := reference.Codebook()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics {
		if !hjx.In(hjx.MetricKinds, m.Kind) {
			t.Errorf("codebook metric %s has unknown kind %s", m.Code, m.Kind)
		}
	}
}
