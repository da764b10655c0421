// Command ingest benchmarks partner uploads end to end (`make bench`): it generates
// a CSV of N valid rows, uploads it through the HTTP API of a real `hjx serve`
// process on loopback against a fresh database, loads the same file with
// PostgreSQL's own COPY (psql \copy) into a table identical to observations (same
// columns, indexes, constraints and foreign keys), and writes both times, their
// ratio and the server's memory (VmHWM from /proc) to docs/BENCHMARKS.md.
// It is a benchmark, not a test: the figures depend on the machine.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver

	"github.com/hjx-exchange/hjx/bench/benchkit"
	"github.com/hjx-exchange/hjx/internal/uploadclient"
)

func main() {
	sizes := flag.String("sizes", "100000,1000000", "row counts of the generated files, comma-separated (5000000 takes about 15 minutes more per run on 2 cores)")
	runs := flag.Int("runs", 3, "runs per size; the report gives each and the median")
	hjxBin := flag.String("hjx", "bin/hjx", "the hjx binary to serve with")
	out := flag.String("out", "docs/BENCHMARKS.md", "the report to update (its ingest section only)")
	jsonOut := flag.String("json", "docs/bench/ingest.json", "where the raw figures go (bench/plot reads them)")
	flag.Parse()
	var rows []int
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1000 {
			fmt.Fprintf(os.Stderr, "bench ingest: -sizes: %q is not a row count >= 1000\n", f)
			os.Exit(2)
		}
		rows = append(rows, n)
	}
	if err := run(rows, *runs, *hjxBin, *out, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench ingest:", err)
		os.Exit(1)
	}
}

type result struct {
	API, Copy      time.Duration
	PeakKB, BaseKB int64
	Rows           int
	// The one-current-figure check before and after migration 00060: inserting the
	// copied rows into a table with the old exclusion constraint, and into one with
	// the deferrable unique constraint that replaced it (and nothing else).
	Exclusion, Unique time.Duration
}

// sizeResults are one file size's runs.
type sizeResults struct {
	Rows  int
	Bytes int64
	Runs  []result
}

func run(sizes []int, runs int, hjxBin, out, jsonOut string) error {
	if _, err := exec.LookPath("psql"); err != nil {
		return errors.New("psql is needed for the raw COPY baseline (apt-get install postgresql-client)")
	}
	serverURL := os.Getenv("DATABASE_URL")
	if serverURL == "" {
		serverURL = "postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable"
	}
	dir, err := os.MkdirTemp("", "hjx-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var all []sizeResults
	loadBefore := benchkit.LoadAvg()
	for _, rows := range sizes {
		file := filepath.Join(dir, fmt.Sprintf("observations-%d.csv", rows))
		size, err := generate(file, rows)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "generated %d rows, %.1f MiB\n", rows, float64(size)/(1<<20))
		sr := sizeResults{Rows: rows, Bytes: size}
		for i := 0; i < runs; i++ {
			r, err := once(serverURL, hjxBin, file, size, rows, dir)
			if err != nil {
				return fmt.Errorf("%d rows, run %d: %w", rows, i+1, err)
			}
			fmt.Fprintf(os.Stderr, "%d rows, run %d: API %.2fs, COPY %.2fs, ratio %.2f, server VmHWM %d MiB (growth %d MiB)\n", rows, i+1,
				r.API.Seconds(), r.Copy.Seconds(), r.API.Seconds()/r.Copy.Seconds(), r.PeakKB>>10, (r.PeakKB-r.BaseKB)>>10)
			sr.Runs = append(sr.Runs, r)
		}
		all = append(all, sr)
		_ = os.Remove(file)
	}
	if err := benchkit.WriteJSON(jsonOut, struct {
		Date, Machine string
		Sizes         []sizeResults
	}{time.Now().UTC().Format("2006-01-02"), benchkit.Machine(), all}); err != nil {
		return err
	}
	return report(out, all, loadBefore+" (before), "+benchkit.LoadAvg()+" (after)")
}

