package hjx

import (
	"slices"
	"strings"
)

// The shared code lists (docs/ARCHITECTURE.md#the-vocabularies). Each is a string type
// with one constant per code and one function listing them in the schema's order:
// gqlgen binds the GraphQL enum of the same name to the type (gqlgen.yml), and the
// database CHECK constraints hold the same codes (graph/vocab_test.go compares all
// three). The lists are functions, so no caller can change them.

// Country is where a partner, an institution or a node is.
type Country string

// The countries.
const (
	CountryGB Country = "GB"
	CountryUS Country = "US"
)

// AllCountries lists the countries.
func AllCountries() []Country { return []Country{CountryGB, CountryUS} }

// regionsGB are the ISO 3166-2:GB country subdivisions partners are registered in.
var regionsGB = [...]string{"GB-ENG", "GB-WLS", "GB-SCT", "GB-NIR"}

// regionsUS are the ISO 3166-2:US codes: 50 states, the District of Columbia and the
// outlying areas.
var regionsUS = [...]string{
	"US-AL", "US-AK", "US-AZ", "US-AR", "US-CA", "US-CO", "US-CT", "US-DE", "US-FL", "US-GA",
	"US-HI", "US-ID", "US-IL", "US-IN", "US-IA", "US-KS", "US-KY", "US-LA", "US-ME", "US-MD",
	"US-MA", "US-MI", "US-MN", "US-MS", "US-MO", "US-MT", "US-NE", "US-NV", "US-NH", "US-NJ",
	"US-NM", "US-NY", "US-NC", "US-ND", "US-OH", "US-OK", "US-OR", "US-PA", "US-RI", "US-SC",
	"US-SD", "US-TN", "US-TX", "US-UT", "US-VT", "US-VA", "US-WA", "US-WV", "US-WI", "US-WY",
	"US-DC", "US-AS", "US-GU", "US-MP", "US-PR", "US-UM", "US-VI",
}

// RegionsOf returns the regions valid for a country, nil for an unknown country.
// Regions are not a GraphQL enum (the schema carries them as strings).
func RegionsOf(c Country) []string {
	switch c {
	case CountryGB:
		return slices.Clone(regionsGB[:])
	case CountryUS:
		return slices.Clone(regionsUS[:])
	}
	return nil
}

// IsRegion reports whether s is a region of any country.
func IsRegion(s string) bool {
	return slices.Contains(regionsGB[:], s) || slices.Contains(regionsUS[:], s)
}

// PartnershipModel is the kind of partnership: UK Health Justice Partnership or US
// Medical-Legal Partnership.
type PartnershipModel string

// The partnership models.
const (
	ModelHJP PartnershipModel = "HJP"
	ModelMLP PartnershipModel = "MLP"
)

// AllPartnershipModels lists the partnership models.
func AllPartnershipModels() []PartnershipModel { return []PartnershipModel{ModelHJP, ModelMLP} }

// HealthSetting is where advice is embedded.
type HealthSetting string

// The health settings.
const (
	SettingPrimaryCare           HealthSetting = "PRIMARY_CARE"
	SettingHospital              HealthSetting = "HOSPITAL"
	SettingMentalHealth          HealthSetting = "MENTAL_HEALTH"
	SettingHospice               HealthSetting = "HOSPICE"
	SettingMaternity             HealthSetting = "MATERNITY"
	SettingPaediatric            HealthSetting = "PAEDIATRIC"
	SettingCommunityHealthCentre HealthSetting = "COMMUNITY_HEALTH_CENTRE"
	SettingOther                 HealthSetting = "OTHER"
)

// AllHealthSettings lists the health settings.
func AllHealthSettings() []HealthSetting {
	return []HealthSetting{SettingPrimaryCare, SettingHospital, SettingMentalHealth, SettingHospice,
		SettingMaternity, SettingPaediatric, SettingCommunityHealthCentre, SettingOther}
}

// WelfareDomain is a fine, UK-style advice domain (a row of the crosswalk).
type WelfareDomain string

