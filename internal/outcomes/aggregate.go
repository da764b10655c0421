package outcomes

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Contribution is one partner's share of one cell, as PostgreSQL aggregated it.
type Contribution struct {
	PartnerID  string
	Rows       int
	Value      float64 // COUNT: sum; PROPORTION: numerators; AMOUNT: converted total; MEAN: sum of n*mean
	N          int64   // PROPORTION: denominators; AMOUNT and MEAN: persons
	SumSquares float64 // MEAN: sum of (n-1)*sd^2 + n*mean^2, for the pooled SD
	SDs        int     // MEAN: rows that carried an sd
	// ValueKey and NKey are the sums of the partner's rows' record keys (value and n
	// roles) in the cell: disclosure reduces the cell's sums modulo its key range,
	// so the same rows give the same noise in every query.
	ValueKey, NKey int64
	// Months has bit m-1 set for every calendar month m of its start year the
	// partner's periods in the cell cover (bits 12 and up: the next year's), so a
	// period bucket missing some of its months shows as partial.
	Months int64
	// MinCell and Identifiable are the partner's policy settings and ValueUnit and
	// NUnit its unit keys for the metric (disclosure.Contribution): set by
	// Service.Contributions on the partner's own node, so that the protect step
	// needs nothing else of the partner.
	MinCell      int
	Identifiable bool
	ValueUnit    uint64
	NUnit        uint64
}

// RawCell is one cell before disclosure control: its key (one value per grouped
// dimension, "" where the dimension is absent) and each partner's contribution.
type RawCell struct {
	Key           []string
	Contributions []Contribution
}

// Aggregation is what one round trip to PostgreSQL returns.
type Aggregation struct {
	Cells []RawCell
	// Excluded counts observations of allowed partners left out, by reason, and
	// the partners among them (by reason) so coverage can say who had no figures.
	Excluded        map[string]int
	ExcludedPartner map[string]map[string]bool
}

// aggregateInput is the query plus what the service resolved around it.
type aggregateInput struct {
	Query        Query
	Kind         hjx.MetricKind
	Allowed      []string // partners whose decision is ALLOW
	Identifiable []string // allowed partners that may be shown on their own
	Currency     string   // reporting currency (AMOUNT only)
	// Naive turns the shape index and the shape counts off: every current row of the
	// metric is classified in one pass, as before migration 00050. The rollup test
	// compares both paths; the service never sets it.
	Naive bool
}

// shapeExpr is observation_shape() of a row (migration 00050), written as the
// expression of the index observations_current_shape so the planner uses it.
const shapeExpr = `observation_shape(o.welfare_domain, o.ihelp_category, o.health_setting, o.age_band, o.sex, o.deprivation_scheme)`

// The bits of a row's shape: one per dimension column that is not NULL.
const (
	shapeWelfareDomain = 1 << iota
	shapeIhelpCategory
	shapeHealthSetting
	shapeAgeBand
	shapeSex
	shapeDeprivation
)

// shapes returns the one shape of the rows at the query's breakdown and the shape
// of the rows coarser than it (-1: none), when the breakdown is a function of the
// shape alone. It is not (ok false) when the rows at the breakdown depend on other
// rows (I-HELP grouping: a coarse row counts only without fine siblings; a health
// setting grouping or filter: a row without a setting counts for a single-setting
// partner only without explicit siblings), or when a filter on a dimension's values
// applies to the rows left out (welfare domains): those queries take the naive path.
func shapes(q Query) (at, coarser int, ok bool) {
	if q.grouped(DimIhelpCategory) || q.grouped(DimHealthSetting) || len(q.HealthSettings) > 0 || len(q.WelfareDomains) > 0 {
		return 0, 0, false
	}
	coarser = -1
	if q.grouped(DimWelfareDomain) {
		at |= shapeWelfareDomain
		coarser = shapeIhelpCategory
	}
	for _, c := range []struct {
		d   Dimension
		bit int
	}{{DimAgeBand, shapeAgeBand}, {DimSex, shapeSex}, {DimDeprivationQuintile, shapeDeprivation}} {
		if q.grouped(c.d) {
			at |= c.bit
		}
	}
	if coarser >= 0 {
		coarser |= at &^ shapeWelfareDomain
	}
	return at, coarser, true
}

