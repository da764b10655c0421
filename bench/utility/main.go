// Command utility measures what disclosure control costs a researcher (`make
// utility`): on the demo world and on a generated dataset shaped like the bench's
// (many partners, monthly figures, breakdowns by sex, age band and welfare domain),
// it asks a standard set of outcome queries as the project's researcher, through
// the outcomes service every API answer comes from, and compares every published
// cell with the true pooled value computed from the stored rows directly in SQL.
// It prints, per metric kind, how many cells were published and suppressed, the
// mean absolute and relative error and their 95th percentiles: the table of
// docs/DISCLOSURE.md, "Utility (measured)".
//
// It creates (and drops first) the databases hjx_utility_demo and
// hjx_utility_generated on the server of DATABASE_URL.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/graph"
	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/server"
)

func main() {
	partners := flag.Int("partners", 24, "partners of the generated dataset (half GB, half US)")
	runs := flag.Int("runs", 10, "fresh databases per dataset: each has its own disclosure secret, so its own noise")
	flag.Parse()
	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		dbURL = "postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable"
	}
	if err := run(context.Background(), dbURL, *partners, *runs, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "utility:", err)
		os.Exit(1)
	}
}

// world is a dataset to measure: it loads itself into a migrated hjx and returns
// the researcher and the approved project to query.
type world struct {
	name, about string
	load        func(ctx context.Context, a *app.App) (*hjx.Principal, string, error)
}

func run(ctx context.Context, serverURL string, partners, runs int, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	worlds := []world{
		{"demo", "the demo world (`hjx seed --demo`: 18 partners, quarterly 2019-2021)", loadDemo},
		{"generated", fmt.Sprintf("a generated dataset (%d partners, monthly 2019-2021, breakdowns by sex, age band and welfare domain)", partners),
			func(ctx context.Context, a *app.App) (*hjx.Principal, string, error) {
				return loadGenerated(ctx, a, partners)
			}},
	}
	fmt.Fprintln(stdout, "| dataset | kind | cells published (per run) | cells suppressed (per run) | mean absolute error | mean relative error | 95th pct absolute | 95th pct relative |")
	fmt.Fprintln(stdout, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, w := range worlds {
		began := time.Now()
		stats := map[string]*stats{}
		for run := range runs {
			fmt.Fprintf(stderr, "utility: %s (%d/%d): loading %s\n", w.name, run+1, runs, w.about)
			db, err := freshDatabase(ctx, serverURL, "hjx_utility_"+w.name)
			if err != nil {
				return err
			}
			err = measureWorld(ctx, db, log, w, stats)
			db.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", w.name, err)
			}
		}
		for _, kind := range []string{"COUNT", "PROPORTION", "AMOUNT", "MEAN"} {
			s := stats[kind]
			if s == nil {
				continue
			}
			fmt.Fprintf(stdout, "| %s | %s | %d | %d | %s | %s | %s | %s |\n", w.name, kindLabel[kind], len(s.abs)/runs, s.suppressed/runs,
				s.unit(mean(s.abs)), pct(mean(s.rel)), s.unit(percentile(s.abs, 0.95)), pct(percentile(s.rel, 0.95)))
		}
		fmt.Fprintf(stderr, "utility: %s measured in %v\n", w.name, time.Since(began).Round(time.Second))
	}
	return nil
}

var kindLabel = map[string]string{"COUNT": "COUNT (count)", "PROPORTION": "PROPORTION (rate)",
	"AMOUNT": "AMOUNT (money, USD)", "MEAN": "MEAN (mean)"}

// freshDatabase drops and creates a database on the server of serverURL.
func freshDatabase(ctx context.Context, serverURL, name string) (*sqlx.DB, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	u.Path = "/postgres"
	admin, err := sqlx.Open("postgres", u.String())
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return nil, err
	}
	u.Path = "/" + name
	return postgres.Open(ctx, u.String(), postgres.PoolConfig{})
}

// stats are one kind's errors over published cells.
type stats struct {
	kind       string
	abs, rel   []float64
	suppressed int
}

