package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Years the demo covers: quarterly figures for each, inside the reference rates' years.
var Years = []int{2019, 2020, 2021}

// Columns is the CSV header the demo files use: the full upload format of docs/UPLOADS.md
// section 5.
var Columns = []string{"metric", "period_start", "period_end", "value", "n", "welfare_domain", "ihelp_category",
	"health_setting", "age_band", "sex", "deprivation_scheme", "deprivation_value", "sd", "currency"}

// Row is one observation as the upload format spells it.
type Row struct {
	Metric, PeriodStart, PeriodEnd, Value, N                      string
	WelfareDomain, IhelpCategory, AgeBand, Sex, DeprivationScheme string
	DeprivationValue, SD, Currency                                string
}

func (r Row) record() []string {
	return []string{r.Metric, r.PeriodStart, r.PeriodEnd, r.Value, r.N, r.WelfareDomain, r.IhelpCategory, "",
		r.AgeBand, r.Sex, r.DeprivationScheme, r.DeprivationValue, r.SD, r.Currency}
}

// CSV renders rows as an upload file.
func CSV(rows []Row) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(Columns)
	for _, r := range rows {
		_ = w.Write(r.record())
	}
	w.Flush()
	return b.Bytes()
}

var ihelpOf = map[hjx.WelfareDomain]string{
	"WELFARE_BENEFITS": "INCOME_INSURANCE", "DEBT": "INCOME_INSURANCE", "HEALTH_INSURANCE": "INCOME_INSURANCE",
	"HOUSING": "HOUSING_UTILITIES", "UTILITIES": "HOUSING_UTILITIES", "EMPLOYMENT": "EDUCATION_EMPLOYMENT",
	"EDUCATION": "EDUCATION_EMPLOYMENT", "IMMIGRATION": "LEGAL_STATUS", "LEGAL_STATUS_OTHER": "LEGAL_STATUS",
	"COMMUNITY_CARE": "PERSONAL_FAMILY_STABILITY", "FAMILY": "PERSONAL_FAMILY_STABILITY",
}

// domainShare is roughly how advice issues split (Beardon 2018: benefits in 93% of
// partnerships, housing and debt in 64%).
var domainShare = map[hjx.WelfareDomain]float64{
	"WELFARE_BENEFITS": 0.38, "DEBT": 0.16, "HEALTH_INSURANCE": 0.14, "HOUSING": 0.17, "UTILITIES": 0.05,
	"EMPLOYMENT": 0.05, "EDUCATION": 0.04, "IMMIGRATION": 0.05, "LEGAL_STATUS_OTHER": 0.03,
	"COMMUNITY_CARE": 0.04, "FAMILY": 0.05,
}

var ageShare = []struct {
	band  string
	share float64
}{{"AGE_0_17", 0.02}, {"AGE_18_24", 0.08}, {"AGE_25_34", 0.17}, {"AGE_35_44", 0.19}, {"AGE_45_54", 0.2},
	{"AGE_55_64", 0.17}, {"AGE_65_74", 0.1}, {"AGE_75_89", 0.065}, {"AGE_90_PLUS", 0.005}}

// Figures returns a partner's observations for one year: every codebook metric for
// each quarter (STAFF_TRAINED once, for the whole year), with breakdowns by domain,
// sex, age band and deprivation beside the totals.
func Figures(p PartnerSpec, year int) []Row {
	g := newGenerator(p, year)
	// 2020's first lockdowns cut face-to-face referrals; 2021 recovers.
	trend := map[int]float64{2019: 1.0, 2020: 0.85, 2021: 1.1}[year]
	for q := 0; q < 4; q++ {
		g.quarter(year, q, trend)
	}
	g.staffTrained(year)
	return g.rows
}

// generator draws one partner-year's rows. Its random source is seeded from the
// partner and the year, so the same call gives the same rows; the steps draw from it
// in a fixed order, which is what keeps them the same.
type generator struct {
	p         PartnerSpec
	rng       *rand.Rand
	currency  string
	perClient float64 // a typical gain per client with a financial outcome
	scheme    string  // the partner's deprivation scheme, "" for none
	rows      []Row
}

