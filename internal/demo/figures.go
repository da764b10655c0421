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

var ihelpOf = map[string]string{
	"WELFARE_BENEFITS": "INCOME_INSURANCE", "DEBT": "INCOME_INSURANCE", "HEALTH_INSURANCE": "INCOME_INSURANCE",
	"HOUSING": "HOUSING_UTILITIES", "UTILITIES": "HOUSING_UTILITIES", "EMPLOYMENT": "EDUCATION_EMPLOYMENT",
	"EDUCATION": "EDUCATION_EMPLOYMENT", "IMMIGRATION": "LEGAL_STATUS", "LEGAL_STATUS_OTHER": "LEGAL_STATUS",
	"COMMUNITY_CARE": "PERSONAL_FAMILY_STABILITY", "FAMILY": "PERSONAL_FAMILY_STABILITY",
}

// domainShare is roughly how advice issues split (Beardon 2018: benefits in 93% of
// partnerships, housing and debt in 64%).
var domainShare = map[string]float64{
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
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", p.ID, year)
	rng := rand.New(rand.NewPCG(h.Sum64(), 2019))
	currency := string(map[hjx.Country]hjx.Currency{hjx.CountryGB: hjx.CurrencyGBP, hjx.CountryUS: hjx.CurrencyUSD}[p.Country])
	// 2020's first lockdowns cut face-to-face referrals; 2021 recovers.
	trend := map[int]float64{2019: 1.0, 2020: 0.85, 2021: 1.1}[year]

	var rows []Row
	jitter := func(x, spread float64) float64 { return x * (1 + spread*(rng.Float64()*2-1)) }
	count := func(x float64) int { return max(0, int(math.Round(x))) }
	add := func(r Row) { rows = append(rows, r) }

	for q := 0; q < 4; q++ {
		start := time.Date(year, time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(0, 3, -1)
		ps, pe := start.Format(time.DateOnly), end.Format(time.DateOnly)
		base := p.Size * 110 * trend * jitter(1, 0.12)
		screened := count(base * 4.2)
		withNeed := count(float64(screened) * jitter(0.46, 0.08))
		referred := count(float64(withNeed) * jitter(0.62, 0.08))
		advised := count(float64(referred) * jitter(0.85, 0.05))
		rowCount := func(metric string, v int) Row {
			return Row{Metric: metric, PeriodStart: ps, PeriodEnd: pe, Value: strconv.Itoa(v), N: ""}
		}
		add(rowCount("PATIENTS_SCREENED", screened))
		add(rowCount("PATIENTS_WITH_NEED", withNeed))
		add(rowCount("PATIENTS_REFERRED", referred))
		add(rowCount("CLIENTS_ADVISED", advised))
		add(Row{Metric: "REFERRALS_WITH_INTAKE", PeriodStart: ps, PeriodEnd: pe,
			Value: strconv.Itoa(count(float64(referred) * jitter(0.81, 0.06))), N: strconv.Itoa(referred)})

		// Screening by sex: the OTHER_OR_NOT_STATED cell is small by nature.
		female := count(float64(screened) * jitter(0.57, 0.04))
		other := count(float64(screened) * jitter(0.015, 0.5))
		for _, s := range []struct {
			sex string
			v   int
		}{{string(hjx.SexFemale), female}, {string(hjx.SexMale), screened - female - other}, {string(hjx.SexOtherOrNotStated), other}} {
			r := rowCount("PATIENTS_SCREENED", s.v)
			r.Sex = s.sex
			add(r)
		}
		// Clients advised by age band (the 90+ band is top-coded, as HIPAA requires).
		for _, a := range ageShare {
			r := rowCount("CLIENTS_ADVISED", count(float64(advised)*jitter(a.share, 0.2)))
			r.AgeBand = a.band
			add(r)
		}
		// Screening and clients advised by deprivation decile: England's IMD (1 = most
		// deprived) or the US Area Deprivation Index (10 = most disadvantaged). Advice
		// reaches the most deprived areas most. (Money by decile follows below.)
		scheme := ""
		switch {
		case p.Region == "GB-ENG":
			scheme = string(hjx.SchemeIMDDecile)
		case p.Country == hjx.CountryUS:
			scheme = string(hjx.SchemeADIDecile)
		}
		// depthShare is decile d's share of a partner's clients.
		depthShare := func(d int) float64 {
			depth := float64(10-d) / 9 // 1 for the most deprived IMD decile
			if scheme == string(hjx.SchemeADIDecile) {
				depth = float64(d-1) / 9
			}
			return 0.02 + 0.16*depth*depth
		}
		if scheme != "" {
			for d := 1; d <= 10; d++ {
				r := rowCount("PATIENTS_SCREENED", count(float64(screened)*jitter(depthShare(d), 0.15)))
				r.DeprivationScheme, r.DeprivationValue = scheme, strconv.Itoa(d)
				add(r)
				r = rowCount("CLIENTS_ADVISED", count(float64(advised)*jitter(depthShare(d), 0.15)))
				r.DeprivationScheme, r.DeprivationValue = scheme, strconv.Itoa(d)
				add(r)
			}
		}

		// Issues by domain (a client can count in several): fine domains, or I-HELP
		// categories for partners that record only those.
		issuesTotal := 0
		byIhelp := map[string]int{}
		var ihelpOrder []string
		for _, d := range p.AdviceDomains {
			v := count(float64(advised) * 1.6 * jitter(domainShare[d], 0.25))
			issuesTotal += v
			if p.IhelpOnly {
				c := ihelpOf[d]
				if _, seen := byIhelp[c]; !seen {
					ihelpOrder = append(ihelpOrder, c)
				}
				byIhelp[c] += v
				continue
			}
			r := rowCount("ISSUES_BY_DOMAIN", v)
			r.WelfareDomain = d
			add(r)
		}
		for _, c := range ihelpOrder {
			r := rowCount("ISSUES_BY_DOMAIN", byIhelp[c])
			r.IhelpCategory = c
			add(r)
		}
		add(rowCount("ISSUES_BY_DOMAIN", issuesTotal))

		// Money: a typical gain per client with a financial outcome of about GBP 2,800
		// or USD 3,900 (Woodhead 2018; Reece 2024; NCMLP measure 6).
		perClient := map[string]float64{string(hjx.CurrencyGBP): 2800, string(hjx.CurrencyUSD): 3900}[currency]
		gainClients := count(float64(advised) * jitter(0.42, 0.1))
		gainTotal := 0.0
		for _, d := range p.AdviceDomains {
			if d != "WELFARE_BENEFITS" && d != "DEBT" && d != "HOUSING" {
				continue
			}
			share := map[string]float64{"WELFARE_BENEFITS": 0.7, "DEBT": 0.18, "HOUSING": 0.12}[d]
			n := count(float64(gainClients) * share)
			amount := float64(n) * perClient * jitter(1, 0.3) * map[string]float64{"WELFARE_BENEFITS": 1.2, "DEBT": 0.6, "HOUSING": 0.5}[d]
			gainTotal += amount
			if p.IhelpOnly {
				continue
			}
			add(Row{Metric: "FINANCIAL_GAIN", PeriodStart: ps, PeriodEnd: pe, Value: money(amount), N: strconv.Itoa(n),
				WelfareDomain: d, Currency: currency})
		}
		add(Row{Metric: "FINANCIAL_GAIN", PeriodStart: ps, PeriodEnd: pe, Value: money(gainTotal), N: strconv.Itoa(gainClients), Currency: currency})
		// Money gained by deprivation decile: the clients with a gain split as the
		// clients advised do; gains per client a little larger where deprivation is
		// deepest (more unclaimed entitlement).
		if scheme != "" {
			for d := 1; d <= 10; d++ {
				n := count(float64(gainClients) * jitter(depthShare(d), 0.15))
				lift := 1.0 + 0.15*depthShare(d)/0.18
				add(Row{Metric: "FINANCIAL_GAIN", PeriodStart: ps, PeriodEnd: pe, Value: money(float64(n) * perClient * lift * jitter(1, 0.25)),
					N: strconv.Itoa(n), DeprivationScheme: scheme, DeprivationValue: strconv.Itoa(d), Currency: currency})
			}
		}
		debtClients := count(float64(advised) * jitter(0.12, 0.3))
		add(Row{Metric: "DEBT_WRITTEN_OFF", PeriodStart: ps, PeriodEnd: pe,
			Value: money(float64(debtClients) * perClient * 0.45 * jitter(1, 0.4)), N: strconv.Itoa(debtClients), Currency: currency})
		add(Row{Metric: "HEALTH_ORG_BENEFIT", PeriodStart: ps, PeriodEnd: pe,
			Value: money(float64(referred) * perClient * 0.05 * jitter(1, 0.5)), N: strconv.Itoa(referred), Currency: currency})

		// Wellbeing and health: UK partners measure WEMWBS, SWEMWBS and GHQ-12 on most
		// clients, US partners PSS-10, GAD-7 and CES-D; each side measures the other's
		// instruments only on a few, which makes small cells.
		measured := func(home bool) int {
			if home {
				return count(float64(advised) * jitter(0.35, 0.15))
			}
			return count(float64(advised) * jitter(0.04, 0.6))
		}
		uk := p.Country == hjx.CountryGB
		mean := func(metric string, home bool, mu, sd, lo, hi float64) {
			n := measured(home)
			v := math.Max(lo, math.Min(hi, mu+sd/math.Sqrt(math.Max(1, float64(n)))*rng.NormFloat64()))
			add(Row{Metric: metric, PeriodStart: ps, PeriodEnd: pe, Value: strconv.FormatFloat(v, 'f', 2, 64),
				N: strconv.Itoa(n), SD: strconv.FormatFloat(jitter(sd, 0.1), 'f', 2, 64)})
		}
		mean("WEMWBS_CHANGE", uk, 3.6, 8.5, -56, 56)
		// Wellbeing change by the domain of the client's main problem (WEMWBS in the
		// UK, PSS-10 in the US, where a fall is an improvement): fine domains, or
		// I-HELP categories for partners that record only those.
		byDomain := func(metric string, mu, sd, lo, hi float64) {
			measuredBy := map[string]int{}
			var order []string
			for _, d := range p.AdviceDomains {
				key := d
				if p.IhelpOnly {
					key = ihelpOf[d]
				}
				if _, seen := measuredBy[key]; !seen {
					order = append(order, key)
				}
				measuredBy[key] += count(float64(advised) * 0.35 * jitter(domainShare[d], 0.2))
			}
			for _, key := range order {
				n := measuredBy[key]
				v := math.Max(lo, math.Min(hi, mu+sd/math.Sqrt(math.Max(1, float64(n)))*rng.NormFloat64()))
				r := Row{Metric: metric, PeriodStart: ps, PeriodEnd: pe, Value: strconv.FormatFloat(v, 'f', 2, 64),
					N: strconv.Itoa(n), SD: strconv.FormatFloat(jitter(sd, 0.1), 'f', 2, 64)}
				if p.IhelpOnly {
					r.IhelpCategory = key
				} else {
					r.WelfareDomain = key
				}
				add(r)
			}
		}
		if uk {
			byDomain("WEMWBS_CHANGE", 3.6, 8.5, -56, 56)
		} else {
			byDomain("PSS10_CHANGE", -2.4, 6.2, -40, 40)
		}
		mean("SWEMWBS_CHANGE", uk, 1.9, 3.9, -28, 28)
		mean("PSS10_CHANGE", !uk, -2.4, 6.2, -40, 40)
		mean("GAD7_CHANGE", !uk, -1.7, 4.6, -21, 21)
		mean("CESD_CHANGE", !uk, -3.1, 9.4, -60, 60)
		mean("GP_CONSULTATIONS_3M", true, 2.2, 1.9, 0, 90)
		mean("ED_VISITS_6M", true, 0.38, 0.8, 0, 180)
		proportion := func(metric string, n int, rate float64) {
			add(Row{Metric: metric, PeriodStart: ps, PeriodEnd: pe,
				Value: strconv.Itoa(min(n, count(float64(n)*jitter(rate, 0.1)))), N: strconv.Itoa(n)})
		}
		proportion("GHQ12_CASENESS", measured(uk), 0.44)
		proportion("FINANCIAL_STRAIN", measured(true), 0.52)
		proportion("HOUSING_REPAIRS_ACHIEVED", count(jitter(14*p.Size, 0.5)), 0.6)
	}
	// Staff training is reported once a year: a 12-month period that fits a YEAR
	// bucket but no QUARTER.
	staff := count(jitter(60*p.Size, 0.2))
	add(Row{Metric: "STAFF_TRAINED", PeriodStart: fmt.Sprintf("%d-01-01", year), PeriodEnd: fmt.Sprintf("%d-12-31", year),
		Value: strconv.Itoa(min(staff, count(float64(staff)*jitter(0.55, 0.3)))), N: strconv.Itoa(staff)})
	return rows
}

func money(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', 2, 64) }
