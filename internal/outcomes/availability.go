package outcomes

import (
	"context"
	"slices"
	"sort"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// Granularity is a period length a breakdown's rows fit wholly in (the QUARTER and
// YEAR groupings keep only such rows); the GraphQL enum PeriodGranularity.
type Granularity string

// The granularities.
const (
	GranularityQuarter Granularity = "QUARTER"
	GranularityYear    Granularity = "YEAR"
)

// Availability is what data a project may pool: per metric, the breakdown shapes
// holding rows of allowed partners. It carries partner counts only, never values
// nor row counts, so a researcher can find where to ask without asking cell by
// cell (each of which would be an audited query returning mostly suppressed cells).
type Availability struct {
	ProjectID string
	Metrics   []MetricAvailability
}

// MetricAvailability is one codebook metric's breakdowns with data.
type MetricAvailability struct {
	Metric     string
	Breakdowns []BreakdownAvailability
}

// BreakdownAvailability is one breakdown shape: the dimensions its rows are broken
// down by (none for totals), in the order of Dimensions.
type BreakdownAvailability struct {
	Dimensions    []Dimension
	Granularities []Granularity // GranularityQuarter and/or GranularityYear
	Years         []int
	Partners      int
	Countries     []CountryAvailability
}

// CountryAvailability is how many allowed partners of a country give a breakdown.
type CountryAvailability struct {
	Country  hjx.Country
	Partners int
}

// shapeDimensions maps the bits of observation_shape() to the dimensions they
// stand for, in the order of Dimensions.
var shapeDimensions = []struct {
	bit int
	dim Dimension
}{{shapeHealthSetting, DimHealthSetting}, {shapeWelfareDomain, DimWelfareDomain}, {shapeIhelpCategory, DimIhelpCategory},
	{shapeAgeBand, DimAgeBand}, {shapeSex, DimSex}, {shapeDeprivation, DimDeprivationQuintile}}

type availabilityRow struct {
	Metric        string        `db:"metric"`
	PartnerID     string        `db:"partner_id"`
	Shape         int           `db:"shape"`
	Fits          int           `db:"fits"`
	Years         pq.Int64Array `db:"years"`
	Country       hjx.Country   `db:"country"`
	SingleSetting bool          `db:"single_setting"`
}

// Availability answers the catalogue for a project: the same access rule as
// outcome queries, only partners whose decision is ALLOW, one audit entry per call.
// It reads observation_availability_summary (migration 00110), one row per partner,
// metric and shape, never observations.
//
// A breakdown is listed for every grouping it answers, as an outcome query takes
// rows: rows by fine welfare domain also answer IHELP_CATEGORY (they roll up), and
// the rows of a partner working in a single health setting also answer
// HEALTH_SETTING (they are that setting's figures).
func (s *Service) Availability(ctx context.Context, p *hjx.Principal, projectID string) (*Availability, error) {
	if err := s.Governance.RequireOutcomeAccess(ctx, p, projectID); err != nil {
		return nil, err
	}
	decisions, err := s.Governance.DecisionsForProject(ctx, p, projectID)
	if err != nil {
		return nil, err
	}
	var allowed []string
	var excluded []audit.Excluded
	for _, d := range decisions {
		if d.Decision.Outcome != access.Allow {
			excluded = append(excluded, audit.Excluded{PartnerID: d.PartnerID, Reasons: reasonCodes(d.Decision.Reasons)})
			continue
		}
		allowed = append(allowed, d.PartnerID)
	}
	// One summary row per partner, metric and shape; the partners' countries and
	// settings come from a second, small read.
	var rows []availabilityRow
	err = sqlx.SelectContext(ctx, s.DB, &rows, `
		SELECT a.metric, a.partner_id, a.shape, a.fits, a.years
		FROM observation_availability_summary a JOIN unnest($1::text[]) p(id) ON p.id = a.partner_id`,
		pq.Array(hjx.NonNil(allowed)))
	if err != nil {
		return nil, hjx.Internal(err, "read availability")
	}
	var partners []struct {
		ID            string      `db:"id"`
		Country       hjx.Country `db:"country"`
		SingleSetting bool        `db:"single_setting"`
	}
	err = sqlx.SelectContext(ctx, s.DB, &partners, `SELECT id, country, cardinality(health_settings) = 1 AS single_setting
		FROM partners WHERE id = ANY($1)`, pq.Array(hjx.NonNil(allowed)))
	if err != nil {
		return nil, hjx.Internal(err, "read availability partners")
	}
	for i := range rows {
		for _, pa := range partners {
			if pa.ID == rows[i].PartnerID {
				rows[i].Country, rows[i].SingleSetting = pa.Country, pa.SingleSetting
			}
		}
	}
	out := foldAvailability(projectID, rows)
	var included []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.PartnerID] {
			seen[r.PartnerID] = true
			included = append(included, r.PartnerID)
		}
	}
	sort.Strings(included)
	e := audit.Entry{Action: "outcomes.availability", Subject: "project:" + projectID, ProjectID: projectID,
		Request: "availability:" + projectID, PartnersIncluded: included, PartnersExcluded: excluded,
		Detail: map[string]string{"metrics": itoa(len(out.Metrics))}}
	err = postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		_, err := s.Audit.Append(ctx, tx, p, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func reasonCodes(rs []access.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

// foldAvailability turns the per-partner rows into the catalogue: per metric and
// shape (with the derived groupings), the union of granularities and years, and the
// distinct partners overall and per country. Metrics are listed by code, the
// codebook's order.
func foldAvailability(projectID string, rows []availabilityRow) *Availability {
	c := catalogue{byMetric: map[string]map[int]*shapeAcc{}}
	for _, r := range rows {
		for _, v := range shapeVariants(r) {
			c.add(r.Metric, v, r.Fits, r.Years, r.PartnerID, r.Country)
		}
	}
	out := &Availability{ProjectID: projectID, Metrics: []MetricAvailability{}}
	slices.Sort(c.metrics)
	for _, m := range c.metrics {
		shapes := make([]*shapeAcc, 0, len(c.byMetric[m]))
		for _, a := range c.byMetric[m] {
			shapes = append(shapes, a)
		}
		// Totals first, then by number of dimensions, then by the dimensions' order.
		sort.Slice(shapes, func(i, j int) bool {
			if len(shapes[i].dims) != len(shapes[j].dims) {
				return len(shapes[i].dims) < len(shapes[j].dims)
			}
			return dimsKey(shapes[i].dims) < dimsKey(shapes[j].dims)
		})
		ma := MetricAvailability{Metric: m}
		for _, a := range shapes {
			ma.Breakdowns = append(ma.Breakdowns, a.breakdown())
		}
		out.Metrics = append(out.Metrics, ma)
	}
	return out
}

// shapeVariants is the shapes a row serves: its own, the I-HELP grouping of a
// welfare-domain breakdown, and, for a partner in a single health setting, each of
// those by health setting too.
func shapeVariants(r availabilityRow) []int {
	variants := []int{r.Shape}
	if r.Shape&shapeWelfareDomain != 0 {
		variants = append(variants, r.Shape&^shapeWelfareDomain|shapeIhelpCategory)
	}
	if r.SingleSetting {
		for _, v := range variants {
			if v&shapeHealthSetting == 0 {
				variants = append(variants, v|shapeHealthSetting)
			}
		}
	}
	return variants
}

// catalogue gathers the shapes of each metric, metrics in order of first sight.
type catalogue struct {
	byMetric map[string]map[int]*shapeAcc
	metrics  []string
}

// shapeAcc is one metric's shape as gathered so far.
type shapeAcc struct {
	fits     int
	years    map[int]bool
	partners map[string]hjx.Country // partner -> country
	dims     []Dimension
}

func (c *catalogue) add(metric string, shape, fits int, years []int64, partner string, country hjx.Country) {
	shapes := c.byMetric[metric]
	if shapes == nil {
		shapes = map[int]*shapeAcc{}
		c.byMetric[metric] = shapes
		c.metrics = append(c.metrics, metric)
	}
	a := shapes[shape]
	if a == nil {
		a = &shapeAcc{years: map[int]bool{}, partners: map[string]hjx.Country{}}
		for _, sd := range shapeDimensions {
			if shape&sd.bit != 0 {
				a.dims = append(a.dims, sd.dim)
			}
		}
		shapes[shape] = a
	}
	a.fits |= fits
	for _, y := range years {
		a.years[int(y)] = true
	}
	a.partners[partner] = country
}

func (a *shapeAcc) breakdown() BreakdownAvailability {
	b := BreakdownAvailability{Dimensions: a.dims, Granularities: []Granularity{}, Partners: len(a.partners)}
	if b.Dimensions == nil {
		b.Dimensions = []Dimension{}
	}
	if a.fits&1 != 0 {
		b.Granularities = append(b.Granularities, GranularityQuarter)
	}
	if a.fits&2 != 0 {
		b.Granularities = append(b.Granularities, GranularityYear)
	}
	for y := range a.years {
		b.Years = append(b.Years, y)
	}
	slices.Sort(b.Years)
	perCountry := map[hjx.Country]int{}
	for _, c := range a.partners {
		perCountry[c]++
	}
	for _, c := range hjx.AllCountries() {
		if n := perCountry[c]; n > 0 {
			b.Countries = append(b.Countries, CountryAvailability{Country: c, Partners: n})
		}
	}
	return b
}

// dimsKey orders dimension lists by the positions of their dimensions in Dimensions.
func dimsKey(ds []Dimension) string {
	all, b := Dimensions(), make([]byte, len(ds))
	for i, d := range ds {
		b[i] = byte('a' + slices.Index(all, d))
	}
	return string(b)
}