// keyExpr returns the SQL of a dimension's cell key (text). The base CTE names are
// used: o = observation, p = partner.
func keyExpr(d Dimension) string {
	switch d {
	case DimCountry:
		return `b.country`
	case DimRegion:
		return `b.region`
	case DimPartner:
		return `CASE WHEN b.partner_id = ANY($3) THEN b.partner_id ELSE '' END`
	case DimHealthSetting:
		return `b.hs`
	case DimWelfareDomain:
		return `b.welfare_domain`
	case DimIhelpCategory:
		return `b.ihelp`
	case DimAgeBand:
		return `b.age_band`
	case DimSex:
		return `b.sex`
	case DimDeprivationQuintile:
		// IMD decile 1 is the most deprived, ADI decile 10 the most disadvantaged:
		// both map to quintile 1 (docs/OUTCOMES.md).
		return `(CASE b.deprivation_scheme WHEN 'IMD_DECILE' THEN ceil(b.deprivation_value / 2.0)
			WHEN 'ADI_DECILE' THEN 6 - ceil(b.deprivation_value / 2.0) END)::int::text`
	case DimQuarter:
		return `to_char(b.period_start, 'YYYY') || '-Q' || extract(quarter FROM b.period_start)::int`
	case DimYear:
		return `to_char(b.period_start, 'YYYY')`
	}
	panic("outcomes: unknown dimension " + string(d)) // Validate rejects these first
}

// breakdown returns the SQL conditions for "this row is at the query's breakdown"
// and for "this row would be, but is coarser (I-HELP only) than a WELFARE_DOMAIN
// grouping asks". docs/ARCHITECTURE.md#the-data-flow-of-an-outcome-query: from each partner only the rows whose
// breakdown is exactly the query's grouped and filtered dimensions.
func breakdown(q Query) (at, coarser string) {
	var conds []string
	// A fine row of the same partner, metric, period and other dimensions exists:
	// then a coarse (I-HELP only) row is a second breakdown of the same figures and
	// must not be added to it.
	const fineSibling = `EXISTS (SELECT 1 FROM observations f WHERE f.current AND f.metric = o.metric
		AND f.partner_id = o.partner_id AND f.period_start = o.period_start AND f.period_end = o.period_end
		AND f.welfare_domain IS NOT NULL AND f.health_setting IS NOT DISTINCT FROM o.health_setting
		AND f.age_band IS NOT DISTINCT FROM o.age_band AND f.sex IS NOT DISTINCT FROM o.sex
		AND f.deprivation_scheme IS NOT DISTINCT FROM o.deprivation_scheme
		AND f.deprivation_value IS NOT DISTINCT FROM o.deprivation_value)`
	var domain, coarse string
	switch {
	case q.grouped(DimWelfareDomain) || len(q.WelfareDomains) > 0:
		domain = `o.welfare_domain IS NOT NULL`
		coarse = `o.ihelp_category IS NOT NULL`
	case q.grouped(DimIhelpCategory):
		domain = `(o.welfare_domain IS NOT NULL OR (o.ihelp_category IS NOT NULL AND NOT ` + fineSibling + `))`
	default:
		domain = `(o.welfare_domain IS NULL AND o.ihelp_category IS NULL)`
	}
	// A partner working in a single health setting: its rows with no setting are
	// that setting's figures, unless it also gave explicit rows for the period.
	const explicitSetting = `EXISTS (SELECT 1 FROM observations e WHERE e.current AND e.metric = o.metric
		AND e.partner_id = o.partner_id AND e.period_start = o.period_start AND e.period_end = o.period_end
		AND e.health_setting IS NOT NULL)`
	if q.grouped(DimHealthSetting) || len(q.HealthSettings) > 0 {
		conds = append(conds, `(o.health_setting IS NOT NULL OR (cardinality(p.health_settings) = 1 AND NOT `+explicitSetting+`))`)
	} else {
		conds = append(conds, `o.health_setting IS NULL`)
	}
	for _, c := range []struct {
		d   Dimension
		col string
	}{{DimAgeBand, "o.age_band"}, {DimSex, "o.sex"}, {DimDeprivationQuintile, "o.deprivation_scheme"}} {
		if q.grouped(c.d) {
			conds = append(conds, c.col+` IS NOT NULL`)
		} else {
			conds = append(conds, c.col+` IS NULL`)
		}
	}
	rest := strings.Join(conds, " AND ")
	at = domain + " AND " + rest
	if coarse == "" {
		coarser = "false"
	} else {
		coarser = coarse + " AND " + rest
	}
	return at, coarser
}

