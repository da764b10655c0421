package outcomes_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestOutcomesDemo runs the end-to-end checks on the demo world (25
// partners, 2019-2021): money side by side by quarter against a hand conversion of
// the stored rows, coverage with DUO reasons, the I-HELP roll-up, deprivation
// quintiles, the headline equity questions answered, and a retraction seen by the
// very next query.
func TestOutcomesDemo(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	ctx := context.Background()
	res, err := demo.Seed(ctx, env.App, "test-seed", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("SeedAgainChangesNothing", func(t *testing.T) { demoSeedAgainChangesNothing(t, env) })
	d := newDemoWorld(t, env, res)
	for _, tt := range []struct{ name, currency, gbpFactor, usdFactor string }{
		{"MoneyByQuarterUSD", "USD", "1 / r.gbp_per_usd", "1"},
		{"MoneyByQuarterPPP", "PPP_INTL_DOLLAR", "1 / r.ppp_gbp_per_intl_dollar", "1 / r.ppp_usd_per_intl_dollar"},
	} {
		t.Run(tt.name, func(t *testing.T) { d.moneyByQuarter(t, tt.currency, tt.gbpFactor, tt.usdFactor) })
	}
	t.Run("CoverageWithDUOReasons", d.coverageWithDUOReasons)
	t.Run("IhelpRollup", d.ihelpRollup)
	t.Run("DeprivationQuintiles", d.deprivationQuintiles)
	t.Run("HeadlineQuestions", d.headlineQuestions)
	t.Run("MoneyWithoutExponent", d.moneyWithoutExponent)
	t.Run("DocsExamples", d.docsExamples)
	t.Run("RetractionSeenNext", d.retractionSeenNext)
}

// demoSeedAgainChangesNothing: the demo's rows keep to its partners'
// registrations and its files are the same bytes, so a second seed stores
// nothing and meets no limit.
func demoSeedAgainChangesNothing(t *testing.T, env *testkit.Env) {
	ctx := context.Background()
	count := func() (n int) {
		if err := env.App.DB.Get(&n, `SELECT (SELECT count(*) FROM submissions) + (SELECT count(*) FROM observations)`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if _, err := demo.Seed(ctx, env.App, "test-seed", nil); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if after := count(); after != before {
		t.Errorf("a second seed changed the data: %d submissions and rows before, %d after", before, after)
	}
}

// demoWorld is the seeded demo as TestOutcomesDemo's steps see it: its tokens by
// role, the partners the demo project may use and their decisions, and the
// disclosure secret that gives their unit keys.
type demoWorld struct {
	env        *testkit.Env
	ctx        context.Context
	res        *demo.Result
	tokens     map[string]string
	researcher string
	allowed    []string
	byPartner  map[string]governance.PartnerDecision
	secret     disclosure.Secret
}

func newDemoWorld(t *testing.T, env *testkit.Env, res *demo.Result) *demoWorld {
	t.Helper()
	ctx := context.Background()
	d := &demoWorld{env: env, ctx: ctx, res: res, tokens: map[string]string{}, byPartner: map[string]governance.PartnerDecision{}}
	for _, tok := range res.Tokens {
		d.tokens[tok.Role] = tok.Secret
	}
	d.researcher = d.tokens["RESEARCHER"]
	_, steward := env.Token(hjx.RoleSteward, "", "")
	decisions, err := env.App.Governance.DecisionsForProject(ctx, steward, res.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	for _, dec := range decisions {
		if dec.Decision.Outcome == access.Allow {
			d.allowed = append(d.allowed, dec.PartnerID)
			d.byPartner[dec.PartnerID] = dec
		}
	}
	d.secret, err = postgres.LoadDisclosureSecret(ctx, env.App.DB)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *demoWorld) ask(t *testing.T, token string, q map[string]any) outcomeTable {
	t.Helper()
	var out struct{ Outcomes outcomeTable }
	d.env.Do(token, outcomesQuery, map[string]any{"p": d.res.ProjectID, "q": q}).Decode(t, &out)
	return out.Outcomes
}

// moneyShare is one partner's quarterly money total, converted at its year's
// rate, with the sums of its record keys.
type moneyShare struct {
	Country  string  `db:"country"`
	Period   string  `db:"period"`
	Partner  string  `db:"partner_id"`
	Value    float64 `db:"value"`
	N        int     `db:"n"`
	ValueKey int64   `db:"key_value"`
	NKey     int64   `db:"key_n"`
}

// moneyByQuarter: each partner's quarterly totals (no breakdown), converted one
// by one at their year's rate and summed per partner, with the sums of their
// record keys: disclosure control of that cell on its own must publish exactly
// what the table does.
func (d *demoWorld) moneyByQuarter(t *testing.T, currency, gbpFactor, usdFactor string) {
	var shares []moneyShare
	err := sqlx.SelectContext(d.ctx, d.env.App.DB, &shares, `
		SELECT p.country, to_char(o.period_start, 'YYYY') || '-Q' || extract(quarter FROM o.period_start) AS period,
			o.partner_id, sum(o.value * CASE o.currency WHEN 'GBP' THEN `+gbpFactor+` ELSE `+usdFactor+` END)::float8 AS value,
			sum(o.n)::int AS n, sum(o.key_value) AS key_value, sum(o.key_n) AS key_n
		FROM observations o JOIN partners p ON p.id = o.partner_id
		JOIN (SELECT DISTINCT ON (year) * FROM exchange_rates ORDER BY year, version DESC) r
			ON r.year = extract(year FROM o.period_start)
		WHERE o.current AND o.metric = 'FINANCIAL_GAIN' AND o.partner_id = ANY($1)
			AND o.welfare_domain IS NULL AND o.ihelp_category IS NULL AND o.health_setting IS NULL
			AND o.age_band IS NULL AND o.sex IS NULL AND o.deprivation_scheme IS NULL
		GROUP BY 1, 2, 3`, pq.Array(d.allowed))
	if err != nil {
		t.Fatal(err)
	}
	want := d.moneyCells(shares)
	got := d.ask(t, d.researcher, map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"COUNTRY", "QUARTER"},
		"currency": currency})
	if str(got.Currency) != currency || len(got.Rows) != len(want) || len(want) != 24 {
		t.Fatalf("currency %s, %d rows, %d expected (2 countries x 12 quarters)", str(got.Currency), len(got.Rows), len(want))
	}
	checked := map[string]int{}
	for _, r := range got.Rows {
		key := str(r.Country) + " " + str(r.Period)
		c := want[key]
		if c == nil {
			t.Fatalf("unexpected cell %s", key)
		}
		if r.Suppressed {
			continue
		}
		out, _, err := disclosure.Protect(d.env.App.Outcomes.Disclosure, []disclosure.Cell{*c})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Suppressed || *r.Value != *out[0].Value || *r.N != *out[0].N {
			t.Errorf("%s: %v / n %d, want %+v", key, *r.Value, *r.N, out[0])
		}
		if *r.Value == disclosure.RoundMoney(c.Value) {
			t.Errorf("%s: published %v, the unperturbed total", key, *r.Value)
		}
		checked[str(r.Country)]++
	}
	if checked["GB"] == 0 || checked["US"] == 0 {
		t.Errorf("published cells checked by country: %v; want both", checked)
	}
}

// moneyCells pools the partners' shares into the expected cells by country and
// quarter, with each partner's decision and unit keys.
func (d *demoWorld) moneyCells(shares []moneyShare) map[string]*disclosure.Cell {
	want := map[string]*disclosure.Cell{}
	for _, x := range shares {
		key := x.Country + " " + x.Period
		if want[key] == nil {
			want[key] = &disclosure.Cell{Key: []string{}, Kind: hjx.KindAmount}
		}
		c := want[key]
		dec := d.byPartner[x.Partner]
		c.Contributions = append(c.Contributions, disclosure.Contribution{PartnerID: x.Partner, MinCell: dec.MinCell,
			Identifiable: dec.Identifiable, Value: x.Value, N: x.N, ValueKey: x.ValueKey, NKey: x.NKey,
			ValueUnit: d.secret.UnitKey(x.Partner, "FINANCIAL_GAIN", disclosure.RoleValue),
			NUnit:     d.secret.UnitKey(x.Partner, "FINANCIAL_GAIN", disclosure.RoleN)})
		c.Value += x.Value
		c.N += x.N
	}
	return want
}

func (d *demoWorld) coverageWithDUOReasons(t *testing.T) {
	got := d.ask(t, d.tokens["DASHBOARD"], map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"COUNTRY"}})
	ex := excludedReasons(got)
	for id, code := range map[string]string{"houston-hospital-mlp": "GS", "edinburgh-infirmary-welfare": "IS",
		"cardiff-hospice-advice": "COL"} {
		if !slices.Contains(ex[id], code) {
			t.Errorf("%s excluded for %v, want %s", id, ex[id], code)
		}
	}
	if got.Coverage.PartnersIncluded != len(d.allowed) {
		t.Errorf("partnersIncluded %d, want %d", got.Coverage.PartnersIncluded, len(d.allowed))
	}
}

func (d *demoWorld) ihelpRollup(t *testing.T) {
	byIhelp := d.ask(t, d.researcher, map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"IHELP_CATEGORY"}})
	if byIhelp.Coverage.PartnersIncluded != len(d.allowed) || len(byIhelp.Rows) != 5 {
		t.Errorf("by I-HELP: %d partners included (want %d, the I-HELP-only ones too), %d rows (want 5)",
			byIhelp.Coverage.PartnersIncluded, len(d.allowed), len(byIhelp.Rows))
	}
	byDomain := d.ask(t, d.researcher, map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"WELFARE_DOMAIN"}})
	ex := excludedReasons(byDomain)
	for _, id := range []string{"bronx-chc-mlp", "oakland-chc-mlp"} {
		if !slices.Contains(ex[id], "COARSER_THAN_GROUPING") { // their totals: NOT_AT_THIS_BREAKDOWN too
			t.Errorf("%s excluded for %v, want COARSER_THAN_GROUPING", id, ex[id])
		}
	}
	if observationsExcluded(byDomain)["COARSER_THAN_GROUPING"] == 0 {
		t.Errorf("no observations counted COARSER_THAN_GROUPING")
	}
}

