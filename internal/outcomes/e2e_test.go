package outcomes_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// End-to-end tests of the outcomes query through the real GraphQL handler, on
// small datasets. Which rows make up each expected cell, and their true figures,
// are worked out by hand in the tests; what such a cell publishes is then exactly
// what disclosure.Protect gives for it with the partners' keys (world.protect), so
// pooling, harmonisation and coverage stay checked to the unit under perturbation.

// sixPartners is three GB and three US partners sharing under GRU (GB k 8, US k
// 11), plus one GB partner that shares with US institutions only (DENY GS for the
// test project, led from Leeds) and one US partner without a policy.
func sixPartners() []partnerSpec {
	usOnly := gru()
	usOnly.AllowedCountries = []hjx.Country{"US"}
	return []partnerSpec{
		{"gb-a", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-b", "GB", "GB-WLS", "HOSPITAL", gru()},
		{"gb-c", "GB", "GB-SCT", "MENTAL_HEALTH", gru()},
		{"us-a", "US", "US-NY", "COMMUNITY_HEALTH_CENTRE", gru()},
		{"us-b", "US", "US-MA", "PAEDIATRIC", gru()},
		{"us-c", "US", "US-CA", "HOSPITAL", gru()},
		{"gb-denied", "GB", "GB-ENG", "PRIMARY_CARE", usOnly},
		{"us-nopolicy", "US", "US-TX", "HOSPITAL", nil},
	}
}

// obs is one observation row of submitObservations.
func obs(metric, start, end string, value float64, extra ...any) map[string]any {
	r := map[string]any{"metric": metric, "periodStart": start, "periodEnd": end, "value": value}
	for i := 0; i+1 < len(extra); i += 2 {
		r[extra[i].(string)] = extra[i+1]
	}
	return r
}

func q1(metric string, value float64, extra ...any) map[string]any {
	return obs(metric, "2021-01-01", "2021-03-31", value, extra...)
}

// cells renders a table's rows as "key=value" (or "key=REASON"), keys joined by
// "/", in the API's order.
func cells(t outcomeTable) []string {
	var out []string
	for _, r := range t.Rows {
		var key []string
		for _, s := range []*string{r.Country, r.Region, r.HealthSetting, r.WelfareDomain, r.IhelpCategory, r.AgeBand, r.Sex, r.Period} {
			if s != nil {
				key = append(key, *s)
			}
		}
		if r.Partner != nil {
			key = append(key, r.Partner.ID)
		}
		if r.DeprivationQuintile != nil {
			key = append(key, fmt.Sprintf("Q%d", *r.DeprivationQuintile))
		}
		k := strings.Join(key, "/")
		switch {
		case r.Suppressed:
			out = append(out, k+"="+str(r.Suppression))
		case r.N != nil && t.Metric.Kind != "COUNT":
			out = append(out, fmt.Sprintf("%s=%g/%d", k, *r.Value, *r.N))
		default:
			out = append(out, fmt.Sprintf("%s=%g", k, *r.Value))
		}
	}
	return out
}

func excludedReasons(t outcomeTable) map[string][]string {
	out := map[string][]string{}
	for _, x := range t.Coverage.PartnersExcluded {
		for _, r := range x.Reasons {
			out[x.Partner.ID] = append(out[x.Partner.ID], r.Code)
		}
	}
	return out
}

func observationsExcluded(t outcomeTable) map[string]int {
	out := map[string]int{}
	for _, e := range t.Coverage.ObservationsExcluded {
		out[e.Reason] = e.Count
	}
	return out
}

func wantCells(t *testing.T, got outcomeTable, want ...string) {
	t.Helper()
	if g := cells(got); !slices.Equal(g, want) {
		t.Errorf("cells\n got %v\nwant %v", g, want)
	}
}

// TestOutcomesCubeRule: a partner's total of 42 beside its FEMALE row of 25 pools
// as 42, never 67: each query takes from each partner only the rows at exactly its
// breakdown.
func TestOutcomesCubeRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	w.gqlSubmit("gb-a", []map[string]any{q1("CLIENTS_ADVISED", 42), q1("CLIENTS_ADVISED", 25, "sex", "FEMALE")})
	w.gqlSubmit("gb-b", []map[string]any{q1("CLIENTS_ADVISED", 30)})
	w.gqlSubmit("gb-c", []map[string]any{q1("CLIENTS_ADVISED", 28)})
	w.gqlSubmit("us-a", []map[string]any{q1("CLIENTS_ADVISED", 35)})

	t.Run("OK", func(t *testing.T) {
		// 42 + 30 + 28 + 35 = 135, perturbed (with the FEMALE row added, gb-a's
		// share would be 67, at least 25 x 0.8 more than any perturbation of 42).
		got := w.outcomes(map[string]any{"metric": "CLIENTS_ADVISED"})
		pool := func(a float64) string {
			return w.protect("CLIENTS_ADVISED", hjx.KindCount, part{"gb-a", a, 0, total2021Q1}, part{"gb-b", 30, 0, total2021Q1},
				part{"gb-c", 28, 0, total2021Q1}, part{"us-a", 35, 0, total2021Q1})
		}
		wantCells(t, got, "="+pool(42))
		if pool(42) == pool(67) {
			t.Fatalf("the test cannot tell the cube rule: 42 and 67 publish alike")
		}
		if p := got.Rows[0].Partners; p == nil || *p != 4 {
			t.Errorf("partners = %v, want 4", p)
		}
		if got.Coverage.PartnersIncluded != 4 {
			t.Errorf("partnersIncluded = %d, want 4", got.Coverage.PartnersIncluded)
		}
		if n := observationsExcluded(got)["NOT_AT_THIS_BREAKDOWN"]; n != 1 {
			t.Errorf("NOT_AT_THIS_BREAKDOWN = %d, want 1 (the FEMALE row)", n)
		}
	})
	t.Run("BySexOnlyTheBreakdownRows", func(t *testing.T) {
		// Only gb-a gave a sex breakdown: one partner's FEMALE 25, suppressed; the
		// totals of gb-b and gb-c are not at this breakdown and are said to be left out.
		got := w.outcomes(map[string]any{"metric": "CLIENTS_ADVISED", "groupBy": []string{"SEX"}})
		wantCells(t, got, "FEMALE=TOO_FEW_PARTNERS")
		ex := excludedReasons(got)
		for _, id := range []string{"gb-b", "gb-c", "us-a"} {
			if !slices.Equal(ex[id], []string{"NOT_AT_THIS_BREAKDOWN"}) {
				t.Errorf("%s excluded for %v, want NOT_AT_THIS_BREAKDOWN", id, ex[id])
			}
		}
		if _, listed := ex["gb-a"]; listed {
			t.Errorf("gb-a contributes but is listed as excluded")
		}
	})
	t.Run("IdentifiablePartnerAlone", func(t *testing.T) {
		w.setPolicy("gb-a", *identifiableGRU())
		// gb-a alone could be shown, but the pool of gb-b, gb-c and us-a is three
		// partners (two once any one of them subtracts itself), and total minus
		// gb-a would give it: gb-a goes too, for a reason that does not say why.
		got := w.outcomes(map[string]any{"metric": "CLIENTS_ADVISED", "groupBy": []string{"PARTNER"}})
		wantCells(t, got, "=TOO_FEW_PARTNERS", "gb-a=DISCLOSURE_RISK")
	})
}