// bucketOK is true when the row's period lies wholly inside one bucket of the
// query's period grouping (always true without one).
func bucketOK(q Query) string {
	switch {
	case q.grouped(DimQuarter):
		return `date_trunc('quarter', o.period_start) = date_trunc('quarter', o.period_end)`
	case q.grouped(DimYear):
		return `date_trunc('year', o.period_start) = date_trunc('year', o.period_end)`
	}
	return `true`
}

// factorExpr converts money into the reporting currency by the year's newest rate
// version: World Bank PA.NUS.FCRF for GBP<->USD, PA.NUS.PPP for PPP dollars.
// NULL when the year has no rate.
func factorExpr(kind hjx.MetricKind, currency string) string {
	if hjx.MetricKind(kind) != hjx.KindAmount {
		return `1::numeric`
	}
	switch hjx.ReportingCurrency(currency) {
	case hjx.ReportingGBP:
		return `CASE o.currency WHEN 'GBP' THEN 1::numeric ELSE r.gbp_per_usd END`
	case hjx.ReportingUSD:
		return `CASE o.currency WHEN 'USD' THEN 1::numeric ELSE 1 / r.gbp_per_usd END`
	default: // PPP_INTL_DOLLAR
		return `CASE o.currency WHEN 'GBP' THEN 1 / r.ppp_gbp_per_intl_dollar ELSE 1 / r.ppp_usd_per_intl_dollar END`
	}
}

