package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/hjx-exchange/hjx/internal/web"
)

// fixtureAPI is a stand-in for /graphql that answers the dashboard's three
// operations with fixed data shaped as schema/outcomes.graphqls fixes it. The real API
// is tested with the demo world in TestDashboardDemoEndToEnd; the fixture keeps
// cases the demo does not produce: a period where the only series is suppressed
// (the grey band and its own tip), TOO_FEW_PARTNERS, an excluded partner in bars.
type fixtureAPI struct {
	token string
	// noAvailability answers the availability query with an error, as a server
	// without it would.
	noAvailability bool

	mu      sync.Mutex
	queries []map[string]any // the OutcomeQuery variables the page sent
}

const fixtureCoverage = `"coverage": {
	"partnersIncluded": 8,
	"partnersExcluded": [{"partner": {"id": "us-riverside", "name": "Riverside MLP", "country": "US"},
		"reasons": [{"code": "NCU", "message": "the partner allows non-commercial use only"}]}],
	"observationsExcluded": [{"reason": "PERIOD_NOT_IN_BUCKET", "count": 3}]
}`

// fixtureByYear is CLIENTS_ADVISED by country and year, with one suppressed cell
// in each country.
const fixtureByYear = `{"data": {"outcomes": {
	"metric": {"code": "CLIENTS_ADVISED", "title": "Clients who received advice", "kind": "COUNT", "unit": "persons"},
	"currency": null, "partialPeriods": ["2021"],
	"rows": [
		{"country": "US", "period": "2019", "value": 200, "n": null, "sd": null, "rate": null, "partners": 5, "suppressed": false, "suppression": null},
		{"country": "GB", "period": "2019", "value": 120, "n": null, "sd": null, "rate": null, "partners": 4, "suppressed": false, "suppression": null},
		{"country": "GB", "period": "2020", "value": null, "n": null, "sd": null, "rate": null, "partners": 3, "suppressed": true, "suppression": "DISCLOSURE_RISK"},
		{"country": "GB", "period": "2021", "value": 140, "n": null, "sd": null, "rate": null, "partners": 4, "suppressed": false, "suppression": null},
		{"country": "US", "period": "2020", "value": 210, "n": null, "sd": null, "rate": null, "partners": 5, "suppressed": false, "suppression": null},
		{"country": "US", "period": "2021", "value": null, "n": null, "sd": null, "rate": null, "partners": 4, "suppressed": true, "suppression": "DISCLOSURE_RISK"}
	],
	` + fixtureCoverage + `,
	"disclosure": {"k": 11, "roundingBase": 5, "suppressedCells": 2, "byReason": [{"reason": "DISCLOSURE_RISK", "count": 2}]}
}}}`

// fixtureBySex is a view whose every cell is suppressed.
const fixtureBySex = `{"data": {"outcomes": {
	"metric": {"code": "CLIENTS_ADVISED", "title": "Clients who received advice", "kind": "COUNT", "unit": "persons"},
	"currency": null, "partialPeriods": [],
	"rows": [
		{"country": "GB", "period": "2021", "sex": "FEMALE", "value": null, "partners": 2, "suppressed": true, "suppression": "TOO_FEW_PARTNERS"},
		{"country": "US", "period": "2021", "sex": "FEMALE", "value": null, "partners": 3, "suppressed": true, "suppression": "TOO_FEW_PARTNERS"}
	],
	` + fixtureCoverage + `,
	"disclosure": {"k": 11, "roundingBase": 5, "suppressedCells": 2, "byReason": [{"reason": "TOO_FEW_PARTNERS", "count": 2}]}
}}}`

// fixtureAvailability: clients advised have totals (by quarter and year), I-HELP
// categories (by year) and sex (by year); money gained has no figures at all.
const fixtureAvailability = `{"data": {"availability": {"metrics": [
	{"metric": {"code": "CLIENTS_ADVISED"}, "breakdowns": [
		{"dimensions": [], "granularities": ["QUARTER", "YEAR"], "years": [2019, 2020, 2021], "partners": 9, "countries": []},
		{"dimensions": ["IHELP_CATEGORY"], "granularities": ["YEAR"], "years": [2019, 2020, 2021], "partners": 7, "countries": []},
		{"dimensions": ["SEX"], "granularities": ["YEAR"], "years": [2021], "partners": 3, "countries": []}
	]},
	{"metric": {"code": "FINANCIAL_GAIN"}, "breakdowns": []}
]}}}`

