package outcomes

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// fixture inserts observations directly: these tests are about the aggregation
// SQL, not the upload rules (internal/ingest tests those).
type fixture struct {
	t  *testing.T
	db *sqlx.DB
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.NewDB(t)
	_, err := db.Exec(`
		INSERT INTO partners (id, name, country, region, model, health_settings) VALUES
			('gb-a', 'A', 'GB', 'GB-ENG', 'HJP', '{PRIMARY_CARE}'),
			('gb-b', 'B', 'GB', 'GB-WLS', 'HJP', '{HOSPITAL,MENTAL_HEALTH}'),
			('us-c', 'C', 'US', 'US-NY', 'MLP', '{PAEDIATRIC}');
		INSERT INTO principals (id, name, role) VALUES ('00000000-0000-4000-8000-000000000001', 'x', 'STEWARD')`)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db}
}

// obs adds one observation: cols are column=value pairs beyond the required ones.
func (f *fixture) obs(partner, metric, start, end, value string, cols ...string) {
	f.t.Helper()
	sub := uuid.NewString()
	if _, err := f.db.Exec(`INSERT INTO submissions (id, partner_id, uploader_id, format, sha256, consent_basis, status, row_count)
		VALUES ($1, $2, '00000000-0000-4000-8000-000000000001', 'CSV', $3, 'EXPLICIT_CONSENT', 'ACCEPTED', 1)`,
		sub, partner, strings.Repeat("0", 32)+strings.ReplaceAll(sub, "-", "")[:32]); err != nil {
		f.t.Fatal(err)
	}
	names := []string{"submission_id", "partner_id", "metric", "period_start", "period_end", "value"}
	vals := []any{sub, partner, metric, start, end, value}
	keyed := false
	for _, c := range cols {
		k, v, _ := strings.Cut(c, "=")
		names = append(names, k)
		vals = append(vals, v)
		keyed = keyed || k == "key_value"
	}
	if !keyed {
		names, vals = append(names, "key_value", "key_n"), append(vals, 0, 0)
	}
	ph := make([]string, len(vals))
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	if _, err := f.db.Exec(`INSERT INTO observations (`+strings.Join(names, ",")+`) VALUES (`+strings.Join(ph, ",")+`)`, vals...); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) run(q Query, kind hjx.MetricKind, currency string) *Aggregation {
	f.t.Helper()
	agg, err := aggregate(context.Background(), f.db, aggregateInput{Query: q, Kind: kind, Currency: currency,
		Allowed: []string{"gb-a", "gb-b", "us-c"}, Identifiable: []string{"gb-a"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return agg
}

// render prints cells as "key1/key2: partner=value/n ..." sorted, for comparison.
func render(agg *Aggregation) string {
	var lines []string
	for _, c := range agg.Cells {
		var parts []string
		for _, x := range c.Contributions {
			parts = append(parts, fmt.Sprintf("%s=%g/%d", x.PartnerID, x.Value, x.N))
		}
		sort.Strings(parts)
		lines = append(lines, strings.Join(c.Key, "/")+": "+strings.Join(parts, " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "; ")
}

func TestCubeRuleTotalAndBreakdownNeverSummed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.obs("gb-a", "PATIENTS_SCREENED", "2020-01-01", "2020-03-31", "42")
	f.obs("gb-a", "PATIENTS_SCREENED", "2020-01-01", "2020-03-31", "25", "sex=FEMALE")
	f.obs("gb-b", "PATIENTS_SCREENED", "2020-01-01", "2020-03-31", "30")
	tests := []struct {
		name     string
		q        Query
		want     string
		excluded map[string]int
	}{
		{"OKTotal", Query{Metric: "PATIENTS_SCREENED"}, ": gb-a=42/0 gb-b=30/0", map[string]int{NotAtThisBreakdown: 1}},
		{"OKBySex", Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimSex}}, "FEMALE: gb-a=25/0",
			map[string]int{NotAtThisBreakdown: 2}},
		{"OKByCountryQuarter", Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimCountry, DimQuarter}},
			"GB/2020-Q1: gb-a=42/0 gb-b=30/0", map[string]int{NotAtThisBreakdown: 1}},
		{"OKPartnerIdentifiableOnly", Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimPartner}},
			": gb-b=30/0; gb-a: gb-a=42/0", map[string]int{NotAtThisBreakdown: 1}},
		// gb-a works in one setting, so its rows count as PRIMARY_CARE; gb-b in two, so
		// its total is not at a health-setting breakdown.
		{"OKHealthSettingImplied", Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimHealthSetting}},
			"PRIMARY_CARE: gb-a=42/0", map[string]int{NotAtThisBreakdown: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			agg := f.run(tc.q, "COUNT", "")
			if got := render(agg); got != tc.want {
				t.Errorf("cells %q, want %q", got, tc.want)
			}
			if fmt.Sprint(agg.Excluded) != fmt.Sprint(tc.excluded) {
				t.Errorf("excluded %v, want %v", agg.Excluded, tc.excluded)
			}
		})
	}
}

