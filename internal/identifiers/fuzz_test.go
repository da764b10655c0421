package identifiers

import "testing"

// The fuzz target runs its committed seed corpus (testdata/fuzz/FuzzFindIdentifier)
// as an ordinary test in `make test`; `go test -fuzz FuzzFindIdentifier
// ./internal/identifiers` explores more.

func FuzzFindIdentifier(f *testing.F) {
	for _, s := range []string{"9434765919", "666-12-3456", "jo@example.org", "LS6 1AA", "02139-4307",
		"23 Apr 1980", "AGE_18_24", "(212) 555-0123", "+44 7700 900123", "1234.56", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kindText, hitText := Find(s, false)
		kindPeriod, hitPeriod := Find(s, true)
		FindInNumber(s)
		if k2, h2 := Find(s, false); k2 != kindText || h2 != hitText {
			t.Fatalf("not deterministic on %q", s)
		}
		// Allowing dates can only remove date hits.
		if hitPeriod && !hitText {
			t.Fatalf("%q: found %s only when dates are allowed", s, kindPeriod)
		}
		if hitText && !hitPeriod && kindText != Date {
			t.Fatalf("%q: allowing dates hid a %s", s, kindText)
		}
		// A known identifier added as its own word is always found, whatever surrounds it.
		if _, ok := Find(s+" 9434765919 ", false); !ok {
			t.Fatalf("%q followed by an NHS number was not flagged", s)
		}
		if _, ok := Find("x@example.org "+s, false); !ok {
			t.Fatalf("an email before %q was not flagged", s)
		}
	})
}