func newGenerator(p PartnerSpec, year int) *generator {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", p.ID, year)
	g := &generator{p: p, rng: rand.New(rand.NewPCG(h.Sum64(), 2019))}
	currency := map[hjx.Country]hjx.Currency{hjx.CountryGB: hjx.CurrencyGBP, hjx.CountryUS: hjx.CurrencyUSD}[p.Country]
	g.currency = string(currency)
	// About GBP 2,800 or USD 3,900 (Woodhead 2018; Reece 2024; NCMLP measure 6).
	g.perClient = map[hjx.Currency]float64{hjx.CurrencyGBP: 2800, hjx.CurrencyUSD: 3900}[currency]
	// England's IMD (1 = most deprived) or the US Area Deprivation Index (10 = most
	// disadvantaged).
	switch {
	case p.Region == "GB-ENG":
		g.scheme = string(hjx.SchemeIMDDecile)
	case p.Country == hjx.CountryUS:
		g.scheme = string(hjx.SchemeADIDecile)
	}
	return g
}

func (g *generator) jitter(x, spread float64) float64 { return x * (1 + spread*(g.rng.Float64()*2-1)) }

func (g *generator) add(r Row) { g.rows = append(g.rows, r) }

// count rounds a drawn figure to a count of people.
func count(x float64) int { return max(0, int(math.Round(x))) }

// depthShare is deprivation decile d's share of a partner's clients: advice reaches
// the most deprived areas most.
func (g *generator) depthShare(d int) float64 {
	depth := float64(10-d) / 9 // 1 for the most deprived IMD decile
	if g.scheme == string(hjx.SchemeADIDecile) {
		depth = float64(d-1) / 9
	}
	return 0.02 + 0.16*depth*depth
}

// quarterRows is one quarter's period and its funnel of people, from which every
// other figure of the quarter is drawn.
type quarterRows struct {
	*generator
	ps, pe                                string
	screened, withNeed, referred, advised int
}

func (g *generator) quarter(year, q int, trend float64) {
	start := time.Date(year, time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 3, -1)
	qr := &quarterRows{generator: g, ps: start.Format(time.DateOnly), pe: end.Format(time.DateOnly)}
	base := g.p.Size * 110 * trend * g.jitter(1, 0.12)
	qr.screened = count(base * 4.2)
	qr.withNeed = count(float64(qr.screened) * g.jitter(0.46, 0.08))
	qr.referred = count(float64(qr.withNeed) * g.jitter(0.62, 0.08))
	qr.advised = count(float64(qr.referred) * g.jitter(0.85, 0.05))
	qr.funnel()
	qr.bySex()
	qr.byAge()
	qr.byDeprivation()
	qr.issues()
	qr.gains()
	qr.wellbeing()
}

// row is a count of the quarter.
func (q *quarterRows) row(metric string, v int) Row {
	return Row{Metric: metric, PeriodStart: q.ps, PeriodEnd: q.pe, Value: strconv.Itoa(v), N: ""}
}

func (q *quarterRows) funnel() {
	q.add(q.row("PATIENTS_SCREENED", q.screened))
	q.add(q.row("PATIENTS_WITH_NEED", q.withNeed))
	q.add(q.row("PATIENTS_REFERRED", q.referred))
	q.add(q.row("CLIENTS_ADVISED", q.advised))
	q.add(Row{Metric: "REFERRALS_WITH_INTAKE", PeriodStart: q.ps, PeriodEnd: q.pe,
		Value: strconv.Itoa(count(float64(q.referred) * q.jitter(0.81, 0.06))), N: strconv.Itoa(q.referred)})
}

// bySex is screening by sex: the OTHER_OR_NOT_STATED cell is small by nature.
func (q *quarterRows) bySex() {
	female := count(float64(q.screened) * q.jitter(0.57, 0.04))
	other := count(float64(q.screened) * q.jitter(0.015, 0.5))
	for _, s := range []struct {
		sex string
		v   int
	}{{string(hjx.SexFemale), female}, {string(hjx.SexMale), q.screened - female - other}, {string(hjx.SexOtherOrNotStated), other}} {
		r := q.row("PATIENTS_SCREENED", s.v)
		r.Sex = s.sex
		q.add(r)
	}
}

// byAge is clients advised by age band (the 90+ band is top-coded, as HIPAA requires).
func (q *quarterRows) byAge() {
	for _, a := range ageShare {
		r := q.row("CLIENTS_ADVISED", count(float64(q.advised)*q.jitter(a.share, 0.2)))
		r.AgeBand = a.band
		q.add(r)
	}
}

