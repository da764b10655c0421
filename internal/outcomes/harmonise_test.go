package outcomes

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/harmonise"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/internal/reference"
)

// The differential tests: the outcome query's SQL fragments (rateYear, bucketOK
// and the period keys, the deprivation quintile key, factorExpr, cellSums with
// toDisclosureCell, the crosswalk join) run in PostgreSQL on many random inputs
// (a fixed seed) and on the edge cases, and must agree with their Go twins in
// internal/harmonise, the readable statement of each rule.

const differentialSeed = 13

// diffRows are the random inputs of each test.
const diffRows = 2000

// period is an observation's period: whole calendar months, 1 to 12 of them, as
// uploads and the observations table allow.
type period struct{ start, end time.Time }

func monthsFrom(y int, m time.Month, months int) period {
	return period{start: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC),
		end: time.Date(y, m+time.Month(months), 0, 0, 0, 0, 0, time.UTC)}
}

// diffPeriods is every start month and length in a leap and a common year (the
// edge cases: each shape of period there is), then random periods.
func diffPeriods(rng *rand.Rand) []period {
	var ps []period
	for _, y := range []int{2019, 2020} {
		for m := time.January; m <= time.December; m++ {
			for n := 1; n <= 12; n++ {
				ps = append(ps, monthsFrom(y, m, n))
			}
		}
	}
	for range diffRows {
		ps = append(ps, monthsFrom(1995+rng.IntN(40), time.Month(1+rng.IntN(12)), 1+rng.IntN(12)))
	}
	return ps
}

// periodArrays are the periods' bounds as date arrays for unnest.
func periodArrays(ps []period) (starts, ends any) {
	s, e := make([]string, len(ps)), make([]string, len(ps))
	for i, p := range ps {
		s[i], e[i] = p.start.Format(time.DateOnly), p.end.Format(time.DateOnly)
	}
	return pq.Array(s), pq.Array(e)
}

// periodsSQL are the periods as rows o (and b, the base CTE's name for them), in
// input order.
const periodsSQL = ` FROM unnest($1::date[], $2::date[]) WITH ORDINALITY AS o(period_start, period_end, i)
	CROSS JOIN LATERAL (SELECT o.period_start, o.period_end) AS b ORDER BY o.i`

// column reads a one-column result, NULL as !Valid.
func column(t *testing.T, db *sqlx.DB, query string, args ...any) []sql.NullString {
	t.Helper()
	var out []sql.NullString
	if err := db.Select(&out, query, args...); err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	return out
}

func TestRateYearMatchesGo(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ps := diffPeriods(rand.New(rand.NewPCG(differentialSeed, 1)))
	starts, ends := periodArrays(ps)
	got := column(t, db, `SELECT `+rateYear+periodsSQL, starts, ends)
	for i, p := range ps {
		if want := strconv.Itoa(harmonise.RateYear(p.start, p.end)); got[i].String != want {
			t.Errorf("%s..%s: SQL rate year %v, harmonise.RateYear %s", p.start.Format(time.DateOnly),
				p.end.Format(time.DateOnly), got[i], want)
		}
	}
}

func TestPeriodBucketMatchesGo(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ps := diffPeriods(rand.New(rand.NewPCG(differentialSeed, 2)))
	starts, ends := periodArrays(ps)
	for _, c := range []struct {
		dim  Dimension
		kind string
	}{{DimQuarter, harmonise.Quarter}, {DimYear, harmonise.Year}} {
		t.Run(c.kind, func(t *testing.T) {
			q := Query{GroupBy: []Dimension{c.dim}}
			got := column(t, db, `SELECT CASE WHEN `+bucketOK(q)+` THEN `+keyExpr(c.dim)+` END`+periodsSQL, starts, ends)
			for i, p := range ps {
				label, ok := harmonise.Bucket(c.kind, p.start, p.end)
				if got[i].Valid != ok || got[i].String != label {
					t.Errorf("%s..%s: SQL bucket %v, harmonise.Bucket %q %v", p.start.Format(time.DateOnly),
						p.end.Format(time.DateOnly), got[i], label, ok)
				}
			}
		})
	}
}