// generate writes rows valid, distinct rows for one partner: up to 11 metrics
// (counts, proportions, amounts) x 120 months x 3,960 breakdowns, in that order.
func generate(path string, rows int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "metric,period_start,period_end,value,n,welfare_domain,ihelp_category,health_setting,age_band,sex,deprivation_scheme,deprivation_value,sd,currency")
	breakdowns := benchkit.Breakdowns([]string{"", "PRIMARY_CARE", "HOSPITAL", "MENTAL_HEALTH", "HOSPICE", "MATERNITY", "PAEDIATRIC", "COMMUNITY_HEALTH_CENTRE", "OTHER"})
	rng := mrand.New(mrand.NewPCG(1, 2))
	n := 0
	// The first three make the 1M-row file; the others let -sizes go to 5M and beyond.
	for _, metric := range []string{"PATIENTS_SCREENED", "REFERRALS_WITH_INTAKE", "FINANCIAL_GAIN", "PATIENTS_WITH_NEED",
		"STAFF_TRAINED", "DEBT_WRITTEN_OFF", "PATIENTS_REFERRED", "GHQ12_CASENESS", "HEALTH_ORG_BENEFIT", "CLIENTS_ADVISED",
		"FINANCIAL_STRAIN"} {
		for month := 0; month < 120 && n < rows; month++ {
			y, m := 2012+month/12, time.Month(month%12+1)
			start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			end := start.AddDate(0, 1, -1)
			for _, b := range breakdowns[:min(len(breakdowns), rows-n)] {
				denom := 20 + rng.IntN(400)
				value, cnt, currency := strconv.Itoa(rng.IntN(denom)), "", ""
				switch metric {
				case "REFERRALS_WITH_INTAKE", "STAFF_TRAINED", "GHQ12_CASENESS", "FINANCIAL_STRAIN": // proportions
					cnt = strconv.Itoa(denom)
				case "FINANCIAL_GAIN", "DEBT_WRITTEN_OFF", "HEALTH_ORG_BENEFIT": // amounts
					value = fmt.Sprintf("%d.%02d", rng.IntN(90000), rng.IntN(100))
					cnt, currency = strconv.Itoa(denom), "GBP"
				}
				fmt.Fprintf(w, "%s,%s,%s,%s,%s,,,%s,%s,%s,%s,%s,,%s\n", metric, start.Format("2006-01-02"),
					end.Format("2006-01-02"), value, cnt, b.Setting, b.Age, b.Sex, b.Scheme, b.Decile, currency)
				n++
			}
		}
	}
	if n < rows {
		return 0, fmt.Errorf("the generator makes at most %d distinct rows", n)
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), f.Close()
}

func once(serverURL, hjxBin, file string, size int64, rows int, dir string) (result, error) {
	var r result
	u := &ingestRun{serverURL: serverURL, hjxBin: hjxBin, file: file, dir: dir, size: size, rows: rows}
	defer u.cleanUp()
	if err := u.createDatabase(); err != nil {
		return r, err
	}
	uploader, err := u.serve()
	if err != nil {
		return r, err
	}
	db, err := sqlx.Open("postgres", u.dbURL)
	if err != nil {
		return r, err
	}
	defer db.Close()
	if err := u.upload(db, uploader, &r); err != nil {
		return r, err
	}
	r.Rows = rows
	if r.Copy, err = u.copyBaseline(db); err != nil {
		return r, err
	}
	if r.Exclusion, r.Unique, err = oneCurrentCost(db); err != nil {
		return r, err
	}
	return r, nil
}

// ingestRun is one run: a database of its own and an hjx server on it.
type ingestRun struct {
	serverURL, hjxBin, file, dir string
	size                         int64
	rows                         int
	dbName, dbURL                string
	env                          []string
	base                         string // the server's URL
	srv                          *exec.Cmd
	serverLog                    *os.File
	undo                         []func() // when the run ends, the last first
}

func (u *ingestRun) cleanUp() {
	for i := len(u.undo) - 1; i >= 0; i-- {
		u.undo[i]()
	}
}

// createDatabase creates the run's database, to be dropped when the run ends.
func (u *ingestRun) createDatabase() error {
	u.dbName = "hjx_bench_" + randomHex(6)
	var err error
	if u.dbURL, err = benchkit.WithDatabase(u.serverURL, u.dbName); err != nil {
		return err
	}
	adminURL, _ := benchkit.WithDatabase(u.serverURL, "postgres")
	admin, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return err
	}
	u.undo = append(u.undo, func() { _ = admin.Close() })
	if _, err := admin.Exec(`CREATE DATABASE ` + u.dbName); err != nil {
		return err
	}
	drop := `DROP DATABASE IF EXISTS ` + u.dbName + ` WITH (FORCE)`
	u.undo = append(u.undo, func() { _, _ = admin.Exec(drop) })
	return nil
}

