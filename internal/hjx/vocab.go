package hjx

import "slices"

// The fixed code lists (docs/ARCHITECTURE.md#the-vocabularies). The GraphQL enums and the
// database CHECK constraints hold the same lists; vocab_test.go keeps them in step.

// Countries partners and institutions can be in.
var Countries = []string{"GB", "US"}

// RegionsGB are the ISO 3166-2:GB country subdivisions partners are registered in.
var RegionsGB = []string{"GB-ENG", "GB-WLS", "GB-SCT", "GB-NIR"}

// RegionsUS are the ISO 3166-2:US codes: 50 states, the District of Columbia and
// the outlying areas.
var RegionsUS = []string{
	"US-AL", "US-AK", "US-AZ", "US-AR", "US-CA", "US-CO", "US-CT", "US-DE", "US-FL", "US-GA",
	"US-HI", "US-ID", "US-IL", "US-IN", "US-IA", "US-KS", "US-KY", "US-LA", "US-ME", "US-MD",
	"US-MA", "US-MI", "US-MN", "US-MS", "US-MO", "US-MT", "US-NE", "US-NV", "US-NH", "US-NJ",
	"US-NM", "US-NY", "US-NC", "US-ND", "US-OH", "US-OK", "US-OR", "US-PA", "US-RI", "US-SC",
	"US-SD", "US-TN", "US-TX", "US-UT", "US-VT", "US-VA", "US-WA", "US-WV", "US-WI", "US-WY",
	"US-DC", "US-AS", "US-GU", "US-MP", "US-PR", "US-UM", "US-VI",
}

// PartnershipModels: UK Health Justice Partnership or US Medical-Legal Partnership.
var PartnershipModels = []string{"HJP", "MLP"}

// HealthSettings where advice is embedded.
var HealthSettings = []string{"PRIMARY_CARE", "HOSPITAL", "MENTAL_HEALTH", "HOSPICE", "MATERNITY",
	"PAEDIATRIC", "COMMUNITY_HEALTH_CENTRE", "OTHER"}

// WelfareDomains are the fine, UK-style advice domains (the rows of the crosswalk).
var WelfareDomains = []string{"WELFARE_BENEFITS", "DEBT", "HEALTH_INSURANCE", "HOUSING", "UTILITIES",
	"EMPLOYMENT", "EDUCATION", "IMMIGRATION", "LEGAL_STATUS_OTHER", "COMMUNITY_CARE", "FAMILY"}

// IhelpCategories are the coarse US I-HELP categories.
var IhelpCategories = []string{"INCOME_INSURANCE", "HOUSING_UTILITIES", "EDUCATION_EMPLOYMENT",
	"LEGAL_STATUS", "PERSONAL_FAMILY_STABILITY"}

// AgeBands; ages over 89 are top-coded, as HIPAA Safe Harbor requires.
var AgeBands = []string{"AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_64",
	"AGE_65_74", "AGE_75_89", "AGE_90_PLUS"}

// Sexes as recorded by partners.
var Sexes = []string{"FEMALE", "MALE", "OTHER_OR_NOT_STATED"}

// DeprivationSchemes: England's IMD decile (1 = most deprived) and the US Area
// Deprivation Index decile (10 = most disadvantaged).
var DeprivationSchemes = []string{"IMD_DECILE", "ADI_DECILE"}

// Currencies observations may be stored in.
var Currencies = []string{"GBP", "USD"}

// ConsentBases a submission may declare.
var ConsentBases = []string{"UK_GDPR_PUBLIC_TASK_RESEARCH", "UK_GDPR_LEGITIMATE_INTERESTS_RESEARCH",
	"EXPLICIT_CONSENT", "HIPAA_SAFE_HARBOR", "HIPAA_EXPERT_DETERMINATION"}

// MetricKinds of the codebook.
var MetricKinds = []string{"COUNT", "PROPORTION", "AMOUNT", "MEAN"}

// In reports whether v is one of list.
func In(list []string, v string) bool { return slices.Contains(list, v) }

// AllIn reports whether every one of values is in list (true for no values).
func AllIn(list, values []string) bool {
	return !slices.ContainsFunc(values, func(v string) bool { return !In(list, v) })
}

// RegionsOf returns the regions valid for a country, nil for an unknown country.
func RegionsOf(country string) []string {
	switch country {
	case "GB":
		return RegionsGB
	case "US":
		return RegionsUS
	}
	return nil
}
