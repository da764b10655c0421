package outcomes

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
)

// rollupWorld is random data for comparing the shape path (index on the row's
// shape + observation_shape_counts) with the naive one-pass classification.
type rollupWorld struct {
	t        *testing.T
	db       *sqlx.DB
	rng      *rand.Rand
	partners []string
	domains  []string
	keys     map[string]bool // current figures' keys, so the data respects observations_one_current
	subs     []string
}

var rollupMetrics = []struct {
	code string
	kind hjx.MetricKind
}{
	{"PATIENTS_SCREENED", "COUNT"}, {"REFERRALS_WITH_INTAKE", "PROPORTION"},
	{"FINANCIAL_GAIN", "AMOUNT"}, {"WEMWBS_CHANGE", "MEAN"},
}

func newRollupWorld(t *testing.T, seed uint64) *rollupWorld {
	t.Helper()
	w := &rollupWorld{t: t, db: pgtest.NewDB(t), rng: rand.New(rand.NewPCG(seed, 7)), keys: map[string]bool{}}
	w.exec(`INSERT INTO partners (id, name, country, region, model, health_settings) VALUES
		('gb-one', 'A', 'GB', 'GB-ENG', 'HJP', '{PRIMARY_CARE}'),
		('gb-two', 'B', 'GB', 'GB-WLS', 'HJP', '{HOSPITAL,MENTAL_HEALTH}'),
		('gb-three', 'C', 'GB', 'GB-SCT', 'HJP', '{}'),
		('us-one', 'D', 'US', 'US-NY', 'MLP', '{PAEDIATRIC}'),
		('us-two', 'E', 'US', 'US-CA', 'MLP', '{HOSPITAL,PRIMARY_CARE}');
		INSERT INTO principals (id, name, role) VALUES ('00000000-0000-4000-8000-000000000001', 'x', 'STEWARD')`)
	w.partners = []string{"gb-one", "gb-two", "gb-three", "us-one", "us-two"}
	if err := w.db.Select(&w.domains, `SELECT code FROM welfare_domains ORDER BY code`); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *rollupWorld) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.Exec(q, args...); err != nil {
		w.t.Fatalf("%v\n%s", err, q)
	}
}

func (w *rollupWorld) pick(xs []string) string {
	if w.rng.IntN(2) == 0 {
		return ""
	}
	return xs[w.rng.IntN(len(xs))]
}