// TestQuintileMatchesGo runs every decile of both schemes (the whole domain the
// observations table allows) and a scheme neither knows.
func TestQuintileMatchesGo(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	var schemes []string
	var deciles []int64
	for _, s := range []string{harmonise.IMDDecile, harmonise.ADIDecile, "SIMD_DECILE"} {
		for d := int64(1); d <= 10; d++ {
			schemes, deciles = append(schemes, s), append(deciles, d)
		}
	}
	got := column(t, db, `SELECT `+keyExpr(DimDeprivationQuintile)+` FROM unnest($1::text[], $2::smallint[])
		WITH ORDINALITY AS b(deprivation_scheme, deprivation_value, i) ORDER BY b.i`, pq.Array(schemes), pq.Array(deciles))
	for i := range schemes {
		q, err := harmonise.Quintile(schemes[i], int(deciles[i]))
		if got[i].Valid != (err == nil) || (err == nil && got[i].String != strconv.Itoa(q)) {
			t.Errorf("%s %d: SQL quintile %v, harmonise.Quintile %d %v", schemes[i], deciles[i], got[i], q, err)
		}
	}
}

// TestCrosswalkInSQL: the outcome query rolls every welfare domain up into the
// I-HELP category of reference/ihelp_crosswalk.csv, and keeps a row's own category.
func TestCrosswalkInSQL(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	rows, err := reference.Crosswalks()
	if err != nil {
		t.Fatal(err)
	}
	domains, want := []string{"HOUSING"}, []string{"HOUSING_UTILITIES"}
	for _, r := range rows {
		domains, want = append(domains, r.WelfareDomain), append(want, r.IhelpCategory)
	}
	categories := make([]*string, len(domains))
	own := "LEGAL_STATUS"
	categories[0], domains[0], want[0] = &own, "", own // a coarse row's own category
	got := column(t, db, `SELECT `+ihelpExpr+` FROM unnest($1::text[], $2::text[]) WITH ORDINALITY
		AS u(welfare_domain, ihelp_category, i)
		CROSS JOIN LATERAL (SELECT NULLIF(u.welfare_domain, '') AS welfare_domain, u.ihelp_category) AS o
		`+welfareDomainJoin+` ORDER BY u.i`, pq.Array(domains), pq.Array(categories))
	for i := range domains {
		if got[i].String != want[i] {
			t.Errorf("%q: SQL category %v, want %s", domains[i], got[i], want[i])
		}
	}
	if len(rows) != 11 {
		t.Errorf("the crosswalk has %d domains, want 11", len(rows))
	}
}

// moneyCase is one conversion: an amount in its stored currency and the year whose
// rates convert it.
type moneyCase struct {
	amount decimal.Decimal
	from   string
	year   int
}

// randomRates gives the years 2010-2024 random positive rates, leaving some out.
func randomRates(rng *rand.Rand) []reference.Rate {
	var rows []reference.Rate
	rate := func() string { return decimal.New(1+rng.Int64N(2_000_000), -6).String() } // 0.000001 .. 2
	for y := 2010; y <= 2024; y++ {
		if rng.IntN(5) > 0 {
			rows = append(rows, reference.Rate{Year: y, GBPPerUSD: rate(), PPPGBPPerIntl: rate(), PPPUSDPerIntl: rate()})
		}
	}
	return rows
}

func moneyCases(rng *rand.Rand) []moneyCase {
	cases := []moneyCase{{decimal.Zero, harmonise.GBP, 2015}, {decimal.New(1, 15), harmonise.USD, 2020},
		{decimal.New(1, -2), harmonise.GBP, 2009}, {decimal.New(1, -2), harmonise.USD, 2025}}
	for range diffRows {
		amount := decimal.New(rng.Int64N(1_000_000_000_000), -int32(rng.IntN(3)))
		cases = append(cases, moneyCase{amount, []string{harmonise.GBP, harmonise.USD}[rng.IntN(2)], 2008 + rng.IntN(18)})
	}
	return cases
}

