package graph_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/graph/generated"
	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/reference"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// vocabulary is one code list as Go defines it, with the GraphQL enum and the
// database columns that hold the same codes.
type vocabulary struct {
	name  string
	codes []string
	// enum is the GraphQL enum of the same codes ("" for none).
	enum string
	// columns are "table.column" pairs whose single-column CHECK lists the codes.
	columns []string
}

// storedStatuses are the project statuses a row can hold: EXPIRED is computed
// from the end date and the clock, never stored.
func storedStatuses() []access.Status {
	return slices.DeleteFunc(access.Statuses(), func(s access.Status) bool { return s == access.StatusExpired })
}

func vocabularies() []vocabulary {
	s := func(name, enum string, codes []string, columns ...string) vocabulary {
		return vocabulary{name: name, codes: codes, enum: enum, columns: columns}
	}
	return []vocabulary{
		s("countries", "Country", hjx.Strings(hjx.AllCountries()),
			"partners.country", "research_projects.institution_country", "sharing_policies.allowed_countries"),
		s("partnership models", "PartnershipModel", hjx.Strings(hjx.AllPartnershipModels()), "partners.model"),
		// The health settings are checked twice in 00001: a partner's and an observation's.
		s("health settings", "HealthSetting", hjx.Strings(hjx.AllHealthSettings()),
			"partners.health_settings", "observations.health_setting"),
		s("welfare domains", "WelfareDomain", hjx.Strings(hjx.AllWelfareDomains())),
		s("I-HELP categories", "IhelpCategory", hjx.Strings(hjx.AllIhelpCategories()),
			"welfare_domains.ihelp_category", "observations.ihelp_category"),
		s("age bands", "AgeBand", hjx.Strings(hjx.AllAgeBands()), "observations.age_band"),
		s("sexes", "Sex", hjx.Strings(hjx.AllSexes()), "observations.sex"),
		s("deprivation schemes", "DeprivationScheme", hjx.Strings(hjx.AllDeprivationSchemes()),
			"observations.deprivation_scheme"),
		s("currencies", "Currency", hjx.Strings(hjx.AllCurrencies()), "observations.currency"),
		s("reporting currencies", "ReportingCurrency", hjx.Strings(hjx.AllReportingCurrencies())),
		s("consent bases", "ConsentBasis", hjx.Strings(hjx.AllConsentBases()), "submissions.consent_basis"),
		s("submission statuses", "SubmissionStatus", hjx.Strings(hjx.AllSubmissionStatuses()), "submissions.status"),
		s("submission formats", "", []string{ingest.FormatCSV, ingest.FormatJSON}, "submissions.format"),
		s("metric kinds", "MetricKind", hjx.Strings(hjx.AllMetricKinds()), "metric_definitions.kind"),
		s("roles", "Role", hjx.Strings(hjx.AllRoles()), "principals.role"),
		s("DUO permissions", "DataUsePermission", hjx.Strings(access.Permissions()), "sharing_policies.permission"),
		s("research purposes", "ResearchPurpose", hjx.Strings(access.Purposes()), "research_projects.purpose"),
		s("project statuses", "ProjectStatus", hjx.Strings(access.Statuses())),
		s("stored project statuses", "", hjx.Strings(storedStatuses()), "research_projects.status"),
		s("decisions", "Decision", hjx.Strings(access.Outcomes())),
		s("dimensions", "Dimension", hjx.Strings(outcomes.Dimensions())),
		s("period granularities", "PeriodGranularity",
			hjx.Strings([]outcomes.Granularity{outcomes.GranularityQuarter, outcomes.GranularityYear})),
	}
}

// The GraphQL enums hold the Go lists, in the same order (gqlgen binds each enum
// value to its constant, so a schema value without one fails generation; this
// catches a Go code the schema lacks).
func TestVocabulariesMatchSchema(t *testing.T) {
	t.Parallel()
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, v := range vocabularies() {
		if v.enum == "" {
			continue
		}
		t.Run(v.enum, func(t *testing.T) {
			def := schema.Types[v.enum]
			if def == nil {
				t.Fatalf("no enum %s in the schema", v.enum)
			}
			var got []string
			for _, e := range def.EnumValues {
				got = append(got, e.Name)
			}
			if !slices.Equal(got, v.codes) {
				t.Errorf("enum %s = %v, Go %s = %v", v.enum, got, v.name, v.codes)
			}
		})
	}
}

