package graph_test

import (
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

const registerPartner = `mutation($in: PartnerInput!) { registerPartner(input: $in) { id name country region model healthSettings adviceDomains } }`

func partnerInput(id, country, region string) map[string]any {
	return map[string]any{"id": id, "name": "Partner " + id, "country": country, "region": region,
		"model": map[string]string{"GB": "HJP", "US": "MLP"}[country], "healthSettings": []string{"HOSPITAL"},
		"adviceDomains": []string{"DEBT", "HOUSING"}}
}

func countPartners(t *testing.T, env *testkit.Env) int {
	t.Helper()
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM partners`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRegisterPartner(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	steward, _ := env.Token(hjx.RoleSteward, "", "")
	researcher, _ := env.Token(hjx.RoleResearcher, "", "")

	t.Run("OK", func(t *testing.T) {
		r := env.Do(steward, registerPartner, map[string]any{"in": partnerInput("cardiff-hospice", "GB", "GB-WLS")})
		var out struct{ RegisterPartner struct{ ID, Region string } }
		r.Decode(t, &out)
		if out.RegisterPartner.ID != "cardiff-hospice" || out.RegisterPartner.Region != "GB-WLS" {
			t.Fatalf("got %+v", out)
		}
		var action string
		if err := env.App.DB.Get(&action, `SELECT action FROM audit_entries ORDER BY seq DESC LIMIT 1`); err != nil || action != "partner.register" {
			t.Fatalf("audit entry %q (%v), want partner.register", action, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		r := env.Do(steward, registerPartner, map[string]any{"in": partnerInput("cardiff-hospice", "GB", "GB-WLS")})
		if r.Code() != "CONFLICT" {
			t.Fatalf("want CONFLICT, got %+v", r.Errors)
		}
	})

	before := countPartners(t, env)
	refused := []struct {
		name, token, code, field string
		in                       map[string]any
	}{
		{"ErrForbiddenResearcher", researcher, "FORBIDDEN", "", partnerInput("ok-slug", "GB", "GB-ENG")},
		{"ErrUnauthenticated", "", "UNAUTHENTICATED", "", partnerInput("ok-slug", "GB", "GB-ENG")},
		{"ErrInvalidSlug", steward, "INVALID", "id", partnerInput("Not A Slug", "GB", "GB-ENG")},
		{"ErrInvalidSlugHyphens", steward, "INVALID", "id", partnerInput("double--hyphen", "GB", "GB-ENG")},
		{"ErrInvalidRegionForCountry", steward, "INVALID", "region", partnerInput("ok-slug", "GB", "US-NY")},
		{"ErrInvalidRegionUnknown", steward, "INVALID", "region", partnerInput("ok-slug", "US", "US-XX")},
		{"ErrInvalidEmptyName", steward, "INVALID", "name", func() map[string]any {
			in := partnerInput("ok-slug", "US", "US-NY")
			in["name"] = "   "
			return in
		}()},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(tc.token, registerPartner, map[string]any{"in": tc.in})
			if r.Code() != tc.code {
				t.Fatalf("want %s, got %+v", tc.code, r.Errors)
			}
			if tc.field != "" {
				if got := r.Errors[0].Extensions["field"]; got != tc.field {
					t.Errorf("extensions.field = %v, want %s", got, tc.field)
				}
				if !strings.HasPrefix(r.Errors[0].Message, tc.field+":") {
					t.Errorf("message %q does not name the field %s", r.Errors[0].Message, tc.field)
				}
			}
			if n := countPartners(t, env); n != before {
				t.Fatalf("%d partners stored after a refused request, want %d", n, before)
			}
		})
	}
}

func TestPartnersDirectory(t *testing.T) {
	t.Parallel()
	env := seedDirectory(t)
	directoryFilters(t, env)
	directoryPaging(t, env)
	directoryRefusalsAndLookups(t, env)
}

// seedDirectory registers five partners in two countries for TestPartnersDirectory.
func seedDirectory(t *testing.T) *testkit.Env {
	env := testkit.New(t)
	steward, _ := env.Token(hjx.RoleSteward, "", "")
	seed := []map[string]any{
		partnerInput("gb-a", "GB", "GB-ENG"), partnerInput("gb-b", "GB", "GB-SCT"), partnerInput("gb-c", "GB", "GB-ENG"),
		partnerInput("us-a", "US", "US-NY"), partnerInput("us-b", "US", "US-CA"),
	}
	seed[1]["healthSettings"] = []string{"MENTAL_HEALTH", "PRIMARY_CARE"}
	seed[3]["healthSettings"] = []string{"PRIMARY_CARE"}
	for _, in := range seed {
		env.Do(steward, registerPartner, map[string]any{"in": in}).Decode(t, &struct{}{})
	}
	return env
}

const partnersQuery = `query($f: PartnerFilter, $first: Int, $after: String) { partners(filter: $f, first: $first, after: $after) {
		totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`

type partnersPage struct {
	Partners struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct{ Node struct{ ID string } }
	}
}

func (p partnersPage) ids() string {
	var s []string
	for _, e := range p.Partners.Edges {
		s = append(s, e.Node.ID)
	}
	return strings.Join(s, ",")
}

func directoryFilters(t *testing.T, env *testkit.Env) {
	q := partnersQuery
	tests := []struct {
		name   string
		filter map[string]any
		want   string
	}{
		{"OKAll", nil, "gb-a,gb-b,gb-c,us-a,us-b"},
		{"OKCountry", map[string]any{"country": "US"}, "us-a,us-b"},
		{"OKRegion", map[string]any{"region": "GB-ENG"}, "gb-a,gb-c"},
		{"OKModel", map[string]any{"model": "MLP"}, "us-a,us-b"},
		{"OKHealthSetting", map[string]any{"healthSetting": "PRIMARY_CARE"}, "gb-b,us-a"},
		{"OKCombined", map[string]any{"country": "GB", "healthSetting": "MENTAL_HEALTH"}, "gb-b"},
		{"OKNone", map[string]any{"country": "US", "region": "GB-ENG"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p partnersPage
			env.Do("", q, map[string]any{"f": tc.filter}).Decode(t, &p) // public: no token
			if got := p.ids(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if p.Partners.TotalCount != len(p.Partners.Edges) {
				t.Fatalf("totalCount %d, edges %d", p.Partners.TotalCount, len(p.Partners.Edges))
			}
		})
	}
}

func directoryPaging(t *testing.T, env *testkit.Env) {
	q := partnersQuery
	t.Run("OKPaging", func(t *testing.T) {
		var seen []string
		after := ""
		for i := 0; i < 5; i++ {
			var p partnersPage
			vars := map[string]any{"first": 2}
			if after != "" {
				vars["after"] = after
			}
			env.Do("", q, vars).Decode(t, &p)
			if p.Partners.TotalCount != 5 {
				t.Fatalf("totalCount %d, want 5", p.Partners.TotalCount)
			}
			seen = append(seen, p.ids())
			if !p.Partners.PageInfo.HasNextPage {
				break
			}
			after = p.Partners.PageInfo.EndCursor
		}
		if got := strings.Join(seen, "|"); got != "gb-a,gb-b|gb-c,us-a|us-b" {
			t.Fatalf("pages %q", got)
		}
	})
}

func directoryRefusalsAndLookups(t *testing.T, env *testkit.Env) {
	q := partnersQuery
	for _, tc := range []struct{ name, first, after string }{
		{"ErrFirstTooLarge", "100000", ""},
		{"ErrFirstNegative", "-1", ""},
		{"ErrBadCursor", "2", "not-a-cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do("", `{ partners(first: `+tc.first+`, after: "`+tc.after+`") { totalCount } }`, nil)
			if r.Code() != "INVALID" {
				t.Fatalf("want INVALID, got %+v", r.Errors)
			}
		})
	}
	t.Run("ErrUnknownRegionFilter", func(t *testing.T) {
		r := env.Do("", q, map[string]any{"f": map[string]any{"region": "GB-XYZ"}})
		if r.Code() != "INVALID" {
			t.Fatalf("want INVALID, got %+v", r.Errors)
		}
	})
	t.Run("OKPartnerByID", func(t *testing.T) {
		var out struct{ Partner struct{ ID, Country string } }
		env.Do("", `{ partner(id: "us-b") { id country } }`, nil).Decode(t, &out)
		if out.Partner.Country != "US" {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("ErrPartnerNotFound", func(t *testing.T) {
		if r := env.Do("", `{ partner(id: "nobody") { id } }`, nil); r.Code() != "NOT_FOUND" {
			t.Fatalf("want NOT_FOUND, got %+v", r.Errors)
		}
	})
}

func TestMetricsCodebook(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	var out struct {
		Metrics []struct {
			Code, Kind, Unit, Title, Source string
			Instrument                      *string
			RangeMin, RangeMax              *float64
		}
	}
	env.Do("", `{ metrics { code kind unit instrument rangeMin rangeMax title source } }`, nil).Decode(t, &out)
	if len(out.Metrics) != 20 {
		t.Fatalf("%d metrics, want the 20 of the codebook", len(out.Metrics))
	}
	byCode := map[string]int{}
	for i, m := range out.Metrics {
		byCode[m.Code] = i
	}
	w := out.Metrics[byCode["WEMWBS_CHANGE"]]
	if w.Kind != "MEAN" || w.Instrument == nil || *w.Instrument != "WEMWBS" || *w.RangeMin != -56 || *w.RangeMax != 56 {
		t.Errorf("WEMWBS_CHANGE = %+v", w)
	}
	f := out.Metrics[byCode["FINANCIAL_GAIN"]]
	if f.Kind != "AMOUNT" || f.RangeMin == nil || *f.RangeMin != 0 || f.RangeMax != nil || !strings.Contains(f.Source, "NCMLP") {
		t.Errorf("FINANCIAL_GAIN = %+v", f)
	}
}

func TestMe(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	env.Partner("leeds-gp", "GB", "GB-ENG")
	admin, p := env.Token(hjx.RolePartnerAdmin, "leeds-gp", "")
	const q = `{ me { id name role partner { id country } } }`
	t.Run("OK", func(t *testing.T) {
		var out struct {
			Me struct {
				ID, Role string
				Partner  struct{ ID, Country string }
			}
		}
		env.Do(admin, q, nil).Decode(t, &out)
		if out.Me.ID != p.ID || out.Me.Role != "PARTNER_ADMIN" || out.Me.Partner.ID != "leeds-gp" {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("ErrNoToken", func(t *testing.T) {
		if r := env.Do("", q, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("want UNAUTHENTICATED, got %+v", r.Errors)
		}
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		if err := env.App.Auth.Revoke(t.Context(), env.App.DB, p.TokenID); err != nil {
			t.Fatal(err)
		}
		r := env.Do(admin, q, nil)
		if r.Code() != "UNAUTHENTICATED" || r.Status != 401 {
			t.Fatalf("want UNAUTHENTICATED with 401, got %d %+v", r.Status, r.Errors)
		}
	})
	t.Run("ErrMalformedHeader", func(t *testing.T) {
		req := httptestRequest(q)
		req.Header.Set("Authorization", "Basic abc")
		if r := env.Send(req); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("want UNAUTHENTICATED, got %+v", r.Errors)
		}
	})
}