// The welfare domains.
const (
	DomainWelfareBenefits  WelfareDomain = "WELFARE_BENEFITS"
	DomainDebt             WelfareDomain = "DEBT"
	DomainHealthInsurance  WelfareDomain = "HEALTH_INSURANCE"
	DomainHousing          WelfareDomain = "HOUSING"
	DomainUtilities        WelfareDomain = "UTILITIES"
	DomainEmployment       WelfareDomain = "EMPLOYMENT"
	DomainEducation        WelfareDomain = "EDUCATION"
	DomainImmigration      WelfareDomain = "IMMIGRATION"
	DomainLegalStatusOther WelfareDomain = "LEGAL_STATUS_OTHER"
	DomainCommunityCare    WelfareDomain = "COMMUNITY_CARE"
	DomainFamily           WelfareDomain = "FAMILY"
)

// AllWelfareDomains lists the welfare domains, in the crosswalk's order.
func AllWelfareDomains() []WelfareDomain {
	return []WelfareDomain{DomainWelfareBenefits, DomainDebt, DomainHealthInsurance, DomainHousing,
		DomainUtilities, DomainEmployment, DomainEducation, DomainImmigration, DomainLegalStatusOther,
		DomainCommunityCare, DomainFamily}
}

// IhelpCategory is a coarse US I-HELP category.
type IhelpCategory string

// The I-HELP categories.
const (
	IhelpIncomeInsurance         IhelpCategory = "INCOME_INSURANCE"
	IhelpHousingUtilities        IhelpCategory = "HOUSING_UTILITIES"
	IhelpEducationEmployment     IhelpCategory = "EDUCATION_EMPLOYMENT"
	IhelpLegalStatus             IhelpCategory = "LEGAL_STATUS"
	IhelpPersonalFamilyStability IhelpCategory = "PERSONAL_FAMILY_STABILITY"
)

// AllIhelpCategories lists the I-HELP categories.
func AllIhelpCategories() []IhelpCategory {
	return []IhelpCategory{IhelpIncomeInsurance, IhelpHousingUtilities, IhelpEducationEmployment,
		IhelpLegalStatus, IhelpPersonalFamilyStability}
}

// AgeBand is a band of ages; ages over 89 are top-coded, as HIPAA Safe Harbor requires.
type AgeBand string

// The age bands.
const (
	Age0To17   AgeBand = "AGE_0_17"
	Age18To24  AgeBand = "AGE_18_24"
	Age25To34  AgeBand = "AGE_25_34"
	Age35To44  AgeBand = "AGE_35_44"
	Age45To54  AgeBand = "AGE_45_54"
	Age55To64  AgeBand = "AGE_55_64"
	Age65To74  AgeBand = "AGE_65_74"
	Age75To89  AgeBand = "AGE_75_89"
	Age90AndUp AgeBand = "AGE_90_PLUS"
)

// AllAgeBands lists the age bands, youngest first.
func AllAgeBands() []AgeBand {
	return []AgeBand{Age0To17, Age18To24, Age25To34, Age35To44, Age45To54, Age55To64, Age65To74, Age75To89,
		Age90AndUp}
}

// Sex is a sex as recorded by partners.
type Sex string

// The sexes.
const (
	SexFemale           Sex = "FEMALE"
	SexMale             Sex = "MALE"
	SexOtherOrNotStated Sex = "OTHER_OR_NOT_STATED"
)

// AllSexes lists the sexes.
func AllSexes() []Sex { return []Sex{SexFemale, SexMale, SexOtherOrNotStated} }

// DeprivationScheme is the area deprivation measure of a figure.
type DeprivationScheme string

// The deprivation schemes: England's IMD decile (1 = most deprived) and the US Area
// Deprivation Index decile (10 = most disadvantaged).
const (
	SchemeIMDDecile DeprivationScheme = "IMD_DECILE"
	SchemeADIDecile DeprivationScheme = "ADI_DECILE"
)

// AllDeprivationSchemes lists the deprivation schemes.
func AllDeprivationSchemes() []DeprivationScheme {
	return []DeprivationScheme{SchemeIMDDecile, SchemeADIDecile}
}

// Currency is a currency observations may be stored in.
type Currency string

// The stored currencies.
const (
	CurrencyGBP Currency = "GBP"
	CurrencyUSD Currency = "USD"
)

