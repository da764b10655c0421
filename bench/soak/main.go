// Command soak drives a mixed load (outcome queries, uploads, directory reads) at
// a running hjx server for a set time and reports errors, latency percentiles and
// the server's memory at start and end. `make soak` (.ci/soak) runs it against a
// server with the demo world; the tokens come from `hjx seed --demo`'s output. It
// is a tool of its own, not an hjx command, so the production binary does not
// ship a load generator.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/uploadclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var u usageError
	switch {
	case errors.As(err, &u):
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// usageError marks a command-line mistake (exit status 2).
type usageError string

func (e usageError) Error() string { return string(e) }

// run parses the flags, runs the load and reports; it fails when any request failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:18080", "server base URL")
	metricsURL := fs.String("metrics-url", "", "the server's metrics URL (HJX_METRICS_ADDR), for its memory")
	tokensFile := fs.String("tokens", "", "file holding `hjx seed --demo`'s output (tokens and demo project)")
	duration := fs.Duration("duration", 5*time.Minute, "how long to run")
	rps := fs.Float64("rps", 40, "requests per second, all kinds together")
	workers := fs.Int("workers", 8, "concurrent clients")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if *tokensFile == "" {
		return usageError("usage: soak --tokens FILE [--url URL] [--metrics-url URL] [--duration 5m] [--rps 40] [--workers 8]")
	}
	world, err := readSeedOutput(*tokensFile)
	if err != nil {
		return err
	}
	s := &soak{url: strings.TrimRight(*url, "/"), world: world, client: &http.Client{Timeout: time.Minute},
		stats: map[string]*soakStats{}}
	memStart, _ := serverMemory(ctx, *metricsURL)
	if err := s.prepare(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "soak: %s at %.0f requests/s with %d workers against %s\n", duration, *rps, *workers, s.url)
	runCtx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	pace := rate.NewLimiter(rate.Limit(*rps), 1)
	var wg sync.WaitGroup
	started := time.Now()
	for w := range *workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(started.UnixNano())))
			for pace.Wait(runCtx) == nil {
				s.one(runCtx, rng)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(started)
	memEnd, _ := serverMemory(ctx, *metricsURL)
	s.report(stdout, elapsed, memStart, memEnd)
	if s.failures() > 0 {
		return fmt.Errorf("%d unexpected errors", s.failures())
	}
	return nil
}

// soakWorld is what the demo seed printed: a token per role and the project.
type soakWorld struct {
	ProjectID  string
	Researcher string
	Dashboard  string
	Steward    string
	Uploaders  map[string]string // partner id -> uploader token
}