// TestOutcomesMoneySideBySide: GB and US figures by quarter in US dollars and in
// PPP international dollars, converted per observation at its year's reference rate
// (internal/reference/exchange_rates.csv: 2020 gbp_per_usd 0.780, PPP 0.689; 2021
// 0.727, 0.668; the US PPP factor is 1), each partner's converted amount then
// perturbed by its own multiplier. Four partners per country, so that a country's
// pool survives any one of them subtracting itself.
func TestOutcomesMoneySideBySide(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	w.setPolicy("gb-denied", *gru())
	w.setPolicy("us-nopolicy", *gru())
	gain := func(start, end string, v float64, n int, cur string) map[string]any {
		return obs("FINANCIAL_GAIN", start, end, v, "n", n, "currency", cur)
	}
	q2020 := [2]string{"2020-01-01", "2020-03-31"}
	q2021 := [2]string{"2021-01-01", "2021-03-31"}
	all := moneyFiguresSideBySide()
	for _, p := range all {
		w.gqlSubmit(p.id, []map[string]any{gain(q2020[0], q2020[1], p.v20, p.n, p.cur), gain(q2021[0], q2021[1], p.v21, p.n, p.cur)})
	}
	cell := func(country string, year int, currency string) string {
		return moneyCell(w, all, country, year, currency)
	}
	table := func(currency string) []string {
		return []string{"GB/2020-Q1=" + cell("GB", 2020, currency), "GB/2021-Q1=" + cell("GB", 2021, currency),
			"US/2020-Q1=" + cell("US", 2020, currency), "US/2021-Q1=" + cell("US", 2021, currency)}
	}
	tests := []struct {
		name     string
		currency any
		want     []string
	}{
		{"USD", "USD", table("USD")},
		{"PPP", "PPP_INTL_DOLLAR", table("PPP_INTL_DOLLAR")},
		{"GBP", "GBP", table("GBP")},
		// No currency: the countries mix, so US dollars.
		{"DefaultMixedUSD", nil, table("USD")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"COUNTRY", "QUARTER"}}
			if tt.currency != nil {
				q["currency"] = tt.currency
			}
			got := w.outcomes(q)
			wantCells(t, got, tt.want...)
			wantCur := tt.currency
			if wantCur == nil {
				wantCur = "USD"
			}
			if str(got.Currency) != wantCur {
				t.Errorf("currency %q, want %v", str(got.Currency), wantCur)
			}
		})
	}
	t.Run("DefaultOwnCurrency", func(t *testing.T) {
		got := w.outcomes(map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"YEAR"}, "countries": []string{"GB"}})
		wantCells(t, got, "2020="+cell("GB", 2020, "GBP"), "2021="+cell("GB", 2021, "GBP"))
		if str(got.Currency) != "GBP" {
			t.Errorf("currency %q, want GBP for GB partners alone", str(got.Currency))
		}
	})
}

