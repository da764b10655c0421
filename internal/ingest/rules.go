package ingest

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// rowCheck is one row under validation: its cells, the columns already reported
// (no later message repeats such a cell), and what the earlier rules parsed that
// the later ones need. The checks run in a fixed order, the order of its issues.
type rowCheck struct {
	v       *validator
	row     int
	c       *cells
	tainted [numColumns]bool

	def        metricDef
	haveMetric bool
	value, n   decimal.Decimal
	okValue    bool
	okN        bool
	depValue   int64
}

func (r *rowCheck) bad(col column, code, format string, args ...any) {
	r.v.issues.add(r.row, col.String(), code, format, args...)
}

// usable: the cell is given and not already reported.
func (r *rowCheck) usable(col column) bool { return !r.tainted[col] && r.c[col] != "" }

// required reports a blank cell and tells whether the cell can be checked further.
func (r *rowCheck) required(col column) bool {
	if r.tainted[col] {
		return false
	}
	if r.c[col] == "" {
		r.bad(col, CodeRequired, "%s is required", col)
		return false
	}
	return true
}

func (r *rowCheck) checkEncoding() {
	for col := column(0); col < numColumns; col++ {
		if !r.tainted[col] && !utf8.ValidString(r.c[col]) {
			r.bad(col, CodeEncoding, "%s is not valid UTF-8 text; save the file as CSV UTF-8", col)
			r.tainted[col] = true
		}
	}
}

func (r *rowCheck) checkMetric() {
	if !r.required(colMetric) {
		return
	}
	if d, ok := r.v.metrics[r.c[colMetric]]; ok {
		r.def, r.haveMetric = d, true
		return
	}
	r.bad(colMetric, CodeMetricUnknown, "metric%s is not a codebook metric; use a code listed by the metrics query or in docs/UPLOADS.md", r.v.known(r.c[colMetric]))
}

// periodBound parses a period bound, reporting a blank or malformed one.
func (r *rowCheck) periodBound(col column, example string) (date, bool) {
	if !r.required(col) {
		return date{}, false
	}
	d, ok := parseISODate(r.c[col])
	if !ok {
		r.bad(col, CodeDateInvalid, "%s", dateProblem(col, r.c[col], example))
	}
	return d, ok
}

func (r *rowCheck) checkPeriod() {
	start, okStart := r.periodBound(colPeriodStart, "2021-04-01")
	end, okEnd := r.periodBound(colPeriodEnd, "2021-06-30")
	if okStart && start.d != 1 {
		r.bad(colPeriodStart, CodePeriodNotWholeMonths, "period_start must be the first day of a month (periods are whole calendar months)")
		okStart = false
	}
	if okEnd && end.d != daysIn(end.m, end.y) {
		r.bad(colPeriodEnd, CodePeriodNotWholeMonths, "period_end must be the last day of a month (periods are whole calendar months)")
		okEnd = false
	}
	if okStart && okEnd {
		months := (end.y*12 + end.m) - (start.y*12 + start.m) + 1
		switch {
		case end.key() < start.key():
			r.bad(colPeriodEnd, CodePeriodEndBeforeStart, "period_end is before period_start")
		case months > 12:
			r.bad(colPeriodEnd, CodePeriodTooLong, "the period covers %d months; at most 12 are allowed (split it into years or quarters)", months)
		}
	}
	if okEnd && end.key() > r.v.today {
		r.bad(colPeriodEnd, CodePeriodInFuture, "the period ends in the future; upload a month only once it is over")
	}
}

// dimensionColumns are the columns whose values come from a vocabulary.
var dimensionColumns = []column{colWelfareDomain, colIhelpCategory, colHealthSetting, colAgeBand, colSex, colDeprivationScheme}

func (r *rowCheck) checkDimensions() {
	for _, col := range dimensionColumns {
		if r.usable(col) && !r.v.vocab[col][r.c[col]] {
			r.bad(col, CodeVocabularyUnknown, "%s%s is not one of the allowed values (see docs/UPLOADS.md), or leave it blank for all", col, r.v.known(r.c[col]))
			r.tainted[col] = true
		}
	}
}

// checkRegistration keeps a row to the cells the partner works in. Only vocabulary
// words reach these messages (an unknown word was reported, and tainted, before).
func (r *rowCheck) checkRegistration() {
	reg, c := r.v.reg, r.c
	if r.usable(colHealthSetting) && !slices.Contains(reg.HealthSettings, c[colHealthSetting]) {
		r.bad(colHealthSetting, CodeHealthSettingNotRegistered, "health_setting %s is not one of the partner's registered health settings (%s); leave it blank, or ask the steward to register the setting first",
			c[colHealthSetting], listOrNone(reg.HealthSettings))
	}
	if r.usable(colWelfareDomain) && !slices.Contains(reg.AdviceDomains, c[colWelfareDomain]) {
		r.bad(colWelfareDomain, CodeDomainNotRegistered, "welfare_domain %s is not one of the partner's registered advice domains (%s); leave it blank, or ask the steward to register the domain first",
			c[colWelfareDomain], listOrNone(reg.AdviceDomains))
	}
	if r.usable(colIhelpCategory) && !slices.Contains(reg.Categories, c[colIhelpCategory]) {
		r.bad(colIhelpCategory, CodeCategoryNotRegistered, "ihelp_category %s is not the I-HELP category of any of the partner's registered advice domains (categories: %s); leave it blank, or ask the steward to register a domain of that category first",
			c[colIhelpCategory], listOrNone(reg.Categories))
	}
	if c[colWelfareDomain] != "" && c[colIhelpCategory] != "" {
		r.bad(colIhelpCategory, CodeDomainAndCategory, "give welfare_domain or ihelp_category, not both: the category follows from the domain")
	}
}

