// Command outcomes benchmarks pooled outcome queries (`make bench`): on generated
// databases of 1M and 10M observations (30M with -sizes), it times a dashboard query
// and a heavy one through a real `hjx serve` (disclosure control and audit
// included), as the natural SQL run directly in PostgreSQL, as hjx's own aggregation
// statement before and after the rollups of migration 00050, and through
// PostGraphile v4 with @graphile/pg-aggregates; then throughput under load (hey, 4
// connections, loopback) of the dashboard query for hjx uncached and cached,
// PostGraphile, and pgbench running the same SQL; and each server's peak memory.
// It rewrites the outcomes section of docs/BENCHMARKS.md and stores its raw
// figures in docs/bench/outcomes.json (bench/plot draws docs/scaling.png from
// them). It is a benchmark, not a test: the figures depend on the machine.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver

	"github.com/hjx-exchange/hjx/bench/benchkit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/outcomes"
)

type options struct {
	sizes            []int64
	runs             int
	duration, warmup time.Duration
	hjxBin, heyBin   string
	pgDir            string
	out, jsonOut     string
	fresh            bool
}

func main() {
	var o options
	sizes := flag.String("sizes", "1000000,10000000", "observation counts to generate and query (comma-separated; 30000000 takes about half an hour more on 2 cores)")
	flag.IntVar(&o.runs, "runs", 5, "timed runs of each query; the report gives the median")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each throughput measurement")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "load before each throughput measurement, not counted")
	flag.StringVar(&o.hjxBin, "hjx", "bin/hjx", "the hjx binary")
	flag.StringVar(&o.heyBin, "hey", "bin/hey", "the hey load generator (make bench installs it)")
	flag.StringVar(&o.pgDir, "postgraphile", "bench/postgraphile", "the PostGraphile project (npm ci'd)")
	flag.StringVar(&o.out, "out", "docs/BENCHMARKS.md", "the report to update (its outcomes section only)")
	flag.StringVar(&o.jsonOut, "json", "docs/bench/outcomes.json", "where the raw figures go")
	flag.BoolVar(&o.fresh, "fresh", false, "generate the databases again even when an earlier run left them")
	flag.Parse()
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 100_000 {
			fmt.Fprintf(os.Stderr, "bench outcomes: -sizes: %q is not a count >= 100000\n", s)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench outcomes:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// Results is what docs/bench/outcomes.json holds.
type Results struct {
	Date, Machine string
	Runs          int
	Duration      string
	Sizes         []SizeResult
}

// SizeResult is one database's figures.
type SizeResult struct {
	Target, Rows      int64
	Partners          int
	GenerateSeconds   float64
	Reused            bool
	LoadBefore        string
	LoadAfter         string
	Queries           []QueryResult
	Throughput        []Throughput
	ShapeCountsRows   int64
	DashboardRowsRead int64
}

// QueryResult is the timed runs of one query, in milliseconds.
type QueryResult struct {
	Name                   string
	API, SQL, PostGraphile []float64
	HJXBefore, HJXAfter    []float64 // hjx's own statement in PostgreSQL: naive, shape path
	TunedSQL               []float64 // the natural aggregate told to use hjx's shape index
	Cells                  int
}

// Throughput is one load measurement.
type Throughput struct {
	Name    string
	RPS     float64
	PeakMiB float64 // the server's peak resident set (0: not measured)
}

// A query as each system asks it.
type benchQuery struct {
	name      string
	query     outcomes.Query
	kind      hjx.MetricKind
	graphql   string // hjx
	sql       string // the natural aggregate, %s = the allowed partners as an array literal
	shape     int    // observation_shape() of the rows at the breakdown, for the tuned SQL
	pgGraphQL string // PostGraphile
}

var queries = []benchQuery{
	{
		name:  "dashboard",
		query: outcomes.Query{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimCountry, outcomes.DimQuarter}},
		kind:  "COUNT",
		shape: 0,
		graphql: `query($p: ID!) { outcomes(projectId: $p, query: {metric: "PATIENTS_SCREENED", groupBy: [COUNTRY, QUARTER]}) {
			rows { country period value n partners suppressed suppression }
			coverage { partnersIncluded observationsExcluded { reason count } } disclosure { k suppressedCells } } }`,
		sql: `SELECT p.country, to_char(o.period_start, 'YYYY') || '-Q' || extract(quarter FROM o.period_start) AS quarter,
	sum(o.value) AS value, count(DISTINCT o.partner_id) AS partners
FROM observations o JOIN partners p ON p.id = o.partner_id
WHERE o.current AND o.metric = 'PATIENTS_SCREENED' AND o.partner_id = ANY('%s'::text[])
	AND o.welfare_domain IS NULL AND o.ihelp_category IS NULL AND o.health_setting IS NULL
	AND o.age_band IS NULL AND o.sex IS NULL AND o.deprivation_scheme IS NULL
	AND date_trunc('quarter', o.period_start) = date_trunc('quarter', o.period_end)
GROUP BY 1, 2`,
		pgGraphQL: `{ allBenchObservations(condition: {metric: "PATIENTS_SCREENED", welfareDomain: null, ihelpCategory: null,
			healthSetting: null, ageBand: null, sex: null, deprivationScheme: null}) {
			groupedAggregates(groupBy: [COUNTRY, QUARTER]) { keys sum { value } distinctCount { partnerId } } } }`,
	},
	{
		name: "heavy",
		query: outcomes.Query{Metric: "REFERRALS_WITH_INTAKE", GroupBy: []outcomes.Dimension{outcomes.DimCountry,
			outcomes.DimAgeBand, outcomes.DimSex, outcomes.DimQuarter}},
		kind:  "PROPORTION",
		shape: 8 + 16, // age band, sex
		graphql: `query($p: ID!) { outcomes(projectId: $p, query: {metric: "REFERRALS_WITH_INTAKE", groupBy: [COUNTRY, AGE_BAND, SEX, QUARTER]}) {
			rows { country ageBand sex period value n rate partners suppressed suppression }
			coverage { partnersIncluded observationsExcluded { reason count } } disclosure { k suppressedCells } } }`,
		sql: `SELECT p.country, o.age_band, o.sex, to_char(o.period_start, 'YYYY') || '-Q' || extract(quarter FROM o.period_start) AS quarter,
	sum(o.value) AS value, sum(o.n) AS n, count(DISTINCT o.partner_id) AS partners
FROM observations o JOIN partners p ON p.id = o.partner_id
WHERE o.current AND o.metric = 'REFERRALS_WITH_INTAKE' AND o.partner_id = ANY('%s'::text[])
	AND o.welfare_domain IS NULL AND o.ihelp_category IS NULL AND o.health_setting IS NULL
	AND o.age_band IS NOT NULL AND o.sex IS NOT NULL AND o.deprivation_scheme IS NULL
	AND date_trunc('quarter', o.period_start) = date_trunc('quarter', o.period_end)
GROUP BY 1, 2, 3, 4`,
		// condition has no IS NOT NULL: the connection filter plugin gives it.
		pgGraphQL: `{ allBenchObservations(condition: {metric: "REFERRALS_WITH_INTAKE", welfareDomain: null, ihelpCategory: null,
			healthSetting: null, deprivationScheme: null}, filter: {ageBand: {isNull: false}, sex: {isNull: false}}) {
			groupedAggregates(groupBy: [COUNTRY, AGE_BAND, SEX, QUARTER]) { keys sum { value n } distinctCount { partnerId } } } }`,
	},
}

// postgraphileView is what PostGraphile is pointed at: the same tables, current
// rows of whole-quarter periods, with the partner's country and the quarter as
// columns its grouped aggregates can group by. No access or disclosure rule applies.
const postgraphileView = `CREATE SCHEMA IF NOT EXISTS bench_pg;
CREATE OR REPLACE VIEW bench_pg.bench_observations AS
SELECT o.metric, o.partner_id, p.country,
	to_char(o.period_start, 'YYYY') || '-Q' || extract(quarter FROM o.period_start) AS quarter,
	o.welfare_domain, o.ihelp_category, o.health_setting, o.age_band, o.sex, o.deprivation_scheme, o.value, o.n
FROM public.observations o JOIN public.partners p ON p.id = o.partner_id
WHERE o.current AND date_trunc('quarter', o.period_start) = date_trunc('quarter', o.period_end)`

func run(ctx context.Context, o options) error {
	for _, tool := range []string{"psql", "pgbench", "node"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is needed (Debian: postgresql-client, postgresql-contrib, nodejs)", tool)
		}
	}
	for _, f := range []string{o.hjxBin, o.heyBin, filepath.Join(o.pgDir, "node_modules", ".bin", "postgraphile")} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s is missing: run `make bench`, which builds and installs it", f)
		}
	}
	serverURL := os.Getenv("DATABASE_URL")
	if serverURL == "" {
		serverURL = "postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable"
	}
	dir, err := os.MkdirTemp("", "hjx-bench-outcomes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	res := Results{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Runs: o.runs,
		Duration: o.duration.String()}
	for _, size := range o.sizes {
		ds, err := ensureData(ctx, serverURL, o.hjxBin, size, o.fresh)
		if err != nil {
			return fmt.Errorf("data for %d: %w", size, err)
		}
		sr, err := measureSize(ctx, o, dir, ds, size)
		if err != nil {
			return fmt.Errorf("%d observations: %w", size, err)
		}
		res.Sizes = append(res.Sizes, sr)
		// Written after each size, so a long run keeps what it measured.
		if err := benchkit.WriteJSON(o.jsonOut, res); err != nil {
			return err
		}
	}
	return report(o.out, res)
}

