package ingest

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// column is a column of the upload format (docs/UPLOADS.md#the-file), in template order.
type column int

const (
	colMetric column = iota
	colPeriodStart
	colPeriodEnd
	colValue
	colN
	colWelfareDomain
	colIhelpCategory
	colHealthSetting
	colAgeBand
	colSex
	colDeprivationScheme
	colDeprivationValue
	colSD
	colCurrency
	numColumns
)

// Columns are the CSV columns, in the order of the published template.
var Columns = [numColumns]string{"metric", "period_start", "period_end", "value", "n", "welfare_domain",
	"ihelp_category", "health_setting", "age_band", "sex", "deprivation_scheme", "deprivation_value", "sd", "currency"}

// RequiredColumns must be in every file's header (their cells may still be blank
// where the metric's kind allows: n of a COUNT).
var RequiredColumns = []string{"metric", "period_start", "period_end", "value", "n"}

func (c column) String() string { return Columns[c] }

// cells is one row's values by column; a column absent from the file is "".
type cells [numColumns]string

// metricDef is what validation needs of a codebook entry.
type metricDef struct {
	Kind     string
	Min, Max *decimal.Decimal
}

// observation is a validated row, ready to copy: every field is the text PostgreSQL
// parses, "" for NULL.
type observation struct {
	row   int
	cells cells
}

// registration is what the directory holds of the uploading partner that its rows
// must agree with: a row may only fall in cells the partner works in, so that an
// upload cannot land figures in another setting's or domain's pool to probe it.
type registration struct {
	HealthSettings []string
	AdviceDomains  []string
	// Categories are the I-HELP categories of the advice domains (the crosswalk).
	Categories []string
}

// validator checks rows against the codebook, the vocabularies, the partner's
// registration and the clock.
type validator struct {
	metrics map[string]metricDef
	today   int // yyyymmdd, UTC
	issues  *issueList
	vocab   [numColumns]map[string]bool
	reg     registration
}

func newValidator(metrics map[string]metricDef, reg registration, now time.Time, issues *issueList) *validator {
	y, m, d := now.UTC().Date()
	v := &validator{metrics: metrics, reg: reg, today: y*10000 + int(m)*100 + d, issues: issues}
	set := func(c column, xs []string) {
		v.vocab[c] = make(map[string]bool, len(xs))
		for _, x := range xs {
			v.vocab[c][x] = true
		}
	}
	set(colWelfareDomain, hjx.WelfareDomains)
	set(colIhelpCategory, hjx.IhelpCategories)
	set(colHealthSetting, hjx.HealthSettings)
	set(colAgeBand, hjx.AgeBands)
	set(colSex, hjx.Sexes)
	set(colDeprivationScheme, hjx.DeprivationSchemes)
	return v
}

// maxNumberLength bounds a numeric cell: longer text is not a figure, and parsing
// arbitrary-precision numbers of any length would let a client spend our CPU.
const maxNumberLength = 32

// maxAmount bounds a money total or a count: far above any partner's figure, far
// below what numeric arithmetic in the outcome queries would struggle with.
var maxAmount = decimal.New(1, 15)

// scanIdentifiers checks every cell of a row for personal identifiers and reports
// each hit by row, column and kind, never by value. It returns the columns hit, so
// no other message repeats those cells.
func (v *validator) scanIdentifiers(row int, c *cells) (tainted [numColumns]bool, found bool) {
	for col := column(0); col < numColumns; col++ {
		s := c[col]
		if s == "" {
			continue
		}
		var kind IdentifierKind
		var hit bool
		switch col {
		case colValue, colN, colSD, colDeprivationValue:
			kind, hit = FindIdentifierInNumber(s)
		case colPeriodStart, colPeriodEnd:
			if _, ok := parseISODate(s); !ok {
				kind, hit = FindIdentifier(s, true)
			}
		default:
			kind, hit = FindIdentifier(s, false)
		}
		if hit {
			v.issues.add(row, col.String(), kind.IssueCode(), "%s looks like %s; remove it: uploads hold aggregated figures only",
				col, kind.Description())
			tainted[col], found = true, true
		}
	}
	return tainted, found
}