func TestMoneyConversionAndRates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.obs("gb-a", "FINANCIAL_GAIN", "2020-01-01", "2020-03-31", "780", "n=10", "currency=GBP")
	f.obs("us-c", "FINANCIAL_GAIN", "2020-01-01", "2020-03-31", "1000", "n=20", "currency=USD")
	f.obs("us-c", "FINANCIAL_GAIN", "2023-01-01", "2023-03-31", "1000", "n=20", "currency=USD") // no 2023 rate
	// A USD figure reported in USD needs no rate; every conversion needs its year's.
	tests := []struct {
		currency, want string
		noRate         int
	}{
		{"USD", "GB: gb-a=1000/10; US: us-c=2000/40", 0},                           // 780 / 0.780
		{"GBP", "GB: gb-a=780/10; US: us-c=780/20", 1},                             // 1000 * 0.780
		{"PPP_INTL_DOLLAR", "GB: gb-a=1132.0754716981132/10; US: us-c=1000/20", 1}, // 780 / 0.689; 1000 / 1.0
	}
	for _, tc := range tests {
		t.Run(tc.currency, func(t *testing.T) {
			agg := f.run(Query{Metric: "FINANCIAL_GAIN", GroupBy: []Dimension{DimCountry}}, "AMOUNT", tc.currency)
			if got := render(agg); got != tc.want {
				t.Errorf("cells %q, want %q", got, tc.want)
			}
			if agg.Excluded[NoExchangeRate] != tc.noRate {
				t.Errorf("excluded %v, want %d NO_EXCHANGE_RATE", agg.Excluded, tc.noRate)
			}
		})
	}
}

func TestBucketsDomainsAndDeprivation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.obs("gb-a", "ISSUES_BY_DOMAIN", "2020-01-01", "2020-03-31", "10", "welfare_domain=DEBT")
	f.obs("gb-a", "ISSUES_BY_DOMAIN", "2020-01-01", "2020-03-31", "20", "welfare_domain=WELFARE_BENEFITS")
	f.obs("gb-b", "ISSUES_BY_DOMAIN", "2020-01-01", "2020-03-31", "5", "welfare_domain=HOUSING")
	f.obs("us-c", "ISSUES_BY_DOMAIN", "2020-01-01", "2020-03-31", "7", "ihelp_category=INCOME_INSURANCE")
	f.obs("us-c", "ISSUES_BY_DOMAIN", "2020-02-01", "2020-07-31", "3", "ihelp_category=HOUSING_UTILITIES") // spans quarters
	f.obs("gb-a", "PATIENTS_SCREENED", "2020-01-01", "2020-03-31", "4", "deprivation_scheme=IMD_DECILE", "deprivation_value=1")
	f.obs("gb-a", "PATIENTS_SCREENED", "2020-01-01", "2020-03-31", "6", "deprivation_scheme=IMD_DECILE", "deprivation_value=2")
	f.obs("us-c", "PATIENTS_SCREENED", "2020-01-01", "2020-03-31", "9", "deprivation_scheme=ADI_DECILE", "deprivation_value=10")
	f.obs("us-c", "PATIENTS_SCREENED", "2020-01-01", "2020-03-31", "1", "deprivation_scheme=ADI_DECILE", "deprivation_value=1")

	agg := f.run(Query{Metric: "ISSUES_BY_DOMAIN", GroupBy: []Dimension{DimIhelpCategory}}, "COUNT", "")
	if got, want := render(agg), "HOUSING_UTILITIES: gb-b=5/0 us-c=3/0; INCOME_INSURANCE: gb-a=30/0 us-c=7/0"; got != want {
		t.Errorf("I-HELP roll-up %q, want %q", got, want)
	}
	agg = f.run(Query{Metric: "ISSUES_BY_DOMAIN", GroupBy: []Dimension{DimWelfareDomain}}, "COUNT", "")
	if agg.Excluded[CoarserThanGrouping] != 2 {
		t.Errorf("excluded %v, want 2 COARSER_THAN_GROUPING", agg.Excluded)
	}
	agg = f.run(Query{Metric: "ISSUES_BY_DOMAIN", GroupBy: []Dimension{DimIhelpCategory, DimQuarter}}, "COUNT", "")
	if agg.Excluded[PeriodNotInBucket] != 1 {
		t.Errorf("excluded %v, want 1 PERIOD_NOT_IN_BUCKET", agg.Excluded)
	}
	agg = f.run(Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimDeprivationQuintile}}, "COUNT", "")
	// IMD deciles 1 and 2 -> Q1; ADI decile 10 -> Q1 (most disadvantaged), ADI 1 -> Q5.
	if got, want := render(agg), "1: gb-a=10/0 us-c=9/0; 5: us-c=1/0"; got != want {
		t.Errorf("quintiles %q, want %q", got, want)
	}
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2020, 6, 30, 0, 0, 0, 0, time.UTC)
	agg = f.run(Query{Metric: "ISSUES_BY_DOMAIN", GroupBy: []Dimension{DimIhelpCategory}, From: &from, To: &to}, "COUNT", "")
	if agg.Excluded[PeriodNotInBucket] != 1 {
		t.Errorf("window: excluded %v, want the Feb-Jul row as PERIOD_NOT_IN_BUCKET", agg.Excluded)
	}
}