// byDeprivation is screening and clients advised by deprivation decile. (Money by
// decile is in gains.)
func (q *quarterRows) byDeprivation() {
	if q.scheme == "" {
		return
	}
	for d := 1; d <= 10; d++ {
		r := q.row("PATIENTS_SCREENED", count(float64(q.screened)*q.jitter(q.depthShare(d), 0.15)))
		r.DeprivationScheme, r.DeprivationValue = q.scheme, strconv.Itoa(d)
		q.add(r)
		r = q.row("CLIENTS_ADVISED", count(float64(q.advised)*q.jitter(q.depthShare(d), 0.15)))
		r.DeprivationScheme, r.DeprivationValue = q.scheme, strconv.Itoa(d)
		q.add(r)
	}
}

// issues is issues by domain (a client can count in several): fine domains, or
// I-HELP categories for partners that record only those.
func (q *quarterRows) issues() {
	issuesTotal := 0
	byIhelp := map[string]int{}
	var ihelpOrder []string
	for _, d := range q.p.AdviceDomains {
		v := count(float64(q.advised) * 1.6 * q.jitter(domainShare[d], 0.25))
		issuesTotal += v
		if q.p.IhelpOnly {
			c := ihelpOf[d]
			if _, seen := byIhelp[c]; !seen {
				ihelpOrder = append(ihelpOrder, c)
			}
			byIhelp[c] += v
			continue
		}
		r := q.row("ISSUES_BY_DOMAIN", v)
		r.WelfareDomain = string(d)
		q.add(r)
	}
	for _, c := range ihelpOrder {
		r := q.row("ISSUES_BY_DOMAIN", byIhelp[c])
		r.IhelpCategory = c
		q.add(r)
	}
	q.add(q.row("ISSUES_BY_DOMAIN", issuesTotal))
}

// gains is the financial gains by domain and by deprivation decile, the debt
// written off and the benefit to the health organisation.
func (q *quarterRows) gains() {
	gainClients := count(float64(q.advised) * q.jitter(0.42, 0.1))
	gainTotal := 0.0
	for _, d := range q.p.AdviceDomains {
		if d != "WELFARE_BENEFITS" && d != "DEBT" && d != "HOUSING" {
			continue
		}
		share := map[hjx.WelfareDomain]float64{"WELFARE_BENEFITS": 0.7, "DEBT": 0.18, "HOUSING": 0.12}[d]
		n := count(float64(gainClients) * share)
		amount := float64(n) * q.perClient * q.jitter(1, 0.3) * map[hjx.WelfareDomain]float64{"WELFARE_BENEFITS": 1.2, "DEBT": 0.6, "HOUSING": 0.5}[d]
		gainTotal += amount
		if q.p.IhelpOnly {
			continue
		}
		q.add(Row{Metric: "FINANCIAL_GAIN", PeriodStart: q.ps, PeriodEnd: q.pe, Value: money(amount), N: strconv.Itoa(n),
			WelfareDomain: string(d), Currency: q.currency})
	}
	q.add(Row{Metric: "FINANCIAL_GAIN", PeriodStart: q.ps, PeriodEnd: q.pe, Value: money(gainTotal), N: strconv.Itoa(gainClients), Currency: q.currency})
	// Money gained by deprivation decile: the clients with a gain split as the
	// clients advised do; gains per client a little larger where deprivation is
	// deepest (more unclaimed entitlement).
	if q.scheme != "" {
		for d := 1; d <= 10; d++ {
			n := count(float64(gainClients) * q.jitter(q.depthShare(d), 0.15))
			lift := 1.0 + 0.15*q.depthShare(d)/0.18
			q.add(Row{Metric: "FINANCIAL_GAIN", PeriodStart: q.ps, PeriodEnd: q.pe, Value: money(float64(n) * q.perClient * lift * q.jitter(1, 0.25)),
				N: strconv.Itoa(n), DeprivationScheme: q.scheme, DeprivationValue: strconv.Itoa(d), Currency: q.currency})
		}
	}
	debtClients := count(float64(q.advised) * q.jitter(0.12, 0.3))
	q.add(Row{Metric: "DEBT_WRITTEN_OFF", PeriodStart: q.ps, PeriodEnd: q.pe,
		Value: money(float64(debtClients) * q.perClient * 0.45 * q.jitter(1, 0.4)), N: strconv.Itoa(debtClients), Currency: q.currency})
	q.add(Row{Metric: "HEALTH_ORG_BENEFIT", PeriodStart: q.ps, PeriodEnd: q.pe,
		Value: money(float64(q.referred) * q.perClient * 0.05 * q.jitter(1, 0.5)), N: strconv.Itoa(q.referred), Currency: q.currency})
}

