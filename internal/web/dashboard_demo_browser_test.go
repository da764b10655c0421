package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
	"github.com/hjx-exchange/hjx/internal/web"
)

// demoDashboard is the real hjx (real database, handler and outcome query)
// loaded with the demo world, and the demo's DASHBOARD token.
type demoDashboard struct {
	env       *testkit.Env
	token     string
	projectID string
	tokens    []demo.Token // one per role
}

func newDemoDashboard(t *testing.T) *demoDashboard {
	t.Helper()
	env := testkit.New(t)
	res := env.Demo("seed")
	d := &demoDashboard{env: env, projectID: res.ProjectID, tokens: res.Tokens}
	for _, tok := range res.Tokens {
		if tok.Role == string(hjx.RoleDashboard) {
			d.token = tok.Secret
		}
	}
	if d.token == "" {
		t.Fatalf("the demo seed issued no DASHBOARD token: %+v", res.Tokens)
	}
	return d
}

// restrict limits the demo project's dashboards to their trusted documents
// (the demo seed registers the page's own) and checks that an ad-hoc query
// from the token is now refused.
func (d *demoDashboard) restrict(t *testing.T) {
	t.Helper()
	steward := d.tokens[slices.IndexFunc(d.tokens, func(tok demo.Token) bool { return tok.Role == string(hjx.RoleSteward) })].Secret
	d.env.Do(steward, `mutation($p: ID!) { restrictDashboardsToTrustedDocuments(projectId: $p, restrict: true) { id } }`,
		map[string]any{"p": d.projectID}).Decode(t, &struct{}{})
	if r := d.env.Do(d.token, `{ me { name } }`, nil); r.Code() != string(hjx.CodeForbidden) {
		t.Fatalf("an ad-hoc query from the restricted dashboard token: code %q, want FORBIDDEN", r.Code())
	}
}

// availableShape is one breakdown of the availability catalogue.
type availableShape struct {
	Dimensions    []string
	Granularities []string
	Partners      int
}

// demoRow is one outcome row as the API answers it; the dimension the view
// breaks down by is read through field.
type demoRow map[string]any

// demoTable is the API's own answer to a query, asked directly (not through the
// page), so the test knows what the page should draw.
type demoTable struct {
	Currency *string
	Rows     []demoRow
	Coverage struct {
		PartnersIncluded int
		PartnersExcluded []struct {
			Partner struct{ ID, Name, Country string }
			Reasons []struct{ Code, Message string }
		}
	}
	Disclosure struct {
		K, RoundingBase, SuppressedCells int
		ByReason                         []struct {
			Reason string
			Count  int
		}
	}
}

// outcomes asks the API what the page should draw, as the page does: the
// dashboard token sending the page's own DashboardOutcomes document by hash
// (the project only serves its trusted documents to its dashboards).
func (d *demoDashboard) outcomes(t *testing.T, query map[string]any) demoTable {
	t.Helper()
	var out struct{ Outcomes demoTable }
	d.byHash(t, "DashboardOutcomes", map[string]any{"projectId": d.projectID, "query": query}).Decode(t, &out)
	return out.Outcomes
}