// moneyFigures is one partner's money gained in 2020-Q1 and 2021-Q1, in its own
// currency, and its n.
type moneyFigures struct {
	id       string
	cur      string
	v20, v21 float64
	n        int
}

func moneyFiguresSideBySide() []moneyFigures {
	return []moneyFigures{
		{"gb-a", "GBP", 1000, 900, 10}, {"gb-b", "GBP", 1200, 800, 12}, {"gb-c", "GBP", 1100, 1000, 11}, {"gb-denied", "GBP", 1050, 950, 9},
		{"us-a", "USD", 2000, 2100, 12}, {"us-b", "USD", 1500, 1900, 13}, {"us-c", "USD", 1700, 1600, 14}, {"us-nopolicy", "USD", 1600, 1800, 11},
	}
}

// moneyCell is what a country's quarter publishes in a currency: each partner's
// amount converted, then protected.
func moneyCell(w *world, all []moneyFigures, country string, year int, currency string) string {
	// Units of the reporting currency per unit of the stored one, by year.
	factor := map[string]map[string]map[int]float64{
		"USD":             {"GBP": {2020: 1 / 0.780, 2021: 1 / 0.727}, "USD": {2020: 1, 2021: 1}},
		"PPP_INTL_DOLLAR": {"GBP": {2020: 1 / 0.689, 2021: 1 / 0.668}, "USD": {2020: 1, 2021: 1}},
		"GBP":             {"GBP": {2020: 1, 2021: 1}, "USD": {2020: 0.780, 2021: 0.727}},
	}
	var parts []part
	for _, p := range all {
		if strings.ToUpper(p.id[:2]) != country {
			continue
		}
		v := p.v20
		if year == 2021 {
			v = p.v21
		}
		parts = append(parts, part{p.id, v * factor[currency][p.cur][year], p.n, fmt.Sprintf("o.period_start = '%d-01-01'", year)})
	}
	return w.protect("FINANCIAL_GAIN", hjx.KindAmount, parts...)
}

