package ingest

import (
	"fmt"
)

// Issue is one problem found in a submission. Row is the CSV record number (the
// header is row 1, the first data row is row 2, as a spreadsheet numbers them) or
// the 1-based position in the JSON rows; 0 for a problem of the whole file. Messages
// say what is wrong and how to fix it; they never repeat a cell that could be
// personal (see quoteCell).
type Issue struct {
	Row     int
	Column  string
	Code    string
	Message string
}

// The issue codes. docs/UPLOADS.md explains each one to partners; the identifier
// codes are IdentifierKind.IssueCode().
const (
	// The file as a whole.
	CodeFileEmpty      = "FILE_EMPTY"
	CodeNoRows         = "NO_ROWS"
	CodeTooManyRows    = "TOO_MANY_ROWS"
	CodeFileTooLarge   = "FILE_TOO_LARGE"
	CodeRowTooLong     = "ROW_TOO_LONG"
	CodeCSVMalformed   = "CSV_MALFORMED"
	CodeEncoding       = "ENCODING_INVALID"
	CodeFieldCount     = "FIELD_COUNT"
	CodeColumnUnknown  = "COLUMN_UNKNOWN"
	CodeColumnMissing  = "COLUMN_MISSING"
	CodeColumnRepeated = "COLUMN_REPEATED"

	// One cell.
	CodeRequired          = "REQUIRED"
	CodeNumberInvalid     = "NUMBER_INVALID"
	CodeDateInvalid       = "DATE_INVALID"
	CodeMetricUnknown     = "METRIC_UNKNOWN"
	CodeVocabularyUnknown = "VOCABULARY_UNKNOWN"

	// The metric's kind.
	CodeSDNotAllowed       = "SD_NOT_ALLOWED"
	CodeCurrencyRequired   = "CURRENCY_REQUIRED"
	CodeCurrencyNotAllowed = "CURRENCY_NOT_ALLOWED"
	CodeCurrencyUnknown    = "CURRENCY_UNKNOWN"
	CodeNRequired          = "N_REQUIRED"

	// Values and n.
	CodeValueNotWhole          = "VALUE_NOT_WHOLE"
	CodeValueNegative          = "VALUE_NEGATIVE"
	CodeValueOutOfRange        = "VALUE_OUT_OF_RANGE"
	CodeNOutOfRange            = "N_OUT_OF_RANGE"
	CodeNumeratorExceedsN      = "NUMERATOR_EXCEEDS_DENOMINATOR"
	CodeSDOutOfRange           = "SD_OUT_OF_RANGE"
	CodeDeprivationOutOfScheme = "DEPRIVATION_VALUE_OUT_OF_SCHEME"
	CodeDeprivationIncomplete  = "DEPRIVATION_INCOMPLETE"
	CodeDomainAndCategory      = "DOMAIN_AND_CATEGORY"

	// The partner's registration.
	CodeHealthSettingNotRegistered = "HEALTH_SETTING_NOT_REGISTERED"
	CodeDomainNotRegistered        = "DOMAIN_NOT_REGISTERED"
	CodeCategoryNotRegistered      = "CATEGORY_NOT_REGISTERED"

	// Periods.
	CodePeriodNotWholeMonths = "PERIOD_NOT_WHOLE_MONTHS"
	CodePeriodTooLong        = "PERIOD_TOO_LONG"
	CodePeriodEndBeforeStart = "PERIOD_END_BEFORE_START"
	CodePeriodInFuture       = "PERIOD_IN_FUTURE"

	// Rows against rows.
	CodeDuplicateRow        = "DUPLICATE_ROW"
	CodePeriodOverlapInFile = "PERIOD_OVERLAP_IN_FILE"
	CodePeriodOverlapStored = "PERIOD_OVERLAP_STORED"
	CodeRevisionLimit       = "REVISION_LIMIT"
)

// issueList keeps the first max issues and counts them all, so a file with a
// million bad rows costs a bounded amount of memory.
type issueList struct {
	max   int
	items []Issue
	total int
	// revisions counts the rows refused by the revision limit, which are audited.
	revisions int
}

func (l *issueList) add(row int, column, code, format string, args ...any) {
	l.total++
	if len(l.items) < l.max {
		l.items = append(l.items, Issue{Row: row, Column: column, Code: code, Message: fmt.Sprintf(format, args...)})
	}
}

// room is how many more issues will be listed.
func (l *issueList) room() int { return l.max - len(l.items) }

// quoteCell returns a cell for a message when it is safe to repeat: a code-shaped
// value (upper-case letters, digits and underscores, like the vocabularies: a
// misspelt enum, say) is quoted so the partner sees the typo; anything else is
// described, never repeated, because free text is where identifiers and names leak.
// It is only called for cells the identifier detectors passed.
func quoteCell(s string) string {
	if s == "" || len(s) > 40 || s[0] < 'A' || s[0] > 'Z' {
		return "the value"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !((c >= 'A' && c <= 'Z') || isDigit(c) || c == '_') {
			return "the value"
		}
	}
	return fmt.Sprintf("%q", s)
}