func measureSize(ctx context.Context, o options, dir string, ds *dataset, size int64) (SizeResult, error) {
	sr := SizeResult{Target: size, Rows: ds.Rows, Partners: ds.Partners, GenerateSeconds: ds.Seconds, Reused: ds.Reused,
		LoadBefore: benchkit.LoadAvg()}
	db, err := sqlx.Open("postgres", ds.URL)
	if err != nil {
		return sr, err
	}
	defer db.Close()
	s := &sizeRun{o: o, dir: dir, ds: ds, db: db, client: &http.Client{Timeout: 10 * time.Minute}}
	if err := s.prepare(&sr); err != nil {
		return sr, err
	}
	defer s.stopServers()
	if err := s.startServers(); err != nil {
		return sr, err
	}
	for _, q := range queries {
		qr, err := s.query(ctx, q)
		if err != nil {
			return sr, err
		}
		sr.Queries = append(sr.Queries, qr)
	}
	if err := s.throughput(&sr); err != nil {
		return sr, err
	}
	sr.LoadAfter = benchkit.LoadAvg()
	return sr, nil
}

// sizeRun is the measurement of one size: its database, the servers under test and
// the dashboard's token.
type sizeRun struct {
	o                     options
	dir                   string
	ds                    *dataset
	db                    *sqlx.DB
	partners              []string
	allowed               string // the partners as a PostgreSQL array
	env                   []string
	token                 string
	uncached, cached, pgl *benchkit.Process
	client                *http.Client
}