// submit inserts one submission of n random rows (in one statement, as COPY does)
// and returns its id.
func (w *rollupWorld) submit(n int) string {
	w.t.Helper()
	sub := uuid.NewString()
	partner := w.partners[w.rng.IntN(len(w.partners))]
	w.exec(`INSERT INTO submissions (id, partner_id, uploader_id, format, sha256, consent_basis, status, row_count)
		VALUES ($1, $2, '00000000-0000-4000-8000-000000000001', 'CSV', $3, 'EXPLICIT_CONSENT', 'ACCEPTED', $4)`,
		sub, partner, strings.Repeat("0", 32)+strings.ReplaceAll(sub, "-", "")[:32], n)
	var values []string
	for len(values) < n {
		m := rollupMetrics[w.rng.IntN(len(rollupMetrics))]
		// Months and quarters of 2014-2022 (rates exist for 2015-2021), some across a year end.
		start := time.Date(2014+w.rng.IntN(9), time.Month(1+w.rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		months := []int{1, 1, 3, 3, 6, 12}[w.rng.IntN(6)]
		end := start.AddDate(0, months, -1)
		wd, ihelp := "", ""
		switch w.rng.IntN(4) {
		case 0:
			wd = w.domains[w.rng.IntN(len(w.domains))]
		case 1:
			categories := hjx.Strings(hjx.AllIhelpCategories())
			ihelp = categories[w.rng.IntN(len(categories))]
		}
		hs, age, sex := w.pick(hjx.Strings(hjx.AllHealthSettings())), w.pick(hjx.Strings(hjx.AllAgeBands())[:3]), w.pick(hjx.Strings(hjx.AllSexes()))
		scheme, decile := "", ""
		if w.rng.IntN(3) == 0 {
			scheme, decile = []string{"IMD_DECILE", "ADI_DECILE"}[w.rng.IntN(2)], fmt.Sprint(1+w.rng.IntN(10))
		}
		key := strings.Join([]string{partner, m.code, start.Format(time.DateOnly), end.Format(time.DateOnly), wd, ihelp, hs, age, sex, scheme, decile}, "|")
		if w.keys[key] {
			continue
		}
		w.keys[key] = true
		denom := 1 + w.rng.IntN(60)
		value, nn, sd, cur := fmt.Sprint(w.rng.IntN(denom+1)), "NULL", "NULL", "NULL"
		switch m.kind {
		case "PROPORTION":
			nn = fmt.Sprint(denom)
		case "AMOUNT":
			value, nn, cur = fmt.Sprintf("%d.%02d", w.rng.IntN(5000), w.rng.IntN(100)), fmt.Sprint(denom), "'"+[]string{"GBP", "USD"}[w.rng.IntN(2)]+"'"
		case "MEAN":
			value, nn = fmt.Sprintf("%.1f", w.rng.Float64()*20-5), fmt.Sprint(denom)
			if w.rng.IntN(4) > 0 {
				sd = fmt.Sprintf("%.2f", w.rng.Float64()*5)
			}
		}
		q := func(s string) string {
			if s == "" {
				return "NULL"
			}
			return "'" + s + "'"
		}
		values = append(values, fmt.Sprintf("('%s', '%s', '%s', '%s', '%s', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %d, %d)",
			sub, partner, m.code, start.Format(time.DateOnly), end.Format(time.DateOnly), q(wd), q(ihelp), q(hs), q(age), q(sex),
			q(scheme), map[bool]string{true: "NULL", false: decile}[decile == ""], value, nn, sd, cur,
			w.rng.IntN(256), w.rng.IntN(256)))
	}
	w.exec(`INSERT INTO observations (submission_id, partner_id, metric, period_start, period_end, welfare_domain,
		ihelp_category, health_setting, age_band, sex, deprivation_scheme, deprivation_value, value, n, sd, currency,
		key_value, key_n)
		VALUES ` + strings.Join(values, ",\n"))
	w.subs = append(w.subs, sub)
	return sub
}

// retract marks a random submission's rows as no longer current, as retraction
// and supersession do, and forgets their keys so new figures may take their place.
func (w *rollupWorld) retract() {
	w.t.Helper()
	i := w.rng.IntN(len(w.subs))
	sub := w.subs[i]
	w.subs = slices.Delete(w.subs, i, i+1)
	var keys []string
	if err := w.db.Select(&keys, `UPDATE observations SET current = false WHERE submission_id = $1 AND current
		RETURNING concat_ws('|', partner_id, metric, period_start, period_end, coalesce(welfare_domain, ''),
			coalesce(ihelp_category, ''), coalesce(health_setting, ''), coalesce(age_band, ''), coalesce(sex, ''),
			coalesce(deprivation_scheme, ''), coalesce(deprivation_value::text, ''))`, sub); err != nil {
		w.t.Fatal(err)
	}
	for _, k := range keys {
		delete(w.keys, k)
	}
}

// query is a random outcome query.
func (w *rollupWorld) query() (Query, hjx.MetricKind) {
	m := rollupMetrics[w.rng.IntN(len(rollupMetrics))]
	q := Query{Metric: m.code}
	dims := Dimensions()
	w.rng.Shuffle(len(dims), func(i, j int) { dims[i], dims[j] = dims[j], dims[i] })
	for _, d := range dims[:w.rng.IntN(MaxGroupBy+1)] {
		q.GroupBy = append(q.GroupBy, d)
		if q.Validate() != nil {
			q.GroupBy = q.GroupBy[:len(q.GroupBy)-1]
		}
	}
	if w.rng.IntN(4) == 0 {
		q.Countries = []hjx.Country{hjx.AllCountries()[w.rng.IntN(2)]}
	}
	if w.rng.IntN(3) == 0 {
		from := time.Date(2015+w.rng.IntN(4), time.Month(1+w.rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(w.rng.IntN(4), w.rng.IntN(12), 0)
		q.From, q.To = &from, &to
	}
	if w.rng.IntN(6) == 0 {
		settings := hjx.AllHealthSettings()
		q.HealthSettings = []hjx.HealthSetting{settings[w.rng.IntN(len(settings))]}
	}
	if w.rng.IntN(6) == 0 {
		q.WelfareDomains = []hjx.WelfareDomain{hjx.WelfareDomain(w.domains[w.rng.IntN(len(w.domains))])}
	}
	if m.kind == "AMOUNT" {
		q.Currency = []string{"GBP", "USD", "PPP_INTL_DOLLAR"}[w.rng.IntN(3)]
	}
	return q, m.kind
}

// canonical sorts an aggregation so that two computing the same table compare equal.
func canonical(a *Aggregation) *Aggregation {
	for i := range a.Cells {
		sort.Slice(a.Cells[i].Contributions, func(x, y int) bool {
			return a.Cells[i].Contributions[x].PartnerID < a.Cells[i].Contributions[y].PartnerID
		})
	}
	sort.Slice(a.Cells, func(i, j int) bool {
		return strings.Join(a.Cells[i].Key, "\x00") < strings.Join(a.Cells[j].Key, "\x00")
	})
	return a
}

// checkCounts compares observation_shape_counts with a count of current rows.
func (w *rollupWorld) checkCounts() {
	w.t.Helper()
	var diff int
	if err := w.db.Get(&diff, `SELECT count(*) FROM (
		(SELECT metric, partner_id, shape, period_start, period_end, rows FROM observation_shape_counts WHERE rows > 0
		 EXCEPT SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band, sex,
			deprivation_scheme), period_start, period_end, count(*) FROM observations WHERE current GROUP BY 1, 2, 3, 4, 5)
		UNION ALL
		(SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band, sex,
			deprivation_scheme), period_start, period_end, count(*) FROM observations WHERE current GROUP BY 1, 2, 3, 4, 5
		 EXCEPT SELECT metric, partner_id, shape, period_start, period_end, rows FROM observation_shape_counts WHERE rows > 0)) d`); err != nil {
		w.t.Fatal(err)
	}
	if diff != 0 {
		w.t.Fatalf("observation_shape_counts differs from the current rows in %d keys", diff)
	}
}

// compare runs queries through both paths and fails on any difference in cells,
// contributions or exclusion counts. It returns how many took the shape path.
func (w *rollupWorld) compare(queries int) int {
	w.t.Helper()
	ctx := context.Background()
	shaped := 0
	for i := 0; i < queries; i++ {
		q, kind := w.query()
		allowed := slices.Clone(w.partners)
		w.rng.Shuffle(len(allowed), func(i, j int) { allowed[i], allowed[j] = allowed[j], allowed[i] })
		allowed = allowed[:1+w.rng.IntN(len(allowed))]
		in := aggregateInput{Query: q, Kind: kind, Currency: q.Currency, Allowed: allowed, Identifiable: allowed[:1]}
		fast, err := aggregate(ctx, w.db, in)
		if err != nil {
			w.t.Fatal(err)
		}
		in.Naive = true
		naive, err := aggregate(ctx, w.db, in)
		if err != nil {
			w.t.Fatal(err)
		}
		if _, _, ok := shapes(q); ok {
			shaped++
		}
		if !reflect.DeepEqual(canonical(fast), canonical(naive)) {
			w.t.Fatalf("query %+v (allowed %v):\nshape path %+v\nnaive path %+v", q, allowed, fast, naive)
		}
	}
	return shaped
}

func TestShapePathMatchesNaive(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("OKSeed%d", seed), func(t *testing.T) {
			w := newRollupWorld(t, seed)
			for i := 0; i < 12; i++ {
				w.submit(150)
			}
			w.checkCounts()
			shaped := w.compare(150)
			// Retractions and supersessions move the counts in the same statement.
			for i := 0; i < 4; i++ {
				w.retract()
				w.submit(100)
			}
			w.checkCounts()
			shaped += w.compare(150)
			// Deleting rows (never done by hjx, but by an operator's repair) keeps them too.
			w.exec(`DELETE FROM observations WHERE id IN (SELECT id FROM observations ORDER BY id DESC LIMIT 40)`)
			w.checkCounts()
			shaped += w.compare(60)
			if shaped < 150 {
				t.Fatalf("only %d of 360 random queries took the shape path", shaped)
			}
		})
	}
	t.Run("OKRetractionSeenAtOnce", func(t *testing.T) {
		w := newRollupWorld(t, 3)
		sub := w.submit(200)
		in := aggregateInput{Query: Query{Metric: "PATIENTS_SCREENED", GroupBy: []Dimension{DimCountry}},
			Kind: "COUNT", Allowed: w.partners}
		before, err := aggregate(context.Background(), w.db, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(before.Cells) == 0 && len(before.Excluded) == 0 {
			t.Fatal("the random submission gave no PATIENTS_SCREENED rows")
		}
		w.exec(`UPDATE observations SET current = false WHERE submission_id = $1`, sub)
		after, err := aggregate(context.Background(), w.db, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Cells) != 0 || len(after.Excluded) != 0 {
			t.Fatalf("after retraction: %+v", after)
		}
	})
}