func (s *stats) unit(x float64) string {
	switch s.kind {
	case "PROPORTION":
		return fmt.Sprintf("%.4f", x)
	case "MEAN":
		return fmt.Sprintf("%.3f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

// measureWorld loads the world into a fresh database and adds the errors of the
// standard queries' published cells to out, by metric kind.
func measureWorld(ctx context.Context, db *sqlx.DB, log *slog.Logger, w world, out map[string]*stats) error {
	if err := postgres.Migrate(ctx, db, log); err != nil {
		return err
	}
	secret, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil {
		return err
	}
	a := app.New(db, log, app.Config{Server: server.DefaultConfig(), GraphQL: graph.DefaultHandlerConfig(),
		Secret: secret, Now: time.Now})
	researcher, projectID, err := w.load(ctx, a)
	if err != nil {
		return err
	}
	decisions, err := a.Governance.DecisionsForProject(ctx, researcher, projectID)
	if err != nil {
		return err
	}
	var allowed []string
	for _, d := range decisions {
		if d.Decision.Outcome == access.Allow {
			allowed = append(allowed, d.PartnerID)
		}
	}
	for _, q := range standardQueries() {
		kind := q.kind
		s := out[kind]
		if s == nil {
			s = &stats{kind: kind}
			out[kind] = s
		}
		table, err := a.Outcomes.Query(ctx, researcher, projectID, outcomes.Query{Metric: q.metric, GroupBy: q.groupBy,
			Currency: q.currency})
		if err != nil {
			return fmt.Errorf("%s by %v: %w", q.metric, q.groupBy, err)
		}
		truth, err := trueCells(ctx, db, q, allowed)
		if err != nil {
			return fmt.Errorf("%s by %v: true values: %w", q.metric, q.groupBy, err)
		}
		for _, r := range table.Rows {
			if r.Suppressed {
				s.suppressed++
				continue
			}
			key := rowKey(q.groupBy, r)
			tc, ok := truth[key]
			if !ok {
				return fmt.Errorf("%s by %v: published cell %q has no stored rows", q.metric, q.groupBy, key)
			}
			var published, want float64
			switch kind {
			case "PROPORTION":
				if r.Rate == nil || tc.n == 0 {
					continue
				}
				published, want = *r.Rate, tc.value/tc.n
			case "MEAN":
				published, want = *r.Value, tc.weighted/tc.n
			default:
				published, want = *r.Value, tc.value
			}
			s.abs = append(s.abs, math.Abs(published-want))
			if want != 0 {
				s.rel = append(s.rel, math.Abs(published-want)/math.Abs(want))
			}
		}
	}
	return nil
}

// query is one of the standard queries.
type query struct {
	metric, kind, currency string
	groupBy                []outcomes.Dimension
}

// standardQueries are the tables a researcher would ask for first: each metric
// kind overall, by country, by period, and by its breakdowns.
func standardQueries() []query {
	var out []query
	add := func(metric, kind string, groupings ...[]outcomes.Dimension) {
		currency := ""
		if kind == "AMOUNT" {
			currency = "USD"
		}
		for _, g := range groupings {
			out = append(out, query{metric: metric, kind: kind, currency: currency, groupBy: g})
		}
	}
	country, region, quarter, year := outcomes.DimCountry, outcomes.DimRegion, outcomes.DimQuarter, outcomes.DimYear
	sex, age, domain := outcomes.DimSex, outcomes.DimAgeBand, outcomes.DimWelfareDomain
	g := func(d ...outcomes.Dimension) []outcomes.Dimension { return d }
	add("PATIENTS_SCREENED", "COUNT", g(), g(country), g(quarter), g(year), g(sex), g(country, year), g(country, sex),
		g(sex, year), g(sex, quarter), g(region), g(region, year), g(region, sex))
	add("CLIENTS_ADVISED", "COUNT", g(), g(country), g(year), g(age), g(country, age), g(age, year))
	add("REFERRALS_WITH_INTAKE", "PROPORTION", g(), g(country), g(quarter), g(year), g(country, year), g(sex),
		g(country, quarter), g(region, year))
	add("FINANCIAL_STRAIN", "PROPORTION", g(), g(country), g(year), g(quarter), g(country, year))
	add("FINANCIAL_GAIN", "AMOUNT", g(), g(country), g(quarter), g(year), g(country, year), g(domain), g(domain, year), g(region), g(region, year))
	add("WEMWBS_CHANGE", "MEAN", g(), g(quarter), g(year), g(sex), g(country, year))
	add("PSS10_CHANGE", "MEAN", g(), g(year), g(quarter), g(country, year), g(region, year))
	return out
}

// trueCell is a cell's true pooled figures: the sum of the values (numerators,
// money in the reporting currency), of n, and of n times the value (for means).
type trueCell struct {
	value, n, weighted float64
}

// trueCells pools the allowed partners' current rows in SQL, independently of the
// outcomes service: for each partner only the rows at exactly the query's
// breakdown (the cube rule), periods lying wholly in their quarter or year, money
// converted per row at its year's latest rates.
func trueCells(ctx context.Context, db *sqlx.DB, q query, allowed []string) (map[string]trueCell, error) {
	keyOf := map[outcomes.Dimension]string{
		outcomes.DimCountry:       "p.country",
		outcomes.DimRegion:        "p.region",
		outcomes.DimSex:           "o.sex",
		outcomes.DimAgeBand:       "o.age_band",
		outcomes.DimWelfareDomain: "o.welfare_domain",
		outcomes.DimQuarter:       "to_char(o.period_start, 'YYYY') || '-Q' || extract(quarter FROM o.period_start)",
		outcomes.DimYear:          "to_char(o.period_start, 'YYYY')",
	}
	breakdown := map[string]outcomes.Dimension{"welfare_domain": outcomes.DimWelfareDomain, "ihelp_category": "",
		"health_setting": "", "age_band": outcomes.DimAgeBand, "sex": outcomes.DimSex, "deprivation_scheme": ""}
	var keys, where []string
	for _, d := range q.groupBy {
		keys = append(keys, keyOf[d])
		switch d {
		case outcomes.DimQuarter:
			where = append(where, "date_trunc('quarter', o.period_start) = date_trunc('quarter', o.period_end)")
		case outcomes.DimYear:
			where = append(where, "date_trunc('year', o.period_start) = date_trunc('year', o.period_end)")
		}
	}
	cols := make([]string, 0, len(breakdown))
	for c := range breakdown {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		if d := breakdown[c]; d != "" && slices.Contains(q.groupBy, d) {
			where = append(where, "o."+c+" IS NOT NULL")
		} else {
			where = append(where, "o."+c+" IS NULL")
		}
	}
	value := "o.value"
	if q.currency == "USD" {
		value = "CASE o.currency WHEN 'GBP' THEN o.value / r.gbp_per_usd ELSE o.value END"
	}
	key := "''"
	if len(keys) > 0 {
		key = "concat_ws('|', " + strings.Join(keys, ", ") + ")"
	}
	stmt := `SELECT ` + key + ` AS key, sum(` + value + `)::float8 AS value, coalesce(sum(o.n), 0)::float8 AS n,
			coalesce(sum(o.n * o.value), 0)::float8 AS weighted
		FROM observations o JOIN partners p ON p.id = o.partner_id
		JOIN (SELECT DISTINCT ON (year) * FROM exchange_rates ORDER BY year, version DESC) r
			ON r.year = extract(year FROM o.period_start)
		WHERE o.current AND o.metric = $1 AND o.partner_id = ANY($2) AND ` + strings.Join(where, " AND ") + `
		GROUP BY 1`
	var rows []struct {
		Key      string  `db:"key"`
		Value    float64 `db:"value"`
		N        float64 `db:"n"`
		Weighted float64 `db:"weighted"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, stmt, q.metric, pq.Array(allowed)); err != nil {
		return nil, err
	}
	out := make(map[string]trueCell, len(rows))
	for _, r := range rows {
		out[r.Key] = trueCell{value: r.Value, n: r.N, weighted: r.Weighted}
	}
	return out, nil
}

// rowKey spells a published row's key as trueCells does.
func rowKey(groupBy []outcomes.Dimension, r outcomes.Row) string {
	var parts []string
	for _, d := range groupBy {
		switch d {
		case outcomes.DimCountry:
			parts = append(parts, r.Country)
		case outcomes.DimRegion:
			parts = append(parts, r.Region)
		case outcomes.DimSex:
			parts = append(parts, r.Sex)
		case outcomes.DimAgeBand:
			parts = append(parts, r.AgeBand)
		case outcomes.DimWelfareDomain:
			parts = append(parts, r.WelfareDomain)
		case outcomes.DimQuarter, outcomes.DimYear:
			parts = append(parts, r.Period)
		}
	}
	return strings.Join(parts, "|")
}

func loadDemo(ctx context.Context, a *app.App) (*hjx.Principal, string, error) {
	res, err := demo.Seed(ctx, a, "hjx-utility", nil)
	if err != nil {
		return nil, "", err
	}
	for _, tok := range res.Tokens {
		if tok.Role == "RESEARCHER" {
			p, err := a.Auth.Authenticate(ctx, tok.Secret)
			return p, res.ProjectID, err
		}
	}
	return nil, "", fmt.Errorf("the demo seed made no researcher")
}

// loadGenerated registers partners (half GB, half US, every third with a min cell
// of 10, sizes spread over two orders of magnitude as real services are), has each
// upload 36 months of figures through the ingest service, and approves a project.
func loadGenerated(ctx context.Context, a *app.App, partners int) (*hjx.Principal, string, error) {
	principal := func(np auth.NewPrincipal) (*hjx.Principal, error) {
		issued, err := a.Auth.Create(ctx, np)
		if err != nil {
			return nil, err
		}
		return issued.Principal, nil
	}
	steward, err := principal(auth.NewPrincipal{Name: "Utility steward", Role: hjx.RoleSteward})
	if err != nil {
		return nil, "", err
	}
	r := rand.New(rand.NewPCG(2026, 11))
	domains := []hjx.WelfareDomain{"WELFARE_BENEFITS", "DEBT", "HOUSING"}
	settings := []hjx.HealthSetting{"PRIMARY_CARE", "HOSPITAL", "MENTAL_HEALTH", "COMMUNITY_HEALTH_CENTRE", "PAEDIATRIC"}
	for i := range partners {
		country, region, model := hjx.CountryGB, []string{"GB-ENG", "GB-WLS", "GB-SCT"}[i%3], hjx.ModelHJP
		if i%2 == 1 {
			country, region, model = hjx.CountryUS, []string{"US-NY", "US-CA", "US-MA"}[i%3], hjx.ModelMLP
		}
		id := fmt.Sprintf("%s-gen-%02d", strings.ToLower(string(country)), i)
		if _, err := a.Directory.Register(ctx, steward, directory.Partner{ID: id, Name: "Generated partner " + id,
			Country: country, Region: region, Model: model, HealthSettings: []hjx.HealthSetting{settings[i%len(settings)]},
			AdviceDomains: domains, ActiveFrom: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			return nil, "", fmt.Errorf("register %s: %w", id, err)
		}
		admin, err := principal(auth.NewPrincipal{Name: "Admin " + id, Role: hjx.RolePartnerAdmin, PartnerID: id})
		if err != nil {
			return nil, "", err
		}
		policy := access.PolicyInput{Permission: access.Permission("GRU")}
		if i%3 == 2 {
			minCell := 10
			policy.MinCell = &minCell
		}
		if _, err := a.Governance.SetPolicy(ctx, admin, id, policy); err != nil {
			return nil, "", fmt.Errorf("policy of %s: %w", id, err)
		}
		uploader, err := principal(auth.NewPrincipal{Name: "Uploader " + id, Role: hjx.RolePartnerUploader, PartnerID: id})
		if err != nil {
			return nil, "", err
		}
		size := math.Exp(r.NormFloat64()*0.9) * 120 // clients a month
		basis := map[hjx.Country]hjx.ConsentBasis{hjx.CountryGB: hjx.ConsentPublicTaskResearch,
			hjx.CountryUS: hjx.ConsentHIPAASafeHarbor}[country]
		res, err := a.Ingest.Submit(ctx, uploader, ingest.Request{Format: ingest.FormatJSON, ConsentBasis: basis,
			Rows: generatedRows(r, string(country), size)})
		if err != nil {
			return nil, "", fmt.Errorf("figures of %s: %w", id, err)
		}
		if !res.Accepted {
			return nil, "", fmt.Errorf("figures of %s rejected: %d issues, first %+v", id, res.IssueCount, res.Issues[0])
		}
	}
	researcher, err := principal(auth.NewPrincipal{Name: "Utility researcher", Role: hjx.RoleResearcher})
	if err != nil {
		return nil, "", err
	}
	pr, err := a.Governance.ProposeProject(ctx, researcher, access.ProjectInput{Title: "Utility of protected outcomes",
		Institution: "University of Leeds", InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"),
		EthicsApprovalRef: "UTILITY-1", PublicationCommitted: true,
		StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2031, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return nil, "", err
	}
	if _, err := a.Governance.ApproveProject(ctx, steward, pr.ID); err != nil {
		return nil, "", err
	}
	return researcher, pr.ID, nil
}

var (
	genSexes = []struct {
		sex   string
		share float64
	}{{"FEMALE", 0.56}, {"MALE", 0.425}, {"OTHER_OR_NOT_STATED", 0.015}}
	genAges = []struct {
		band  string
		share float64
	}{{"AGE_18_24", 0.09}, {"AGE_25_34", 0.17}, {"AGE_35_44", 0.19}, {"AGE_45_54", 0.2}, {"AGE_55_64", 0.17},
		{"AGE_65_74", 0.11}, {"AGE_75_89", 0.065}, {"AGE_90_PLUS", 0.005}}
	genDomains = []struct {
		domain string
		share  float64
	}{{"WELFARE_BENEFITS", 0.7}, {"DEBT", 0.18}, {"HOUSING", 0.12}}
)

// generatedRows is one partner's months of 2019-2021: screening (total, by sex, by
// age band), referrals with an intake (total, by sex), money gained (total, by
// domain) and the wellbeing change of its country's instrument (total, by sex).
func generatedRows(r *rand.Rand, country string, size float64) []ingest.Row {
	jitter := func(x, spread float64) float64 { return x * (1 + spread*(2*r.Float64()-1)) }
	count := func(x float64) int { return max(0, int(math.Round(x))) }
	currency, perClient, wellbeing := "GBP", 2800.0, "WEMWBS_CHANGE"
	if country == "US" {
		currency, perClient, wellbeing = "USD", 3900.0, "PSS10_CHANGE"
	}
	var out []ingest.Row
	for year := 2019; year <= 2021; year++ {
		for month := time.January; month <= time.December; month++ {
			start := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
			row := func(metric string, v float64, set func(*ingest.Row)) {
				x := ingest.Row{Metric: metric, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, -1), Value: v}
				if set != nil {
					set(&x)
				}
				out = append(out, x)
			}
			screened := count(jitter(size*3.5, 0.15))
			row("PATIENTS_SCREENED", float64(screened), nil)
			left := screened
			for i, s := range genSexes {
				v := count(float64(screened) * jitter(s.share, 0.1))
				if i == len(genSexes)-1 || v > left {
					v = left
				}
				left -= v
				row("PATIENTS_SCREENED", float64(v), func(x *ingest.Row) { x.Sex = s.sex })
			}
			for _, a := range genAges {
				row("PATIENTS_SCREENED", float64(count(float64(screened)*jitter(a.share, 0.2))),
					func(x *ingest.Row) { x.AgeBand = a.band })
			}
			referred := count(float64(screened) * jitter(0.3, 0.1))
			intake := func(n int) float64 { return float64(min(n, count(float64(n)*jitter(0.8, 0.08)))) }
			n := referred
			row("REFERRALS_WITH_INTAKE", intake(n), func(x *ingest.Row) { x.N = &n })
			for _, s := range genSexes {
				ns := count(float64(referred) * s.share)
				row("REFERRALS_WITH_INTAKE", intake(ns), func(x *ingest.Row) { x.Sex, x.N = s.sex, &ns })
			}
			gainClients := count(float64(referred) * jitter(0.4, 0.1))
			total := 0.0
			for _, d := range genDomains {
				nd := count(float64(gainClients) * d.share)
				amount := math.Round(float64(nd)*perClient*jitter(1, 0.3)*100) / 100
				total += amount
				row("FINANCIAL_GAIN", amount, func(x *ingest.Row) { x.WelfareDomain, x.N, x.Currency = d.domain, &nd, currency })
			}
			row("FINANCIAL_GAIN", math.Round(total*100)/100, func(x *ingest.Row) { x.N, x.Currency = &gainClients, currency })
			measured := count(float64(referred) * jitter(0.35, 0.15))
			mu := map[string]float64{"WEMWBS_CHANGE": 3.6, "PSS10_CHANGE": -2.4}[wellbeing]
			meanOf := func(n int) float64 {
				return math.Round((mu+8/math.Sqrt(math.Max(1, float64(n)))*r.NormFloat64())*100) / 100
			}
			row(wellbeing, meanOf(measured), func(x *ingest.Row) { x.N = &measured })
			for _, s := range genSexes {
				ns := count(float64(measured) * s.share)
				if ns == 0 {
					continue // no mean of nobody
				}
				row(wellbeing, meanOf(ns), func(x *ingest.Row) { x.Sex, x.N = s.sex, &ns })
			}
		}
	}
	return out
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// percentile is the nearest-rank percentile.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[max(0, int(math.Ceil(p*float64(len(s))))-1)]
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