// deprivationQuintiles: the demo screens the most deprived areas most, by IMD
// (decile 1) and ADI (decile 10) alike: quintile 1 must outnumber quintile 5 in
// both countries.
func (d *demoWorld) deprivationQuintiles(t *testing.T) {
	got := d.ask(t, d.researcher, map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"COUNTRY", "DEPRIVATION_QUINTILE"}})
	value := map[string]float64{}
	for _, r := range got.Rows {
		if r.Suppressed || r.DeprivationQuintile == nil {
			continue
		}
		value[str(r.Country)+string(rune('0'+*r.DeprivationQuintile))] = *r.Value
	}
	for _, c := range []string{"GB", "US"} {
		if value[c+"1"] == 0 || value[c+"1"] <= 2*value[c+"5"] {
			t.Errorf("%s: quintile 1 %v, quintile 5 %v; want Q1 well above Q5", c, value[c+"1"], value[c+"5"])
		}
	}
}

// published counts a table's published rows; with a ratio, those that have one.
func (d *demoWorld) published(t *testing.T, q map[string]any) (rows, shown int, tbl ratioTable) {
	t.Helper()
	var out struct{ Outcomes ratioTable }
	d.env.Do(d.researcher, ratioQuery, map[string]any{"p": d.res.ProjectID, "q": q}).Decode(t, &out)
	for _, r := range out.Outcomes.Rows {
		if !r.Suppressed && (q["ratioTo"] == nil || r.Ratio != nil) {
			shown++
		}
	}
	return len(out.Outcomes.Rows), shown, out.Outcomes
}

