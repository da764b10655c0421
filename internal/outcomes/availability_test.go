package outcomes_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// availabilityQuery is the catalogue as the dashboard asks for it.
const availabilityQuery = `query($p: ID!) { availability(projectId: $p) { projectId
	metrics { metric { code kind } breakdowns { dimensions granularities years partners countries { country partners } } } } }`

type availabilityResult struct {
	Availability struct {
		ProjectID string
		Metrics   []struct {
			Metric     struct{ Code, Kind string }
			Breakdowns []struct {
				Dimensions    []string
				Granularities []string
				Years         []int
				Partners      int
				Countries     []struct {
					Country  string
					Partners int
				}
			}
		}
	}
}

// catalogue renders the catalogue as "METRIC dims|granularities|years|partners|GB:n US:n" lines.
func (a availabilityResult) catalogue() []string {
	var out []string
	for _, m := range a.Availability.Metrics {
		for _, b := range m.Breakdowns {
			var cs []string
			for _, c := range b.Countries {
				cs = append(cs, fmt.Sprintf("%s:%d", c.Country, c.Partners))
			}
			out = append(out, fmt.Sprintf("%s [%s]|%s|%v|%d|%s", m.Metric.Code, strings.Join(b.Dimensions, ","),
				strings.Join(b.Granularities, ","), b.Years, b.Partners, strings.Join(cs, " ")))
		}
	}
	return out
}

func (w *world) auditCount(action string) int {
	w.t.Helper()
	var n int
	if err := w.env.App.DB.GetContext(context.Background(), &n, `SELECT count(*) FROM audit_entries WHERE action = $1`, action); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// TestAvailability: the catalogue lists, per metric, the breakdowns holding rows of
// partners whose decision is ALLOW, with the groupings they answer, the period
// buckets and years, and partner counts per country; a DENY partner's rows are not
// counted; every call is audited once; a retraction is seen by the next call.
func TestAvailability(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	w.gqlSubmit("gb-a", []map[string]any{q1("CLIENTS_ADVISED", 42), q1("CLIENTS_ADVISED", 25, "sex", "FEMALE")})
	gbB := w.gqlSubmit("gb-b", []map[string]any{q1("CLIENTS_ADVISED", 30),
		obs("CLIENTS_ADVISED", "2020-01-01", "2020-12-31", 120)})
	w.gqlSubmit("us-a", []map[string]any{q1("CLIENTS_ADVISED", 35),
		q1("CLIENTS_ADVISED", 9, "deprivationScheme", "ADI_DECILE", "deprivationValue", 9)})
	w.gqlSubmit("gb-c", []map[string]any{obs("FINANCIAL_GAIN", "2020-04-01", "2021-03-31", 5000, "n", 12, "currency", "GBP",
		"welfareDomain", "DEBT")})
	// DENY (GS: shares with US institutions only): neither its partner nor its AGE_BAND shape may show.
	w.gqlSubmit("gb-denied", []map[string]any{q1("CLIENTS_ADVISED", 50), q1("CLIENTS_ADVISED", 20, "ageBand", "AGE_25_34")})

	t.Run("OK", func(t *testing.T) { availabilityOK(t, w) })

	t.Run("OKRetractionSeen", func(t *testing.T) {
		if _, err := w.env.App.Ingest.Retract(context.Background(), w.admins["gb-b"], gbB, "wrong figures"); err != nil {
			t.Fatal(err)
		}
		var got availabilityResult
		w.env.Do(w.resTok, availabilityQuery, map[string]any{"p": w.projectID}).Decode(t, &got)
		if g := got.catalogue(); !slices.Contains(g, "CLIENTS_ADVISED []|QUARTER,YEAR|[2021]|2|GB:1 US:1") {
			t.Errorf("after gb-b's retraction, totals still count it: %q", g)
		}
	})

	t.Run("OKRollupMatchesCounters", func(t *testing.T) {
		// After uploads and a retraction, the triggers' summary is exactly what the
		// counters give when folded afresh.
		var diff int
		if err := w.env.App.DB.GetContext(context.Background(), &diff, `
			WITH fresh AS (
				SELECT metric, partner_id, shape, bit_or(availability_fits(period_start, period_end)) AS fits,
					array_agg(DISTINCT availability_year(period_start, period_end) ORDER BY availability_year(period_start, period_end)) AS years
				FROM observation_shape_counts WHERE rows > 0 GROUP BY 1, 2, 3)
			SELECT count(*) FROM (
				(SELECT * FROM fresh EXCEPT SELECT metric, partner_id, shape, fits, years FROM observation_availability_summary)
				UNION ALL
				(SELECT metric, partner_id, shape, fits, years FROM observation_availability_summary EXCEPT SELECT * FROM fresh)) d`); err != nil {
			t.Fatal(err)
		}
		if diff != 0 {
			t.Errorf("%d summary rows differ from the counters", diff)
		}
	})

	t.Run("ErrForbidden", func(t *testing.T) { availabilityErrForbidden(t, w) })

	t.Run("ErrUnauthenticated", func(t *testing.T) {
		if r := w.env.Do("", availabilityQuery, map[string]any{"p": w.projectID}); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("code %q, want UNAUTHENTICATED", r.Code())
		}
	})
}