// buildSQL writes the one statement that returns the cells' per-partner
// contributions and the exclusion counts. Every value in it is a bind parameter;
// only the fixed expressions of known dimensions are spliced in.
//
// $1 metric, $2 allowed partners, $3 identifiable partners, $4 countries, $5 from,
// $6 to, $7 health settings, $8 welfare domains, $9 metric kind; on the shape path
// (shapes ok and not Naive) $10 the shape at the breakdown and $11 the coarser one.
func buildSQL(in aggregateInput) string {
	q := in.Query
	at, coarser := breakdown(q)
	_, _, byShape := shapes(q)
	byShape = byShape && !in.Naive
	shapeFilter, shapeCounts := ``, ``
	if byShape {
		// Only rows of the breakdown's shape are read (the CASE below still checks
		// them); every other current row is counted from observation_shape_counts,
		// with the same partner, country and period conditions as b's WHERE.
		shapeFilter = `AND ` + shapeExpr + ` = $10::smallint`
		shapeCounts = `
UNION ALL
SELECT 'excluded', CASE WHEN c.shape = $11::smallint THEN '` + CoarserThanGrouping + `' ELSE '` + NotAtThisBreakdown + `' END` +
			strings.Repeat(", NULL::text", len(q.GroupBy)) + `, c.partner_id, sum(c.rows)::bigint, 0, 0, 0, 0, 0, 0,
	0::bigint
FROM observation_shape_counts c
JOIN partners p ON p.id = c.partner_id
WHERE c.metric = $1 AND c.shape <> $10::smallint AND c.partner_id = ANY($2)
	AND (cardinality($4::text[]) = 0 OR p.country = ANY($4))
	AND ($5::date IS NULL OR c.period_end >= $5) AND ($6::date IS NULL OR c.period_start <= $6)
GROUP BY 2, c.partner_id
HAVING sum(c.rows) > 0`
	}
	var keys, group, nulls strings.Builder
	for i, d := range q.GroupBy {
		fmt.Fprintf(&keys, ", %s AS k%d", keyExpr(d), i)
		fmt.Fprintf(&group, "k%d, ", i)
		fmt.Fprintf(&nulls, ", NULL::text")
	}
	rateJoin := ``
	if hjx.MetricKind(in.Kind) == hjx.KindAmount {
		// The newest version of each year's rate, for the calendar year holding most
		// of the observation's months (harmonise.RateYear; ties go to the earlier).
		rateJoin = `LEFT JOIN (SELECT DISTINCT ON (year) year, gbp_per_usd, ppp_gbp_per_intl_dollar, ppp_usd_per_intl_dollar
			FROM exchange_rates ORDER BY year, version DESC) r ON r.year = ` + rateYear

	}
	factor := factorExpr(in.Kind, in.Currency)
	return `WITH b AS (
	SELECT o.partner_id, p.country, p.region, o.value, o.n, o.sd, o.key_value, o.key_n, o.period_start, o.period_end,
		o.welfare_domain, o.age_band, o.sex, o.deprivation_scheme, o.deprivation_value,
		` + effectiveSetting + ` AS hs,
		` + ihelpExpr + ` AS ihelp,
		CASE
			WHEN ` + coarser + ` THEN '` + CoarserThanGrouping + `'
			WHEN NOT (` + at + `) THEN '` + NotAtThisBreakdown + `'
			WHEN NOT (($5::date IS NULL OR o.period_start >= $5) AND ($6::date IS NULL OR o.period_end <= $6)
				AND ` + bucketOK(q) + `) THEN '` + PeriodNotInBucket + `'
			WHEN (` + factor + `) IS NULL THEN '` + NoExchangeRate + `'
		END AS excluded,
		o.value * (` + factor + `) AS amount
	FROM observations o
	JOIN partners p ON p.id = o.partner_id
	` + welfareDomainJoin + `
	` + rateJoin + `
	WHERE o.metric = $1 AND o.current AND o.partner_id = ANY($2)
		AND $3::text[] IS NOT NULL AND $9::text IS NOT NULL -- typed even when a grouping leaves them unused
		AND (cardinality($4::text[]) = 0 OR p.country = ANY($4))
		AND ($5::date IS NULL OR o.period_end >= $5) AND ($6::date IS NULL OR o.period_start <= $6)
		AND (cardinality($7::text[]) = 0 OR ` + effectiveSetting + ` IS NULL OR ` + effectiveSetting + ` = ANY($7))
		AND (cardinality($8::text[]) = 0 OR o.welfare_domain IS NULL OR o.welfare_domain = ANY($8))
		` + shapeFilter + `
)
SELECT 'cell' AS kind, NULL::text AS reason` + keys.String() + `, b.partner_id, count(*) AS rows,
	` + cellSums + `,
	sum(b.key_value)::bigint AS key_value, sum(b.key_n)::bigint AS key_n,
	bit_or(((1::bigint << ((extract(year FROM b.period_end) * 12 + extract(month FROM b.period_end))
		- (extract(year FROM b.period_start) * 12 + extract(month FROM b.period_start)) + 1)::int) - 1)
		<< (extract(month FROM b.period_start)::int - 1)) AS months
FROM b WHERE b.excluded IS NULL
GROUP BY ` + group.String() + `b.partner_id
UNION ALL
SELECT 'excluded', b.excluded` + nulls.String() + `, b.partner_id, count(*), 0, 0, 0, 0, 0, 0, 0::bigint
FROM b WHERE b.excluded IS NOT NULL
GROUP BY b.excluded, b.partner_id` + shapeCounts
}

// rateYear is harmonise.RateYear in SQL: periods span at most two calendar years,
// so the end's year wins only when it holds more of the period's months.
const rateYear = `(CASE WHEN extract(year FROM o.period_end) > extract(year FROM o.period_start)
	AND extract(month FROM o.period_end) > 13 - extract(month FROM o.period_start)
	THEN extract(year FROM o.period_end) ELSE extract(year FROM o.period_start) END)::int`

// cellSums are a partner's sums in a cell ($9 the metric's kind): the value total
// (MEAN: of n * mean), the persons, and for MEAN the sum of (n-1)*sd^2 + n*mean^2
// and the rows with an sd, from which toDisclosureCell pools the mean and SD as
// harmonise.PoolMeans does (TestPoolingMatchesGo). A row of nobody (n = 0) adds no
// within-group term: (n-1)*sd^2 would subtract one.
const cellSums = `COALESCE(sum(CASE WHEN $9 = 'MEAN' THEN b.n * b.value ELSE b.amount END), 0)::float8 AS value,
	COALESCE(sum(b.n), 0)::bigint AS n,
	COALESCE(sum(GREATEST(b.n - 1, 0) * b.sd * b.sd + b.n * b.value * b.value), 0)::float8 AS sum_squares,
	count(b.sd) AS sds`