func (r *rowCheck) checkDeprivation() {
	c := r.c
	if r.usable(colDeprivationValue) {
		d, ok := r.v.number(r.row, colDeprivationValue, c[colDeprivationValue])
		switch {
		case !ok:
		case !d.IsInteger() || d.LessThan(decimal.NewFromInt(1)) || d.GreaterThan(decimal.NewFromInt(10)):
			r.bad(colDeprivationValue, CodeDeprivationOutOfScheme, "deprivation_value must be a decile, a whole number from 1 to 10 (%s)", schemeNote(c[colDeprivationScheme]))
		default:
			r.depValue = d.IntPart()
		}
	}
	if (c[colDeprivationScheme] == "") != (c[colDeprivationValue] == "") {
		r.bad(colDeprivationScheme, CodeDeprivationIncomplete, "deprivation_scheme and deprivation_value go together: give both or neither")
	}
}

// checkFigures parses value, n and sd, whatever the metric's kind.
func (r *rowCheck) checkFigures() {
	if r.required(colValue) {
		r.value, r.okValue = r.v.number(r.row, colValue, r.c[colValue])
	}
	if r.usable(colN) {
		if r.n, r.okN = r.v.number(r.row, colN, r.c[colN]); r.okN {
			if !r.n.IsInteger() || r.n.IsNegative() || r.n.GreaterThan(decimal.NewFromInt(1<<31-1)) {
				r.bad(colN, CodeNOutOfRange, "n must be a whole number of persons from 0 to 2147483647")
				r.okN = false
			}
		}
	}
	if r.usable(colSD) {
		if sd, ok := r.v.number(r.row, colSD, r.c[colSD]); ok && sd.IsNegative() {
			r.bad(colSD, CodeSDOutOfRange, "sd is a standard deviation and cannot be negative")
		}
	}
}

// checkKindColumns checks which of sd, currency and n the metric's kind takes.
func (r *rowCheck) checkKindColumns() {
	c, kind := r.c, r.def.Kind
	if kind != hjx.KindMean && c[colSD] != "" {
		r.bad(colSD, CodeSDNotAllowed, "sd is only for MEAN metrics; %s is a %s metric: leave sd blank", c[colMetric], kind)
	}
	if kind == hjx.KindAmount {
		switch {
		case c[colCurrency] == "":
			r.bad(colCurrency, CodeCurrencyRequired, "currency is required for %s, an AMOUNT metric: %s", c[colMetric], hjx.Alternatives(hjx.AllCurrencies()))
		case !r.tainted[colCurrency] && !hjx.In(hjx.AllCurrencies(), hjx.Currency(c[colCurrency])):
			r.bad(colCurrency, CodeCurrencyUnknown, "currency must be %s (amounts are stored in their own currency and converted at query time)", hjx.Alternatives(hjx.AllCurrencies()))
		}
	} else if c[colCurrency] != "" {
		r.bad(colCurrency, CodeCurrencyNotAllowed, "currency is only for AMOUNT metrics; %s is a %s metric: leave currency blank", c[colMetric], kind)
	}
	if kind != hjx.KindCount && c[colN] == "" && !r.tainted[colN] {
		r.bad(colN, CodeNRequired, "n is required for %s metrics (%s)", kind, nMeaning(kind))
	}
}

// checkValue checks the value against the metric's kind and range.
func (r *rowCheck) checkValue() {
	if !r.okValue {
		return
	}
	value, kind := r.value, r.def.Kind
	switch kind {
	case hjx.KindCount, hjx.KindProportion:
		switch {
		case value.IsNegative():
			r.bad(colValue, CodeValueNegative, "value is a count and cannot be negative")
		case !value.IsInteger():
			r.bad(colValue, CodeValueNotWhole, "value is a count and must be a whole number")
		case value.GreaterThan(maxAmount):
			r.bad(colValue, CodeValueOutOfRange, "value is larger than any count hjx accepts (10^15)")
		case kind == hjx.KindProportion && r.okN && value.GreaterThan(r.n):
			r.bad(colValue, CodeNumeratorExceedsN, "value (the numerator) is larger than n (the denominator)")
		}
	case hjx.KindAmount:
		switch {
		case value.IsNegative():
			r.bad(colValue, CodeValueNegative, "value is a money total and cannot be negative")
		case value.GreaterThan(maxAmount):
			r.bad(colValue, CodeValueOutOfRange, "value is larger than any amount hjx accepts (10^15)")
		}
	case hjx.KindMean:
		def := r.def
		if (def.Min != nil && value.LessThan(*def.Min)) || (def.Max != nil && value.GreaterThan(*def.Max)) {
			r.bad(colValue, CodeValueOutOfRange, "value is outside the range of %s (%s)", r.c[colMetric], rangeText(def))
		}
	}
}

// observation is the valid row in its stored text: n and the decile as plain whole
// numbers.
func (r *rowCheck) observation() observation {
	o := observation{row: r.row, cells: *r.c}
	if r.c[colN] != "" {
		o.cells[colN] = strconv.FormatInt(r.n.IntPart(), 10)
	}
	if r.c[colDeprivationValue] != "" {
		o.cells[colDeprivationValue] = strconv.FormatInt(r.depValue, 10)
	}
	return o
}