// fixtureByCategory is the same metric by country and I-HELP category.
const fixtureByCategory = `{"data": {"outcomes": {
	"metric": {"code": "CLIENTS_ADVISED", "title": "Clients who received advice", "kind": "COUNT", "unit": "persons"},
	"currency": null,
	"rows": [
		{"country": "GB", "ihelpCategory": "INCOME_INSURANCE", "value": 300, "partners": 6, "suppressed": false},
		{"country": "GB", "ihelpCategory": "HOUSING_UTILITIES", "value": 85, "partners": 4, "suppressed": false},
		{"country": "GB", "ihelpCategory": "EDUCATION_EMPLOYMENT", "value": null, "partners": 2, "suppressed": true, "suppression": "TOO_FEW_PARTNERS"},
		{"country": "US", "ihelpCategory": "INCOME_INSURANCE", "value": 410, "partners": 5, "suppressed": false},
		{"country": "US", "ihelpCategory": "HOUSING_UTILITIES", "value": 150, "partners": 5, "suppressed": false},
		{"country": "US", "ihelpCategory": "EDUCATION_EMPLOYMENT", "value": 40, "partners": 3, "suppressed": false}
	],
	` + fixtureCoverage + `,
	"disclosure": {"k": 11, "roundingBase": 5, "suppressedCells": 1, "byReason": [{"reason": "TOO_FEW_PARTNERS", "count": 1}]}
}}}`

func (f *fixtureAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"errors": [{"message": "unknown token", "extensions": {"code": "UNAUTHENTICATED"}}]}`))
		return
	}
	var req struct {
		Query     string
		Variables map[string]any
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch {
	case req.Query == "":
		// The page sends each document by hash first; the fixture knows none
		// (as a server without them registered), so it sends the text.
		_, _ = w.Write([]byte(`{"errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}`))
	case strings.Contains(req.Query, "DashboardWho"):
		_, _ = w.Write([]byte(`{"data": {"me": {"name": "UK-US dashboard", "role": "DASHBOARD"}, "metrics": [
			{"code": "CLIENTS_ADVISED", "title": "Clients who received advice", "kind": "COUNT", "unit": "persons"},
			{"code": "FINANCIAL_GAIN", "title": "Money gained by clients", "kind": "AMOUNT", "unit": "money"}]}}`))
	case strings.Contains(req.Query, "DashboardAvailability") && req.Variables["projectId"] == "proj-1":
		f.mu.Lock()
		down := f.noAvailability
		f.mu.Unlock()
		if down {
			_, _ = w.Write([]byte(`{"errors": [{"message": "Cannot query field \"availability\" on type \"Query\".", "extensions": {"code": "INVALID"}}]}`))
			return
		}
		_, _ = w.Write([]byte(fixtureAvailability))
	case strings.Contains(req.Query, "DashboardProject"):
		_, _ = w.Write([]byte(`{"data": {"me": {"project": {"id": "proj-1", "title": "UK-US pooled evaluation"}}}}`))
	case strings.Contains(req.Query, "outcomes(") && req.Variables["projectId"] == "proj-1":
		q, _ := req.Variables["query"].(map[string]any)
		f.mu.Lock()
		f.queries = append(f.queries, q)
		f.mu.Unlock()
		if groupBy := fmt.Sprint(q["groupBy"]); strings.Contains(groupBy, "IHELP_CATEGORY") {
			_, _ = w.Write([]byte(fixtureByCategory))
		} else if strings.Contains(groupBy, "SEX") {
			_, _ = w.Write([]byte(fixtureBySex))
		} else {
			_, _ = w.Write([]byte(fixtureByYear))
		}
	default:
		_, _ = w.Write([]byte(`{"errors": [{"message": "the fixture does not answer this", "extensions": {"code": "INVALID"}}]}`))
	}
}