func readSeedOutput(path string) (*soakWorld, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := &soakWorld{Uploaders: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if _, after, ok := strings.Cut(line, "demo project "); ok {
			w.ProjectID = strings.TrimSpace(after)
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.HasPrefix(fields[1], "hjx1_") {
			continue
		}
		switch fields[0] {
		case "STEWARD":
			w.Steward = fields[1]
		case "RESEARCHER":
			w.Researcher = fields[1]
		case "DASHBOARD":
			w.Dashboard = fields[1]
		case "PARTNER_UPLOADER":
			if len(fields) >= 3 {
				w.Uploaders[strings.Trim(fields[2], "()")] = fields[1]
			}
		}
	}
	if w.ProjectID == "" || w.Researcher == "" || w.Dashboard == "" || len(w.Uploaders) == 0 {
		return nil, fmt.Errorf("%s does not look like `hjx seed --demo` output (no project, researcher, dashboard or uploader tokens)", path)
	}
	return w, nil
}

type soakStats struct {
	latencies   []time.Duration
	rateLimited int
	failures    int
	lastFailure string
}

type soak struct {
	url      string
	world    *soakWorld
	client   *http.Client
	metrics  []string // metric codes from the codebook
	partners []string
	uploads  atomic.Int64 // uploads begun, which picks each one's partner and cell

	mu    sync.Mutex
	stats map[string]*soakStats
}

func (s *soak) prepare(ctx context.Context) error {
	var out struct {
		Metrics []struct{ Code, Kind string }
	}
	if _, err := s.graphql(ctx, "", `{ metrics { code kind } }`, nil, &out); err != nil {
		return fmt.Errorf("soak: read the codebook: %w", err)
	}
	for _, m := range out.Metrics {
		s.metrics = append(s.metrics, m.Code)
	}
	for id := range s.world.Uploaders {
		s.partners = append(s.partners, id)
	}
	slices.Sort(s.partners)
	return nil
}

var soakGroupings = [][]string{{"COUNTRY"}, {"COUNTRY", "YEAR"}, {"REGION"}, {"IHELP_CATEGORY"}, {"COUNTRY", "QUARTER"}, {"SEX"}}

// one sends one request of a kind drawn by weight: half outcome queries, a
// quarter directory reads, the rest uploads and principals' own reads.
func (s *soak) one(ctx context.Context, rng *rand.Rand) {
	n := rng.IntN(100)
	var kind string
	var err error
	start := time.Now()
	switch {
	case n < 50:
		kind = "outcomes"
		token := s.world.Researcher
		if n%2 == 1 {
			token = s.world.Dashboard
		}
		vars := map[string]any{"p": s.world.ProjectID, "q": map[string]any{
			"metric": s.metrics[rng.IntN(len(s.metrics))], "groupBy": soakGroupings[rng.IntN(len(soakGroupings))],
			"currency": []string{"GBP", "USD", "PPP_INTL_DOLLAR"}[rng.IntN(3)]}}
		_, err = s.graphql(ctx, token, `query($p: ID!, $q: OutcomeQuery!) { outcomes(projectId: $p, query: $q) {
			rows { country region period value n suppressed suppression }
			coverage { partnersIncluded } disclosure { k suppressedCells byReason { reason count } } } }`, vars, nil)
	case n < 75:
		kind = "directory"
		if n%3 == 0 {
			_, err = s.graphql(ctx, "", `query($id: ID!) { partner(id: $id) { id name region healthSettings } }`,
				map[string]any{"id": s.partners[rng.IntN(len(s.partners))]}, nil)
		} else {
			_, err = s.graphql(ctx, "", `{ partners(first: 50) { totalCount edges { node { id name country region } } } metrics { code kind unit } }`, nil, nil)
		}
	case n < 85:
		kind = "upload"
		err = s.upload(ctx, rng)
	default:
		kind = "own reads"
		partner := s.partners[rng.IntN(len(s.partners))]
		_, err = s.graphql(ctx, s.world.Uploaders[partner], `{ me { id role } submissions(first: 20) { totalCount edges { node { id status rowCount } } } }`, nil, nil)
	}
	s.record(kind, time.Since(start), err)
}

// soakCells is how many cells (year, quarter, age band) each partner's uploads
// cycle through before one is stored again.
const soakCells = 5 * 4 * 9

// upload sends a small, fresh CSV of one partner's quarter: a new figure each
// time, so it is stored (and, once the cycle comes round, supersedes the last
// one). The uploads go round the partners and then round each partner's cells, so
// a cell is stored again only after soakCells uploads of its partner: the server's
// revision limit (3 stores of a cell in 30 days) refuses only a soak of more than
// 3 x partners x soakCells uploads, hours at the default rate.
func (s *soak) upload(ctx context.Context, rng *rand.Rand) error {
	c := int(s.uploads.Add(1) - 1)
	partner := s.partners[c%len(s.partners)]
	k := c / len(s.partners) % soakCells
	start := time.Date(2019+k/36, time.Month(1+3*(k/9%4)), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 3, -1)
	band := hjx.AllAgeBands()[k%9]
	var b bytes.Buffer
	b.WriteString("metric,period_start,period_end,value,n,age_band,sex\n")
	for _, sex := range []hjx.Sex{hjx.SexFemale, hjx.SexMale} {
		fmt.Fprintf(&b, "PATIENTS_SCREENED,%s,%s,%d,,%s,%s\n", start.Format(time.DateOnly), end.Format(time.DateOnly),
			20+rng.IntN(500), band, sex)
	}
	res, err := uploadclient.Upload(ctx, uploadclient.Options{URL: s.url, Token: s.world.Uploaders[partner],
		ConsentBasis: "UK_GDPR_PUBLIC_TASK_RESEARCH", Client: s.client}, "soak.csv", bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		var ue *uploadclient.Error
		if errors.As(err, &ue) && ue.Code == "RATE_LIMITED" {
			return errRateLimited
		}
		return err
	}
	if !res.Accepted {
		return fmt.Errorf("upload rejected: %+v", res.Issues)
	}
	return nil
}

var errRateLimited = errors.New("rate limited")

// graphql posts one operation; a GraphQL error is an error, RATE_LIMITED is
// errRateLimited.
func (s *soak) graphql(ctx context.Context, token, query string, vars map[string]any, out any) (int, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return resp.StatusCode, fmt.Errorf("HTTP %d, body not JSON: %w", resp.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		if r.Errors[0].Extensions["code"] == "RATE_LIMITED" {
			return resp.StatusCode, errRateLimited
		}
		return resp.StatusCode, fmt.Errorf("HTTP %d: %s (%v)", resp.StatusCode, r.Errors[0].Message, r.Errors[0].Extensions["code"])
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(r.Data, out)
	}
	return resp.StatusCode, nil
}

func (s *soak) record(kind string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats[kind]
	if st == nil {
		st = &soakStats{}
		s.stats[kind] = st
	}
	switch {
	case errors.Is(err, errRateLimited):
		st.rateLimited++
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		// the run ended while this request was in flight: not the server's fault
	case err != nil:
		st.failures++
		st.lastFailure = err.Error()
	default:
		st.latencies = append(st.latencies, d)
	}
}

func (s *soak) failures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.stats {
		n += st.failures
	}
	return n
}