// validate checks one row and returns it ready to store, or false after recording
// its issues. Identifier scanning comes first and covers every cell.
func (v *validator) validate(row int, c *cells) (observation, bool) {
	before := v.issues.total
	tainted, _ := v.scanIdentifiers(row, c)
	bad := func(col column, code, format string, args ...any) {
		v.issues.add(row, col.String(), code, format, args...)
	}
	for col := column(0); col < numColumns; col++ {
		if !tainted[col] && !utf8.ValidString(c[col]) {
			bad(col, CodeEncoding, "%s is not valid UTF-8 text; save the file as CSV UTF-8", col)
			tainted[col] = true
		}
	}
	usable := func(col column) bool { return !tainted[col] && c[col] != "" }
	required := func(col column) bool {
		if tainted[col] {
			return false
		}
		if c[col] == "" {
			bad(col, CodeRequired, "%s is required", col)
			return false
		}
		return true
	}

	// Metric.
	var def metricDef
	haveMetric := false
	if required(colMetric) {
		if d, ok := v.metrics[c[colMetric]]; ok {
			def, haveMetric = d, true
		} else {
			bad(colMetric, CodeMetricUnknown, "metric%s is not a codebook metric; use a code listed by the metrics query or in docs/UPLOADS.md", v.known(c[colMetric]))
		}
	}

	// Period.
	var start, end date
	okStart, okEnd := false, false
	if required(colPeriodStart) {
		if start, okStart = parseISODate(c[colPeriodStart]); !okStart {
			bad(colPeriodStart, CodeDateInvalid, "%s", dateProblem(colPeriodStart, c[colPeriodStart], "2021-04-01"))
		}
	}
	if required(colPeriodEnd) {
		if end, okEnd = parseISODate(c[colPeriodEnd]); !okEnd {
			bad(colPeriodEnd, CodeDateInvalid, "%s", dateProblem(colPeriodEnd, c[colPeriodEnd], "2021-06-30"))
		}
	}
	if okStart && start.d != 1 {
		bad(colPeriodStart, CodePeriodNotWholeMonths, "period_start must be the first day of a month (periods are whole calendar months)")
		okStart = false
	}
	if okEnd && end.d != daysIn(end.m, end.y) {
		bad(colPeriodEnd, CodePeriodNotWholeMonths, "period_end must be the last day of a month (periods are whole calendar months)")
		okEnd = false
	}
	if okStart && okEnd {
		months := (end.y*12 + end.m) - (start.y*12 + start.m) + 1
		switch {
		case end.key() < start.key():
			bad(colPeriodEnd, CodePeriodEndBeforeStart, "period_end is before period_start")
		case months > 12:
			bad(colPeriodEnd, CodePeriodTooLong, "the period covers %d months; at most 12 are allowed (split it into years or quarters)", months)
		}
	}
	if okEnd && end.key() > v.today {
		bad(colPeriodEnd, CodePeriodInFuture, "the period ends in the future; upload a month only once it is over")
	}

	// Dimensions.
	for _, col := range []column{colWelfareDomain, colIhelpCategory, colHealthSetting, colAgeBand, colSex, colDeprivationScheme} {
		if usable(col) && !v.vocab[col][c[col]] {
			bad(col, CodeVocabularyUnknown, "%s%s is not one of the allowed values (see docs/UPLOADS.md), or leave it blank for all", col, v.known(c[col]))
			tainted[col] = true
		}
	}
	// The partner's registration. Only vocabulary words reach these messages (an
	// unknown word was reported, and tainted, above).
	if usable(colHealthSetting) && !slices.Contains(v.reg.HealthSettings, c[colHealthSetting]) {
		bad(colHealthSetting, CodeHealthSettingNotRegistered, "health_setting %s is not one of the partner's registered health settings (%s); leave it blank, or ask the steward to register the setting first",
			c[colHealthSetting], listOrNone(v.reg.HealthSettings))
	}
	if usable(colWelfareDomain) && !slices.Contains(v.reg.AdviceDomains, c[colWelfareDomain]) {
		bad(colWelfareDomain, CodeDomainNotRegistered, "welfare_domain %s is not one of the partner's registered advice domains (%s); leave it blank, or ask the steward to register the domain first",
			c[colWelfareDomain], listOrNone(v.reg.AdviceDomains))
	}
	if usable(colIhelpCategory) && !slices.Contains(v.reg.Categories, c[colIhelpCategory]) {
		bad(colIhelpCategory, CodeCategoryNotRegistered, "ihelp_category %s is not the I-HELP category of any of the partner's registered advice domains (categories: %s); leave it blank, or ask the steward to register a domain of that category first",
			c[colIhelpCategory], listOrNone(v.reg.Categories))
	}
	if c[colWelfareDomain] != "" && c[colIhelpCategory] != "" {
		bad(colIhelpCategory, CodeDomainAndCategory, "give welfare_domain or ihelp_category, not both: the category follows from the domain")
	}
	var depValue int64
	if usable(colDeprivationValue) {
		d, ok := v.number(row, colDeprivationValue, c[colDeprivationValue])
		switch {
		case !ok:
		case !d.IsInteger() || d.LessThan(decimal.NewFromInt(1)) || d.GreaterThan(decimal.NewFromInt(10)):
			bad(colDeprivationValue, CodeDeprivationOutOfScheme, "deprivation_value must be a decile, a whole number from 1 to 10 (%s)", schemeNote(c[colDeprivationScheme]))
		default:
			depValue = d.IntPart()
		}
	}
	if (c[colDeprivationScheme] == "") != (c[colDeprivationValue] == "") {
		bad(colDeprivationScheme, CodeDeprivationIncomplete, "deprivation_scheme and deprivation_value go together: give both or neither")
	}

	// Value, n, sd, currency by the metric's kind.
	value, okValue := decimal.Decimal{}, false
	if required(colValue) {
		value, okValue = v.number(row, colValue, c[colValue])
	}
	var n decimal.Decimal
	okN := false
	if usable(colN) {
		if n, okN = v.number(row, colN, c[colN]); okN {
			if !n.IsInteger() || n.IsNegative() || n.GreaterThan(decimal.NewFromInt(1<<31-1)) {
				bad(colN, CodeNOutOfRange, "n must be a whole number of persons from 0 to 2147483647")
				okN = false
			}
		}
	}
	var sd decimal.Decimal
	okSD := false
	if usable(colSD) {
		if sd, okSD = v.number(row, colSD, c[colSD]); okSD && sd.IsNegative() {
			bad(colSD, CodeSDOutOfRange, "sd is a standard deviation and cannot be negative")
		}
	}
	if haveMetric {
		kind := def.Kind
		if kind != "MEAN" && c[colSD] != "" {
			bad(colSD, CodeSDNotAllowed, "sd is only for MEAN metrics; %s is a %s metric: leave sd blank", c[colMetric], kind)
		}
		if kind == "AMOUNT" {
			switch {
			case c[colCurrency] == "":
				bad(colCurrency, CodeCurrencyRequired, "currency is required for %s, an AMOUNT metric: GBP or USD", c[colMetric])
			case !tainted[colCurrency] && !hjx.In(hjx.Currencies, c[colCurrency]):
				bad(colCurrency, CodeCurrencyUnknown, "currency must be GBP or USD (amounts are stored in their own currency and converted at query time)")
			}
		} else if c[colCurrency] != "" {
			bad(colCurrency, CodeCurrencyNotAllowed, "currency is only for AMOUNT metrics; %s is a %s metric: leave currency blank", c[colMetric], kind)
		}
		if kind != "COUNT" && c[colN] == "" && !tainted[colN] {
			bad(colN, CodeNRequired, "n is required for %s metrics (%s)", kind, nMeaning(kind))
		}
		if okValue {
			switch kind {
			case "COUNT", "PROPORTION":
				switch {
				case value.IsNegative():
					bad(colValue, CodeValueNegative, "value is a count and cannot be negative")
				case !value.IsInteger():
					bad(colValue, CodeValueNotWhole, "value is a count and must be a whole number")
				case value.GreaterThan(maxAmount):
					bad(colValue, CodeValueOutOfRange, "value is larger than any count hjx accepts (10^15)")
				case kind == "PROPORTION" && okN && value.GreaterThan(n):
					bad(colValue, CodeNumeratorExceedsN, "value (the numerator) is larger than n (the denominator)")
				}
			case "AMOUNT":
				switch {
				case value.IsNegative():
					bad(colValue, CodeValueNegative, "value is a money total and cannot be negative")
				case value.GreaterThan(maxAmount):
					bad(colValue, CodeValueOutOfRange, "value is larger than any amount hjx accepts (10^15)")
				}
			case "MEAN":
				if (def.Min != nil && value.LessThan(*def.Min)) || (def.Max != nil && value.GreaterThan(*def.Max)) {
					bad(colValue, CodeValueOutOfRange, "value is outside the range of %s (%s)", c[colMetric], rangeText(def))
				}
			}
		}
	}
	if v.issues.total > before {
		return observation{}, false
	}
	o := observation{row: row, cells: *c}
	if c[colN] != "" {
		o.cells[colN] = strconv.FormatInt(n.IntPart(), 10)
	}
	if c[colDeprivationValue] != "" {
		o.cells[colDeprivationValue] = strconv.FormatInt(depValue, 10)
	}
	return o, true
}

