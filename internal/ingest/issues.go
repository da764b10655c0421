package ingest

import (
	"fmt"
	"slices"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Issue is one problem found in a submission. Row is the CSV record number (the
// header is row 1, the first data row is row 2, as a spreadsheet numbers them) or
// the 1-based position in the JSON rows; 0 for a problem of the whole file. Messages
// say what is wrong and how to fix it; they never repeat a cell that could be
// personal (see validator.known).
type Issue struct {
	Row     int
	Column  string
	Code    string
	Message string
}

// The issue codes. docs/UPLOADS.md explains each one to partners; the identifier
// codes are identifiers.Kind.IssueCode().
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

// known returns a cell for a message when it is a known vocabulary word (a codebook
// metric, a value of any of the dimension lists, a currency, a column name), quoted
// and after a space, so that a partner who put a word in the wrong column sees it;
// anything else gives "" and the message names the column only. A cell that is not a
// known word may be anything, an identifier the detectors do not know or a name
// included, so no message ever repeats one.
func (v *validator) known(s string) string {
	if _, ok := v.metrics[s]; ok || hjx.In(hjx.AllCurrencies(), hjx.Currency(s)) || slices.Contains(Columns[:], s) {
		return fmt.Sprintf(" %q", s)
	}
	for _, vocab := range v.vocab {
		if vocab[s] {
			return fmt.Sprintf(" %q", s)
		}
	}
	return ""
}
