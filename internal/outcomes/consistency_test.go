package outcomes_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// Consistency of the perturbation (issue 11): noise belongs to the contributors and
// their rows, never to the query, so the same cell publishes the same value however
// it is asked for, and nothing unperturbed leaves.

// consistencyWorld: gb-a identifiable (so its own cells are published alone),
// every partner with 2021-Q1 and 2021-Q2 totals and gb-a with a FEMALE row and
// money in GBP.
func consistencyWorld(t *testing.T) *world {
	w := newWorld(t, sixPartners())
	w.setPolicy("gb-a", *identifiableGRU())
	q2 := func(metric string, v float64, extra ...any) map[string]any {
		return obs(metric, "2021-04-01", "2021-06-30", v, extra...)
	}
	for id, v := range map[string]float64{"gb-a": 1000, "gb-b": 300, "gb-c": 280, "us-a": 500, "us-b": 400, "us-c": 350} {
		rows := []map[string]any{q1("PATIENTS_SCREENED", v), q2("PATIENTS_SCREENED", v+20),
			q1("FINANCIAL_GAIN", 10*v, "n", int(v/10), "currency", map[bool]string{true: "GBP", false: "USD"}[id[:2] == "gb"])}
		if id == "gb-a" {
			rows = append(rows, q1("PATIENTS_SCREENED", 600, "sex", "FEMALE"))
			rows = append(rows, ageRows()...)
		}
		w.gqlSubmit(id, rows)
	}
	return w
}

// ageRows are gb-a's 18 cells by age band in 2021-Q1 and 2021-Q2: many cells of its
// own, so that noise drawn afresh could not hide behind the rounding in all of them.
func ageRows() []map[string]any {
	var rows []map[string]any
	for i, band := range []string{"AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_64", "AGE_65_74", "AGE_75_89", "AGE_90_PLUS"} {
		rows = append(rows, q1("PATIENTS_SCREENED", float64(50+7*i), "ageBand", band),
			obs("PATIENTS_SCREENED", "2021-04-01", "2021-06-30", float64(61+5*i), "ageBand", band))
	}
	return rows
}

// byKey is a table's published cells by key, the key's parts sorted so that the
// same cell asked for with the dimensions in another order has the same key.
func byKey(tab outcomeTable) map[string]string {
	out := map[string]string{}
	for _, c := range cells(tab) {
		k, v, _ := strings.Cut(c, "=")
		parts := strings.Split(k, "/")
		slices.Sort(parts)
		out[strings.Join(parts, "/")] = v
	}
	return out
}

// value returns the published value of the row whose key (as cells renders it) is
// key, failing if it is absent or suppressed.
func value(t *testing.T, tab outcomeTable, key string) float64 {
	t.Helper()
	for i, c := range cells(tab) {
		k, _, _ := strings.Cut(c, "=")
		if k == key {
			r := tab.Rows[i]
			if r.Suppressed || r.Value == nil {
				t.Fatalf("cell %q is suppressed (%s)", key, str(r.Suppression))
			}
			return *r.Value
		}
	}
	t.Fatalf("no cell %q in %v", key, cells(tab))
	return 0
}

// perturbedAlone checks that a single partner's published count is at least the
// smallest multiplier (12%) away from its true figure, less the ptable's noise (4)
// and rounding to 5: an unperturbed figure, rounded, would be within 2.5.
func perturbedAlone(t *testing.T, what string, published, truth float64) {
	t.Helper()
	if d := math.Abs(published - truth); d < 0.12*truth-4-2.5 {
		t.Errorf("%s: published %g is %g from the true %g; a partner's own figure must be at least 12%% off", what, published, d, truth)
	}
}

func TestSameCellSameValue(t *testing.T) {
	t.Parallel()
	w := consistencyWorld(t)
	all := []string{"PRIMARY_CARE", "HOSPITAL", "MENTAL_HEALTH", "COMMUNITY_HEALTH_CENTRE", "PAEDIATRIC"}
	t.Run("OKCountAcrossQueries", func(t *testing.T) { sameCountAcrossQueries(t, w, all) })
	t.Run("OKManyCellsAcrossQueries", func(t *testing.T) { sameManyCellsAcrossQueries(t, w, all) })
	t.Run("OKRestartWithoutCache", func(t *testing.T) { sameAfterRestartWithoutCache(t, w) })
	t.Run("OKMoneyAcrossCurrencies", func(t *testing.T) { sameMoneyAcrossCurrencies(t, w) })
}