// prepare readies the database for PostGraphile, counts its shape counters, and
// makes the dashboard's token.
func (s *sizeRun) prepare(sr *SizeResult) error {
	if _, err := s.db.Exec(postgraphileView); err != nil {
		return err
	}
	if err := s.db.Get(&sr.ShapeCountsRows, `SELECT count(*) FROM observation_shape_counts`); err != nil {
		return err
	}
	if err := s.db.Select(&s.partners, `SELECT id FROM partners ORDER BY id`); err != nil {
		return err
	}
	s.allowed = "{" + strings.Join(s.partners, ",") + "}"
	s.env = append(os.Environ(), "DATABASE_URL="+s.ds.URL, "HJX_LOG_LEVEL=warn",
		// Limits that would otherwise shape the load (ignored by builds without them).
		"HJX_RATE_LIMIT=0", "HJX_RATE_LIMIT_ANONYMOUS=0", "HJX_REQUEST_TIMEOUT=10m", "HJX_STATEMENT_TIMEOUT=10m")
	token, err := command(s.env, s.o.hjxBin, "token", "create", "--role", "DASHBOARD", "--project", benchProject, "--name", "bench dashboard")
	if err != nil {
		return fmt.Errorf("dashboard token: %v: %s", err, token)
	}
	s.token = strings.TrimSpace(token)
	return nil
}