func availabilityOK(t *testing.T, w *world) {
	before := w.auditCount("outcomes.availability")
	var got availabilityResult
	w.env.Do(w.resTok, availabilityQuery, map[string]any{"p": w.projectID}).Decode(t, &got)
	if got.Availability.ProjectID != w.projectID {
		t.Errorf("projectId %q, want %q", got.Availability.ProjectID, w.projectID)
	}
	want := []string{
		"CLIENTS_ADVISED []|QUARTER,YEAR|[2020 2021]|3|GB:2 US:1",
		// Every test partner works in one health setting: its rows are that setting's figures.
		"CLIENTS_ADVISED [HEALTH_SETTING]|QUARTER,YEAR|[2020 2021]|3|GB:2 US:1",
		"CLIENTS_ADVISED [SEX]|QUARTER,YEAR|[2021]|1|GB:1",
		"CLIENTS_ADVISED [DEPRIVATION_QUINTILE]|QUARTER,YEAR|[2021]|1|US:1",
		"CLIENTS_ADVISED [HEALTH_SETTING,SEX]|QUARTER,YEAR|[2021]|1|GB:1",
		"CLIENTS_ADVISED [HEALTH_SETTING,DEPRIVATION_QUINTILE]|QUARTER,YEAR|[2021]|1|US:1",
		// A UK financial year fits no bucket; it converts (and is listed) at 2020.
		// Fine domains also answer the I-HELP grouping.
		"FINANCIAL_GAIN [WELFARE_DOMAIN]||[2020]|1|GB:1",
		"FINANCIAL_GAIN [IHELP_CATEGORY]||[2020]|1|GB:1",
		"FINANCIAL_GAIN [HEALTH_SETTING,WELFARE_DOMAIN]||[2020]|1|GB:1",
		"FINANCIAL_GAIN [HEALTH_SETTING,IHELP_CATEGORY]||[2020]|1|GB:1",
	}
	if g := got.catalogue(); !slices.Equal(g, want) {
		t.Errorf("catalogue\n got %q\nwant %q", g, want)
	}
	if n := w.auditCount("outcomes.availability") - before; n != 1 {
		t.Errorf("%d audit entries for one call, want 1", n)
	}
}

func availabilityErrForbidden(t *testing.T, w *world) {
	other, _ := w.env.Token(hjx.RoleResearcher, "", "")
	dashOther, _ := w.env.Token(hjx.RoleDashboard, "", w.project("Another project"))
	steward := w.stewardTok
	for name, tok := range map[string]string{"NotAMember": other, "DashboardOfAnotherProject": dashOther,
		"Steward": steward, "PartnerAdmin": w.adminTok["gb-a"]} {
		t.Run(name, func(t *testing.T) {
			before := w.auditCount("outcomes.availability")
			r := w.env.Do(tok, availabilityQuery, map[string]any{"p": w.projectID})
			if r.Code() != "FORBIDDEN" {
				t.Fatalf("code %q, want FORBIDDEN: %+v", r.Code(), r.Errors)
			}
			if n := w.auditCount("outcomes.availability") - before; n != 0 {
				t.Errorf("a refused call wrote %d audit entries", n)
			}
		})
	}
}