// TestOutcomesIhelpRollup: fine welfare domains roll up into I-HELP categories by
// the crosswalk; a partner recording I-HELP categories only counts when grouping by
// I-HELP, and coverage says what a finer grouping left out.
func TestOutcomesIhelpRollup(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	issues := func(domain string, v float64) map[string]any {
		return q1("ISSUES_BY_DOMAIN", v, "welfareDomain", domain)
	}
	w.gqlSubmit("gb-a", []map[string]any{issues("WELFARE_BENEFITS", 20), issues("DEBT", 15), issues("HOUSING", 12)})
	w.gqlSubmit("gb-b", []map[string]any{issues("WELFARE_BENEFITS", 18), issues("DEBT", 11), issues("HOUSING", 14)})
	w.gqlSubmit("gb-c", []map[string]any{issues("WELFARE_BENEFITS", 25), issues("DEBT", 9), issues("HOUSING", 10)})
	w.gqlSubmit("us-b", []map[string]any{issues("WELFARE_BENEFITS", 16), issues("DEBT", 10), issues("HOUSING", 13)})
	w.gqlSubmit("us-a", []map[string]any{q1("ISSUES_BY_DOMAIN", 40, "ihelpCategory", "INCOME_INSURANCE"),
		q1("ISSUES_BY_DOMAIN", 22, "ihelpCategory", "HOUSING_UTILITIES")})
	in := func(domains string) string {
		return where(`o.period_start = '2021-01-01'`, `o.welfare_domain IN (`+domains+`)`)
	}
	fine := map[string][3]float64{"gb-a": {20, 15, 12}, "gb-b": {18, 11, 14}, "gb-c": {25, 9, 10}, "us-b": {16, 10, 13}}
	// cell is the fine partners' figures of the domains (0 benefits, 1 debt, 2
	// housing) plus, when given, us-a's I-HELP figure.
	cell := func(domains []int, ihelp string, ihelpValue float64) string {
		names := []string{"'WELFARE_BENEFITS'", "'DEBT'", "'HOUSING'"}
		var parts []part
		for _, id := range []string{"gb-a", "gb-b", "gb-c", "us-b"} {
			var v float64
			var sel []string
			for _, d := range domains {
				v += fine[id][d]
				sel = append(sel, names[d])
			}
			parts = append(parts, part{id, v, 0, in(strings.Join(sel, ","))})
		}
		if ihelp != "" {
			parts = append(parts, part{"us-a", ihelpValue, 0, where(`o.period_start = '2021-01-01'`, `o.ihelp_category = '`+ihelp+`'`)})
		}
		return w.protect("ISSUES_BY_DOMAIN", hjx.KindCount, parts...)
	}

	t.Run("ByIhelp", func(t *testing.T) {
		// INCOME_INSURANCE = benefits + debt of the fine partners, + us-a's 40;
		// HOUSING_UTILITIES = their housing, + us-a's 22.
		got := w.outcomes(map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"IHELP_CATEGORY"}})
		wantCells(t, got, "HOUSING_UTILITIES="+cell([]int{2}, "HOUSING_UTILITIES", 22),
			"INCOME_INSURANCE="+cell([]int{0, 1}, "INCOME_INSURANCE", 40))
		if got.Coverage.PartnersIncluded != 5 {
			t.Errorf("partnersIncluded %d, want 5", got.Coverage.PartnersIncluded)
		}
	})
	t.Run("ByDomainLeavesOutCoarse", func(t *testing.T) {
		// The fine partners' figures by domain; us-a's two I-HELP rows are coarser
		// than the grouping.
		got := w.outcomes(map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"WELFARE_DOMAIN"}})
		wantCells(t, got, "DEBT="+cell([]int{1}, "", 0), "HOUSING="+cell([]int{2}, "", 0), "WELFARE_BENEFITS="+cell([]int{0}, "", 0))
		if n := observationsExcluded(got)["COARSER_THAN_GROUPING"]; n != 2 {
			t.Errorf("COARSER_THAN_GROUPING = %d, want 2", n)
		}
		if r := excludedReasons(got)["us-a"]; !slices.Equal(r, []string{"COARSER_THAN_GROUPING"}) {
			t.Errorf("us-a excluded for %v, want COARSER_THAN_GROUPING", r)
		}
	})
	t.Run("IhelpFilteredByDomain", func(t *testing.T) {
		// A welfareDomains filter needs fine rows: benefits alone under INCOME_INSURANCE.
		got := w.outcomes(map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"IHELP_CATEGORY"},
			"welfareDomains": []string{"WELFARE_BENEFITS"}})
		wantCells(t, got, "INCOME_INSURANCE="+cell([]int{0}, "", 0))
	})
}