func (d *demoWorld) headlineQuestions(t *testing.T) {
	if d.res.ProjectID != demo.ProjectID {
		t.Errorf("demo project %s, want the fixed %s", d.res.ProjectID, demo.ProjectID)
	}
	for _, tt := range []struct {
		name string
		q    map[string]any
		rows int
	}{
		// Money gained per client advised, UK vs US, by quarter and deprivation
		// quintile (IMD in England, ADI in the US), in PPP dollars.
		{"GainPerClientByQuintile", map[string]any{"metric": "FINANCIAL_GAIN", "ratioTo": "CLIENTS_ADVISED",
			"groupBy": []string{"COUNTRY", "QUARTER", "DEPRIVATION_QUINTILE"}, "currency": "PPP_INTL_DOLLAR"}, 2 * 12 * 5},
		{"ClientsAdvisedByQuintile", map[string]any{"metric": "CLIENTS_ADVISED",
			"groupBy": []string{"COUNTRY", "YEAR", "DEPRIVATION_QUINTILE"}}, 2 * 3 * 5},
		// Wellbeing change by welfare domain (WEMWBS, UK) and I-HELP category (PSS-10, US).
		{"WellbeingByDomain", map[string]any{"metric": "WEMWBS_CHANGE", "countries": []string{"GB"},
			"groupBy": []string{"YEAR", "WELFARE_DOMAIN"}}, 3 * 8},
		{"StressByIhelpCategory", map[string]any{"metric": "PSS10_CHANGE", "countries": []string{"US"},
			"groupBy": []string{"YEAR", "IHELP_CATEGORY"}}, 3 * 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows, shown, tbl := d.published(t, tt.q)
			if rows != tt.rows || shown*10 < rows*9 {
				t.Errorf("%d rows (want %d), %d published: want at least 90%% published", rows, tt.rows, shown)
			}
			if tt.q["ratioTo"] != nil && (tbl.Denominator == nil || tbl.Denominator.Metric.Code != "CLIENTS_ADVISED") {
				t.Errorf("no CLIENTS_ADVISED denominator: %+v", tbl.Denominator)
			}
		})
	}
	t.Run("Availability", func(t *testing.T) {
		var got availabilityResult
		d.env.Do(d.researcher, availabilityQuery, map[string]any{"p": d.res.ProjectID}).Decode(t, &got)
		lines := got.catalogue()
		for _, want := range []string{
			"CLIENTS_ADVISED [DEPRIVATION_QUINTILE]|QUARTER,YEAR|[2019 2020 2021]|20|GB:9 US:11",
			"FINANCIAL_GAIN [DEPRIVATION_QUINTILE]|QUARTER,YEAR|[2019 2020 2021]|20|GB:9 US:11",
		} {
			if !slices.Contains(lines, want) {
				t.Errorf("catalogue lacks %q", want)
			}
		}
	})
}