// number parses a plain decimal number (no exponent, no thousands separators).
func (v *validator) number(row int, col column, s string) (decimal.Decimal, bool) {
	if len(s) > maxNumberLength {
		v.issues.add(row, col.String(), CodeNumberInvalid, "%s is too long to be a figure (at most %d characters)", col, maxNumberLength)
		return decimal.Decimal{}, false
	}
	if _, ok := plainNumberIntegerDigits(s); !ok {
		v.issues.add(row, col.String(), CodeNumberInvalid, "%s must be a number written with digits and an optional decimal point, e.g. 12 or 1530.50 (no thousands separators or currency signs)", col)
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		v.issues.add(row, col.String(), CodeNumberInvalid, "%s is not a number", col)
		return decimal.Decimal{}, false
	}
	return d, true
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func nMeaning(kind string) string {
	switch kind {
	case "PROPORTION":
		return "the denominator"
	case "AMOUNT":
		return "the clients the amount covers"
	case "MEAN":
		return "the persons measured"
	}
	return "the persons counted"
}

func schemeNote(scheme string) string {
	switch scheme {
	case "IMD_DECILE":
		return "IMD_DECILE: 1 = most deprived"
	case "ADI_DECILE":
		return "ADI_DECILE: 10 = most disadvantaged"
	}
	return "IMD_DECILE or ADI_DECILE"
}

func rangeText(d metricDef) string {
	lo, hi := "no minimum", "no maximum"
	if d.Min != nil {
		lo = d.Min.String()
	}
	if d.Max != nil {
		hi = d.Max.String()
	}
	return lo + " to " + hi
}

// date is a calendar date parsed by hand: every row has two, and time.Parse would be
// the slowest part of validation.
type date struct{ y, m, d int }

func (d date) key() int { return d.y*10000 + d.m*100 + d.d }

// parseISODate accepts exactly YYYY-MM-DD, a real calendar date from year 1900.
func parseISODate(s string) (date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return date{}, false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && !isDigit(c) {
			return date{}, false
		}
	}
	d := date{atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10])}
	if d.y < 1900 || !validDayMonth(d.d, d.m, d.y) {
		return date{}, false
	}
	return d, true
}

// dateProblem is the message for a period date parseISODate refused: a date-shaped
// value naming no calendar day ("2022-06-31") is named as such, since its format
// is right; anything else gets the format.
func dateProblem(col column, s, example string) string {
	if hjx.DateShaped(s) && s[:4] >= "1900" {
		return col.String() + " " + hjx.DateProblem(s)
	}
	return col.String() + " must be a date written YYYY-MM-DD, e.g. " + example
}

func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// normaliseCell trims the spaces spreadsheets leave around values.
func normaliseCell(s string) string { return strings.TrimSpace(s) }