// AllCurrencies lists the stored currencies.
func AllCurrencies() []Currency { return []Currency{CurrencyGBP, CurrencyUSD} }

// ReportingCurrency is what money in an outcome table is reported in: a stored
// currency, or international dollars at purchasing power parity.
type ReportingCurrency string

// The reporting currencies.
const (
	ReportingGBP ReportingCurrency = ReportingCurrency(CurrencyGBP)
	ReportingUSD ReportingCurrency = ReportingCurrency(CurrencyUSD)
	ReportingPPP ReportingCurrency = "PPP_INTL_DOLLAR"
)

// AllReportingCurrencies lists the reporting currencies.
func AllReportingCurrencies() []ReportingCurrency {
	return []ReportingCurrency{ReportingGBP, ReportingUSD, ReportingPPP}
}

// ConsentBasis is the lawful basis a submission declares.
type ConsentBasis string

// The consent bases.
const (
	ConsentPublicTaskResearch          ConsentBasis = "UK_GDPR_PUBLIC_TASK_RESEARCH"
	ConsentLegitimateInterestsResearch ConsentBasis = "UK_GDPR_LEGITIMATE_INTERESTS_RESEARCH"
	ConsentExplicit                    ConsentBasis = "EXPLICIT_CONSENT"
	ConsentHIPAASafeHarbor             ConsentBasis = "HIPAA_SAFE_HARBOR"
	ConsentHIPAAExpertDetermination    ConsentBasis = "HIPAA_EXPERT_DETERMINATION"
)

// AllConsentBases lists the consent bases.
func AllConsentBases() []ConsentBasis {
	return []ConsentBasis{ConsentPublicTaskResearch, ConsentLegitimateInterestsResearch, ConsentExplicit,
		ConsentHIPAASafeHarbor, ConsentHIPAAExpertDetermination}
}

// SubmissionStatus is where a submission stands.
type SubmissionStatus string

// The submission statuses.
const (
	SubmissionAccepted   SubmissionStatus = "ACCEPTED"
	SubmissionRejected   SubmissionStatus = "REJECTED"
	SubmissionSuperseded SubmissionStatus = "SUPERSEDED"
	SubmissionRetracted  SubmissionStatus = "RETRACTED"
)

// AllSubmissionStatuses lists the submission statuses.
func AllSubmissionStatuses() []SubmissionStatus {
	return []SubmissionStatus{SubmissionAccepted, SubmissionRejected, SubmissionSuperseded, SubmissionRetracted}
}

// MetricKind is the kind of a codebook metric; it decides what a figure's value, n,
// sd and currency must be, and how disclosure control checks and rounds it.
type MetricKind string

// The metric kinds.
const (
	KindCount      MetricKind = "COUNT"      // Value is a count of persons or issues.
	KindProportion MetricKind = "PROPORTION" // Value is the numerator, N the denominator.
	KindAmount     MetricKind = "AMOUNT"     // Value is a money total, N the clients it covers.
	KindMean       MetricKind = "MEAN"       // Value is a mean, N the persons measured, SD optional.
)

// AllMetricKinds lists the metric kinds.
func AllMetricKinds() []MetricKind {
	return []MetricKind{KindCount, KindProportion, KindAmount, KindMean}
}

// In reports whether v is one of list.
func In[T ~string](list []T, v T) bool { return slices.Contains(list, v) }

// Strings returns the codes of list as text, for messages and for readers of text;
// nil for nil (a nil list often means "no restriction").
func Strings[T ~string](list []T) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

// Codes converts text codes to a vocabulary's type, without checking them (the
// caller checks with In, or they come from a column whose CHECK did).
func Codes[T ~string](list []string) []T {
	if list == nil {
		return nil
	}
	out := make([]T, len(list))
	for i, v := range list {
		out[i] = T(v)
	}
	return out
}

// Alternatives names the codes of list for a message: "GB or US", "A, B or C".
func Alternatives[T ~string](list []T) string {
	s := Strings(list)
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// AllIn reports whether every one of values is in list (true for no values).
func AllIn[T ~string](list, values []T) bool {
	return !slices.ContainsFunc(values, func(v T) bool { return !In(list, v) })
}