func (f *fixtureAPI) lastQuery() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return nil
	}
	return f.queries[len(f.queries)-1]
}

// TestDashboardDrawsFixture serves the real dashboard (the real web handler and
// bundles) against fixtureAPI: it connects with a token, draws UK and US side by
// side, shows a suppressed cell as a gap with its reason on hover, shows coverage
// and disclosure, downloads a CSV equal to the table, and fits a 360 px screen.
func TestDashboardDrawsFixture(t *testing.T) {
	b := newBrowser(t)
	api := &fixtureAPI{token: "hjx1_fixture"}
	mux := http.NewServeMux()
	mux.Handle("/graphql", api)
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b.do(t,
		chromedp.Navigate(srv.URL+"/dashboard"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SetValue(chromedp.ID("token"), api.token),
		chromedp.Click(chromedp.CSS("#connect button[type=submit]")),
	)
	// Connecting loads the default view: by year, no breakdown.
	poll[bool](t, b, "the table by year", `document.querySelectorAll("#table tbody tr").length === 6`)
	q := api.lastQuery()
	if got := fmt.Sprintf("%v %v %v %v", q["metric"], q["groupBy"], q["countries"], q["currency"]); got != "CLIENTS_ADVISED [COUNTRY YEAR] [GB US] <nil>" {
		t.Errorf("the page asked for %s, want CLIENTS_ADVISED by [COUNTRY YEAR] for [GB US] without a currency", got)
	}

	t.Run("OfferedFromAvailability", func(t *testing.T) { fixtureOfferedFromAvailability(t, b) })
	t.Run("PartialPeriodMarked", func(t *testing.T) { fixturePartialPeriodMarked(t, b) })
	t.Run("ChartsDrawn", func(t *testing.T) { fixtureChartsDrawn(t, b) })
	t.Run("SuppressedIsGapNotZero", func(t *testing.T) { fixtureSuppressedIsGapNotZero(t, b) })
	t.Run("ReasonOnHover", func(t *testing.T) { fixtureReasonOnHover(t, b) })
	t.Run("CoverageAndDisclosure", func(t *testing.T) { fixtureCoverageAndDisclosure(t, b) })
	b.screenshot(t, "dashboard-desktop")

	t.Run("CSVMatchesTable", func(t *testing.T) { fixtureCSVMatchesTable(t, b) })
	t.Run("EmptyViewSaysWhyAtTop", func(t *testing.T) { fixtureEmptyViewSaysWhyAtTop(t, b) })
	t.Run("BarsByCategory", func(t *testing.T) { fixtureBarsByCategory(t, b, api) })
	t.Run("Fits360px", func(t *testing.T) { fixtureFits360px(t, b) })
	t.Run("NoAvailabilityOffersEverything", func(t *testing.T) { fixtureNoAvailabilityOffersEverything(t, b, api) })

	b.checkClean(t)
}

func fixtureOfferedFromAvailability(t *testing.T, b *browser) {
	offered := func() map[string][]string {
		return eval[map[string][]string](t, b, `Object.fromEntries(["metric", "time", "breakdown"].map((id) =>
			[id, [...document.getElementById(id).options].filter((o) => !o.disabled && !o.hidden).map((o) => o.value)]))`)
	}
	got := offered()
	if want := []string{"", "IHELP_CATEGORY", "SEX", "REGION"}; !slices.Equal(got["breakdown"], want) {
		t.Errorf("breakdowns offered %q, want those availability lists (and regions, from the totals) %q", got["breakdown"], want)
	}
	if !slices.Equal(got["metric"], []string{"CLIENTS_ADVISED"}) {
		t.Errorf("metrics offered %q: money gained has no figures", got["metric"])
	}
	if words := eval[string](t, b, `document.querySelector("#breakdown option[value=SEX]").textContent`); words != "sex (3 partners)" {
		t.Errorf("the sex option reads %q, want the partners giving figures by sex", words)
	}
	// I-HELP categories only by year: choosing them leaves no quarterly view.
	b.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const el = document.getElementById("breakdown"); el.value = "IHELP_CATEGORY"; el.dispatchEvent(new Event("change")); })()`))
	if got := offered()["time"]; !slices.Equal(got, []string{"YEAR", ""}) {
		t.Errorf("periods offered by I-HELP category %q, want by year and whole period", got)
	}
	b.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const el = document.getElementById("breakdown"); el.value = ""; el.dispatchEvent(new Event("change")); })()`))
}

