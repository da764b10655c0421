// Package outcomes answers pooled outcome queries: it checks the caller may query
// the project, takes the partners whose access decision is ALLOW, aggregates their
// current observations in PostgreSQL (one round trip for the cells and their
// per-partner contributions), harmonises units there, and hands the cells to
// internal/disclosure before anything leaves.
package outcomes

import (
	"slices"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Dimension is a way to group an outcome table (schema/outcomes.graphqls).
type Dimension string

// The dimensions. COUNTRY, REGION and PARTNER come from the partner; QUARTER and
// YEAR from the observation's period; the rest are the observation's own breakdown.
const (
	DimCountry             Dimension = "COUNTRY"
	DimRegion              Dimension = "REGION"
	DimPartner             Dimension = "PARTNER"
	DimHealthSetting       Dimension = "HEALTH_SETTING"
	DimWelfareDomain       Dimension = "WELFARE_DOMAIN"
	DimIhelpCategory       Dimension = "IHELP_CATEGORY"
	DimAgeBand             Dimension = "AGE_BAND"
	DimSex                 Dimension = "SEX"
	DimDeprivationQuintile Dimension = "DEPRIVATION_QUINTILE"
	DimQuarter             Dimension = "QUARTER"
	DimYear                Dimension = "YEAR"
)

// Dimensions lists every dimension, in the schema's order.
func Dimensions() []Dimension {
	return []Dimension{DimCountry, DimRegion, DimPartner, DimHealthSetting, DimWelfareDomain, DimIhelpCategory,
		DimAgeBand, DimSex, DimDeprivationQuintile, DimQuarter, DimYear}
}

// Query is one outcome request.
type Query struct {
	Metric         string
	GroupBy        []Dimension
	Countries      []hjx.Country
	From, To       *time.Time
	HealthSettings []hjx.HealthSetting
	WelfareDomains []hjx.WelfareDomain
	// Currency is the reporting currency of AMOUNT metrics: GBP, USD or
	// PPP_INTL_DOLLAR; empty for the default (USD when countries mix, else the
	// country's own).
	Currency string
	// RatioTo is a second metric whose protected table at the same breakdown is the
	// denominator of each row's Ratio ("" for none).
	RatioTo string
	// PerPerson asks for each row's Ratio as its published value over its published n.
	PerPerson bool
}

// Exclusion reasons counted in a table's coverage.
const (
	NoExchangeRate      = "NO_EXCHANGE_RATE"
	PeriodNotInBucket   = "PERIOD_NOT_IN_BUCKET"
	CoarserThanGrouping = "COARSER_THAN_GROUPING"
	NotAtThisBreakdown  = "NOT_AT_THIS_BREAKDOWN"
)

// MaxGroupBy bounds a query's grouping: beyond it every cell is a small cell anyway.
const MaxGroupBy = 4

// Validate checks the query's shape (the metric's existence is checked against the
// codebook by the service).
func (q *Query) Validate() error {
	if q.Metric == "" || len(q.Metric) > 64 {
		return hjx.Invalid("query.metric", "is required: a codebook metric code")
	}
	if len(q.GroupBy) > MaxGroupBy {
		return hjx.Invalid("query.groupBy", "at most %d dimensions", MaxGroupBy)
	}
	seen := map[Dimension]bool{}
	for _, d := range q.GroupBy {
		if !slices.Contains(Dimensions(), d) {
			return hjx.Invalid("query.groupBy", "holds an unknown dimension")
		}
		if seen[d] {
			return hjx.Invalid("query.groupBy", "%s is given twice", d)
		}
		seen[d] = true
	}
	if seen[DimQuarter] && seen[DimYear] {
		return hjx.Invalid("query.groupBy", "group by QUARTER or YEAR, not both")
	}
	if seen[DimWelfareDomain] && seen[DimIhelpCategory] {
		return hjx.Invalid("query.groupBy", "group by WELFARE_DOMAIN or IHELP_CATEGORY, not both (each domain has one category)")
	}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return hjx.Invalid("query.to", "must not be before query.from")
	}
	for _, c := range q.Countries {
		if !hjx.In(hjx.AllCountries(), c) {
			return hjx.Invalid("query.countries", "holds an unknown country (%s)", hjx.Alternatives(hjx.AllCountries()))
		}
	}
	for _, s := range q.HealthSettings {
		if !hjx.In(hjx.AllHealthSettings(), s) {
			return hjx.Invalid("query.healthSettings", "holds an unknown health setting")
		}
	}
	for _, w := range q.WelfareDomains {
		if !hjx.In(hjx.AllWelfareDomains(), w) {
			return hjx.Invalid("query.welfareDomains", "holds an unknown welfare domain")
		}
	}
	if len(q.RatioTo) > 64 {
		return hjx.Invalid("query.ratioTo", "must be a codebook metric code")
	}
	if q.RatioTo != "" && q.PerPerson {
		return hjx.Invalid("query.perPerson", "ask for ratioTo or perPerson, not both")
	}
	if q.Currency != "" && !hjx.In(hjx.AllReportingCurrencies(), hjx.ReportingCurrency(q.Currency)) {
		return hjx.Invalid("query.currency", "must be %s", hjx.Alternatives(hjx.AllReportingCurrencies()))
	}
	return nil
}

func (q *Query) grouped(d Dimension) bool { return slices.Contains(q.GroupBy, d) }