// startServers starts hjx without and with its outcome cache, and PostGraphile.
func (s *sizeRun) startServers() error {
	var err error
	if s.uncached, err = s.startHJX("hjx-uncached", 0); err != nil {
		return err
	}
	if s.cached, err = s.startHJX("hjx-cached", 1000); err != nil {
		return err
	}
	pgPort, err := benchkit.FreePort()
	if err != nil {
		return err
	}
	pgBin, _ := filepath.Abs(filepath.Join(s.o.pgDir, "node_modules", ".bin", "postgraphile"))
	pgCmd := exec.Command(pgBin, "--connection", s.ds.URL, "--schema", "bench_pg", "--append-plugins", "@graphile/pg-aggregates,postgraphile-plugin-connection-filter",
		"--host", "127.0.0.1", "--port", strconv.Itoa(pgPort), "--disable-query-log", "--disable-graphiql")
	pgCmd.Dir = s.o.pgDir
	pgCmd.Env = os.Environ()
	s.pgl, err = benchkit.Start(pgCmd, s.dir, "postgraphile", "http://127.0.0.1:"+strconv.Itoa(pgPort), "/graphql")
	return err
}

func (s *sizeRun) startHJX(name string, cacheSize int) (*benchkit.Process, error) {
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.o.hjxBin, "serve")
	cmd.Env = append(s.env, "HJX_ADDR=127.0.0.1:"+strconv.Itoa(port), "HJX_OUTCOME_CACHE_SIZE="+strconv.Itoa(cacheSize))
	return benchkit.Start(cmd, s.dir, name, "http://127.0.0.1:"+strconv.Itoa(port), "/readyz")
}

// stopServers stops the servers that started, the last started first.
func (s *sizeRun) stopServers() {
	for _, p := range []*benchkit.Process{s.pgl, s.cached, s.uncached} {
		if p != nil {
			p.Stop()
		}
	}
}

func hjxBody(q benchQuery) string {
	b, _ := json.Marshal(map[string]any{"query": q.graphql, "variables": map[string]any{"p": benchProject}})
	return string(b)
}

func pgBody(q benchQuery) string {
	b, _ := json.Marshal(map[string]any{"query": q.pgGraphQL})
	return string(b)
}