func fixturePartialPeriodMarked(t *testing.T, b *browser) {
	note := eval[string](t, b, `(() => { const n = document.getElementById("partial-note"); return !n.hidden && n.textContent; })()`)
	if !strings.Contains(note, "2021") || !strings.Contains(note, "partial") {
		t.Errorf("partial-period note %q, want 2021 marked partial", note)
	}
}

func fixtureChartsDrawn(t *testing.T, b *browser) {
	for _, c := range []string{"GB", "US"} {
		// Counts the canvas pixels with paint on them: axes, grid, lines, bands.
		paintedPixels(t, b, c)
	}
}

func fixtureSuppressedIsGapNotZero(t *testing.T, b *browser) {
	for c, want := range map[string][]any{"GB": {120.0, nil, 140.0}, "US": {200.0, 210.0, nil}} {
		got := eval[[]any](t, b, fmt.Sprintf(`hjxDashboard.charts.%s.data.datasets[0].data`, c))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s plotted %v, want %v (null is a gap)", c, got, want)
		}
	}
	if got := eval[[]string](t, b, `hjxDashboard.charts.GB.data.labels`); !slices.Equal(got, []string{"2019", "2020", "2021 (partial)"}) {
		t.Errorf("GB x axis %v, want 2019 2020 2021 (partial)", got)
	}
}

func fixtureReasonOnHover(t *testing.T, b *browser) {
	at := eval[struct{ X, Y float64 }](t, b, `(() => {
		document.getElementById("chart-GB").scrollIntoView({ block: "center" });
		const c = hjxDashboard.charts.GB, r = c.canvas.getBoundingClientRect();
		return { x: r.left + c.scales.x.getPixelForValue(1), y: r.top + (c.chartArea.top + c.chartArea.bottom) / 2 };
	})()`)
	b.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at.X, at.Y))
	tip := poll[string](t, b, "the gap's tooltip", `(() => {
		const tip = document.querySelector("#chart-GB .gap-tip");
		return !tip.hidden && tip.textContent;
	})()`)
	for _, want := range []string{"United Kingdom", "2020", "suppressed", "could disclose a few people", "DISCLOSURE_RISK"} {
		if !strings.Contains(tip, want) {
			t.Errorf("tooltip %q lacks %q", tip, want)
		}
	}
	b.screenshot(t, "dashboard-gap-hover")
	// Away from the gap, no tooltip.
	b.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at.X, at.Y-1000))
	poll[bool](t, b, "the tooltip to hide", `document.querySelector("#chart-GB .gap-tip").hidden`)
}

func fixtureCoverageAndDisclosure(t *testing.T, b *browser) {
	got := facts(t, b)
	want := map[string]string{
		"included":     "8",
		"excluded":     "Riverside MLP (US): the partner allows non-commercial use only (NCU)",
		"observations": "PERIOD_NOT_IN_BUCKET",
		"k":            "11",
		"rounding":     "5",
		"suppressed":   "2",
		"by-reason":    "2 · publishing it could disclose a few people or one organisation's figures (DISCLOSURE_RISK)",
	}
	for id, w := range want {
		if !strings.Contains(got[id], w) {
			t.Errorf("#%s shows %q, want %q in it", id, got[id], w)
		}
	}
}

func fixtureCSVMatchesTable(t *testing.T, b *browser) {
	table := eval[[][]string](t, b, `[...document.querySelectorAll("#table tr")].map((tr) => [...tr.cells].map((c) => c.textContent))`)
	want := [][]string{
		{"Country", "Year", "Count", "Partners", "Suppressed"},
		{"GB", "2019", "120", "4", ""},
		{"GB", "2020", "", "3", "DISCLOSURE_RISK"},
		{"GB", "2021 (partial)", "140", "4", ""},
		{"US", "2019", "200", "5", ""},
		{"US", "2020", "210", "5", ""},
		{"US", "2021 (partial)", "", "4", "DISCLOSURE_RISK"},
	}
	if !reflect.DeepEqual(table, want) {
		t.Fatalf("table shows %q,\nwant %q", table, want)
	}
	csvMatchesTable(t, b, table)
}