func sameCountAcrossQueries(t *testing.T, w *world, all []string) {
	// gb-a's own 2021-Q1 total, and the GB pool's, asked for five ways.
	byPartnerQuarter := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "QUARTER"}})
	own := value(t, byPartnerQuarter, "2021-Q1/gb-a")
	perturbedAlone(t, "gb-a 2021-Q1", own, 1000)
	for name, q := range map[string]map[string]any{
		"DateRange":      {"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER"}, "from": "2021-01-01", "to": "2021-03-31"},
		"SettingsFilter": {"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "QUARTER"}, "healthSettings": all},
		"Cached":         {"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "QUARTER"}},
	} {
		key := "2021-Q1/gb-a"
		if name == "DateRange" {
			key = "gb-a"
		}
		if got := value(t, w.outcomes(q), key); got != own {
			t.Errorf("%s: gb-a's 2021-Q1 total published as %g, by partner and quarter as %g", name, got, own)
		}
	}
	// The pool of all six partners (five of them not identifiable).
	pooled := value(t, w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"QUARTER"}}), "2021-Q1")
	for name, q := range map[string]map[string]any{
		"CountryFilter":  {"metric": "PATIENTS_SCREENED", "groupBy": []string{"QUARTER"}, "countries": []string{"GB", "US"}},
		"DateRange":      {"metric": "PATIENTS_SCREENED", "from": "2021-01-01", "to": "2021-03-31"},
		"SettingsFilter": {"metric": "PATIENTS_SCREENED", "groupBy": []string{"QUARTER"}, "healthSettings": all},
	} {
		key := map[string]string{"CountryFilter": "2021-Q1", "DateRange": "", "SettingsFilter": "2021-Q1"}[name]
		if got := value(t, w.outcomes(q), key); got != pooled {
			t.Errorf("%s: the 2021-Q1 pool published as %g, by quarter as %g", name, got, pooled)
		}
	}
}

func sameManyCellsAcrossQueries(t *testing.T, w *world, all []string) {
	// gb-a's 18 cells by age band and quarter, asked for four ways.
	ref := byKey(w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "AGE_BAND", "QUARTER"}}))
	if len(ref) != 18 {
		t.Fatalf("%d cells, want gb-a's 18: %v", len(ref), ref)
	}
	got := byKey(w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"QUARTER", "AGE_BAND", "PARTNER"}}))
	for _, quarter := range [][3]string{{"2021-Q1", "2021-01-01", "2021-03-31"}, {"2021-Q2", "2021-04-01", "2021-06-30"}} {
		for k, v := range byKey(w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"AGE_BAND", "PARTNER"},
			"from": quarter[1], "to": quarter[2], "countries": []string{"GB"}, "healthSettings": all})) {
			parts := append(strings.Split(k, "/"), quarter[0])
			slices.Sort(parts)
			got["range "+strings.Join(parts, "/")] = v
		}
	}
	for k, v := range ref {
		if got[k] != v || got["range "+k] != v {
			t.Errorf("%s: published %s by partner, age band and quarter; %s with the dimensions reordered; %s by date range and filters",
				k, v, got[k], got["range "+k])
		}
	}
}

func sameAfterRestartWithoutCache(t *testing.T, w *world) {
	want := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "QUARTER"}})
	ctx := context.Background()
	secret, err := postgres.LoadDisclosureSecret(ctx, w.env.App.DB)
	if err != nil {
		t.Fatal(err)
	}
	a := w.env.App
	restarted := &outcomes.Service{DB: a.DB, Governance: a.Governance, Audit: a.Audit, Now: w.env.Clock.Now,
		Disclosure: a.Outcomes.Disclosure, Secret: secret}
	got, err := restarted.Query(ctx, w.researcher, w.projectID, outcomes.Query{Metric: "PATIENTS_SCREENED",
		GroupBy: []outcomes.Dimension{outcomes.DimPartner, outcomes.DimQuarter}})
	if err != nil {
		t.Fatal(err)
	}
	var gotCells []string
	for _, r := range got.Rows {
		v := "suppressed"
		if r.Value != nil {
			v = fmt.Sprint(*r.Value)
		}
		gotCells = append(gotCells, r.Period+"/"+r.PartnerID+"="+v)
	}
	var wantCells []string
	for _, r := range want.Rows {
		v := "suppressed"
		if r.Value != nil {
			v = fmt.Sprint(*r.Value)
		}
		p := ""
		if r.Partner != nil {
			p = r.Partner.ID
		}
		wantCells = append(wantCells, str(r.Period)+"/"+p+"="+v)
	}
	if fmt.Sprint(gotCells) != fmt.Sprint(wantCells) {
		t.Errorf("a new service without a cache publishes %v, the running one %v", gotCells, wantCells)
	}
}