// TestOutcomesDeprivationQuintiles: IMD decile 1 (most deprived) and ADI decile 10
// (most disadvantaged) both land in quintile 1: IMD q = ceil(d/2), ADI q = 6 - ceil(d/2).
// Four partners per country, so that a country's quintile survives any one of them
// subtracting itself.
func TestOutcomesDeprivationQuintiles(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	w.setPolicy("gb-denied", *gru())
	w.setPolicy("us-nopolicy", *gru())
	dep := func(scheme string, d int, v float64) map[string]any {
		return q1("PATIENTS_SCREENED", v, "deprivationScheme", scheme, "deprivationValue", d)
	}
	imd := func(d int, v float64) map[string]any { return dep("IMD_DECILE", d, v) }
	adi := func(d int, v float64) map[string]any { return dep("ADI_DECILE", d, v) }
	w.gqlSubmit("gb-a", []map[string]any{imd(1, 12), imd(2, 10), imd(10, 9)})
	w.gqlSubmit("gb-b", []map[string]any{imd(1, 8), imd(2, 7), imd(9, 11)})
	w.gqlSubmit("gb-c", []map[string]any{imd(2, 15), imd(10, 13)})
	w.gqlSubmit("gb-denied", []map[string]any{imd(1, 9), imd(10, 7)})
	w.gqlSubmit("us-a", []map[string]any{adi(10, 20), adi(9, 5), adi(1, 14)})
	w.gqlSubmit("us-b", []map[string]any{adi(9, 16), adi(2, 9)})
	w.gqlSubmit("us-c", []map[string]any{adi(10, 6), adi(1, 12)})
	w.gqlSubmit("us-nopolicy", []map[string]any{adi(10, 8), adi(2, 11)})
	// Each partner's figures by quintile (IMD 1-2 and ADI 9-10 are quintile 1; IMD
	// 9-10 and ADI 1-2 quintile 5); without the ADI reversal the US quintiles
	// would swap.
	byQuintile := map[string]map[int]float64{
		"gb-a": {1: 22, 5: 9}, "gb-b": {1: 15, 5: 11}, "gb-c": {1: 15, 5: 13}, "gb-denied": {1: 9, 5: 7},
		"us-a": {1: 25, 5: 14}, "us-b": {1: 16, 5: 9}, "us-c": {1: 6, 5: 12}, "us-nopolicy": {1: 8, 5: 11},
	}
	deciles := map[string]map[int]string{
		"GB": {1: "o.deprivation_scheme = 'IMD_DECILE' AND o.deprivation_value IN (1, 2)", 5: "o.deprivation_scheme = 'IMD_DECILE' AND o.deprivation_value IN (9, 10)"},
		"US": {1: "o.deprivation_scheme = 'ADI_DECILE' AND o.deprivation_value IN (9, 10)", 5: "o.deprivation_scheme = 'ADI_DECILE' AND o.deprivation_value IN (1, 2)"},
	}
	cell := func(quintile int, countries ...string) string {
		var parts []part
		for _, id := range []string{"gb-a", "gb-b", "gb-c", "gb-denied", "us-a", "us-b", "us-c", "us-nopolicy"} {
			country := strings.ToUpper(id[:2])
			if slices.Contains(countries, country) {
				parts = append(parts, part{id, byQuintile[id][quintile], 0, deciles[country][quintile]})
			}
		}
		return w.protect("PATIENTS_SCREENED", hjx.KindCount, parts...)
	}
	t.Run("ByCountry", func(t *testing.T) {
		got := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"COUNTRY", "DEPRIVATION_QUINTILE"}})
		wantCells(t, got, "GB/Q1="+cell(1, "GB"), "GB/Q5="+cell(5, "GB"), "US/Q1="+cell(1, "US"), "US/Q5="+cell(5, "US"))
	})
	t.Run("Pooled", func(t *testing.T) {
		got := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"DEPRIVATION_QUINTILE"}})
		wantCells(t, got, "Q1="+cell(1, "GB", "US"), "Q5="+cell(5, "GB", "US"))
		if got.Disclosure.K != 11 {
			t.Errorf("k = %d, want 11 (the project reads US partners)", got.Disclosure.K)
		}
	})
}

// screened gives each of the six sharing partners a 2021-Q1 total (and gb-a a
// FEMALE row beside it): gb-a 42, gb-b 30, gb-c 28, us-a 50, us-b 40, us-c 35.
func screened(w *world) map[string]string {
	ids := map[string]string{}
	for id, v := range map[string]float64{"gb-a": 42, "gb-b": 30, "gb-c": 28, "us-a": 50, "us-b": 40, "us-c": 35} {
		rows := []map[string]any{q1("PATIENTS_SCREENED", v)}
		if id == "gb-a" {
			rows = append(rows, q1("PATIENTS_SCREENED", 25, "sex", "FEMALE"))
		}
		ids[id] = w.gqlSubmit(id, rows)
	}
	return ids
}

// screenedFigures are screened's 2021-Q1 totals.
var screenedFigures = map[string]float64{"gb-a": 42, "gb-b": 30, "gb-c": 28, "us-a": 50, "us-b": 40, "us-c": 35}