func fixtureEmptyViewSaysWhyAtTop(t *testing.T, b *browser) {
	pick(t, b, "time", "YEAR", "breakdown", "SEX")
	got := poll[map[string]any](t, b, "the empty view's message", `(() => {
		const e = document.getElementById("empty");
		if (e.hidden) return false;
		return { text: e.textContent, chartsHidden: document.getElementById("charts").hidden,
			charts: Object.keys(hjxDashboard.charts).length,
			aboveCoverage: e.getBoundingClientRect().bottom <= document.querySelector(".facts").getBoundingClientRect().top,
			belowTitle: e.getBoundingClientRect().top >= document.getElementById("title").getBoundingClientRect().bottom };
	})()`)
	text, _ := got["text"].(string)
	for _, want := range []string{"No figures for this view", "every cell of this view is suppressed", "fewer partners contribute"} {
		if !strings.Contains(text, want) {
			t.Errorf("the empty view says %q, want %q in it", text, want)
		}
	}
	if got["chartsHidden"] != true || got["charts"] != 0.0 {
		t.Errorf("an empty view still draws charts (hidden %v, %v charts): blank axes", got["chartsHidden"], got["charts"])
	}
	if got["aboveCoverage"] != true || got["belowTitle"] != true {
		t.Errorf("the message is not at the top of the view, under its title: %v", got)
	}
	b.screenshot(t, "dashboard-empty-view")
}

func fixtureBarsByCategory(t *testing.T, b *browser, api *fixtureAPI) {
	pick(t, b, "breakdown", "IHELP_CATEGORY", "time", "")
	poll[bool](t, b, "the table by category", `document.querySelector("#table th:nth-child(2)")?.textContent === "I-HELP category"`)
	if got := fmt.Sprint(api.lastQuery()["groupBy"]); got != "[COUNTRY IHELP_CATEGORY]" {
		t.Errorf("groupBy %s, want [COUNTRY IHELP_CATEGORY]", got)
	}
	if got := eval[string](t, b, `hjxDashboard.charts.GB.config.type`); got != "bar" {
		t.Errorf("chart type %q, want bar", got)
	}
	if got := eval[[]any](t, b, `hjxDashboard.charts.GB.data.datasets[0].data`); !reflect.DeepEqual(got, []any{300.0, 85.0, nil}) {
		t.Errorf("GB bars %v, want [300 85 null]", got)
	}
}

func fixtureFits360px(t *testing.T, b *browser) {
	b.do(t, chromedp.EmulateViewport(360, 780))
	// Charts resize on the next frames; the page must then not scroll sideways
	// (the table scrolls inside its own box).
	chartsFit360(t, b)
	// The table is readable without scrolling sideways: every cell inside
	// the screen, each beside its column's name.
	table := eval[map[string]any](t, b, `(() => {
		const wrap = document.querySelector(".table-wrap");
		const cells = [...document.querySelectorAll("#table td")].filter((td) => td.offsetParent);
		return { overflow: wrap.scrollWidth - wrap.clientWidth, right: Math.max(...cells.map((td) => td.getBoundingClientRect().right)),
			label: getComputedStyle(cells[0], "::before").content };
	})()`)
	if table["overflow"].(float64) > 0 || table["right"].(float64) > 360 {
		t.Errorf("the table at 360 px: overflows by %v px, rightmost cell at %v", table["overflow"], table["right"])
	}
	if table["label"] != `"Country"` {
		t.Errorf("a cell at 360 px is not beside its column's name: ::before is %v", table["label"])
	}
	b.screenshot(t, "dashboard-360px")
}