// welfareDomainJoin and ihelpExpr roll a row's welfare domain up into its I-HELP
// category by the crosswalk table (loaded from reference/ihelp_crosswalk.csv).
const (
	welfareDomainJoin = `LEFT JOIN welfare_domains wd ON wd.code = o.welfare_domain`
	ihelpExpr         = `COALESCE(o.ihelp_category, wd.ihelp_category)`
)

// effectiveSetting is a row's health setting: its own, or its partner's when the
// partner works in a single setting.
const effectiveSetting = `COALESCE(o.health_setting, CASE WHEN cardinality(p.health_settings) = 1 THEN p.health_settings[1] END)`

// buildArgs returns buildSQL's bind parameters.
func buildArgs(in aggregateInput) []any {
	args := []any{in.Query.Metric, pq.Array(hjx.NonNil(in.Allowed)),
		pq.Array(hjx.NonNil(in.Identifiable)), pq.Array(hjx.NonNil(in.Query.Countries)), in.Query.From, in.Query.To, pq.Array(hjx.NonNil(in.Query.HealthSettings)),
		pq.Array(hjx.NonNil(in.Query.WelfareDomains)), in.Kind}
	if at, coarser, ok := shapes(in.Query); ok && !in.Naive {
		args = append(args, at, coarser)
	}
	return args
}

// Statement returns the aggregation statement of a query and its arguments, on the
// shape path or (naive) classifying every current row of the metric as hjx did
// before migration 00050, so `make bench` can time hjx's own SQL before and after
// the rollups directly in PostgreSQL. kind is the metric's kind.
func Statement(q Query, kind hjx.MetricKind, currency string, allowed, identifiable []string, naive bool) (string, []any) {
	in := aggregateInput{Query: q, Kind: kind, Currency: currency, Allowed: allowed, Identifiable: identifiable, Naive: naive}
	return buildSQL(in), buildArgs(in)
}

// aggregate runs the statement and folds its rows into cells.
func aggregate(ctx context.Context, db sqlx.QueryerContext, in aggregateInput) (*Aggregation, error) {
	rows, err := db.QueryxContext(ctx, buildSQL(in), buildArgs(in)...)
	if err != nil {
		return nil, hjx.Internal(err, "aggregate outcomes")
	}
	defer rows.Close()
	out := &Aggregation{Excluded: map[string]int{}, ExcludedPartner: map[string]map[string]bool{}}
	index := map[string]int{}
	nk := len(in.Query.GroupBy)
	for rows.Next() {
		var kind, partner string
		var reason sql.NullString
		keys := make([]sql.NullString, nk)
		var c Contribution
		dest := []any{&kind, &reason}
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &partner, &c.Rows, &c.Value, &c.N, &c.SumSquares, &c.SDs, &c.ValueKey, &c.NKey, &c.Months)
		if err := rows.Scan(dest...); err != nil {
			return nil, hjx.Internal(err, "scan outcome cell")
		}
		c.PartnerID = partner
		key := make([]string, nk)
		for i, k := range keys {
			key[i] = k.String
		}
		if kind == "excluded" {
			reason := reason.String
			out.Excluded[reason] += c.Rows
			if out.ExcludedPartner[reason] == nil {
				out.ExcludedPartner[reason] = map[string]bool{}
			}
			out.ExcludedPartner[reason][partner] = true
			continue
		}
		id := strings.Join(key, "\x00")
		i, ok := index[id]
		if !ok {
			i = len(out.Cells)
			index[id] = i
			out.Cells = append(out.Cells, RawCell{Key: key})
		}
		out.Cells[i].Contributions = append(out.Cells[i].Contributions, c)
	}
	if err := rows.Err(); err != nil {
		return nil, hjx.Internal(err, "read outcome cells")
	}
	return out, nil
}