// screenedTotal is what the total of screened's figures publishes for the named
// partners, each with every current row it has at no breakdown (extra adds to a
// partner's figure what later uploads gave it).
func screenedTotal(w *world, extra map[string]float64, ids ...string) string {
	w.t.Helper()
	var parts []part
	for _, id := range ids {
		parts = append(parts, part{id, screenedFigures[id] + extra[id], 0, atTotal})
	}
	return w.protect("PATIENTS_SCREENED", hjx.KindCount, parts...)
}

var sixSharing = []string{"gb-a", "gb-b", "gb-c", "us-a", "us-b", "us-c"}

// TestOutcomesByPartner: a grouping by PARTNER shows a partner on its own only if
// its policy says identifiable; the others are pooled in one row with partner null.
func TestOutcomesByPartner(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	w.setPolicy("gb-a", *identifiableGRU())
	screened(w)
	q := map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER"}}

	// gb-a's 42 alone; the pool of the other five.
	got := w.outcomes(q)
	wantCells(t, got, "="+screenedTotal(w, nil, "gb-b", "gb-c", "us-a", "us-b", "us-c"), "gb-a="+screenedTotal(w, nil, "gb-a"))
	if p := got.Rows[0].Partners; p == nil || *p != 5 {
		t.Errorf("pooled row partners %v, want 5", p)
	}
	// gb-b becomes identifiable: the very next query shows it alone (cache on).
	w.setPolicy("gb-b", *identifiableGRU())
	got = w.outcomes(q)
	wantCells(t, got, "="+screenedTotal(w, nil, "gb-c", "us-a", "us-b", "us-c"), "gb-a="+screenedTotal(w, nil, "gb-a"),
		"gb-b="+screenedTotal(w, nil, "gb-b"))
	// gb-a withdraws identifiability: pooled again.
	w.setPolicy("gb-a", *gru())
	got = w.outcomes(q)
	wantCells(t, got, "="+screenedTotal(w, nil, "gb-a", "gb-c", "us-a", "us-b", "us-c"), "gb-b="+screenedTotal(w, nil, "gb-b"))
}

// pendingCOLWorld is sixPartners with everyone's screened figures and gb-c
// awaiting its COL decision.
func pendingCOLWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, sixPartners())
	col := gru()
	col.CollaborationRequired = yes(true)
	w.setPolicy("gb-c", *col)
	screened(w)
	return w
}

// coverageWorld is pendingCOLWorld with 500 screened by gb-denied (GS): partners
// included, pending and denied.
func coverageWorld(t *testing.T) *world {
	t.Helper()
	w := pendingCOLWorld(t)
	w.gqlSubmit("gb-denied", []map[string]any{q1("PATIENTS_SCREENED", 500)})
	return w
}

// TestOutcomesCoverage: partners excluded by policy are listed with their DUO
// reasons; partners left out of a grouping with the coverage reason.
func TestOutcomesCoverage(t *testing.T) {
	t.Parallel()
	w := coverageWorld(t)
	w.gqlSubmit("us-nopolicy", []map[string]any{q1("PATIENTS_SCREENED", 700)})

	got := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED"})
	// gb-a, gb-b and the three US partners (gb-c awaits its COL decision).
	wantCells(t, got, "="+screenedTotal(w, nil, "gb-a", "gb-b", "us-a", "us-b", "us-c"))
	want := map[string][]string{"gb-c": {"COL"}, "gb-denied": {"GS"}, "us-nopolicy": {"POLICY_MISSING"}}
	if ex := excludedReasons(got); !mapsEqual(ex, want) {
		t.Errorf("excluded %v, want %v", ex, want)
	}
	for _, x := range got.Coverage.PartnersExcluded {
		if len(x.Reasons) == 0 || x.Reasons[0].Message == "" {
			t.Errorf("%s excluded without a reason message", x.Partner.ID)
		}
	}
	if got.Coverage.PartnersIncluded != 5 {
		t.Errorf("partnersIncluded %d, want 5", got.Coverage.PartnersIncluded)
	}
	// The partner admin approves the project: the next query includes gb-c.
	if _, err := w.env.App.Governance.DecideProjectAccess(context.Background(), w.admins["gb-c"], w.projectID, "gb-c", true); err != nil {
		t.Fatal(err)
	}
	got = w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED"})
	wantCells(t, got, "="+screenedTotal(w, nil, sixSharing...)) // gb-c's 28 too
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestOutcomesFreshness: with the cache on (testkit sets OutcomeCacheSize 100),
// new data, a retraction and a policy change are each seen by the very next query.
func TestOutcomesFreshness(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	screened(w)
	q := map[string]any{"metric": "PATIENTS_SCREENED"}
	all := screenedTotal(w, nil, sixSharing...)
	wantCells(t, w.outcomes(q), "="+all)
	wantCells(t, w.outcomes(q), "="+all) // served again (from the cache)

	last := "" // the submission a step stored, for the next step
	steps := []struct {
		name   string
		change func() string
		want   func() string
	}{
		{"NewData", func() string {
			return w.gqlSubmit("us-a", []map[string]any{obs("PATIENTS_SCREENED", "2021-04-01", "2021-06-30", 60)})
		}, func() string { return screenedTotal(w, map[string]float64{"us-a": 60}, sixSharing...) }},
		{"Retraction", func() string {
			var out struct{ RetractSubmission struct{ Status string } }
			w.env.Do(w.adminTok["us-a"], `mutation($id: ID!) { retractSubmission(id: $id, reason: "wrong quarter") { status } }`,
				map[string]any{"id": last}).Decode(t, &out)
			return out.RetractSubmission.Status
		}, func() string { return all }},
		{"PolicyChange", func() string {
			usOnly := gru()
			usOnly.AllowedCountries = []hjx.Country{"US"}
			w.setPolicy("gb-b", *usOnly)
			return ""
		}, func() string { return screenedTotal(w, nil, "gb-a", "gb-c", "us-a", "us-b", "us-c") }}, // without gb-b
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			last = s.change()
			wantCells(t, w.outcomes(q), "="+s.want())
		})
	}
	// Back to three GB partners, with a new quarter of gb-a: both seen at once.
	w.gqlSubmit("gb-a", []map[string]any{obs("PATIENTS_SCREENED", "2020-10-01", "2020-12-31", 5)})
	w.setPolicy("gb-b", *gru())
	wantCells(t, w.outcomes(q), "="+screenedTotal(w, map[string]float64{"gb-a": 5}, sixSharing...))
}