// serve migrates the database, serves it with the bench partner registered, and
// returns an uploader's token.
func (u *ingestRun) serve() (string, error) {
	u.env = append(os.Environ(), "DATABASE_URL="+u.dbURL, "HJX_LOG_LEVEL=warn",
		"HJX_MAX_UPLOAD_ROWS="+strconv.Itoa(u.rows), "HJX_MAX_UPLOAD_BYTES="+strconv.FormatInt(u.size+(1<<20), 10))
	if out, err := command(u.env, u.hjxBin, "migrate"); err != nil {
		return "", fmt.Errorf("migrate: %v: %s", err, out)
	}
	steward, err := command(u.env, u.hjxBin, "token", "create", "--role", "STEWARD", "--name", "bench steward")
	if err != nil {
		return "", fmt.Errorf("steward token: %v: %s", err, steward)
	}
	if err := u.start(); err != nil {
		return "", err
	}
	if err := waitReady(u.base); err != nil {
		return "", err
	}
	if err := registerPartner(u.base, strings.TrimSpace(steward)); err != nil {
		return "", err
	}
	uploader, err := command(u.env, u.hjxBin, "token", "create", "--role", "PARTNER_UPLOADER", "--partner", "bench-partner", "--name", "bench")
	if err != nil {
		return "", fmt.Errorf("uploader token: %v: %s", err, uploader)
	}
	return strings.TrimSpace(uploader), nil
}

// start starts `hjx serve`, logging to a file of the run's directory; it is
// stopped when the run ends.
func (u *ingestRun) start() error {
	port, err := benchkit.FreePort()
	if err != nil {
		return err
	}
	u.base = "http://127.0.0.1:" + strconv.Itoa(port)
	srv := exec.Command(u.hjxBin, "serve")
	srv.Env = append(u.env, "HJX_ADDR=127.0.0.1:"+strconv.Itoa(port))
	serverLog, err := os.Create(filepath.Join(u.dir, "serve-"+u.dbName+".log"))
	if err != nil {
		return err
	}
	u.undo = append(u.undo, func() { _ = serverLog.Close() })
	srv.Stderr = serverLog
	if err := srv.Start(); err != nil {
		return err
	}
	u.undo = append(u.undo, func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	})
	u.srv, u.serverLog = srv, serverLog
	return nil
}

// upload times the upload through the API, and the server's memory before and at
// its peak.
func (u *ingestRun) upload(db *sqlx.DB, uploader string, r *result) error {
	if _, err := db.Exec(`CHECKPOINT`); err != nil {
		return err
	}
	runtime.GC()
	var err error
	if r.BaseKB, err = benchkit.VmHWM(u.srv.Process.Pid); err != nil {
		return err
	}
	f, err := os.Open(u.file)
	if err != nil {
		return err
	}
	began := time.Now()
	res, err := uploadclient.Upload(context.Background(), uploadclient.Options{URL: u.base, Token: uploader,
		ConsentBasis: "UK_GDPR_PUBLIC_TASK_RESEARCH"}, "observations.csv", f, u.size)
	r.API = time.Since(began)
	_ = f.Close()
	if err != nil {
		logged, _ := os.ReadFile(u.serverLog.Name())
		return fmt.Errorf("%w; the server logged:\n%s", err, logged)
	}
	if !res.Accepted || res.Submission == nil || res.Submission.RowCount != u.rows {
		return fmt.Errorf("upload not accepted: %+v", res)
	}
	r.PeakKB, err = benchkit.VmHWM(u.srv.Process.Pid)
	return err
}

