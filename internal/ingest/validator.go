package ingest

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
)

// metricDef is what validation needs of a codebook entry.
type metricDef struct {
	Kind     hjx.MetricKind
	Min, Max *decimal.Decimal
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
	set(colWelfareDomain, hjx.Strings(hjx.AllWelfareDomains()))
	set(colIhelpCategory, hjx.Strings(hjx.AllIhelpCategories()))
	set(colHealthSetting, hjx.Strings(hjx.AllHealthSettings()))
	set(colAgeBand, hjx.Strings(hjx.AllAgeBands()))
	set(colSex, hjx.Strings(hjx.AllSexes()))
	set(colDeprivationScheme, hjx.Strings(hjx.AllDeprivationSchemes()))
	return v
}

// maxNumberLength bounds a numeric cell: longer text is not a figure, and parsing
// arbitrary-precision numbers of any length would let a client spend our CPU.
const maxNumberLength = 32

// maxAmount bounds a money total or a count: far above any partner's figure, far
// below what numeric arithmetic in the outcome queries would struggle with.
var maxAmount = decimal.New(1, 15)

// identifierIn is the identifier check a cell of the column gets: numeric columns
// are checked as figures, the period bounds may hold a date, every other column is
// text. The fuzz test asserts it of every stored cell.
func identifierIn(col column, s string) (identifiers.Kind, bool) {
	switch col {
	case colValue, colN, colSD, colDeprivationValue:
		return identifiers.FindInNumber(s)
	case colPeriodStart, colPeriodEnd:
		return identifiers.Find(s, true)
	}
	return identifiers.Find(s, false)
}

// scanIdentifiers checks every cell of a row for personal identifiers and reports
// each hit by row, column and kind, never by value. It returns the columns hit, so
// no other message repeats those cells. A period bound that is a valid date needs
// no scan.
func (v *validator) scanIdentifiers(row int, c *cells) (tainted [numColumns]bool, found bool) {
	for col := column(0); col < numColumns; col++ {
		s := c[col]
		if s == "" {
			continue
		}
		if col == colPeriodStart || col == colPeriodEnd {
			if _, ok := parseISODate(s); ok {
				continue
			}
		}
		if kind, hit := identifierIn(col, s); hit {
			v.issues.add(row, col.String(), kind.IssueCode(), "%s looks like %s; remove it: uploads hold aggregated figures only",
				col, kind.Description())
			tainted[col], found = true, true
		}
	}
	return tainted, found
}

// validate checks one row and returns it ready to store, or false after recording
// its issues. Identifier scanning comes first and covers every cell; the rules
// follow in the order their issues are listed (rules.go).
func (v *validator) validate(row int, c *cells) (observation, bool) {
	before := v.issues.total
	r := rowCheck{v: v, row: row, c: c}
	r.tainted, _ = v.scanIdentifiers(row, c)
	r.checkEncoding()
	r.checkMetric()
	r.checkPeriod()
	r.checkDimensions()
	r.checkRegistration()
	r.checkDeprivation()
	r.checkFigures()
	if r.haveMetric {
		r.checkKindColumns()
		r.checkValue()
	}
	if v.issues.total > before {
		return observation{}, false
	}
	return r.observation(), true
}

// number parses a plain decimal number (no exponent, no thousands separators).
func (v *validator) number(row int, col column, s string) (decimal.Decimal, bool) {
	if len(s) > maxNumberLength {
		v.issues.add(row, col.String(), CodeNumberInvalid, "%s is too long to be a figure (at most %d characters)", col, maxNumberLength)
		return decimal.Decimal{}, false
	}
	if _, ok := identifiers.PlainNumber(s); !ok {
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

// normaliseCell trims the spaces spreadsheets leave around values.
func normaliseCell(s string) string { return strings.TrimSpace(s) }