var quoted = regexp.MustCompile(`'((?:[^']|'')*)'`)

// literals returns the quoted strings of a constraint definition.
func literals(def string) []string {
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(def, -1) {
		out = append(out, m[1])
	}
	return out
}

// The database CHECK constraints hold the Go lists: a code added on one side only
// would be refused by the database or stored without the service knowing it.
func TestVocabulariesMatchDatabase(t *testing.T) {
	env := testkit.New(t)
	checks := func(t *testing.T, table, column string, columns int) []string {
		t.Helper()
		var defs []string
		err := env.App.DB.Select(&defs, `
			SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
			WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND a.attname = $2
				AND cardinality(c.conkey) = $3 AND pg_get_constraintdef(c.oid) LIKE '%''%'`, table, column, columns)
		if err != nil {
			t.Fatal(err)
		}
		return defs
	}
	for _, v := range vocabularies() {
		for _, col := range v.columns {
			t.Run(col, func(t *testing.T) {
				table, column, _ := strings.Cut(col, ".")
				defs := checks(t, table, column, 1)
				if len(defs) != 1 {
					t.Fatalf("%d CHECK constraints list codes for %s, want 1: %v", len(defs), col, defs)
				}
				got, want := literals(defs[0]), slices.Clone(v.codes)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("CHECK on %s holds %v, Go %s = %v", col, got, v.name, want)
				}
			})
		}
	}
	t.Run("partners.region", func(t *testing.T) {
		defs := checks(t, "partners", "region", 2)
		if len(defs) != 1 {
			t.Fatalf("%d CHECK constraints on partners (country, region), want 1: %v", len(defs), defs)
		}
		// GB regions are listed; US regions are checked by a pattern.
		var regions, patterns []string
		for _, s := range literals(defs[0]) {
			switch {
			case strings.HasPrefix(s, "^"):
				patterns = append(patterns, s)
			case !hjx.In(hjx.AllCountries(), hjx.Country(s)):
				regions = append(regions, s)
			}
		}
		if want := hjx.RegionsOf(hjx.CountryGB); !slices.Equal(regions, want) {
			t.Errorf("CHECK on partners.region holds GB regions %v, Go %v", regions, want)
		}
		if len(patterns) != 1 {
			t.Fatalf("CHECK on partners.region has patterns %v, want one for US", patterns)
		}
		us := regexp.MustCompile(patterns[0])
		for _, r := range hjx.RegionsOf(hjx.CountryUS) {
			if !us.MatchString(r) {
				t.Errorf("US region %s does not match the CHECK's pattern %s", r, patterns[0])
			}
		}
	})
	t.Run("welfare_domains", func(t *testing.T) {
		var got []string
		if err := env.App.DB.Select(&got, `SELECT code FROM welfare_domains ORDER BY code`); err != nil {
			t.Fatal(err)
		}
		want := hjx.Strings(hjx.AllWelfareDomains())
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("welfare_domains rows %v, Go %v", got, want)
		}
	})
}

// The reference files (the crosswalk and the codebook) use only codes of the
// vocabularies, and the crosswalk has one row per welfare domain.
func TestReferenceMatchesVocabularies(t *testing.T) {
	walks, err := reference.Crosswalks()
	if err != nil {
		t.Fatal(err)
	}
	var domains []string
	for _, w := range walks {
		domains = append(domains, w.WelfareDomain)
		if !hjx.In(hjx.AllIhelpCategories(), hjx.IhelpCategory(w.IhelpCategory)) {
			t.Errorf("crosswalk maps %s to unknown I-HELP category %s", w.WelfareDomain, w.IhelpCategory)
		}
	}
	if want := hjx.Strings(hjx.AllWelfareDomains()); !slices.Equal(domains, want) {
		t.Errorf("crosswalk rows %v, welfare domains %v", domains, want)
	}
	metrics, err := reference.Codebook()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics {
		if !hjx.In(hjx.AllMetricKinds(), hjx.MetricKind(m.Kind)) {
			t.Errorf("codebook metric %s has unknown kind %s", m.Code, m.Kind)
		}
	}
}