func sameMoneyAcrossCurrencies(t *testing.T, w *world) {
	// gb-a's 10,000 GBP alone, in GBP, USD (2021: 0.727 GBP per USD) and PPP
	// dollars (0.668): each currency is a conversion of the same perturbed
	// amount, so they agree to within their rounding to 10, and none is the
	// true amount.
	in := func(cur string) float64 {
		return value(t, w.outcomes(map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"PARTNER"}, "currency": cur}), "gb-a")
	}
	gbp, usd, ppp := in("GBP"), in("USD"), in("PPP_INTL_DOLLAR")
	perturbedAlone(t, "gb-a's money in GBP", gbp, 10000)
	if math.Abs(usd*0.727-gbp) > 5+5*0.727 || math.Abs(ppp*0.668-gbp) > 5+5*0.668 {
		t.Errorf("GBP %g, USD %g (= %g GBP), PPP$ %g (= %g GBP): not one perturbed amount converted", gbp, usd, usd*0.727, ppp, ppp*0.668)
	}
}

// An upload that changes nothing in a cell, another file with the same figures in
// another order and an unrelated row added, leaves the cell's published value as it
// was: the new rows of the cell carry the same record keys. Eighteen of gb-a's own
// cells (by age band and quarter) are compared, so that fresh noise could not hide
// behind the rounding in all of them.
func TestUnchangedUploadKeepsPublishedValue(t *testing.T) {
	t.Parallel()
	w := consistencyWorld(t)
	byAge := ageRows()
	totals := map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "QUARTER"}}
	ages := map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "AGE_BAND", "QUARTER"}}
	beforeTotals, beforeAges := w.outcomes(totals), w.outcomes(ages)
	own, pooled := value(t, beforeTotals, "2021-Q1/gb-a"), value(t, beforeTotals, "2021-Q1")
	if n := len(beforeAges.Rows); n != 18 {
		t.Fatalf("%d cells by age band and quarter, want gb-a's 18", n)
	}

	// The same figures again: the total and the age rows in reverse order, and an
	// unrelated row (another cell).
	again := []map[string]any{q1("PATIENTS_SCREENED", 600, "sex", "MALE"), q1("PATIENTS_SCREENED", 1000)}
	for i := len(byAge) - 1; i >= 0; i-- {
		again = append(again, byAge[i])
	}
	w.gqlSubmit("gb-a", again)
	afterTotals, afterAges := w.outcomes(totals), w.outcomes(ages)
	if got := value(t, afterTotals, "2021-Q1/gb-a"); got != own {
		t.Errorf("gb-a's unchanged 2021-Q1 total was published as %g, after re-uploading it as %g", own, got)
	}
	if got := value(t, afterTotals, "2021-Q1"); got != pooled {
		t.Errorf("the pool's 2021-Q1 total was published as %g, after gb-a re-uploaded its figure as %g", pooled, got)
	}
	if b, a := cells(beforeAges), cells(afterAges); fmt.Sprint(b) != fmt.Sprint(a) {
		t.Errorf("gb-a's unchanged cells by age band changed when re-uploaded:\nbefore %v\nafter  %v", b, a)
	}
	var superseded int
	if err := w.env.App.DB.Get(&superseded, `SELECT count(*) FROM observations WHERE partner_id = 'gb-a' AND NOT current`); err != nil {
		t.Fatal(err)
	}
	if superseded != 19 {
		t.Fatalf("%d of gb-a's rows superseded, want 19 (the re-upload must have replaced them)", superseded)
	}
}