// A corrected rate is a new version; conversion uses the newest version of the
// year, and a period spanning two years takes the year holding most of its months.
func TestNewestRateVersionAndRateYear(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.obs("gb-a", "FINANCIAL_GAIN", "2020-01-01", "2020-03-31", "800", "n=10", "currency=GBP")
	f.obs("gb-b", "FINANCIAL_GAIN", "2020-11-01", "2021-04-30", "727", "n=10", "currency=GBP") // 2 months of 2020, 4 of 2021
	if _, err := f.db.Exec(`INSERT INTO exchange_rates (year, version, gbp_per_usd, ppp_gbp_per_intl_dollar,
		ppp_usd_per_intl_dollar, source) VALUES (2020, 2, 0.800, 0.689, 1.0, 'test correction')`); err != nil {
		t.Fatal(err)
	}
	agg := f.run(Query{Metric: "FINANCIAL_GAIN", GroupBy: []Dimension{DimRegion}}, "AMOUNT", "USD")
	// 800 / 0.800 (2020, version 2) and 727 / 0.727 (2021).
	if got, want := render(agg), "GB-ENG: gb-a=1000/10; GB-WLS: gb-b=1000/10"; got != want {
		t.Fatalf("cells %q, want %q", got, want)
	}
}

// Each partner's contribution to a cell carries the sums of its rows' record keys
// (value and n roles), whichever grouping pools the rows: disclosure reduces them
// modulo the key range into the cell's key.
func TestRecordKeySums(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.obs("gb-a", "PATIENTS_SCREENED", "2020-01-01", "2020-01-31", "10", "key_value=200", "key_n=7")
	f.obs("gb-a", "PATIENTS_SCREENED", "2020-02-01", "2020-02-29", "11", "key_value=100", "key_n=9")
	f.obs("gb-b", "PATIENTS_SCREENED", "2020-01-01", "2020-01-31", "12", "key_value=5", "key_n=255")
	f.obs("gb-b", "PATIENTS_SCREENED", "2020-01-01", "2020-01-31", "3", "sex=MALE", "key_value=77", "key_n=77")
	keys := func(agg *Aggregation) string {
		var out []string
		for _, c := range agg.Cells {
			for _, x := range c.Contributions {
				out = append(out, fmt.Sprintf("%s:%s=%d/%d", strings.Join(c.Key, "/"), x.PartnerID, x.ValueKey, x.NKey))
			}
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	jan31 := time.Date(2020, 1, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"OKTotal", Query{Metric: "PATIENTS_SCREENED"}, ":gb-a=300/16 :gb-b=5/255"},
		{"OKByQuarter", Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimQuarter}}, "2020-Q1:gb-a=300/16 2020-Q1:gb-b=5/255"},
		{"OKByMonthRange", Query{Metric: "PATIENTS_SCREENED", To: &jan31}, ":gb-a=200/7 :gb-b=5/255"},
		{"OKBySex", Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimSex}}, "MALE:gb-b=77/77"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keys(f.run(tc.q, "COUNT", "")); got != tc.want {
				t.Errorf("key sums %q, want %q", got, tc.want)
			}
		})
	}
}
