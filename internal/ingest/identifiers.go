package ingest

import "github.com/hjx-exchange/hjx/internal/identifiers"

// The identifier detectors live in internal/identifiers, shared with the checks of
// every other free text hjx stores; these names keep the upload code and its issue
// codes reading as before.

// IdentifierKind names a kind of personal identifier an upload must not contain.
type IdentifierKind = identifiers.Kind

// The identifier kinds. Each has its own issue code (IssueCode).
const (
	KindNHSNumber = identifiers.NHSNumber
	KindCHINumber = identifiers.CHINumber
	KindNINumber  = identifiers.NINumber
	KindSSN       = identifiers.SSN
	KindEmail     = identifiers.Email
	KindPhone     = identifiers.Phone
	KindPostcode  = identifiers.Postcode
	KindZIP       = identifiers.ZIP
	KindDate      = identifiers.Date
)

// FindIdentifier reports the first kind of identifier found anywhere in a text cell;
// allowDates is true only for the period bound columns.
func FindIdentifier(s string, allowDates bool) (IdentifierKind, bool) {
	return identifiers.Find(s, allowDates)
}

// FindIdentifierInNumber checks a cell of a numeric column (identifiers.FindInNumber).
func FindIdentifierInNumber(s string) (IdentifierKind, bool) { return identifiers.FindInNumber(s) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// validDayMonth reports whether day/month is a calendar date in year.
func validDayMonth(day, month, year int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= daysIn(month, year)
}

// plainNumberIntegerDigits returns the digits before the decimal point of a plain
// decimal number ("-12.5" -> "12"), and false for anything else.
func plainNumberIntegerDigits(s string) (string, bool) { return identifiers.PlainNumber(s) }