// TestMoneyConversionMatchesGo: factorExpr against harmonise.Convert, per reporting
// currency. PostgreSQL divides to 16 significant digits and Convert rounds to 10
// places, so they agree to 1e-9 plus a relative 1e-15; a year without a rate is
// NULL in SQL and ErrNoRate in Go.
func TestMoneyConversionMatchesGo(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	rng := rand.New(rand.NewPCG(differentialSeed, 3))
	rateRows := randomRates(rng)
	rates, err := harmonise.RatesFromReference(rateRows)
	if err != nil {
		t.Fatal(err)
	}
	cases := moneyCases(rng)
	for _, to := range []string{harmonise.GBP, harmonise.USD, harmonise.PPPIntlDollar} {
		t.Run(to, func(t *testing.T) {
			got := convertInSQL(t, db, to, cases, rateRows)
			for i, c := range cases {
				want, err := harmonise.Convert(c.amount, c.from, to, c.year, rates)
				if err != nil {
					if !errors.Is(err, harmonise.ErrNoRate) || got[i].Valid {
						t.Errorf("%s %s %d: SQL %v, Convert %v", c.amount, c.from, c.year, got[i], err)
					}
					continue
				}
				sqlValue, perr := decimal.NewFromString(got[i].String)
				tolerance := decimal.New(1, -9).Add(want.Abs().Mul(decimal.New(1, -15)))
				if perr != nil || sqlValue.Sub(want).Abs().GreaterThan(tolerance) {
					t.Errorf("%s %s %d: SQL %v, Convert %s", c.amount, c.from, c.year, got[i], want)
				}
			}
		})
	}
}

// convertInSQL converts the cases into a reporting currency by factorExpr, with the
// rates joined by year as the outcome query joins them.
func convertInSQL(t *testing.T, db *sqlx.DB, to string, cases []moneyCase, rateRows []reference.Rate) []sql.NullString {
	t.Helper()
	amounts, froms, years := make([]string, len(cases)), make([]string, len(cases)), make([]int64, len(cases))
	for i, c := range cases {
		amounts[i], froms[i], years[i] = c.amount.String(), c.from, int64(c.year)
	}
	var ry []int64
	var gbp, pppGBP, pppUSD []string
	for _, r := range rateRows {
		ry, gbp = append(ry, int64(r.Year)), append(gbp, r.GBPPerUSD)
		pppGBP, pppUSD = append(pppGBP, r.PPPGBPPerIntl), append(pppUSD, r.PPPUSDPerIntl)
	}
	return column(t, db, `SELECT (o.value * (`+factorExpr("AMOUNT", to)+`))::text
		FROM unnest($1::numeric[], $2::text[], $3::int[]) WITH ORDINALITY AS o(value, currency, year, i)
		LEFT JOIN unnest($4::int[], $5::numeric[], $6::numeric[], $7::numeric[])
			AS r(year, gbp_per_usd, ppp_gbp_per_intl_dollar, ppp_usd_per_intl_dollar) ON r.year = o.year
		ORDER BY o.i`, pq.Array(amounts), pq.Array(froms), pq.Array(years),
		pq.Array(ry), pq.Array(gbp), pq.Array(pppGBP), pq.Array(pppUSD))
}

// meanRow is one observation of a MEAN metric, of one partner, in one cell.
type meanRow struct {
	partner string
	group   harmonise.Group
}

func (r meanRow) String() string {
	sd := "none"
	if r.group.SD != nil {
		sd = strconv.FormatFloat(*r.group.SD, 'f', -1, 64)
	}
	return fmt.Sprintf("%s: mean %v sd %s n %d", r.partner, r.group.Mean, sd, r.group.N)
}