// No output carries an unperturbed figure or a record key: a partner's own figure
// published alone differs from its true value by at least the smallest multiplier,
// for every kind of figure, and neither the true figures nor anything key-like
// appears in the response, the audit log or the schema.
func TestNoUnperturbedFigureLeaves(t *testing.T) {
	t.Parallel()
	w := consistencyWorld(t)
	w.gqlSubmit("gb-a", []map[string]any{
		q1("FINANCIAL_STRAIN", 400, "n", 900),
		q1("WEMWBS_CHANGE", 5.0, "n", 800, "sd", 2.0),
	})
	resp := w.query(w.resTok, w.projectID, map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER", "QUARTER"}})
	var out struct{ Outcomes outcomeTable }
	resp.Decode(t, &out)
	perturbedAlone(t, "gb-a's count", value(t, out.Outcomes, "2021-Q1/gb-a"), 1000)
	if strings.Contains(string(resp.Data), "1000") {
		t.Errorf("the response holds gb-a's true figure: %s", resp.Data)
	}
	prop := w.outcomes(map[string]any{"metric": "FINANCIAL_STRAIN", "groupBy": []string{"PARTNER"}})
	perturbedAlone(t, "gb-a's numerator", value(t, prop, "gb-a"), 400)
	for _, r := range prop.Rows {
		if r.Partner != nil && r.N != nil {
			perturbedAlone(t, "gb-a's denominator", float64(*r.N), 900)
		}
	}
	mean := w.outcomes(map[string]any{"metric": "WEMWBS_CHANGE", "groupBy": []string{"PARTNER"}})
	for _, r := range mean.Rows {
		if r.Partner != nil && r.N != nil {
			perturbedAlone(t, "gb-a's persons measured", float64(*r.N), 800)
		}
	}
	var details []string
	if err := w.env.App.DB.Select(&details, `SELECT detail::text FROM audit_entries WHERE action = 'outcomes.query'`); err != nil {
		t.Fatal(err)
	}
	for _, d := range details {
		if strings.Contains(d, "1000") || strings.Contains(strings.ToLower(d), "key") {
			t.Errorf("an outcome query's audit detail holds a figure or a key: %s", d)
		}
	}
	var schema struct {
		Schema struct {
			Types []struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	w.env.Do(w.resTok, `{ __schema { types { fields { name } } } }`, nil).Decode(t, &schema)
	for _, ty := range schema.Schema.Types {
		for _, f := range ty.Fields {
			if n := strings.ToLower(f.Name); strings.Contains(n, "recordkey") || strings.Contains(n, "cellkey") ||
				strings.Contains(n, "unitkey") {
				t.Errorf("the schema exposes %s", f.Name)
			}
		}
	}
}

// disclosure.k is the project's: the largest min cell of every partner the project
// may read, whatever the query's filters, so a query narrowed to one partner does
// not tell that partner's policy; a partner the project may not read does not count.
func TestProjectK(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	screened(w)
	high := gru()
	high.MinCell = new(int)
	*high.MinCell = 15
	w.setPolicy("gb-b", *high)
	denied := gru()
	denied.AllowedCountries = []hjx.Country{"US"}
	denied.MinCell = new(int)
	*denied.MinCell = 40
	w.setPolicy("gb-denied", *denied)
	for name, q := range map[string]map[string]any{
		"All":           {"metric": "PATIENTS_SCREENED"},
		"OtherPartners": {"metric": "PATIENTS_SCREENED", "countries": []string{"US"}},
		"OneSetting":    {"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER"}, "healthSettings": []string{"PRIMARY_CARE"}},
		"NoCells":       {"metric": "PATIENTS_SCREENED", "from": "2030-01-01"},
	} {
		t.Run("OK"+name, func(t *testing.T) {
			if k := w.outcomes(q).Disclosure.K; k != 15 {
				t.Errorf("k = %d, want 15 (gb-b's min cell, the largest of the partners the project may read)", k)
			}
		})
	}
}

// Only TOO_FEW_PARTNERS and DISCLOSURE_RISK are live reasons: the precise ones stay
// in the schema for old clients, deprecated, and are never returned.
func TestSuppressionReasonsInSchema(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	var out struct {
		Type struct {
			EnumValues []struct {
				Name              string
				IsDeprecated      bool
				DeprecationReason *string
			}
		} `json:"__type"`
	}
	w.env.Do(w.resTok, `{ __type(name: "SuppressionReason") { enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } } }`, nil).Decode(t, &out)
	got := map[string]bool{}
	for _, v := range out.Type.EnumValues {
		got[v.Name] = v.IsDeprecated
		if v.IsDeprecated && (v.DeprecationReason == nil || !strings.Contains(*v.DeprecationReason, "Never returned")) {
			t.Errorf("%s is deprecated without saying it is never returned", v.Name)
		}
	}
	want := map[string]bool{"TOO_FEW_PARTNERS": false, "DISCLOSURE_RISK": false, "SMALL_CELL": true, "DOMINANCE": true, "SECONDARY": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("SuppressionReason values (deprecated?) %v, want %v", got, want)
	}
}
