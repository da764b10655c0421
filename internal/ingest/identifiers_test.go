package ingest

import (
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

func TestFindIdentifier(t *testing.T) {
	cases := []struct {
		name string
		cell string
		want IdentifierKind // "" = nothing found
	}{
		{"NHSNumber", "9434765919", KindNHSNumber},
		{"NHSNumberSpaced", "943 476 5919", KindNHSNumber},
		{"NHSNumberInText", "patient 943-476-5919 seen", KindNHSNumber},
		{"NHSNumberBadCheckDigit", "9434765918", ""},
		{"CHINumber", "0101901234", KindCHINumber},
		{"CHINumberSpaced", "310190 1234", KindCHINumber},
		{"SSN", "123-45-6789", KindSSN},
		{"SSNSpaced", "123 45 6789", KindSSN},
		{"SSNBare", "123456789", KindSSN},
		{"SSNArea666", "666-12-3456", ""},
		{"SSNArea000", "000-12-3456", ""},
		{"SSNArea900", "912-12-3456", ""},
		{"SSNGroup00", "123-00-4567", ""},
		{"SSNSerial0000", "123-45-0000", ""},
		{"Email", "jo.bloggs+gp@example.org.uk", KindEmail},
		{"EmailNoDomainDot", "jo@localhost", ""},
		{"PhoneUKMobile", "07700 900123", KindPhone},
		{"PhoneUKLandline", "0113 496 0000", KindPhone},
		{"PhoneUKInternational", "+44 7700 900123", KindPhone},
		{"PhoneUS", "(212) 555-0123", KindPhone},
		{"PhoneUSDashes", "212-555-0123", KindPhone},
		{"PhoneUSDots", "212.555.0123", KindPhone},
		{"PostcodeFull", "LS6 1AA", KindPostcode},
		{"PostcodeNoSpace", "sw1a2aa", KindPostcode},
		{"PostcodeInText", "lives at EH1 1YZ now", KindPostcode},
		{"PostcodeGIR", "GIR 0AA", KindPostcode},
		{"PostcodeOutwardOnly", "LS6", ""},
		{"ZIP", "02139", KindZIP},
		{"ZIPPlus4", "02139-4307", KindZIP},
		{"DateISO", "1980-04-23", KindDate},
		{"DateUK", "23/04/1980", KindDate},
		{"DateUS", "04/23/1980", KindDate},
		{"DateShortYear", "23.04.80", KindDate},
		{"DateCompact", "19800423", KindDate},
		{"DateNamed", "23 Apr 1980", KindDate},
		{"DateNamedUS", "April 23, 1980", KindDate},
		{"DateNamedOrdinal", "23rd April 1980", KindDate},
		{"YearMonthOnly", "2021-03", ""},
		{"MetricWithDigits", "GHQ12_CASENESS", ""},
		{"MetricGAD7", "GAD7_CHANGE", ""},
		{"AgeBand", "AGE_18_24", ""},
		{"PlainWord", "PRIMARY_CARE", ""},
		{"Empty", "", ""},
		{"Decimal", "1234.56", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := FindIdentifier(c.cell, false)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("FindIdentifier(%q) = %q, %v; want %q", c.cell, got, ok, c.want)
			}
		})
	}
}

func TestFindIdentifierAllowsDatesInPeriodColumns(t *testing.T) {
	if k, ok := FindIdentifier("31/03/2021", true); ok {
		t.Errorf("a date in a period column was flagged as %s", k)
	}
	if k, ok := FindIdentifier("1980-04-23", false); !ok || k != KindDate {
		t.Errorf("a date elsewhere was not flagged: %q %v", k, ok)
	}
	// Other identifiers are still found in period columns.
	if k, ok := FindIdentifier("9434765919", true); !ok || k != KindNHSNumber {
		t.Errorf("NHS number in a period column: %q %v", k, ok)
	}
}

func TestFindIdentifierInNumber(t *testing.T) {
	cases := []struct {
		name string
		cell string
		want IdentifierKind
	}{
		{"NHSNumber", "9434765919", KindNHSNumber},
		{"NHSNumberWithFraction", "9434765919.0", KindNHSNumber},
		{"NHSNumberBadCheckDigit", "9434765918", ""},
		{"CHINumber", "0101901234", KindCHINumber},
		{"SSNBare", "123456789", KindSSN},
		{"SSNArea666", "666123456", ""},
		{"PhoneLeadingZero", "07700900123", KindPhone},
		{"ZIPLeadingZero", "02139", KindZIP},
		{"FiveDigitCount", "12345", ""},
		{"Amount", "15234.50", ""},
		{"Negative", "-3.5", ""},
		{"NotANumberIsScannedAsText", "02139-4307", KindZIP},
		{"DateInValue", "23/04/1980", KindDate},
		{"EmailInValue", "a@b.com", KindEmail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := FindIdentifierInNumber(c.cell)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("FindIdentifierInNumber(%q) = %q, %v; want %q", c.cell, got, ok, c.want)
			}
		})
	}
}

func TestNHSNumberCheck(t *testing.T) {
	if !isNHSNumber("9434765919") {
		t.Error("the NHS test number 9434765919 must pass the modulus 11 check")
	}
	if isNHSNumber("9434765918") {
		t.Error("9434765918 must fail the modulus 11 check")
	}
	// A check digit of 10 is never valid: 000000001X gives 11 - (2 mod 11) = 9, so
	// find one that yields 10 (sum mod 11 = 1): 0000000060 has sum 6*2=12, 12 mod 11 = 1.
	for d := '0'; d <= '9'; d++ {
		if isNHSNumber("000000006" + string(d)) {
			t.Errorf("a number whose check digit would be 10 passed with %c", d)
		}
	}
}

// No code of any vocabulary or of the codebook may ever look like an identifier,
// or valid files would be refused.
func TestVocabularyIsNeverAnIdentifier(t *testing.T) {
	lists := [][]string{hjx.WelfareDomains, hjx.IhelpCategories, hjx.HealthSettings, hjx.AgeBands, hjx.Sexes,
		hjx.DeprivationSchemes, hjx.Currencies, Columns[:]}
	codebook := []string{"PATIENTS_SCREENED", "PATIENTS_WITH_NEED", "PATIENTS_REFERRED", "REFERRALS_WITH_INTAKE",
		"CLIENTS_ADVISED", "ISSUES_BY_DOMAIN", "STAFF_TRAINED", "FINANCIAL_GAIN", "DEBT_WRITTEN_OFF",
		"HEALTH_ORG_BENEFIT", "WEMWBS_CHANGE", "SWEMWBS_CHANGE", "GHQ12_CASENESS", "PSS10_CHANGE", "GAD7_CHANGE",
		"CESD_CHANGE", "FINANCIAL_STRAIN", "GP_CONSULTATIONS_3M", "ED_VISITS_6M", "HOUSING_REPAIRS_ACHIEVED"}
	for _, list := range append(lists, codebook) {
		for _, v := range list {
			if k, ok := FindIdentifier(v, false); ok {
				t.Errorf("%s is flagged as %s", v, k)
			}
		}
	}
}

func BenchmarkFindIdentifier(b *testing.B) {
	cells := []string{"PATIENTS_SCREENED", "AGE_18_24", "PRIMARY_CARE", "GHQ12_CASENESS", "IMD_DECILE"}
	for i := 0; i < b.N; i++ {
		for _, c := range cells {
			FindIdentifier(c, false)
		}
	}
}
