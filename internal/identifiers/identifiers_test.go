package identifiers

import "testing"

func TestFind(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cell string
		want Kind // "" = nothing found
	}{
		{"NHSNumber", "9434765919", NHSNumber},
		{"NHSNumberSpaced", "943 476 5919", NHSNumber},
		{"NHSNumberInText", "patient 943-476-5919 seen", NHSNumber},
		{"NHSNumberBadCheckDigit", "9434765918", ""},
		{"CHINumber", "0101901234", CHINumber},
		{"CHINumberSpaced", "310190 1234", CHINumber},
		{"SSN", "123-45-6789", SSN},
		{"SSNSpaced", "123 45 6789", SSN},
		{"SSNBare", "123456789", SSN},
		{"SSNArea666", "666-12-3456", ""},
		{"SSNArea000", "000-12-3456", ""},
		{"SSNArea900", "912-12-3456", ""},
		{"SSNGroup00", "123-00-4567", ""},
		{"SSNSerial0000", "123-45-0000", ""},
		{"Email", "jo.bloggs+gp@example.org.uk", Email},
		{"EmailNoDomainDot", "jo@localhost", ""},
		{"PhoneUKMobile", "07700 900123", Phone},
		{"PhoneUKLandline", "0113 496 0000", Phone},
		{"PhoneUKInternational", "+44 7700 900123", Phone},
		{"PhoneUS", "(212) 555-0123", Phone},
		{"PhoneUSDashes", "212-555-0123", Phone},
		{"PhoneUSDots", "212.555.0123", Phone},
		{"PostcodeFull", "LS6 1AA", Postcode},
		{"PostcodeNoSpace", "sw1a2aa", Postcode},
		{"PostcodeInText", "lives at EH1 1YZ now", Postcode},
		{"PostcodeGIR", "GIR 0AA", Postcode},
		{"PostcodeOutwardOnly", "LS6", ""},
		{"ZIP", "02139", ZIP},
		{"ZIPPlus4", "02139-4307", ZIP},
		{"DateISO", "1980-04-23", Date},
		{"DateUK", "23/04/1980", Date},
		{"DateUS", "04/23/1980", Date},
		{"DateShortYear", "23.04.80", Date},
		{"DateCompact", "19800423", Date},
		{"DateNamed", "23 Apr 1980", Date},
		{"DateNamedUS", "April 23, 1980", Date},
		{"DateNamedOrdinal", "23rd April 1980", Date},
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
			got, ok := Find(c.cell, false)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("Find(%q) = %q, %v; want %q", c.cell, got, ok, c.want)
			}
		})
	}
}

func TestFindIdentifierAllowsDatesInPeriodColumns(t *testing.T) {
	t.Parallel()
	if k, ok := Find("31/03/2021", true); ok {
		t.Errorf("a date in a period column was flagged as %s", k)
	}
	if k, ok := Find("1980-04-23", false); !ok || k != Date {
		t.Errorf("a date elsewhere was not flagged: %q %v", k, ok)
	}
	// Other identifiers are still found in period columns.
	if k, ok := Find("9434765919", true); !ok || k != NHSNumber {
		t.Errorf("NHS number in a period column: %q %v", k, ok)
	}
}

func TestFindInNumber(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cell string
		want Kind
	}{
		{"NHSNumber", "9434765919", NHSNumber},
		{"NHSNumberWithFraction", "9434765919.0", NHSNumber},
		{"NHSNumberBadCheckDigit", "9434765918", ""},
		{"CHINumber", "0101901234", CHINumber},
		{"SSNBare", "123456789", SSN},
		{"SSNArea666", "666123456", ""},
		{"PhoneLeadingZero", "07700900123", Phone},
		{"ZIPLeadingZero", "02139", ZIP},
		{"FiveDigitCount", "12345", ""},
		{"Amount", "15234.50", ""},
		{"Negative", "-3.5", ""},
		{"NotANumberIsScannedAsText", "02139-4307", ZIP},
		{"DateInValue", "23/04/1980", Date},
		{"EmailInValue", "a@b.com", Email},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := FindInNumber(c.cell)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("FindInNumber(%q) = %q, %v; want %q", c.cell, got, ok, c.want)
			}
		})
	}
}

func TestNHSNumberCheck(t *testing.T) {
	t.Parallel()
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

func BenchmarkFind(b *testing.B) {
	cells := []string{"PATIENTS_SCREENED", "AGE_18_24", "PRIMARY_CARE", "GHQ12_CASENESS", "IMD_DECILE"}
	for i := 0; i < b.N; i++ {
		for _, c := range cells {
			Find(c, false)
		}
	}
}

// TestNINumber: UK National Insurance numbers are found with or without spaces and
// in either case; prefixes and suffixes HMRC never allocates are not.
func TestNINumber(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, cell string
		want       bool
	}{
		{"OK", "AB123456C", true},
		{"OKSpaced", "AB 12 34 56 C", true},
		{"OKLowerCase", "ab123456d", true},
		{"OKSuffixA", "JG103759A", true},
		{"OKSpaceBeforeSuffixOnly", "AB123456 C", true},
		{"OKInText", "client NY 12 34 56 B seen", true},
		{"OKQuoted", `"AB123456C"`, true},
		{"ErrFirstLetterD", "DA123456A", false},
		{"ErrFirstLetterF", "FA123456A", false},
		{"ErrFirstLetterI", "IA123456A", false},
		{"ErrFirstLetterQ", "QQ123456C", false}, // HMRC's specimen: never allocated
		{"ErrFirstLetterU", "UA123456A", false},
		{"ErrFirstLetterV", "VA123456A", false},
		{"ErrSecondLetterO", "AO123456A", false},
		{"ErrSecondLetterD", "AD123456A", false},
		{"ErrPrefixBG", "BG123456A", false},
		{"ErrPrefixGB", "GB123456A", false},
		{"ErrPrefixKN", "KN123456A", false},
		{"ErrPrefixNK", "NK123456A", false},
		{"ErrPrefixNT", "NT123456A", false},
		{"ErrPrefixTN", "TN123456A", false},
		{"ErrPrefixZZ", "ZZ123456A", false},
		{"ErrSuffixE", "AB123456E", false},
		{"ErrNoSuffix", "AB123456", false},
		{"ErrFiveDigits", "AB12345C", false},
		{"ErrSevenDigits", "AB1234567C", false},
		{"ErrInsideWord", "XAB123456C", false},
		{"ErrJoinedByUnderscore", "X_AB123456C", false},
		{"ErrTwoSpaces", "AB  123456C", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, ok := Find(c.cell, false)
			if got := ok && k == NINumber; got != c.want {
				t.Errorf("Find(%q) = %q, %v; want NI number %v", c.cell, k, ok, c.want)
			}
			if c.want {
				if k, ok := FindInNumber(c.cell); !ok || k != NINumber {
					t.Errorf("FindInNumber(%q) = %q, %v; want an NI number", c.cell, k, ok)
				}
			}
		})
	}
}