func fixtureNoAvailabilityOffersEverything(t *testing.T, b *browser, api *fixtureAPI) {
	api.mu.Lock()
	api.noAvailability = true
	api.mu.Unlock()
	b.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Click(chromedp.CSS("#connect button[type=submit]")))
	msg := poll[string](t, b, "the page to say it could not read availability", `document.getElementById("message").textContent.includes("every view is offered") && document.getElementById("message").textContent`)
	if !strings.Contains(msg, "Could not read which views hold figures") {
		t.Errorf("message %q", msg)
	}
	offered := offeredBreakdowns(t, b)
	if len(offered) != 7 {
		t.Errorf("without availability the page offers %q, want every breakdown", offered)
	}
}

// pick chooses values in the controls as a person does (each select fires its
// change event, which may change what the others offer), then shows the view.
func pick(t *testing.T, b *browser, idValues ...string) {
	t.Helper()
	js := ""
	for i := 0; i < len(idValues); i += 2 {
		js += fmt.Sprintf(`{ const el = document.getElementById(%q); el.value = %q; el.dispatchEvent(new Event("change", { bubbles: true })); }`, idValues[i], idValues[i+1])
	}
	b.do(t, chromedp.Evaluate[chromedp.Void](js), chromedp.Click(chromedp.CSS("#controls button[type=submit]")))
}

// download runs the action that starts a download and returns the file's bytes.
func download(t *testing.T, b *browser, trigger chromedp.Action[chromedp.Void]) []byte {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior:      cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName,
		DownloadPath:  dir,
		EventsEnabled: new(true),
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	progress := chromedp.BrowserEvents(b.ctx, cdpbrowser.DownloadProgress)
	b.do(t, trigger)
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		switch ev.State {
		case cdpbrowser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			return data
		case cdpbrowser.DownloadProgressStateCanceled:
			t.Fatal("the download was cancelled")
		}
	}
	t.Fatal("no download")
	return nil
}

// thousands matches a number as the page shows it, with thousands separators.
var thousands = regexp.MustCompile(`^-?\d{1,3}(,\d{3})+(\.\d+)?$`)

// csvMatchesTable clicks "download CSV" and checks the file equals the table
// shown, but for the thousands separators of the page's numbers (the CSV's
// numbers are plain, for spreadsheets and R).
func csvMatchesTable(t *testing.T, b *browser, table [][]string) {
	t.Helper()
	got := download(t, b, chromedp.Click(chromedp.ID("csv")))
	rows, err := csv.NewReader(bytes.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatalf("the download is not CSV: %v\n%s", err, got)
	}
	plain := make([][]string, len(table))
	for i, row := range table {
		for _, c := range row {
			if thousands.MatchString(c) {
				c = strings.ReplaceAll(c, ",", "")
			}
			plain[i] = append(plain[i], c)
		}
	}
	table = plain
	if !reflect.DeepEqual(rows, table) {
		t.Fatalf("CSV %q,\ndiffers from the table %q", rows, table)
	}
}

// chartsFit360 waits until the page fits 360 px without scrolling sideways (charts
// resize on the next frames) and checks both charts, stacked, use the width.
func chartsFit360(t *testing.T, b *browser) {
	t.Helper()
	charts := poll[[]float64](t, b, "the page to fit 360 px without scrolling sideways", `(() => {
		const charts = [...document.querySelectorAll(".charts canvas")].map((c) => c.getBoundingClientRect().width);
		return window.innerWidth === 360 && document.documentElement.scrollWidth <= 360 && charts;
	})()`)
	if len(charts) != 2 || charts[0] < 250 || charts[1] < 250 {
		t.Errorf("chart widths %v at 360 px: want two charts, stacked, using the width", charts)
	}
}

// facts reads the coverage and disclosure the page shows, by element id.
func facts(t *testing.T, b *browser) map[string]string {
	t.Helper()
	return eval[map[string]string](t, b, `Object.fromEntries(["included", "excluded", "observations", "k", "rounding", "suppressed", "by-reason"]
		.map((id) => [id, document.getElementById(id).textContent]))`)
}

// offeredBreakdowns lists the breakdowns the page offers.
func offeredBreakdowns(t *testing.T, b *browser) []string {
	t.Helper()
	return eval[[]string](t, b, `[...document.getElementById("breakdown").options].filter((o) => !o.disabled && !o.hidden).map((o) => o.value)`)
}