// copyBaseline times the baseline: the same file, PostgreSQL's own COPY, into a
// table identical to observations (columns, defaults, CHECKs, indexes, the
// exclusion constraint, and the same foreign keys), the columns the file lacks
// filled by defaults.
func (u *ingestRun) copyBaseline(db *sqlx.DB) (time.Duration, error) {
	var subID string
	if err := db.Get(&subID, `SELECT id::text FROM submissions LIMIT 1`); err != nil {
		return 0, err
	}
	setup := []string{
		`CREATE TABLE bench_copy (LIKE observations INCLUDING ALL)`,
		`ALTER TABLE bench_copy ALTER submission_id SET DEFAULT '` + subID + `', ALTER partner_id SET DEFAULT 'bench-partner'`,
		`ALTER TABLE bench_copy ADD FOREIGN KEY (submission_id) REFERENCES submissions (id),
			ADD FOREIGN KEY (partner_id) REFERENCES partners (id),
			ADD FOREIGN KEY (metric) REFERENCES metric_definitions (code),
			ADD FOREIGN KEY (welfare_domain) REFERENCES welfare_domains (code)`,
	}
	keyed, err := hasColumn(db, "key_value") // a binary from before migration 00070 has no record keys
	if err != nil {
		return 0, err
	}
	if keyed {
		// The record keys are hjx's keyed hash of each row, for disclosure control;
		// a raw COPY has none to write.
		setup = append(setup, `ALTER TABLE bench_copy ALTER key_value SET DEFAULT 0, ALTER key_n SET DEFAULT 0`)
	}
	for _, q := range append(setup, `CHECKPOINT`) {
		if _, err := db.Exec(q); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	began := time.Now()
	cp := exec.Command("psql", u.dbURL, "-v", "ON_ERROR_STOP=1", "-q", "-c",
		`\copy bench_copy (metric, period_start, period_end, value, n, welfare_domain, ihelp_category, health_setting, age_band, sex, deprivation_scheme, deprivation_value, sd, currency) FROM '`+u.file+`' WITH (FORMAT csv, HEADER true)`)
	if out, err := cp.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("psql copy: %v: %s", err, out)
	}
	took := time.Since(began)
	var copied int
	if err := db.Get(&copied, `SELECT count(*) FROM bench_copy`); err != nil || copied != u.rows {
		return took, fmt.Errorf("raw COPY loaded %d rows (%v)", copied, err)
	}
	return took, nil
}

// oneCurrentCost times inserting the copied rows under each mechanism for "at most
// one current figure per partner, metric, period and breakdown".
func oneCurrentCost(db *sqlx.DB) (exclusion, unique time.Duration, err error) {
	// A binary from before migration 00060 (a before/after run) has no current_slot.
	if migrated, err := hasColumn(db, "current_slot"); err != nil || !migrated {
		return 0, 0, err
	}
	cols := `submission_id, partner_id, metric, period_start, period_end, welfare_domain, ihelp_category,
		health_setting, age_band, sex, deprivation_scheme, deprivation_value, value, n, sd, currency, current`
	keyed, err := hasColumn(db, "key_value")
	if err != nil {
		return 0, 0, err
	}
	if keyed {
		cols += ", key_value, key_n"
	}
	for _, c := range []struct {
		table, constraint string
		took              *time.Duration
	}{
		{"bench_exclusion", `EXCLUDE USING btree (partner_id WITH =, metric WITH =, (coalesce(welfare_domain, '')) WITH =,
			(coalesce(ihelp_category, '')) WITH =, (coalesce(health_setting, '')) WITH =, (coalesce(age_band, '')) WITH =,
			(coalesce(sex, '')) WITH =, (coalesce(deprivation_scheme, '')) WITH =, (coalesce(deprivation_value, 0)) WITH =,
			period_start WITH =, period_end WITH =) WHERE (current) DEFERRABLE INITIALLY IMMEDIATE`, &exclusion},
		{"bench_unique", `UNIQUE NULLS NOT DISTINCT (partner_id, metric, period_start, period_end, welfare_domain,
			ihelp_category, health_setting, age_band, sex, deprivation_scheme, deprivation_value, current_slot)
			DEFERRABLE INITIALLY IMMEDIATE`, &unique},
	} {
		for _, q := range []string{
			`CREATE TABLE ` + c.table + ` (LIKE observations INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED)`,
			`ALTER TABLE ` + c.table + ` ADD CONSTRAINT ` + c.table + `_one_current ` + c.constraint,
			`CHECKPOINT`,
		} {
			if _, err := db.Exec(q); err != nil {
				return 0, 0, fmt.Errorf("%s: %w", q, err)
			}
		}
		began := time.Now()
		if _, err := db.Exec(`INSERT INTO ` + c.table + ` (` + cols + `) SELECT ` + cols + ` FROM bench_copy`); err != nil {
			return 0, 0, err
		}
		*c.took = time.Since(began)
	}
	return exclusion, unique, nil
}