// query times one query every way: through hjx, as the natural SQL (and tuned to
// the shape path), as hjx's statement before and after the rollups, and through
// PostGraphile.
func (s *sizeRun) query(ctx context.Context, q benchQuery) (QueryResult, error) {
	qr := QueryResult{Name: q.name}
	direct := fmt.Sprintf(q.sql, s.allowed)
	tuned := strings.Replace(direct, "\nGROUP BY", fmt.Sprintf("\n\tAND observation_shape(o.welfare_domain, o.ihelp_category, "+
		"o.health_setting, o.age_band, o.sex, o.deprivation_scheme) = %d\nGROUP BY", q.shape), 1)
	before, beforeArgs := outcomes.Statement(q.query, q.kind, "", s.partners, nil, true)
	after, afterArgs := outcomes.Statement(q.query, q.kind, "", s.partners, nil, false)
	if err := s.warm(q, &qr); err != nil {
		return qr, err
	}
	hjxPost := func() error { _, err := post(s.client, s.uncached.Base+"/graphql", s.token, hjxBody(q)); return err }
	pgPost := func() error { _, err := post(s.client, s.pgl.Base+"/graphql", "", pgBody(q)); return err }
	for i := 0; i <= s.o.runs; i++ {
		var times [6]float64
		for k, step := range []struct {
			what string
			f    func() error
		}{
			{"", hjxPost},
			{"direct SQL", func() error { return drain(ctx, s.db, direct) }},
			{"tuned SQL", func() error { return drain(ctx, s.db, tuned) }},
			{"hjx statement (naive)", func() error { return drain(ctx, s.db, before, beforeArgs...) }},
			{"hjx statement (shape path)", func() error { return drain(ctx, s.db, after, afterArgs...) }},
			{"", pgPost},
		} {
			t, err := timed(step.f)
			if err != nil && step.what != "" {
				err = fmt.Errorf("%s: %w", step.what, err)
			}
			if err != nil {
				return qr, err
			}
			times[k] = t
		}
		if i == 0 {
			continue // warm-up round
		}
		api, sqlTime, tunedTime, b, a, pg := times[0], times[1], times[2], times[3], times[4], times[5]
		qr.API, qr.SQL, qr.HJXBefore, qr.HJXAfter, qr.PostGraphile = append(qr.API, api), append(qr.SQL, sqlTime),
			append(qr.HJXBefore, b), append(qr.HJXAfter, a), append(qr.PostGraphile, pg)
		qr.TunedSQL = append(qr.TunedSQL, tunedTime)
	}
	logf("%d rows, %s: API %.1f ms, SQL %.1f ms (tuned %.1f ms), hjx SQL before %.1f / after %.1f ms, PostGraphile %.1f ms", s.ds.Rows, q.name,
		benchkit.Median(qr.API), benchkit.Median(qr.SQL), benchkit.Median(qr.TunedSQL), benchkit.Median(qr.HJXBefore), benchkit.Median(qr.HJXAfter),
		benchkit.Median(qr.PostGraphile))
	return qr, nil
}

// warm runs one untimed round through hjx and PostGraphile first, so plans,
// connections and caches are warm, and counts the cells hjx returns.
func (s *sizeRun) warm(q benchQuery, qr *QueryResult) error {
	body, err := post(s.client, s.uncached.Base+"/graphql", s.token, hjxBody(q))
	if err != nil {
		return fmt.Errorf("%s through hjx: %w", q.name, err)
	}
	var table struct {
		Data struct {
			Outcomes struct {
				Rows []struct{ Suppressed bool }
			}
		}
	}
	_ = json.Unmarshal(body, &table)
	qr.Cells = len(table.Data.Outcomes.Rows)
	shown := 0
	for _, r := range table.Data.Outcomes.Rows {
		if !r.Suppressed {
			shown++
		}
	}
	logf("%d rows, %s: hjx returns %d cells, %d shown", s.ds.Rows, q.name, qr.Cells, shown)
	if _, err := post(s.client, s.pgl.Base+"/graphql", "", pgBody(q)); err != nil {
		return fmt.Errorf("%s through PostGraphile: %w", q.name, err)
	}
	return nil
}