// TestOutcomesAccess: outcomes for members of an approved, unexpired project and
// for DASHBOARD tokens of that project; everyone else FORBIDDEN.
func TestOutcomesAccess(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	screened(w)
	ctx := context.Background()
	otherProject := w.project("Another project")
	proposed, err := w.env.App.Governance.ProposeProject(ctx, w.researcher, access.ProjectInput{Title: "Not yet approved",
		Institution: "University of Leeds", InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"),
		EthicsApprovalRef: "REC 1", PublicationCommitted: true,
		StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	revoked := w.project("Revoked project")
	if _, err := w.env.App.Governance.RevokeProject(ctx, w.steward, revoked, "consent withdrawn"); err != nil {
		t.Fatal(err)
	}
	dashboard, _ := w.env.Token(hjx.RoleDashboard, "", w.projectID)
	otherDashboard, _ := w.env.Token(hjx.RoleDashboard, "", otherProject)
	outsider, _ := w.env.Token(hjx.RoleResearcher, "", "")
	member, memberP := w.env.Token(hjx.RoleResearcher, "", "")
	if _, err := w.env.App.Governance.AddProjectMember(ctx, w.steward, w.projectID, memberP.ID); err != nil {
		t.Fatal(err)
	}
	q := map[string]any{"metric": "PATIENTS_SCREENED"}
	tests := []struct {
		name, token, project, code string
	}{
		{"OKLead", w.resTok, w.projectID, ""},
		{"OKMember", member, w.projectID, ""},
		{"OKDashboard", dashboard, w.projectID, ""},
		{"ErrForbiddenOutsider", outsider, w.projectID, "FORBIDDEN"},
		{"ErrForbiddenOtherDashboard", otherDashboard, w.projectID, "FORBIDDEN"},
		{"ErrForbiddenSteward", w.stewardTok, w.projectID, "FORBIDDEN"},
		{"ErrForbiddenPartnerAdmin", w.adminTok["gb-a"], w.projectID, "FORBIDDEN"},
		{"ErrForbiddenUploader", w.uploadTok["gb-a"], w.projectID, "FORBIDDEN"},
		{"ErrForbiddenNotApproved", w.resTok, proposed.ID, "FORBIDDEN"},
		{"ErrForbiddenRevoked", w.resTok, revoked, "FORBIDDEN"},
		{"ErrForbiddenUnknownProject", w.resTok, "00000000-0000-4000-8000-00000000abcd", "FORBIDDEN"},
		{"ErrUnauthenticated", "", w.projectID, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := w.query(tt.token, tt.project, q)
			if resp.Code() != tt.code {
				t.Fatalf("code %q, want %q (errors %+v)", resp.Code(), tt.code, resp.Errors)
			}
			if tt.code == "" {
				var out struct{ Outcomes outcomeTable }
				resp.Decode(t, &out)
				wantCells(t, out.Outcomes, "="+screenedTotal(w, nil, sixSharing...))
			} else if strings.Contains(string(resp.Data), "rows") {
				t.Errorf("refused query returned data: %s", resp.Data)
			}
		})
	}
	t.Run("ErrForbiddenExpired", func(t *testing.T) {
		w.env.Clock.Set(time.Date(2024, 1, 2, 12, 0, 0, 0, time.UTC)) // the project ended 2023-12-31
		defer w.env.Clock.Set(time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC))
		for _, tok := range []string{w.resTok, dashboard} {
			if code := w.query(tok, w.projectID, q).Code(); code != "FORBIDDEN" {
				t.Errorf("expired project: code %q, want FORBIDDEN", code)
			}
		}
	})
}

