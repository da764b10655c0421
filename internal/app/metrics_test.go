package app_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// scrape reads the metrics handler's text into series -> value.
func scrape(t *testing.T, a *app.App) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	a.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(rec.Body.String()))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// The metrics count what an operator watches: requests and latencies by route
// and operation, upload rows accepted and rejected, suppressed cells by reason,
// rate-limited requests and the connection pool.
func TestMetrics(t *testing.T) {
	t.Parallel()
	env, world := metricsDemo(t)
	before := scrape(t, env.App)
	suppressed, outcomeQueries := suppressingQueries(t, env, testkit.DemoToken(t, world, "RESEARCHER"), world.ProjectID)
	metricsTraffic(t, env, testkit.DemoToken(t, world, "PARTNER_UPLOADER"))
	after := scrape(t, env.App)
	checkMetricsGrew(t, before, after, suppressed, outcomeQueries)
}

// metricsDemo seeds the demo world on an app that limits anonymous requests to one
// per address.
func metricsDemo(t *testing.T) (*testkit.Env, *demo.Result) {
	env := testkit.New(t, func(c *app.Config) {
		c.Server.Rate = server.RateConfig{PerToken: 1000, TokenBurst: 1000, PerIP: 1, IPBurst: 1}
	})
	// The demo's figures end in 2023; its clock must be past them.
	env.Clock.Set(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	world := env.Demo("metrics-test")
	return env, world
}

// suppressingQueries runs the first of a few fine groupings of the demo world that
// suppresses cells, and returns the cells suppressed by reason and how many
// outcome queries it took.
func suppressingQueries(t *testing.T, env *testkit.Env, researcher, projectID string) (map[string]int, int) {
	suppressed := map[string]int{}
	outcomeQueries := 0
	for _, q := range []string{`{metric: "PATIENTS_REFERRED", groupBy: [PARTNER]}`, `{metric: "PATIENTS_SCREENED", groupBy: [REGION, AGE_BAND, SEX]}`,
		`{metric: "FINANCIAL_GAIN", groupBy: [REGION, QUARTER]}`, `{metric: "PATIENTS_REFERRED", groupBy: [REGION, QUARTER, SEX]}`} {
		var table struct {
			Outcomes struct {
				Disclosure struct {
					ByReason []struct {
						Reason string
						Count  int
					}
				}
			}
		}
		env.Do(researcher, `query($p: ID!) { outcomes(projectId: $p, query: `+q+`) {
			disclosure { byReason { reason count } } } }`, map[string]any{"p": projectID}).Decode(t, &table)
		outcomeQueries++
		for _, rc := range table.Outcomes.Disclosure.ByReason {
			suppressed[rc.Reason] += rc.Count
		}
		if len(suppressed) > 0 {
			break
		}
	}
	if len(suppressed) == 0 {
		t.Fatal("no outcome query suppressed anything: the suppression metric cannot be checked")
	}

	return suppressed, outcomeQueries
}

// metricsTraffic sends one good upload, one bad upload and two anonymous requests
// from one address (the second is rate limited).
func metricsTraffic(t *testing.T, env *testkit.Env, uploader string) {
	const submit = `mutation($rows: [ObservationInput!]!) { submitObservations(input: {consentBasis: UK_GDPR_PUBLIC_TASK_RESEARCH, rows: $rows}) { accepted } }`
	row := func(value float64, start, end string) map[string]any {
		return map[string]any{"metric": "PATIENTS_SCREENED", "periodStart": start, "periodEnd": end, "value": value, "sex": "OTHER_OR_NOT_STATED", "ageBand": "AGE_90_PLUS"}
	}
	var ok struct{ SubmitObservations struct{ Accepted bool } }
	env.Do(uploader, submit, map[string]any{"rows": []any{row(12, "2012-01-01", "2012-01-31"), row(13, "2012-02-01", "2012-02-29")}}).Decode(t, &ok)
	if !ok.SubmitObservations.Accepted {
		t.Fatal("the good upload was rejected")
	}
	env.Do(uploader, submit, map[string]any{"rows": []any{row(-5, "2012-03-01", "2012-03-31"), row(7, "2012-04-01", "2012-04-30"), row(-1, "2012-05-01", "2012-05-31")}}).Decode(t, &ok)
	if ok.SubmitObservations.Accepted {
		t.Fatal("the bad upload was accepted")
	}
	// Anonymous requests from one address: the second is rate limited.
	for range 2 {
		env.Do("", `{ metrics { code } }`, nil)
	}

}

func checkMetricsGrew(t *testing.T, before, after map[string]float64, suppressed map[string]int, outcomeQueries int) {
	grew := func(series string) float64 { return after[series] - before[series] }
	for reason, n := range suppressed {
		if got := grew(`hjx_suppressed_cells_total{reason="` + reason + `"}`); got != float64(n) {
			t.Errorf("suppressed %s: metric grew by %v, the table says %d", reason, got, n)
		}
	}
	for series, want := range map[string]float64{
		`hjx_upload_rows_total{result="accepted"}`:                                              2,
		`hjx_upload_rows_total{result="rejected"}`:                                              2,
		`hjx_uploads_total{result="accepted"}`:                                                  1,
		`hjx_uploads_total{result="rejected"}`:                                                  1,
		`hjx_rate_limited_requests_total{key="ip"}`:                                             1,
		`hjx_http_requests_total{code="429",route="/graphql"}`:                                  1,
		`hjx_graphql_operations_total{field="outcomes",outcome="OK",type="query"}`:              float64(outcomeQueries),
		`hjx_graphql_operations_total{field="submitObservations",outcome="OK",type="mutation"}`: 2,
	} {
		if got := grew(series); got != want {
			t.Errorf("%s grew by %v, want %v", series, got, want)
		}
	}
	for _, series := range []string{`hjx_graphql_operation_duration_seconds_count{field="outcomes",type="query"}`,
		`hjx_http_request_duration_seconds_count{route="/graphql"}`, `go_sql_max_open_connections{db_name="hjx"}`,
		`process_resident_memory_bytes`} {
		if _, ok := after[series]; !ok {
			t.Errorf("series %s missing", series)
		}
	}
}