// hasColumn reports whether observations has the column: the binary measured may
// be from before the migration that added it.
func hasColumn(db *sqlx.DB, column string) (bool, error) {
	var has bool
	err := db.Get(&has, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_name = 'observations' AND column_name = $1)`, column)
	return has, err
}

func command(env []string, bin string, args ...string) (string, error) {
	c := exec.Command(bin, args...)
	c.Env = env
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err := c.Run()
	if err != nil {
		return errOut.String(), err
	}
	return out.String(), nil
}

func registerPartner(base, token string) error {
	body, _ := json.Marshal(map[string]any{"query": `mutation { registerPartner(input: {id: "bench-partner",
		name: "Benchmark partner", country: GB, region: "GB-ENG", model: HJP,
		healthSettings: [PRIMARY_CARE, HOSPITAL, MENTAL_HEALTH, HOSPICE, MATERNITY, PAEDIATRIC, COMMUNITY_HEALTH_CENTRE, OTHER],
		adviceDomains: [WELFARE_BENEFITS]}) { id } }`})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	if len(out.Errors) > 0 {
		return fmt.Errorf("registerPartner: %s", out.Errors[0].Message)
	}
	return nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("hjx serve did not become ready in 30s")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// report replaces the ingest section of the benchmarks document (other sections,
// written by other benchmarks, are kept).
func report(path string, all []sizeResults, load string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Ingest: upload through the API vs raw COPY\n\n")
	fmt.Fprintf(&b, "Measured %s by `make bench` (`go run ./bench/ingest`) on %s. Load average (1/5/15 min): %s.\n\n",
		time.Now().UTC().Format("2006-01-02"), benchkit.Machine(), load)
	b.WriteString("A generated CSV of valid rows (one partner; metrics x 120 months x 3,960 breakdowns, taken in that order: 1M rows are 3 metrics) is\n" +
		"uploaded with `uploadSubmission` (GraphQL multipart, the client `hjx upload` uses) to a real `hjx serve` on\n" +
		"loopback against a fresh database, and timed from the first byte sent to the response. The same file is then\n" +
		"loaded with PostgreSQL's own `COPY` (`psql \\copy ... WITH (FORMAT csv)`) into `bench_copy`, a table created\n" +
		"`LIKE observations INCLUDING ALL` plus the same foreign keys, so both loads maintain the same indexes, CHECKs,\n" +
		"one-current-figure constraint and foreign keys (the API also keeps `observation_shape_counts`, by trigger).\n" +
		"Memory is the server's VmHWM (peak resident set, /proc/PID/status); growth is VmHWM after the upload minus\n" +
		"VmHWM before it. The last two columns time the one-current-figure check before and after migration 00060:\n" +
		"the copied rows inserted into a table with only the old exclusion constraint, then into one with only the\n" +
		"deferrable unique constraint that replaced it.\n\n")
	b.WriteString("| rows | MiB | run | API upload (s) | raw COPY (s) | ratio | server VmHWM (MiB) | growth (MiB) | one-current check: exclusion (s) | unique (s) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var lastRatio, lastGrowth float64
	for _, sr := range all {
		var api, cp, ratio, peak, growth, excl, uniq []float64
		for i, r := range sr.Runs {
			fmt.Fprintf(&b, "| %d | %.1f | %d | %.2f | %.2f | %.2f | %d | %d | %.2f | %.2f |\n", sr.Rows, float64(sr.Bytes)/(1<<20), i+1, r.API.Seconds(),
				r.Copy.Seconds(), r.API.Seconds()/r.Copy.Seconds(), r.PeakKB>>10, (r.PeakKB-r.BaseKB)>>10, r.Exclusion.Seconds(), r.Unique.Seconds())
			excl, uniq = append(excl, r.Exclusion.Seconds()), append(uniq, r.Unique.Seconds())
			api, cp = append(api, r.API.Seconds()), append(cp, r.Copy.Seconds())
			ratio = append(ratio, r.API.Seconds()/r.Copy.Seconds())
			peak, growth = append(peak, float64(r.PeakKB)/1024), append(growth, float64(r.PeakKB-r.BaseKB)/1024)
		}
		fmt.Fprintf(&b, "| **%d** | | **median** | **%.2f** | **%.2f** | **%.2f** | **%.0f** | **%.0f** | **%.2f** | **%.2f** |\n", sr.Rows,
			benchkit.Median(api), benchkit.Median(cp), benchkit.Median(ratio), benchkit.Median(peak), benchkit.Median(growth),
			benchkit.Median(excl), benchkit.Median(uniq))
		lastRatio, lastGrowth = benchkit.Median(ratio), benchkit.Median(growth)
	}
	if len(all) > 0 {
		fmt.Fprintf(&b, "\nTargets (at %d rows): API upload <= 1.5x raw COPY: **%s** (%.2fx). Server memory growth under 100 MB for the file: **%s** (%.0f MiB).\n",
			all[len(all)-1].Rows, benchkit.Verdict(lastRatio <= 1.5), lastRatio, benchkit.Verdict(lastGrowth < 100), lastGrowth)
	}
	return benchkit.ReplaceSection(path, "ingest", b.String())
}