// TestOutcomesAudited: every outcome query is audited (who, project, partners
// included and excluded with reasons, cells suppressed, a hash of the request),
// also when the answer comes from the cache; refused queries leave no outcome entry.
func TestOutcomesAudited(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	screened(w)
	bySex := map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"SEX"}}
	total := map[string]any{"metric": "PATIENTS_SCREENED"}
	w.outcomes(bySex) // FEMALE from gb-a alone: 1 cell suppressed
	w.outcomes(bySex) // the same again, from the cache
	w.outcomes(total)
	if code := w.query(w.stewardTok, w.projectID, total).Code(); code != "FORBIDDEN" {
		t.Fatalf("steward query: %q", code)
	}

	type entry struct {
		PrincipalID      string
		Role             string
		Action           string
		ProjectID        string
		PartnersIncluded []string
		PartnersExcluded []struct {
			PartnerID string
			Reasons   []string
		}
		CellsSuppressed int
		RequestHash     string
	}
	var out struct {
		AuditLog struct{ Edges []struct{ Node entry } }
	}
	w.env.Do(w.stewardTok, `{ auditLog(first: 100) { edges { node { principalId role action projectId partnersIncluded
		partnersExcluded { partnerId reasons } cellsSuppressed requestHash } } } }`, nil).Decode(t, &out)
	var got []entry
	for _, e := range out.AuditLog.Edges {
		if e.Node.Action == "outcomes.query" {
			got = append(got, e.Node)
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d outcome entries, want 3 (two by sex, one total): %+v", len(got), got)
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].CellsSuppressed > got[j].CellsSuppressed })
	for i, e := range got {
		if e.PrincipalID != w.researcher.ID || e.Role != "RESEARCHER" || e.ProjectID != w.projectID {
			t.Errorf("entry %d: who %s %s project %s", i, e.PrincipalID, e.Role, e.ProjectID)
		}
		if e.RequestHash == "" {
			t.Errorf("entry %d has no request hash", i)
		}
		excluded := map[string][]string{}
		for _, x := range e.PartnersExcluded {
			excluded[x.PartnerID] = x.Reasons
		}
		if !slices.Equal(excluded["gb-denied"], []string{"GS"}) || !slices.Equal(excluded["us-nopolicy"], []string{"POLICY_MISSING"}) {
			t.Errorf("entry %d: excluded %v, want gb-denied GS and us-nopolicy POLICY_MISSING", i, excluded)
		}
	}
	bySexA, bySexB, totalE := got[0], got[1], got[2]
	if bySexA.CellsSuppressed != 1 || bySexB.CellsSuppressed != 1 || totalE.CellsSuppressed != 0 {
		t.Errorf("cells suppressed %d %d %d, want 1 1 0", bySexA.CellsSuppressed, bySexB.CellsSuppressed, totalE.CellsSuppressed)
	}
	if !slices.Equal(bySexA.PartnersIncluded, []string{"gb-a"}) {
		t.Errorf("by sex: included %v, want [gb-a]", bySexA.PartnersIncluded)
	}
	if len(totalE.PartnersIncluded) != 6 {
		t.Errorf("total: included %v, want the six sharing partners", totalE.PartnersIncluded)
	}
	if bySexA.RequestHash != bySexB.RequestHash || bySexA.RequestHash == totalE.RequestHash {
		t.Errorf("request hashes %s %s %s: the same query must hash the same, another query differently",
			bySexA.RequestHash, bySexB.RequestHash, totalE.RequestHash)
	}
}