// wellbeing is wellbeing and health: UK partners measure WEMWBS, SWEMWBS and GHQ-12
// on most clients, US partners PSS-10, GAD-7 and CES-D; each side measures the
// other's instruments only on a few, which makes small cells.
func (q *quarterRows) wellbeing() {
	uk := q.p.Country == hjx.CountryGB
	q.mean("WEMWBS_CHANGE", uk, 3.6, 8.5, -56, 56)
	// Wellbeing change by the domain of the client's main problem (WEMWBS in the
	// UK, PSS-10 in the US, where a fall is an improvement).
	if uk {
		q.meanByDomain("WEMWBS_CHANGE", 3.6, 8.5, -56, 56)
	} else {
		q.meanByDomain("PSS10_CHANGE", -2.4, 6.2, -40, 40)
	}
	q.mean("SWEMWBS_CHANGE", uk, 1.9, 3.9, -28, 28)
	q.mean("PSS10_CHANGE", !uk, -2.4, 6.2, -40, 40)
	q.mean("GAD7_CHANGE", !uk, -1.7, 4.6, -21, 21)
	q.mean("CESD_CHANGE", !uk, -3.1, 9.4, -60, 60)
	q.mean("GP_CONSULTATIONS_3M", true, 2.2, 1.9, 0, 90)
	q.mean("ED_VISITS_6M", true, 0.38, 0.8, 0, 180)
	q.proportion("GHQ12_CASENESS", q.measured(uk), 0.44)
	q.proportion("FINANCIAL_STRAIN", q.measured(true), 0.52)
	q.proportion("HOUSING_REPAIRS_ACHIEVED", count(q.jitter(14*q.p.Size, 0.5)), 0.6)
}

// measured is how many clients an instrument was measured on: most, on the side
// whose home instrument it is.
func (q *quarterRows) measured(home bool) int {
	if home {
		return count(float64(q.advised) * q.jitter(0.35, 0.15))
	}
	return count(float64(q.advised) * q.jitter(0.04, 0.6))
}

// meanRow is a mean of n measurements around mu, clamped to the instrument's range.
func (q *quarterRows) meanRow(metric string, n int, mu, sd, lo, hi float64) Row {
	v := math.Max(lo, math.Min(hi, mu+sd/math.Sqrt(math.Max(1, float64(n)))*q.rng.NormFloat64()))
	return Row{Metric: metric, PeriodStart: q.ps, PeriodEnd: q.pe, Value: strconv.FormatFloat(v, 'f', 2, 64),
		N: strconv.Itoa(n), SD: strconv.FormatFloat(q.jitter(sd, 0.1), 'f', 2, 64)}
}

func (q *quarterRows) mean(metric string, home bool, mu, sd, lo, hi float64) {
	q.add(q.meanRow(metric, q.measured(home), mu, sd, lo, hi))
}

// meanByDomain is a mean by fine domain, or by I-HELP category for partners that
// record only those.
func (q *quarterRows) meanByDomain(metric string, mu, sd, lo, hi float64) {
	measuredBy := map[string]int{}
	var order []string
	for _, d := range q.p.AdviceDomains {
		key := string(d)
		if q.p.IhelpOnly {
			key = ihelpOf[d]
		}
		if _, seen := measuredBy[key]; !seen {
			order = append(order, key)
		}
		measuredBy[key] += count(float64(q.advised) * 0.35 * q.jitter(domainShare[d], 0.2))
	}
	for _, key := range order {
		r := q.meanRow(metric, measuredBy[key], mu, sd, lo, hi)
		if q.p.IhelpOnly {
			r.IhelpCategory = key
		} else {
			r.WelfareDomain = key
		}
		q.add(r)
	}
}

func (q *quarterRows) proportion(metric string, n int, rate float64) {
	q.add(Row{Metric: metric, PeriodStart: q.ps, PeriodEnd: q.pe,
		Value: strconv.Itoa(min(n, count(float64(n)*q.jitter(rate, 0.1)))), N: strconv.Itoa(n)})
}

// staffTrained is staff training, reported once a year: a 12-month period that fits
// a YEAR bucket but no QUARTER.
func (g *generator) staffTrained(year int) {
	staff := count(g.jitter(60*g.p.Size, 0.2))
	g.add(Row{Metric: "STAFF_TRAINED", PeriodStart: fmt.Sprintf("%d-01-01", year), PeriodEnd: fmt.Sprintf("%d-12-31", year),
		Value: strconv.Itoa(min(staff, count(float64(staff)*g.jitter(0.55, 0.3)))), N: strconv.Itoa(staff)})
}

func money(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', 2, 64) }
