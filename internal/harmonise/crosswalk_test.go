package harmonise

import (
	"reflect"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/reference"
)

func TestCrosswalk(t *testing.T) {
	c, err := ReferenceCrosswalk()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Category", func(t *testing.T) {
		for domain, want := range map[string]string{
			"WELFARE_BENEFITS":   "INCOME_INSURANCE",
			"DEBT":               "INCOME_INSURANCE",
			"HEALTH_INSURANCE":   "INCOME_INSURANCE",
			"HOUSING":            "HOUSING_UTILITIES",
			"UTILITIES":          "HOUSING_UTILITIES",
			"EMPLOYMENT":         "EDUCATION_EMPLOYMENT",
			"EDUCATION":          "EDUCATION_EMPLOYMENT",
			"IMMIGRATION":        "LEGAL_STATUS",
			"LEGAL_STATUS_OTHER": "LEGAL_STATUS",
			"COMMUNITY_CARE":     "PERSONAL_FAMILY_STABILITY",
			"FAMILY":             "PERSONAL_FAMILY_STABILITY",
		} {
			if got, ok := c.Category(domain); !ok || got != want {
				t.Errorf("Category(%s) = %q %v, want %s", domain, got, ok, want)
			}
		}
	})
	t.Run("EveryWelfareDomainRollsUp", func(t *testing.T) {
		for _, d := range hjx.WelfareDomains {
			if got, ok := c.Category(d); !ok || !hjx.In(hjx.IhelpCategories, got) {
				t.Errorf("%s rolls up to %q %v", d, got, ok)
			}
		}
	})
	t.Run("UnknownDomain", func(t *testing.T) {
		if got, ok := c.Category("INCOME_INSURANCE"); ok {
			t.Errorf("a category taken for a domain: %q", got)
		}
	})
	t.Run("Domains", func(t *testing.T) {
		want := []string{"WELFARE_BENEFITS", "DEBT", "HEALTH_INSURANCE"}
		got := c.Domains("INCOME_INSURANCE")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Domains(INCOME_INSURANCE) = %v, want %v", got, want)
		}
		got[0] = "CHANGED"
		if c.Domains("INCOME_INSURANCE")[0] != "WELFARE_BENEFITS" {
			t.Errorf("Domains hands out the crosswalk's own slice")
		}
		if d := c.Domains("NOT_A_CATEGORY"); d != nil {
			t.Errorf("unknown category has domains %v", d)
		}
	})
	bad := []struct {
		name string
		rows []reference.Crosswalk
	}{
		{"ErrInvalidDuplicate", []reference.Crosswalk{
			{WelfareDomain: "DEBT", IhelpCategory: "INCOME_INSURANCE"},
			{WelfareDomain: "DEBT", IhelpCategory: "HOUSING_UTILITIES"}}},
		{"ErrInvalidCategory", []reference.Crosswalk{{WelfareDomain: "DEBT", IhelpCategory: "MONEY"}}},
		{"ErrInvalidNoDomain", []reference.Crosswalk{{IhelpCategory: "INCOME_INSURANCE"}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewCrosswalk(tt.rows); err == nil {
				t.Error("accepted")
			}
		})
	}
}