// randomCell gives a cell of 1 to 4 partners with 1 to 5 rows each: n from 0 (the
// edge cases 0 and 1 often), a mean on a WEMWBS-like scale, an sd or none.
func randomCell(rng *rand.Rand) []meanRow {
	var rows []meanRow
	for p := range 1 + rng.IntN(4) {
		for range 1 + rng.IntN(5) {
			g := harmonise.Group{N: []int{0, 1, 2, rng.IntN(500)}[rng.IntN(4)],
				Mean: float64(rng.IntN(1121)-560) / 10}
			if rng.IntN(10) > 0 {
				sd := float64(rng.IntN(2001)) / 100
				g.SD = &sd
			}
			rows = append(rows, meanRow{partner: fmt.Sprintf("p%d", p), group: g})
		}
	}
	return rows
}

// TestPoolingMatchesGo: a MEAN cell pooled from PostgreSQL's sums (cellSums, per
// partner) by toDisclosureCell against harmonise.PoolMeans over the cell's rows.
// Variances agree to 1e-9 of the mean square (the sums' form cancels), means to
// 1e-9.
func TestPoolingMatchesGo(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	rng := rand.New(rand.NewPCG(differentialSeed, 4))
	for i := range diffRows / 4 {
		rows := randomCell(rng)
		c := toDisclosureCell(RawCell{Contributions: sumsInSQL(t, db, rows)}, hjx.KindMean)
		groups := make([]harmonise.Group, len(rows))
		var meanSquare float64
		for j, r := range rows {
			groups[j] = r.group
			meanSquare += r.group.Mean * r.group.Mean
		}
		meanSquare /= float64(len(rows))
		want, err := harmonise.PoolMeans(groups)
		switch {
		case errors.Is(err, harmonise.ErrNoPersons):
			if c.N != 0 || c.SD != nil {
				t.Errorf("cell %d of nobody: SQL n %d sd %v", i, c.N, c.SD)
			}
		case err != nil:
			t.Fatal(err)
		case c.N != want.N || math.Abs(c.Value-want.Mean) > 1e-9*(1+math.Abs(want.Mean)):
			t.Errorf("cell %d %v: SQL mean %v n %d, PoolMeans %v n %d", i, rows, c.Value, c.N, want.Mean, want.N)
		case (c.SD == nil) != (want.SD == nil):
			t.Errorf("cell %d %v: SQL sd %v, PoolMeans sd %v", i, rows, c.SD, want.SD)
		case c.SD != nil && math.Abs(*c.SD**c.SD-*want.SD**want.SD) > 1e-9*(1+meanSquare):
			t.Errorf("cell %d %v: SQL sd %v, PoolMeans sd %v", i, rows, *c.SD, *want.SD)
		}
	}
}

// sumsInSQL runs cellSums over the rows as the outcome query's base CTE b ($9 the
// metric's kind; $5-$8 are only typed) and returns each partner's contribution.
func sumsInSQL(t *testing.T, db *sqlx.DB, rows []meanRow) []Contribution {
	t.Helper()
	partners, ns, means, sds := make([]string, len(rows)), make([]int64, len(rows)), make([]string, len(rows)), make([]*string, len(rows))
	for i, r := range rows {
		partners[i], ns[i], means[i] = r.partner, int64(r.group.N), strconv.FormatFloat(r.group.Mean, 'f', -1, 64)
		if r.group.SD != nil {
			s := strconv.FormatFloat(*r.group.SD, 'f', -1, 64)
			sds[i] = &s
		}
	}
	var out []Contribution
	q, err := db.Queryx(`SELECT b.partner_id, count(*) AS rows, `+cellSums+`
		FROM (SELECT u.*, NULL::numeric AS amount
			FROM unnest($1::text[], $2::int[], $3::numeric[], $4::numeric[]) AS u(partner_id, n, value, sd)) AS b
		WHERE num_nulls($5::text, $6::text, $7::text, $8::text) = 4
		GROUP BY b.partner_id ORDER BY b.partner_id`,
		pq.Array(partners), pq.Array(ns), pq.Array(means), pq.Array(sds), nil, nil, nil, nil, "MEAN")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var c Contribution
		if err := q.Scan(&c.PartnerID, &c.Rows, &c.Value, &c.N, &c.SumSquares, &c.SDs); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