// throughput measures the dashboard query under load, one system at a time, and
// pgbench running its SQL.
func (s *sizeRun) throughput(sr *SizeResult) error {
	dash := queries[0]
	for _, t := range []struct {
		name string
		p    *benchkit.Process
		tok  string
		body string
	}{
		{"hjx uncached", s.uncached, s.token, hjxBody(dash)},
		{"hjx cached", s.cached, s.token, hjxBody(dash)},
		{"PostGraphile", s.pgl, "", pgBody(dash)},
	} {
		if _, err := hey(s.o.heyBin, t.p.Base+"/graphql", t.tok, t.body, s.o.warmup); err != nil {
			return fmt.Errorf("%s warm-up: %w", t.name, err)
		}
		rps, err := hey(s.o.heyBin, t.p.Base+"/graphql", t.tok, t.body, s.o.duration)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		logf("%d rows, throughput %s: %.1f req/s, peak RSS %.0f MiB", s.ds.Rows, t.name, rps, t.p.PeakMiB())
		sr.Throughput = append(sr.Throughput, Throughput{Name: t.name, RPS: rps, PeakMiB: t.p.PeakMiB()})
	}
	script := filepath.Join(s.dir, "dashboard.sql")
	if err := os.WriteFile(script, []byte(strings.ReplaceAll(fmt.Sprintf(dash.sql, s.allowed), "\n", " ")+";\n"), 0o644); err != nil {
		return err
	}
	if _, err := pgbench(s.ds.URL, script, s.o.warmup); err != nil {
		return fmt.Errorf("pgbench warm-up: %w", err)
	}
	tps, err := pgbench(s.ds.URL, script, s.o.duration)
	if err != nil {
		return fmt.Errorf("pgbench: %w", err)
	}
	logf("%d rows, throughput pgbench: %.1f tps", s.ds.Rows, tps)
	sr.Throughput = append(sr.Throughput, Throughput{Name: "pgbench (direct SQL)", RPS: tps})
	return nil
}

func timed(f func() error) (float64, error) {
	began := time.Now()
	err := f()
	return float64(time.Since(began).Microseconds()) / 1000, err
}

// post sends a GraphQL request and fails on any error in the answer.
func post(client *http.Client, url, token, body string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errors"`)) {
		return nil, fmt.Errorf("status %d: %.500s", resp.StatusCode, b)
	}
	return b, nil
}

// drain runs a statement and reads every row, as a client would.
func drain(ctx context.Context, db *sqlx.DB, q string, args ...any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	dest := make([]any, len(cols))
	for i := range dest {
		dest[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
	}
	return rows.Err()
}

var (
	heyRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	heyStatus   = regexp.MustCompile(`\[(\d{3})\]\s+(\d+) responses`)
	pgbenchTPS  = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchFail = regexp.MustCompile(`number of failed transactions: ([1-9][0-9]*)`)
)

// hey loads url with 4 connections for d and returns the requests per second;
// any answer but 200 fails the measurement.
func hey(bin, url, token, body string, d time.Duration) (float64, error) {
	args := []string{"-z", d.String(), "-c", "4", "-m", "POST", "-T", "application/json", "-d", body}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.Command(bin, append(args, url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	for _, m := range heyStatus.FindAllStringSubmatch(string(out), -1) {
		if m[1] != "200" {
			return 0, fmt.Errorf("%s answers with status %s:\n%s", url, m[1], out)
		}
	}
	if strings.Contains(string(out), "Error distribution") {
		return 0, fmt.Errorf("errors under load:\n%s", out)
	}
	m := heyRPS.FindStringSubmatch(string(out))
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec in hey's output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

// pgbench runs the script with 4 connections (2 threads) for d and returns tps.
func pgbench(dbURL, script string, d time.Duration) (float64, error) {
	out, err := exec.Command("pgbench", "-n", "-c", "4", "-j", "2", "-T", strconv.Itoa(int(d.Seconds())), "-f", script, dbURL).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	if pgbenchFail.Match(out) {
		return 0, fmt.Errorf("failed transactions:\n%s", out)
	}
	m := pgbenchTPS.FindStringSubmatch(string(out))
	if m == nil {
		return 0, fmt.Errorf("no tps in pgbench's output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

func command(env []string, bin string, args ...string) (string, error) {
	c := exec.Command(bin, args...)
	c.Env = env
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Run(); err != nil {
		return errOut.String(), err
	}
	return out.String(), nil
}

func withDatabase(raw, name string) (string, error) { return benchkit.WithDatabase(raw, name) }