// byHash sends one of the page's documents by documentId with the dashboard token.
func (d *demoDashboard) byHash(t *testing.T, name string, vars map[string]any) *testkit.Response {
	t.Helper()
	i := slices.IndexFunc(web.DashboardDocuments(), func(doc web.DashboardDocument) bool { return doc.Name == name })
	if i < 0 {
		t.Fatalf("the page has no document %s", name)
	}
	body, _ := json.Marshal(map[string]any{"documentId": "sha256:" + web.DashboardDocuments()[i].SHA256, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+d.token)
	return d.env.Send(req)
}

// expectedSeries is what each country's chart must plot for a view over time
// broken down by field: one series per category present (in order), one point
// per period (sorted), nil where the cell is suppressed or absent. pct plots
// rate x 100 (PROPORTION metrics).
func expectedSeries(tab demoTable, country, field string, order []string, pct bool) [][]any {
	var periods, cats []string
	for _, r := range tab.Rows {
		if p, _ := r["period"].(string); !slices.Contains(periods, p) {
			periods = append(periods, p)
		}
		if c := fmt.Sprint(r[field]); field != "" && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	slices.Sort(periods)
	if field == "" {
		cats = []string{""}
	} else {
		slices.SortFunc(cats, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	}
	out := make([][]any, len(cats))
	for i, c := range cats {
		out[i] = make([]any, len(periods))
		for _, r := range tab.Rows {
			if r["country"] != country || (field != "" && fmt.Sprint(r[field]) != c) || r["suppressed"] == true {
				continue
			}
			v := r["value"]
			if pct {
				v = r["rate"].(float64) * 100
			}
			out[i][slices.Index(periods, r["period"].(string))] = v
		}
	}
	return out
}

func sameSeries(got, want [][]any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return false
		}
		for j := range got[i] {
			g, gok := got[i][j].(float64)
			w, wok := want[i][j].(float64)
			if gok != wok || (gok && math.Abs(g-w) > 1e-9) || (!gok && got[i][j] != want[i][j]) {
				return false
			}
		}
	}
	return true
}

// show picks a view in the controls as a person does (each select fires its
// change event) and waits for the table of that view.
func show(t *testing.T, b *browser, metric, currency, time, breakdown, filename string) {
	t.Helper()
	b.do(t, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const pick = (id, v) => { const el = document.getElementById(id); el.value = v; el.dispatchEvent(new Event("change", { bubbles: true })); };
		pick("metric", %q);
		if (%q) pick("currency", %q);
		pick("time", %q);
		pick("breakdown", %q);
	})()`, metric, currency, currency, time, breakdown)),
		chromedp.Click(chromedp.CSS("#controls button[type=submit]")),
	)
	poll[bool](t, b, "the table "+filename, fmt.Sprintf(`hjxDashboard.table?.filename === %q && document.getElementById("message").textContent === ""`, filename))
}

func chartSeries(t *testing.T, b *browser, country string) [][]any {
	t.Helper()
	return eval[[][]any](t, b, fmt.Sprintf(`hjxDashboard.charts.%s.data.datasets.map((d) => d.data)`, country))
}

// paintedPixels counts the pixels with paint on a country's canvas.
func paintedPixels(t *testing.T, b *browser, country string) int {
	t.Helper()
	return poll[int](t, b, country+" chart painted", fmt.Sprintf(`(() => {
		const cv = document.querySelector("#chart-%s canvas");
		if (!cv.width || !cv.height) return false;
		const px = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
		let n = 0;
		for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
		return n > 2000 && n;
	})()`, country))
}

func pageTable(t *testing.T, b *browser) [][]string {
	t.Helper()
	return eval[[][]string](t, b, `[...document.querySelectorAll("#table tr")].map((tr) => [...tr.cells].map((c) => c.textContent))`)
}

// TestDashboardDemoEndToEnd is the dashboard's acceptance test: the real hjx
// with the demo world, its project restricted to the page's trusted documents,
// driven in Chromium as a person would. A person types the
// demo's DASHBOARD token; the page finds the project from `me { project }`;
// choosing a metric, a currency and a grouping draws the UK and the US side by
// side over time and by welfare domain, I-HELP category or age band, exactly as
// the API answers; a cell the API suppressed is a gap (null, not zero) with its
// reason on hover; coverage (the three partners the demo leaves out, with their
// reasons) and the disclosure summary are shown; the CSV equals the table; the
// page fits 360 px and a desktop; nothing is fetched from outside localhost.
func TestDashboardDemoEndToEnd(t *testing.T) {
	b := newBrowser(t)
	d := newDemoDashboard(t)
	d.restrict(t) // the page runs its own trusted documents only
	srv := httptest.NewServer(d.env.Handler)
	t.Cleanup(srv.Close)

	b.do(t,
		chromedp.Navigate(srv.URL+"/dashboard"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), d.token),
		chromedp.SendKeys(chromedp.ID("token"), "\r"), // Enter submits, as with the button
	)

	t.Run("ProjectFromToken", func(t *testing.T) { demoProjectFromToken(t, b, d) })
	t.Run("OfferedBreakdownsFromAvailability", func(t *testing.T) { demoOfferedBreakdownsFromAvailability(t, b, d) })
	t.Run("MoneyByWelfareDomainInGBP", func(t *testing.T) { demoMoneyByWelfareDomainInGBP(t, b, d) })
	t.Run("IssuesByIhelpCategoryPerQuarter", func(t *testing.T) { demoIssuesByIhelpCategoryPerQuarter(t, b, d) })
	t.Run("SuppressedCellIsGapWithReason", func(t *testing.T) { demoSuppressedCellIsGapWithReason(t, b, d) })
	t.Run("ProportionPlotsRate", func(t *testing.T) { demoProportionPlotsRate(t, b, d) })
	t.Run("Fits360px", func(t *testing.T) { demoFits360px(t, b) })

	b.checkClean(t)
}

func demoProjectFromToken(t *testing.T, b *browser, d *demoDashboard) {
	got := poll[map[string]any](t, b, "the project from me { project }", `(() => {
		const p = document.getElementById("project");
		return !document.getElementById("controls").hidden && p.value && { id: p.value, readOnly: p.readOnly, who: document.getElementById("who").textContent };
	})()`)
	if got["id"] != d.projectID || got["readOnly"] != true {
		t.Errorf("project field %v, want the demo project %s, read-only", got, d.projectID)
	}
	if who, _ := got["who"].(string); !strings.Contains(who, "DASHBOARD") || !strings.Contains(who, "(demo)") {
		t.Errorf("the page says it is connected as %q, want the role and the project's title", who)
	}
	// Connecting loads the default view: clients advised by year.
	poll[bool](t, b, "the default view", `hjxDashboard.table?.filename === "hjx-clients_advised-year.csv"`)
	if disabled := eval[bool](t, b, `document.getElementById("currency").disabled`); !disabled {
		t.Error("the currency is offered for a count")
	}
}

func demoOfferedBreakdownsFromAvailability(t *testing.T, b *browser, d *demoDashboard) {
	var av struct {
		Availability struct {
			Metrics []struct {
				Metric     struct{ Code string }
				Breakdowns []availableShape
			}
		}
	}
	d.byHash(t, "DashboardAvailability", map[string]any{"projectId": d.projectID}).Decode(t, &av)
	for _, m := range av.Availability.Metrics {
		if m.Metric.Code != "CLIENTS_ADVISED" {
			continue
		}
		var want []string
		for _, opt := range []string{"", "IHELP_CATEGORY", "WELFARE_DOMAIN", "AGE_BAND", "SEX", "DEPRIVATION_QUINTILE", "REGION"} {
			shape := []string{opt}
			if opt == "" || opt == "REGION" {
				shape = nil
			}
			if slices.ContainsFunc(m.Breakdowns, func(b availableShape) bool {
				return slices.Equal(b.Dimensions, shape) || (len(shape) == 0 && len(b.Dimensions) == 0)
			}) {
				want = append(want, opt)
			}
		}
		got := offeredBreakdowns(t, b)
		if !slices.Equal(got, want) || len(want) < 3 {
			t.Errorf("the page offers breakdowns %q for clients advised; the API's availability has %q", got, want)
		}
		return
	}
	t.Fatal("the demo's availability lists no CLIENTS_ADVISED")
}

func demoMoneyByWelfareDomainInGBP(t *testing.T, b *browser, d *demoDashboard) {
	show(t, b, "FINANCIAL_GAIN", "GBP", "YEAR", "WELFARE_DOMAIN", "hjx-financial_gain-gbp-year-welfaredomain.csv")
	want := d.outcomes(t, map[string]any{"metric": "FINANCIAL_GAIN", "currency": "GBP",
		"groupBy": []string{"COUNTRY", "YEAR", "WELFARE_DOMAIN"}, "countries": []string{"GB", "US"}})
	if want.Currency == nil || *want.Currency != "GBP" || len(want.Rows) == 0 {
		t.Fatalf("the API answered currency %v with %d rows: the demo should have money by domain in GBP", want.Currency, len(want.Rows))
	}
	for _, c := range []string{"GB", "US"} {
		exp := expectedSeries(want, c, "welfareDomain", hjx.Strings(hjx.AllWelfareDomains()), false)
		if got := chartSeries(t, b, c); !sameSeries(got, exp) {
			t.Errorf("%s chart plots %v,\nthe API says %v", c, got, exp)
		}
		paintedPixels(t, b, c)
	}
	got := eval[[]string](t, b, `[document.getElementById("title").textContent, hjxDashboard.charts.GB.options.scales.y.title.text, document.querySelector("#table th:nth-child(4)").textContent]`)
	if !strings.HasSuffix(got[0], "(pounds sterling, GBP)") || got[1] != "pounds sterling, GBP" || got[2] != "Total (pounds sterling, GBP)" {
		t.Errorf("title, axis and column say %q: want GBP on each", got)
	}
	// Houston (GS), Cardiff (COL) and Edinburgh (no policy) are left out by their
	// rules; the two US partners that record only I-HELP categories have no
	// figures by fine domain, which is a different matter.
	rules := eval[[]string](t, b, `[...document.querySelectorAll("#excluded li")].map((li) => li.textContent)`)
	noFigures := eval[[]string](t, b, `[...document.querySelectorAll("#no-figures li")].map((li) => li.textContent)`)
	if len(rules) != 3 || len(rules)+len(noFigures) != len(want.Coverage.PartnersExcluded) {
		t.Errorf("left out by rules %q, without figures %q: the API lists %d partners, 3 of them by their rules", rules, noFigures, len(want.Coverage.PartnersExcluded))
	}
	for _, s := range noFigures {
		if !strings.Contains(s, "(NOT_AT_THIS_BREAKDOWN)") {
			t.Errorf("%q is listed without figures for another reason", s)
		}
	}
	// The US has no debt figures by domain: its legend does not offer a line it lacks.
	if got := eval[[]string](t, b, `hjxDashboard.charts.US.legend.legendItems.map((d) => d.text)`); slices.Contains(got, "Debt") {
		t.Errorf("US legend %q lists Debt, which has no US figures", got)
	}
	b.screenshot(t, "demo-money-by-domain-desktop")
}

func demoIssuesByIhelpCategoryPerQuarter(t *testing.T, b *browser, d *demoDashboard) {
	show(t, b, "ISSUES_BY_DOMAIN", "", "QUARTER", "IHELP_CATEGORY", "hjx-issues_by_domain-quarter-ihelpcategory.csv")
	want := d.outcomes(t, map[string]any{"metric": "ISSUES_BY_DOMAIN",
		"groupBy": []string{"COUNTRY", "QUARTER", "IHELP_CATEGORY"}, "countries": []string{"GB", "US"}})
	for _, c := range []string{"GB", "US"} {
		exp := expectedSeries(want, c, "ihelpCategory", hjx.Strings(hjx.AllIhelpCategories()), false)
		if len(exp) != 5 || len(exp[0]) != 12 {
			t.Fatalf("the demo should give 5 I-HELP categories over 12 quarters in %s, got %d x %d", c, len(exp), len(exp[0]))
		}
		if got := chartSeries(t, b, c); !sameSeries(got, exp) {
			t.Errorf("%s chart plots %v,\nthe API says %v", c, got, exp)
		}
	}
	if got := eval[[]string](t, b, `hjxDashboard.charts.US.legend.legendItems.map((d) => d.text)`); !slices.Equal(got, []string{"Income & insurance", "Housing & utilities", "Education & employment", "Legal status", "Personal & family stability"}) {
		t.Errorf("US legend %q, want the five I-HELP categories in order", got)
	}
}

func demoSuppressedCellIsGapWithReason(t *testing.T, b *browser, d *demoDashboard) {
	show(t, b, "CLIENTS_ADVISED", "", "YEAR", "AGE_BAND", "hjx-clients_advised-year-ageband.csv")
	want := d.outcomes(t, map[string]any{"metric": "CLIENTS_ADVISED",
		"groupBy": []string{"COUNTRY", "YEAR", "AGE_BAND"}, "countries": []string{"GB", "US"}})
	var suppressed []demoRow
	for _, r := range want.Rows {
		if r["suppressed"] == true {
			suppressed = append(suppressed, r)
		}
	}
	if len(suppressed) == 0 {
		t.Fatal("the demo's clients advised by year and age band should have suppressed cells (the 90+ band is small)")
	}
	for _, c := range []string{"GB", "US"} {
		exp := expectedSeries(want, c, "ageBand", hjx.Strings(hjx.AllAgeBands()), false)
		if got := chartSeries(t, b, c); !sameSeries(got, exp) {
			t.Errorf("%s chart plots %v,\nthe API says %v", c, got, exp)
		}
	}
	cell := suppressed[0]
	country, band, period, reason := cell["country"].(string), cell["ageBand"].(string), cell["period"].(string), cell["suppression"].(string)
	gapWithReasonOnHover(t, b, want, cell)

	// The table shows the cell with no number and its reason; the CSV is the table.
	table := pageTable(t, b)
	if !slices.ContainsFunc(table, func(row []string) bool {
		return slices.Equal(row[:4], []string{country, period, ageLabel(band), ""}) && row[len(row)-1] == reason
	}) {
		t.Errorf("the table has no row %s %s %s with no number and %s: %q", country, period, band, reason, table)
	}
	if len(table) != len(want.Rows)+1 {
		t.Errorf("the table has %d rows, the API answered %d", len(table)-1, len(want.Rows))
	}
	csvMatchesTable(t, b, table)

	t.Run("CoverageAndDisclosure", func(t *testing.T) { demoAgeBandCoverage(t, b, want, len(suppressed)) })
	b.screenshot(t, "demo-age-band-desktop")
}

// gapWithReasonOnHover checks a suppressed cell is null in its series (a gap,
// not a zero), hatched on the canvas, its reason on hover.
func gapWithReasonOnHover(t *testing.T, b *browser, want demoTable, cell demoRow) {
	t.Helper()
	country, band, period, reason := cell["country"].(string), cell["ageBand"].(string), cell["period"].(string), cell["suppression"].(string)
	at := eval[map[string]any](t, b, fmt.Sprintf(`(() => {
		const c = hjxDashboard.charts.%s;
		const series = %d, index = c.data.labels.indexOf(%q);
		document.getElementById("chart-%s").scrollIntoView({ block: "center" });
		const r = c.canvas.getBoundingClientRect();
		return { value: c.data.datasets[series].data[index], index,
			x: r.left + c.scales.x.getPixelForValue(index), y: r.top + (c.chartArea.top + c.chartArea.bottom) / 2 };
	})()`, country, slices.Index(presentBands(want), band), period, country))
	if at["index"].(float64) < 0 || at["value"] != nil {
		t.Fatalf("%s %s %s is suppressed by the API but plotted as %v (index %v)", country, period, band, at["value"], at["index"])
	}
	// Other age bands have numbers that year, so Chart.js's own tooltip shows
	// them, and the suppressed cells in its footer.
	b.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at["x"].(float64), at["y"].(float64)))
	tip := poll[string](t, b, "the tooltip of "+period, fmt.Sprintf(`(() => {
		const tip = hjxDashboard.charts.%s.tooltip;
		return tip.getActiveElements().length > 0 && [...tip.title, ...tip.footer].join("\n");
	})()`, country))
	for _, w := range []string{period, ageLabel(band) + ": suppressed", reason} {
		if !strings.Contains(tip, w) {
			t.Errorf("tooltip %q lacks %q", tip, w)
		}
	}
	b.screenshotOf(t, "demo-suppressed-gap-hover", "#chart-"+country)
	b.do(t, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1))
}

// demoAgeBandCoverage checks the coverage and disclosure the page shows for the
// age-band view against the API's answer (suppressed cells in it).
func demoAgeBandCoverage(t *testing.T, b *browser, want demoTable, suppressed int) {
	page := facts(t, b)
	if page["included"] != fmt.Sprint(want.Coverage.PartnersIncluded) {
		t.Errorf("partners included %q, the API says %d", page["included"], want.Coverage.PartnersIncluded)
	}
	for id, w := range map[string]string{"k": fmt.Sprint(want.Disclosure.K), "rounding": fmt.Sprint(want.Disclosure.RoundingBase),
		"suppressed": fmt.Sprint(suppressed)} {
		if page[id] != w {
			t.Errorf("#%s shows %q, want %q", id, page[id], w)
		}
	}
	for _, r := range want.Disclosure.ByReason {
		if !strings.Contains(page["by-reason"], fmt.Sprintf("%d · ", r.Count)) || !strings.Contains(page["by-reason"], r.Reason) {
			t.Errorf("suppressed by reason %q lacks %d %s", page["by-reason"], r.Count, r.Reason)
		}
	}
	// The demo leaves three partners out, each for its own reason.
	excluded := eval[[]string](t, b, `[...document.querySelectorAll("#excluded li")].map((li) => li.textContent)`)
	for name, code := range map[string]string{"Cardiff Hospice Advice (demo)": "(COL)",
		"Edinburgh Infirmary Welfare Rights (demo)": "(IS)", "Houston Hospital MLP (demo)": "(GS)"} {
		if !slices.ContainsFunc(excluded, func(s string) bool { return strings.HasPrefix(s, name) && strings.Contains(s, code) }) {
			t.Errorf("partners left out %q: want %s with %s", excluded, name, code)
		}
	}
	if len(excluded) != len(want.Coverage.PartnersExcluded) {
		t.Errorf("%d partners shown left out, the API says %d", len(excluded), len(want.Coverage.PartnersExcluded))
	}
	if !strings.Contains(page["observations"], "NOT_AT_THIS_BREAKDOWN") {
		t.Errorf("figures left out %q: want the totals the age breakdown does not use", page["observations"])
	}
}

func demoProportionPlotsRate(t *testing.T, b *browser, d *demoDashboard) {
	show(t, b, "REFERRALS_WITH_INTAKE", "", "YEAR", "", "hjx-referrals_with_intake-year.csv")
	want := d.outcomes(t, map[string]any{"metric": "REFERRALS_WITH_INTAKE",
		"groupBy": []string{"COUNTRY", "YEAR"}, "countries": []string{"GB", "US"}})
	for _, c := range []string{"GB", "US"} {
		exp := expectedSeries(want, c, "", nil, true)
		if got := chartSeries(t, b, c); !sameSeries(got, exp) {
			t.Errorf("%s chart plots %v,\nthe API's rates x 100 are %v", c, got, exp)
		}
	}
	table := pageTable(t, b)
	if !slices.Equal(table[0], []string{"Country", "Year", "Numerator", "Rate (%)", "n", "Partners", "Suppressed"}) {
		t.Errorf("header %q", table[0])
	}
	r := want.Rows[0]
	if row := table[1]; row[3] != fmt.Sprintf("%.1f", r["rate"].(float64)*100) || strings.ReplaceAll(row[4], ",", "") != fmt.Sprint(r["n"]) {
		t.Errorf("first row %q, the API says rate %v of n %v", row, r["rate"], r["n"])
	}
}

func demoFits360px(t *testing.T, b *browser) {
	show(t, b, "CLIENTS_ADVISED", "", "QUARTER", "AGE_BAND", "hjx-clients_advised-quarter-ageband.csv")
	b.do(t, chromedp.EmulateViewport(360, 780))
	chartsFit360(t, b)
	for _, c := range []string{"GB", "US"} {
		paintedPixels(t, b, c)
	}
	b.screenshot(t, "demo-age-band-quarter-360px")
	b.do(t, chromedp.ScrollIntoView(chromedp.ID("connect")))
	b.screenshotOf(t, "demo-360px-controls", "main > form#controls")
	b.screenshotOf(t, "demo-360px-charts", ".charts")
	b.screenshotOf(t, "demo-360px-facts", ".facts")
	b.screenshotOf(t, "demo-360px-table", ".table-wrap")
}

// ageLabel is how the page names an age band: AGE_25_34 as 25-34, AGE_90_PLUS as 90+.
func ageLabel(band string) string {
	s := strings.TrimPrefix(band, "AGE_")
	s = strings.Replace(strings.Replace(s, "_PLUS", "+", 1), "_", "-", 1)
	return s
}

// presentBands lists the age bands the API answered, in the page's series order.
func presentBands(tab demoTable) []string {
	var out []string
	for _, a := range hjx.Strings(hjx.AllAgeBands()) {
		if slices.ContainsFunc(tab.Rows, func(r demoRow) bool { return r["ageBand"] == a }) {
			out = append(out, a)
		}
	}
	return out
}
