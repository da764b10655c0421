package outcomes_test

import (
	"math"
	"slices"
	"testing"
)

const ratioQuery = `query($p: ID!, $q: OutcomeQuery!) { outcomes(projectId: $p, query: $q) {
	metric { code } currency partialPeriods
	rows { country period value n ratio partialPeriod suppressed }
	denominator { metric { code } currency partialPeriods rows { country period value n suppressed }
		coverage { partnersIncluded } disclosure { suppressedCells } } } }`

type ratioRow struct {
	Country, Period *string
	Value           *float64
	N               *int
	Ratio           *float64
	PartialPeriod   bool
	Suppressed      bool
}

type ratioTable struct {
	Metric         struct{ Code string }
	Currency       *string
	PartialPeriods []string
	Rows           []ratioRow
	Denominator    *struct {
		Metric         struct{ Code string }
		Currency       *string
		PartialPeriods []string
		Rows           []ratioRow
		Coverage       struct{ PartnersIncluded int }
	}
}

func (w *world) ratioTable(q map[string]any) ratioTable {
	w.t.Helper()
	var out struct{ Outcomes ratioTable }
	w.env.Do(w.resTok, ratioQuery, map[string]any{"p": w.projectID, "q": q}).Decode(w.t, &out)
	return out.Outcomes
}

func key(r ratioRow) string { return str(r.Country) + "/" + str(r.Period) }

// ratioWorld: four partners per country with clients advised in 2021-Q1 and Q2
// only (so 2021 is a partial year); money gained from the four GB partners and
// three US ones (a US money cell is suppressed: too few partners).
func ratioWorld(t *testing.T) *world {
	w := newWorld(t, sixPartners())
	w.setPolicy("gb-denied", *gru())
	w.setPolicy("us-nopolicy", *gru())
	quarter := map[string][2]string{"Q1": {"2021-01-01", "2021-03-31"}, "Q2": {"2021-04-01", "2021-06-30"}}
	for i, id := range []string{"gb-a", "gb-b", "gb-c", "gb-denied", "us-a", "us-b", "us-c", "us-nopolicy"} {
		cur := "GBP"
		if id[:2] == "us" {
			cur = "USD"
		}
		var rows []map[string]any
		for _, q := range []string{"Q1", "Q2"} {
			advised := 90 + 13*i
			rows = append(rows, obs("CLIENTS_ADVISED", quarter[q][0], quarter[q][1], float64(advised)))
			if id != "us-nopolicy" {
				rows = append(rows, obs("FINANCIAL_GAIN", quarter[q][0], quarter[q][1], float64(1000*(20+3*i)),
					"n", advised/2, "currency", cur))
			}
		}
		w.gqlSubmit(id, rows)
	}
	return w
}