func (s *soak) report(w io.Writer, elapsed time.Duration, memStart, memEnd map[string]float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kinds := make([]string, 0, len(s.stats))
	for k := range s.stats {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	fmt.Fprintf(w, "Soak: %s, %s\n\n", elapsed.Round(time.Second), time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintln(w, "| kind | ok | rate limited | errors | p50 ms | p95 ms | p99 ms | max ms |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	var all []time.Duration
	var ok, limited, failed int
	row := func(name string, lat []time.Duration, rl, fl int) {
		slices.Sort(lat)
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s |\n", name, len(lat), rl, fl,
			pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99), pct(lat, 1))
	}
	for _, k := range kinds {
		st := s.stats[k]
		all = append(all, st.latencies...)
		ok += len(st.latencies)
		limited += st.rateLimited
		failed += st.failures
		row(k, st.latencies, st.rateLimited, st.failures)
	}
	row("all", all, limited, failed)
	fmt.Fprintf(w, "\nThroughput: %.1f successful requests/s.\n", float64(ok)/elapsed.Seconds())
	for _, k := range kinds {
		if st := s.stats[k]; st.failures > 0 {
			fmt.Fprintf(w, "Last %s error: %s\n", k, st.lastFailure)
		}
	}
	if memStart != nil && memEnd != nil {
		fmt.Fprintln(w, "\n| server memory | start | end |")
		fmt.Fprintln(w, "| --- | ---: | ---: |")
		for _, m := range []string{"process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "go_goroutines", `go_sql_open_connections{db_name="hjx"}`} {
			unit, div := "MiB", float64(1<<20)
			if !strings.HasSuffix(m, "bytes") {
				unit, div = "", 1
			}
			fmt.Fprintf(w, "| %s | %.1f %s | %.1f %s |\n", m, memStart[m]/div, unit, memEnd[m]/div, unit)
		}
	}
}

func pct(sorted []time.Duration, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	i = min(max(i, 0), len(sorted)-1)
	return strconv.FormatFloat(float64(sorted[i].Microseconds())/1000, 'f', 1, 64)
}

// serverMemory reads a few gauges from the server's Prometheus endpoint.
func serverMemory(ctx context.Context, url string) (map[string]float64, error) {
	if url == "" {
		return nil, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}