// moneyWithoutExponent: three years of a country's money gained run into
// millions of dollars: the response writes them as plain numbers, never
// 5.04894e+06.
func (d *demoWorld) moneyWithoutExponent(t *testing.T) {
	r := d.env.Do(d.researcher, `query($p: ID!) { outcomes(projectId: $p, query: {metric: "FINANCIAL_GAIN", groupBy: [COUNTRY],
		currency: USD}) { rows { value suppressed } } }`, map[string]any{"p": d.res.ProjectID})
	var out struct{ Outcomes struct{ Rows []outcomeRow } }
	r.Decode(t, &out)
	large := 0
	for _, row := range out.Outcomes.Rows {
		if row.Value != nil && *row.Value >= 1e6 {
			large++
		}
	}
	if large == 0 {
		t.Fatalf("no value of a million or more to check: %s", r.Data)
	}
	if regexp.MustCompile(`\d[eE][+-]?\d`).Match(r.Data) {
		t.Errorf("a number in exponent form: %s", r.Data)
	}
}

// docsExamples: every GraphQL example of docs/OUTCOMES.md that names the demo
// project runs as written, with the demo's RESEARCHER token, and publishes most
// of its cells.
func (d *demoWorld) docsExamples(t *testing.T) {
	src, err := os.ReadFile("../../docs/OUTCOMES.md")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(src), -1) {
		if !strings.Contains(m[1], demo.ProjectID) {
			continue
		}
		ran++
		var data map[string]any
		d.env.Do(d.researcher, m[1], nil).Decode(t, &data)
		if o, ok := data["outcomes"].(map[string]any); ok {
			rows, _ := o["rows"].([]any)
			shown := 0
			for _, r := range rows {
				if r.(map[string]any)["suppressed"] == false {
					shown++
				}
			}
			if len(rows) == 0 || shown*10 < len(rows)*9 {
				t.Errorf("%.40q: %d of %d rows published, want at least 90%%", m[1], shown, len(rows))
			}
		}
	}
	if ran < 3 {
		t.Errorf("ran %d examples of docs/OUTCOMES.md, want the catalogue, the ratio and the wellbeing ones", ran)
	}
}

func (d *demoWorld) retractionSeenNext(t *testing.T) {
	q := map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"COUNTRY", "YEAR"}}
	before := cells(d.ask(t, d.researcher, q))
	var sub string
	if err := sqlx.GetContext(d.ctx, d.env.App.DB, &sub, `SELECT s.id FROM submissions s
		JOIN observations o ON o.submission_id = s.id
		WHERE s.partner_id = 'leeds-gp-welfare-rights' AND s.status = 'ACCEPTED' AND o.period_start >= '2021-01-01' LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	admin, _ := d.env.Token(hjx.RolePartnerAdmin, "leeds-gp-welfare-rights", "")
	var out struct{ RetractSubmission struct{ Status string } }
	d.env.Do(admin, `mutation($id: ID!) { retractSubmission(id: $id, reason: "figures double counted") { status } }`,
		map[string]any{"id": sub}).Decode(t, &out)
	after := cells(d.ask(t, d.researcher, q))
	changed := 0
	for i := range before {
		if before[i] != after[i] {
			changed++
		}
	}
	if len(before) != len(after) || changed == 0 {
		t.Errorf("retraction not seen by the next query:\nbefore %v\nafter  %v", before, after)
	}
}