// TestOutcomesRatio: FINANCIAL_GAIN per CLIENTS_ADVISED by country and quarter in
// PPP dollars, in one query: the denominator is the published CLIENTS_ADVISED
// table of the same query (returned, with its coverage), and each ratio is the
// published numerator over the published denominator; none where either is
// suppressed. Both tables are audited.
func TestOutcomesRatio(t *testing.T) {
	t.Parallel()
	w := ratioWorld(t)
	// One country: a suppressed cell of the other would take its siblings with it.
	base := map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"COUNTRY", "QUARTER"}, "countries": []string{"GB"},
		"currency": "PPP_INTL_DOLLAR"}
	t.Run("OK", func(t *testing.T) { ratioOK(t, w, base) })
	t.Run("OKSuppressedNoRatio", func(t *testing.T) {
		// Three US partners gave money: suppressed; their clients advised (four) are not.
		got := w.ratioTable(map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"QUARTER"}, "countries": []string{"US"},
			"ratioTo": "CLIENTS_ADVISED"})
		if got.Denominator == nil || len(got.Rows) != 2 {
			t.Fatalf("rows %v, denominator %v", got.Rows, got.Denominator)
		}
		for i, r := range got.Rows {
			if !r.Suppressed || got.Denominator.Rows[i].Suppressed {
				t.Fatalf("%s: numerator suppressed %v, denominator %v; the test needs only the first suppressed",
					key(r), r.Suppressed, got.Denominator.Rows[i].Suppressed)
			}
			if r.Ratio != nil {
				t.Errorf("%s: ratio %v beside a suppressed numerator", key(r), *r.Ratio)
			}
		}
	})
	t.Run("OKPerPerson", func(t *testing.T) {
		q := map[string]any{"perPerson": true}
		for k, v := range base {
			q[k] = v
		}
		got := w.ratioTable(q)
		if got.Denominator != nil {
			t.Errorf("a per-person table has a denominator")
		}
		for _, r := range got.Rows {
			if r.Suppressed {
				continue
			}
			want := math.Round(*r.Value/float64(*r.N)*1000) / 1000
			if r.Ratio == nil || *r.Ratio != want {
				t.Errorf("%s: ratio %v, want %v / %d", key(r), r.Ratio, *r.Value, *r.N)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) { ratioErrInvalid(t, w) })
}

// ratioOK: the ratio is the published numerator over the published denominator,
// which is exactly the denominator metric's own table; both queries are audited.
func ratioOK(t *testing.T, w *world, base map[string]any) {
	before := w.auditCount("outcomes.query")
	q := map[string]any{"ratioTo": "CLIENTS_ADVISED"}
	for k, v := range base {
		q[k] = v
	}
	got := w.ratioTable(q)
	if n := w.auditCount("outcomes.query") - before; n != 2 {
		t.Errorf("%d audit entries, want 2 (numerator and denominator)", n)
	}
	if got.Denominator == nil || got.Denominator.Metric.Code != "CLIENTS_ADVISED" {
		t.Fatalf("denominator %+v, want the CLIENTS_ADVISED table", got.Denominator)
	}
	if got.Denominator.Coverage.PartnersIncluded != 4 {
		t.Errorf("denominator partnersIncluded %d, want 4", got.Denominator.Coverage.PartnersIncluded)
	}
	// The denominator is exactly what the CLIENTS_ADVISED query publishes.
	alone := w.ratioTable(map[string]any{"metric": "CLIENTS_ADVISED", "groupBy": []string{"COUNTRY", "QUARTER"},
		"countries": []string{"GB"}})
	if jsonString(alone.Rows) != jsonString(got.Denominator.Rows) {
		t.Errorf("denominator rows %v differ from the metric's own table %v", got.Denominator.Rows, alone.Rows)
	}
	den := map[string]ratioRow{}
	for _, r := range got.Denominator.Rows {
		den[key(r)] = r
	}
	if len(got.Rows) != 2 {
		t.Fatalf("%d rows, want 2 (GB 2021-Q1, Q2)", len(got.Rows))
	}
	for _, r := range got.Rows {
		d, ok := den[key(r)]
		if r.Suppressed || !ok || d.Suppressed {
			t.Fatalf("%s suppressed: the test needs published cells", key(r))
		}
		want := math.Round(*r.Value / *d.Value * 1000) / 1000
		if r.Ratio == nil || *r.Ratio != want {
			t.Errorf("%s: ratio %v, want published %v / %v = %v", key(r), r.Ratio, *r.Value, *d.Value, want)
		}
	}
}

func ratioErrInvalid(t *testing.T, w *world) {
	for name, q := range map[string]map[string]any{
		"UnknownRatioTo":    {"metric": "FINANCIAL_GAIN", "ratioTo": "NOT_A_METRIC"},
		"RatioAndPerPerson": {"metric": "FINANCIAL_GAIN", "ratioTo": "CLIENTS_ADVISED", "perPerson": true},
	} {
		t.Run(name, func(t *testing.T) {
			before := w.auditCount("outcomes.query")
			r := w.env.Do(w.resTok, ratioQuery, map[string]any{"p": w.projectID, "q": q})
			if r.Code() != "INVALID" {
				t.Fatalf("code %q, want INVALID: %+v", r.Code(), r.Errors)
			}
			if n := w.auditCount("outcomes.query") - before; n != 0 {
				t.Errorf("an invalid query wrote %d audit entries", n)
			}
		})
	}
}

// TestOutcomesPartialPeriod: a year is partial when its figures miss some of its
// months: 2021 has Q1 and Q2 only (the latest, partial year), 2020 Q1 and Q4 (a
// gap in the middle); 2019 is whole. Quarters with their three months are whole.
func TestOutcomesPartialPeriod(t *testing.T) {
	t.Parallel()
	w := ratioWorld(t)
	for i, id := range []string{"gb-a", "gb-b", "gb-c", "gb-denied", "us-a", "us-b", "us-c", "us-nopolicy"} {
		var rows []map[string]any
		for _, q := range [][2]string{{"2019-01-01", "2019-03-31"}, {"2019-04-01", "2019-06-30"}, {"2019-07-01", "2019-09-30"},
			{"2019-10-01", "2019-12-31"}, {"2020-01-01", "2020-03-31"}, {"2020-10-01", "2020-12-31"}} {
			rows = append(rows, obs("CLIENTS_ADVISED", q[0], q[1], float64(80+11*i)))
		}
		w.gqlSubmit(id, rows)
	}
	byYear := w.ratioTable(map[string]any{"metric": "CLIENTS_ADVISED", "groupBy": []string{"YEAR"}})
	if !slices.Equal(byYear.PartialPeriods, []string{"2020", "2021"}) {
		t.Errorf("partialPeriods %v, want [2020 2021]", byYear.PartialPeriods)
	}
	if len(byYear.Rows) != 3 {
		t.Fatalf("%d rows, want 2019, 2020, 2021", len(byYear.Rows))
	}
	for _, r := range byYear.Rows {
		if want := str(r.Period) != "2019"; r.PartialPeriod != want {
			t.Errorf("%s: partialPeriod %v, want %v", key(r), r.PartialPeriod, want)
		}
	}
	byQuarter := w.ratioTable(map[string]any{"metric": "CLIENTS_ADVISED", "groupBy": []string{"QUARTER"}})
	if len(byQuarter.PartialPeriods) != 0 || len(byQuarter.Rows) != 8 {
		t.Errorf("partialPeriods %v over %d rows, want none over 8: each quarter has its three months", byQuarter.PartialPeriods, len(byQuarter.Rows))
	}
	for _, r := range byQuarter.Rows {
		if r.PartialPeriod {
			t.Errorf("%s: marked partial", key(r))
		}
	}
}
