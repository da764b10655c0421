package outcomes_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// End-to-end tests of the outcomes query through the real GraphQL handler, on
// small datasets whose expected figures are worked out by hand in the comments.

// sixPartners is three GB and three US partners sharing under GRU (GB k 8, US k
// 11), plus one GB partner that shares with US institutions only (DENY GS for the
// test project, led from Leeds) and one US partner without a policy.
func sixPartners() []partnerSpec {
	usOnly := gru()
	usOnly.AllowedCountries = []string{"US"}
	return []partnerSpec{
		{"gb-a", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-b", "GB", "GB-WLS", "HOSPITAL", gru()},
		{"gb-c", "GB", "GB-SCT", "MENTAL_HEALTH", gru()},
		{"us-a", "US", "US-NY", "COMMUNITY_HEALTH_CENTRE", gru()},
		{"us-b", "US", "US-MA", "PAEDIATRIC", gru()},
		{"us-c", "US", "US-CA", "HOSPITAL", gru()},
		{"gb-denied", "GB", "GB-ENG", "PRIMARY_CARE", usOnly},
		{"us-nopolicy", "US", "US-TX", "HOSPITAL", nil},
	}
}

// obs is one observation row of submitObservations.
func obs(metric, start, end string, value float64, extra ...any) map[string]any {
	r := map[string]any{"metric": metric, "periodStart": start, "periodEnd": end, "value": value}
	for i := 0; i+1 < len(extra); i += 2 {
		r[extra[i].(string)] = extra[i+1]
	}
	return r
}

func q1(metric string, value float64, extra ...any) map[string]any {
	return obs(metric, "2021-01-01", "2021-03-31", value, extra...)
}

// cells renders a table's rows as "key=value" (or "key=REASON"), keys joined by
// "/", in the API's order.
func cells(t outcomeTable) []string {
	var out []string
	for _, r := range t.Rows {
		var key []string
		for _, s := range []*string{r.Country, r.Region, r.HealthSetting, r.WelfareDomain, r.IhelpCategory, r.AgeBand, r.Sex, r.Period} {
			if s != nil {
				key = append(key, *s)
			}
		}
		if r.Partner != nil {
			key = append(key, r.Partner.ID)
		}
		if r.DeprivationQuintile != nil {
			key = append(key, fmt.Sprintf("Q%d", *r.DeprivationQuintile))
		}
		k := strings.Join(key, "/")
		switch {
		case r.Suppressed:
			out = append(out, k+"="+str(r.Suppression))
		case r.N != nil && t.Metric.Kind != "COUNT":
			out = append(out, fmt.Sprintf("%s=%g/%d", k, *r.Value, *r.N))
		default:
			out = append(out, fmt.Sprintf("%s=%g", k, *r.Value))
		}
	}
	return out
}

func excludedReasons(t outcomeTable) map[string][]string {
	out := map[string][]string{}
	for _, x := range t.Coverage.PartnersExcluded {
		for _, r := range x.Reasons {
			out[x.Partner.ID] = append(out[x.Partner.ID], r.Code)
		}
	}
	return out
}

func observationsExcluded(t outcomeTable) map[string]int {
	out := map[string]int{}
	for _, e := range t.Coverage.ObservationsExcluded {
		out[e.Reason] = e.Count
	}
	return out
}

func wantCells(t *testing.T, got outcomeTable, want ...string) {
	t.Helper()
	if g := cells(got); !slices.Equal(g, want) {
		t.Errorf("cells\n got %v\nwant %v", g, want)
	}
}

// TestOutcomesCubeRule: a partner's total of 42 beside its FEMALE row of 25 pools
// as 42, never 67: each query takes from each partner only the rows at exactly its
// breakdown.
func TestOutcomesCubeRule(t *testing.T) {
	w := newWorld(t, sixPartners())
	w.gqlSubmit("gb-a", []map[string]any{q1("CLIENTS_ADVISED", 42), q1("CLIENTS_ADVISED", 25, "sex", "FEMALE")})
	w.gqlSubmit("gb-b", []map[string]any{q1("CLIENTS_ADVISED", 30)})
	w.gqlSubmit("gb-c", []map[string]any{q1("CLIENTS_ADVISED", 28)})

	t.Run("OK", func(t *testing.T) {
		// 42 + 30 + 28 = 100 (with the FEMALE row added it would be 125).
		got := w.outcomes(map[string]any{"metric": "CLIENTS_ADVISED"})
		wantCells(t, got, "=100")
		if p := got.Rows[0].Partners; p == nil || *p != 3 {
			t.Errorf("partners = %v, want 3", p)
		}
		if got.Coverage.PartnersIncluded != 3 {
			t.Errorf("partnersIncluded = %d, want 3", got.Coverage.PartnersIncluded)
		}
		if n := observationsExcluded(got)["NOT_AT_THIS_BREAKDOWN"]; n != 1 {
			t.Errorf("NOT_AT_THIS_BREAKDOWN = %d, want 1 (the FEMALE row)", n)
		}
	})
	t.Run("BySexOnlyTheBreakdownRows", func(t *testing.T) {
		// Only gb-a gave a sex breakdown: one partner's FEMALE 25, suppressed; the
		// totals of gb-b and gb-c are not at this breakdown and are said to be left out.
		got := w.outcomes(map[string]any{"metric": "CLIENTS_ADVISED", "groupBy": []string{"SEX"}})
		wantCells(t, got, "FEMALE=TOO_FEW_PARTNERS")
		ex := excludedReasons(got)
		for _, id := range []string{"gb-b", "gb-c"} {
			if !slices.Equal(ex[id], []string{"NOT_AT_THIS_BREAKDOWN"}) {
				t.Errorf("%s excluded for %v, want NOT_AT_THIS_BREAKDOWN", id, ex[id])
			}
		}
		if _, listed := ex["gb-a"]; listed {
			t.Errorf("gb-a contributes but is listed as excluded")
		}
	})
	t.Run("IdentifiablePartnerAlone", func(t *testing.T) {
		w.setPolicy("gb-a", *identifiableGRU())
		// gb-a alone would be 42 -> 40, but the pool of gb-b and gb-c is two
		// partners, and total minus gb-a would give it: gb-a goes too.
		got := w.outcomes(map[string]any{"metric": "CLIENTS_ADVISED", "groupBy": []string{"PARTNER"}})
		wantCells(t, got, "=TOO_FEW_PARTNERS", "gb-a=SECONDARY")
	})
}

// TestOutcomesMoneySideBySide: GB and US figures by quarter in US dollars and in
// PPP international dollars, converted per observation at its year's reference rate
// (internal/reference/exchange_rates.csv: 2020 gbp_per_usd 0.780, PPP 0.689; 2021
// 0.727, 0.668; the US PPP factor is 1).
func TestOutcomesMoneySideBySide(t *testing.T) {
	w := newWorld(t, sixPartners())
	gain := func(start, end string, v float64, n int, cur string) map[string]any {
		return obs("FINANCIAL_GAIN", start, end, v, "n", n, "currency", cur)
	}
	q2020 := [2]string{"2020-01-01", "2020-03-31"}
	q2021 := [2]string{"2021-01-01", "2021-03-31"}
	for _, p := range []struct {
		id       string
		cur      string
		v20, v21 float64
		n        int
	}{
		{"gb-a", "GBP", 1000, 900, 10}, {"gb-b", "GBP", 1200, 800, 12}, {"gb-c", "GBP", 1100, 1000, 11},
		{"us-a", "USD", 2000, 2100, 12}, {"us-b", "USD", 1500, 1900, 13}, {"us-c", "USD", 1700, 1600, 14},
	} {
		w.gqlSubmit(p.id, []map[string]any{gain(q2020[0], q2020[1], p.v20, p.n, p.cur), gain(q2021[0], q2021[1], p.v21, p.n, p.cur)})
	}
	// By hand, GB n 10+12+11 = 33 -> 35, US n 12+13+14 = 39 -> 40:
	//   GB 2020-Q1: 1000+1200+1100 = 3300 GBP; / 0.780 = 4230.77 USD -> 4230; / 0.689 = 4789.55 PPP$ -> 4790
	//   GB 2021-Q1:  900+ 800+1000 = 2700 GBP; / 0.727 = 3713.89 USD -> 3710; / 0.668 = 4041.92 PPP$ -> 4040
	//   US 2020-Q1: 2000+1500+1700 = 5200 USD = 5200 PPP$; * 0.780 = 4056.0 GBP -> 4060
	//   US 2021-Q1: 2100+1900+1600 = 5600 USD = 5600 PPP$; * 0.727 = 4071.2 GBP -> 4070
	tests := []struct {
		name     string
		currency any
		want     []string
	}{
		{"USD", "USD", []string{"GB/2020-Q1=4230/35", "GB/2021-Q1=3710/35", "US/2020-Q1=5200/40", "US/2021-Q1=5600/40"}},
		{"PPP", "PPP_INTL_DOLLAR", []string{"GB/2020-Q1=4790/35", "GB/2021-Q1=4040/35", "US/2020-Q1=5200/40", "US/2021-Q1=5600/40"}},
		{"GBP", "GBP", []string{"GB/2020-Q1=3300/35", "GB/2021-Q1=2700/35", "US/2020-Q1=4060/40", "US/2021-Q1=4070/40"}},
		// No currency: the countries mix, so US dollars.
		{"DefaultMixedUSD", nil, []string{"GB/2020-Q1=4230/35", "GB/2021-Q1=3710/35", "US/2020-Q1=5200/40", "US/2021-Q1=5600/40"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"COUNTRY", "QUARTER"}}
			if tt.currency != nil {
				q["currency"] = tt.currency
			}
			got := w.outcomes(q)
			wantCells(t, got, tt.want...)
			wantCur := tt.currency
			if wantCur == nil {
				wantCur = "USD"
			}
			if str(got.Currency) != wantCur {
				t.Errorf("currency %q, want %v", str(got.Currency), wantCur)
			}
		})
	}
	t.Run("DefaultOwnCurrency", func(t *testing.T) {
		got := w.outcomes(map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"YEAR"}, "countries": []string{"GB"}})
		wantCells(t, got, "2020=3300/35", "2021=2700/35")
		if str(got.Currency) != "GBP" {
			t.Errorf("currency %q, want GBP for GB partners alone", str(got.Currency))
		}
	})
}

// TestOutcomesIhelpRollup: fine welfare domains roll up into I-HELP categories by
// the crosswalk; a partner recording I-HELP categories only counts when grouping by
// I-HELP, and coverage says what a finer grouping left out.
func TestOutcomesIhelpRollup(t *testing.T) {
	w := newWorld(t, sixPartners())
	issues := func(domain string, v float64) map[string]any {
		return q1("ISSUES_BY_DOMAIN", v, "welfareDomain", domain)
	}
	w.gqlSubmit("gb-a", []map[string]any{issues("WELFARE_BENEFITS", 20), issues("DEBT", 15), issues("HOUSING", 12)})
	w.gqlSubmit("gb-b", []map[string]any{issues("WELFARE_BENEFITS", 18), issues("DEBT", 11), issues("HOUSING", 14)})
	w.gqlSubmit("gb-c", []map[string]any{issues("WELFARE_BENEFITS", 25), issues("DEBT", 9), issues("HOUSING", 10)})
	w.gqlSubmit("us-a", []map[string]any{q1("ISSUES_BY_DOMAIN", 40, "ihelpCategory", "INCOME_INSURANCE"),
		q1("ISSUES_BY_DOMAIN", 22, "ihelpCategory", "HOUSING_UTILITIES")})

	t.Run("ByIhelp", func(t *testing.T) {
		// INCOME_INSURANCE = benefits + debt: 20+15+18+11+25+9 = 98, + us-a 40 = 138 -> 140.
		// HOUSING_UTILITIES = housing: 12+14+10 = 36, + us-a 22 = 58 -> 60.
		got := w.outcomes(map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"IHELP_CATEGORY"}})
		wantCells(t, got, "HOUSING_UTILITIES=60", "INCOME_INSURANCE=140")
		if got.Coverage.PartnersIncluded != 4 {
			t.Errorf("partnersIncluded %d, want 4", got.Coverage.PartnersIncluded)
		}
	})
	t.Run("ByDomainLeavesOutCoarse", func(t *testing.T) {
		// Benefits 63 -> 65, debt 35, housing 36 -> 35; us-a's two I-HELP rows are
		// coarser than the grouping.
		got := w.outcomes(map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"WELFARE_DOMAIN"}})
		wantCells(t, got, "DEBT=35", "HOUSING=35", "WELFARE_BENEFITS=65")
		if n := observationsExcluded(got)["COARSER_THAN_GROUPING"]; n != 2 {
			t.Errorf("COARSER_THAN_GROUPING = %d, want 2", n)
		}
		if r := excludedReasons(got)["us-a"]; !slices.Equal(r, []string{"COARSER_THAN_GROUPING"}) {
			t.Errorf("us-a excluded for %v, want COARSER_THAN_GROUPING", r)
		}
	})
	t.Run("IhelpFilteredByDomain", func(t *testing.T) {
		// A welfareDomains filter needs fine rows: benefits 63 -> 65 under INCOME_INSURANCE.
		got := w.outcomes(map[string]any{"metric": "ISSUES_BY_DOMAIN", "groupBy": []string{"IHELP_CATEGORY"},
			"welfareDomains": []string{"WELFARE_BENEFITS"}})
		wantCells(t, got, "INCOME_INSURANCE=65")
	})
}

// TestOutcomesDeprivationQuintiles: IMD decile 1 (most deprived) and ADI decile 10
// (most disadvantaged) both land in quintile 1: IMD q = ceil(d/2), ADI q = 6 - ceil(d/2).
func TestOutcomesDeprivationQuintiles(t *testing.T) {
	w := newWorld(t, sixPartners())
	dep := func(scheme string, d int, v float64) map[string]any {
		return q1("PATIENTS_SCREENED", v, "deprivationScheme", scheme, "deprivationValue", d)
	}
	imd := func(d int, v float64) map[string]any { return dep("IMD_DECILE", d, v) }
	adi := func(d int, v float64) map[string]any { return dep("ADI_DECILE", d, v) }
	w.gqlSubmit("gb-a", []map[string]any{imd(1, 12), imd(2, 10), imd(10, 9)})
	w.gqlSubmit("gb-b", []map[string]any{imd(1, 8), imd(2, 7), imd(9, 11)})
	w.gqlSubmit("gb-c", []map[string]any{imd(2, 15), imd(10, 13)})
	w.gqlSubmit("us-a", []map[string]any{adi(10, 20), adi(9, 5), adi(1, 14)})
	w.gqlSubmit("us-b", []map[string]any{adi(9, 16), adi(2, 9)})
	w.gqlSubmit("us-c", []map[string]any{adi(10, 6), adi(1, 12)})
	// GB Q1 (IMD 1-2): 12+10+8+7+15 = 52 -> 50; GB Q5 (IMD 9-10): 9+11+13 = 33 -> 35.
	// US Q1 (ADI 9-10): 20+5+16+6 = 47 -> 45; US Q5 (ADI 1-2): 14+9+12 = 35.
	// Without the ADI reversal US Q1 would be 35 and Q5 45.
	t.Run("ByCountry", func(t *testing.T) {
		got := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"COUNTRY", "DEPRIVATION_QUINTILE"}})
		wantCells(t, got, "GB/Q1=50", "GB/Q5=35", "US/Q1=45", "US/Q5=35")
	})
	t.Run("Pooled", func(t *testing.T) {
		// Q1 52+47 = 99 -> 100; Q5 33+35 = 68 -> 70.
		got := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"DEPRIVATION_QUINTILE"}})
		wantCells(t, got, "Q1=100", "Q5=70")
		if got.Disclosure.K != 11 {
			t.Errorf("k = %d, want 11 (US partners in every cell)", got.Disclosure.K)
		}
	})
}

// screened gives each of the six sharing partners a 2021-Q1 total (and gb-a a
// FEMALE row beside it): gb-a 42, gb-b 30, gb-c 28, us-a 50, us-b 40, us-c 35.
func screened(w *world) map[string]string {
	ids := map[string]string{}
	for id, v := range map[string]float64{"gb-a": 42, "gb-b": 30, "gb-c": 28, "us-a": 50, "us-b": 40, "us-c": 35} {
		rows := []map[string]any{q1("PATIENTS_SCREENED", v)}
		if id == "gb-a" {
			rows = append(rows, q1("PATIENTS_SCREENED", 25, "sex", "FEMALE"))
		}
		ids[id] = w.gqlSubmit(id, rows)
	}
	return ids
}

// TestOutcomesByPartner: a grouping by PARTNER shows a partner on its own only if
// its policy says identifiable; the others are pooled in one row with partner null.
func TestOutcomesByPartner(t *testing.T) {
	w := newWorld(t, sixPartners())
	w.setPolicy("gb-a", *identifiableGRU())
	screened(w)
	q := map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"PARTNER"}}

	// gb-a 42 -> 40 alone; the pool 30+28+50+40+35 = 183 -> 185 over 5 partners.
	got := w.outcomes(q)
	wantCells(t, got, "=185", "gb-a=40")
	if p := got.Rows[0].Partners; p == nil || *p != 5 {
		t.Errorf("pooled row partners %v, want 5", p)
	}
	// gb-b becomes identifiable: the very next query shows it alone (cache on).
	w.setPolicy("gb-b", *identifiableGRU())
	got = w.outcomes(q)
	wantCells(t, got, "=155", "gb-a=40", "gb-b=30")
	// gb-a withdraws identifiability: pooled again.
	w.setPolicy("gb-a", *gru())
	got = w.outcomes(q)
	wantCells(t, got, "=195", "gb-b=30")
}

// TestOutcomesCoverage: partners excluded by policy are listed with their DUO
// reasons; partners left out of a grouping with the coverage reason.
func TestOutcomesCoverage(t *testing.T) {
	w := newWorld(t, sixPartners())
	col := gru()
	col.CollaborationRequired = yes(true)
	w.setPolicy("gb-c", *col)
	screened(w)
	w.gqlSubmit("gb-denied", []map[string]any{q1("PATIENTS_SCREENED", 500)})
	w.gqlSubmit("us-nopolicy", []map[string]any{q1("PATIENTS_SCREENED", 700)})

	got := w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED"})
	// gb-a 42 + gb-b 30 + us 50+40+35: 197 -> 195 (gb-c awaits its COL decision).
	wantCells(t, got, "=195")
	want := map[string][]string{"gb-c": {"COL"}, "gb-denied": {"GS"}, "us-nopolicy": {"POLICY_MISSING"}}
	if ex := excludedReasons(got); !mapsEqual(ex, want) {
		t.Errorf("excluded %v, want %v", ex, want)
	}
	for _, x := range got.Coverage.PartnersExcluded {
		if len(x.Reasons) == 0 || x.Reasons[0].Message == "" {
			t.Errorf("%s excluded without a reason message", x.Partner.ID)
		}
	}
	if got.Coverage.PartnersIncluded != 5 {
		t.Errorf("partnersIncluded %d, want 5", got.Coverage.PartnersIncluded)
	}
	// The partner admin approves the project: the next query includes gb-c.
	if _, err := w.env.App.Governance.DecideProjectAccess(context.Background(), w.admins["gb-c"], w.projectID, "gb-c", true); err != nil {
		t.Fatal(err)
	}
	got = w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED"})
	wantCells(t, got, "=225") // 197 + 28
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestOutcomesFreshness: with the cache on (testkit sets OutcomeCacheSize 100),
// new data, a retraction and a policy change are each seen by the very next query.
func TestOutcomesFreshness(t *testing.T) {
	w := newWorld(t, sixPartners())
	screened(w)
	q := map[string]any{"metric": "PATIENTS_SCREENED"}
	// 42+30+28 + 50+40+35 = 225.
	wantCells(t, w.outcomes(q), "=225")
	wantCells(t, w.outcomes(q), "=225") // served again (from the cache)

	last := "" // the submission a step stored, for the next step
	steps := []struct {
		name   string
		change func() string
		want   []string
	}{
		{"NewData", func() string {
			return w.gqlSubmit("us-a", []map[string]any{obs("PATIENTS_SCREENED", "2021-04-01", "2021-06-30", 60)})
		}, []string{"=285"}},
		{"Retraction", func() string {
			var out struct{ RetractSubmission struct{ Status string } }
			w.env.Do(w.adminTok["us-a"], `mutation($id: ID!) { retractSubmission(id: $id, reason: "wrong quarter") { status } }`,
				map[string]any{"id": last}).Decode(t, &out)
			return out.RetractSubmission.Status
		}, []string{"=225"}},
		{"PolicyChange", func() string {
			usOnly := gru()
			usOnly.AllowedCountries = []string{"US"}
			w.setPolicy("gb-b", *usOnly)
			return ""
		}, []string{"=195"}}, // without gb-b's 30
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			last = s.change()
			wantCells(t, w.outcomes(q), s.want...)
		})
	}
	// Back to three GB partners, with a new quarter of gb-a: both seen at once.
	w.gqlSubmit("gb-a", []map[string]any{obs("PATIENTS_SCREENED", "2020-10-01", "2020-12-31", 5)})
	w.setPolicy("gb-b", *gru())
	wantCells(t, w.outcomes(q), "=230") // 225 + gb-a's 5
}

// TestOutcomesAccess: outcomes for members of an approved, unexpired project and
// for DASHBOARD tokens of that project; everyone else FORBIDDEN.
func TestOutcomesAccess(t *testing.T) {
	w := newWorld(t, sixPartners())
	screened(w)
	ctx := context.Background()
	otherProject := w.project("Another project")
	proposed, err := w.env.App.Governance.ProposeProject(ctx, w.researcher, access.ProjectInput{Title: "Not yet approved",
		Institution: "University of Leeds", InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"),
		EthicsApprovalRef: "REC 1", PublicationCommitted: true,
		StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	revoked := w.project("Revoked project")
	if _, err := w.env.App.Governance.RevokeProject(ctx, w.steward, revoked, "consent withdrawn"); err != nil {
		t.Fatal(err)
	}
	dashboard, _ := w.env.Token(hjx.RoleDashboard, "", w.projectID)
	otherDashboard, _ := w.env.Token(hjx.RoleDashboard, "", otherProject)
	outsider, _ := w.env.Token(hjx.RoleResearcher, "", "")
	member, memberP := w.env.Token(hjx.RoleResearcher, "", "")
	if _, err := w.env.App.Governance.AddProjectMember(ctx, w.steward, w.projectID, memberP.ID); err != nil {
		t.Fatal(err)
	}
	q := map[string]any{"metric": "PATIENTS_SCREENED"}
	tests := []struct {
		name, token, project, code string
	}{
		{"OKLead", w.resTok, w.projectID, ""},
		{"OKMember", member, w.projectID, ""},
		{"OKDashboard", dashboard, w.projectID, ""},
		{"ErrForbiddenOutsider", outsider, w.projectID, "FORBIDDEN"},
		{"ErrForbiddenOtherDashboard", otherDashboard, w.projectID, "FORBIDDEN"},
		{"ErrForbiddenSteward", w.stewardTok, w.projectID, "FORBIDDEN"},
		{"ErrForbiddenPartnerAdmin", w.adminTok["gb-a"], w.projectID, "FORBIDDEN"},
		{"ErrForbiddenUploader", w.uploadTok["gb-a"], w.projectID, "FORBIDDEN"},
		{"ErrForbiddenNotApproved", w.resTok, proposed.ID, "FORBIDDEN"},
		{"ErrForbiddenRevoked", w.resTok, revoked, "FORBIDDEN"},
		{"ErrForbiddenUnknownProject", w.resTok, "00000000-0000-4000-8000-00000000abcd", "FORBIDDEN"},
		{"ErrUnauthenticated", "", w.projectID, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := w.query(tt.token, tt.project, q)
			if resp.Code() != tt.code {
				t.Fatalf("code %q, want %q (errors %+v)", resp.Code(), tt.code, resp.Errors)
			}
			if tt.code == "" {
				var out struct{ Outcomes outcomeTable }
				resp.Decode(t, &out)
				wantCells(t, out.Outcomes, "=225") // 42+30+28+50+40+35 = 225
			} else if strings.Contains(string(resp.Data), "rows") {
				t.Errorf("refused query returned data: %s", resp.Data)
			}
		})
	}
	t.Run("ErrForbiddenExpired", func(t *testing.T) {
		w.env.Clock.Set(time.Date(2024, 1, 2, 12, 0, 0, 0, time.UTC)) // the project ended 2023-12-31
		defer w.env.Clock.Set(time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC))
		for _, tok := range []string{w.resTok, dashboard} {
			if code := w.query(tok, w.projectID, q).Code(); code != "FORBIDDEN" {
				t.Errorf("expired project: code %q, want FORBIDDEN", code)
			}
		}
	})
}

// TestOutcomesAudited: every outcome query is audited (who, project, partners
// included and excluded with reasons, cells suppressed, a hash of the request),
// also when the answer comes from the cache; refused queries leave no outcome entry.
func TestOutcomesAudited(t *testing.T) {
	w := newWorld(t, sixPartners())
	screened(w)
	bySex := map[string]any{"metric": "PATIENTS_SCREENED", "groupBy": []string{"SEX"}}
	total := map[string]any{"metric": "PATIENTS_SCREENED"}
	w.outcomes(bySex) // FEMALE from gb-a alone: 1 cell suppressed
	w.outcomes(bySex) // the same again, from the cache
	w.outcomes(total)
	if code := w.query(w.stewardTok, w.projectID, total).Code(); code != "FORBIDDEN" {
		t.Fatalf("steward query: %q", code)
	}

	type entry struct {
		PrincipalID      string
		Role             string
		Action           string
		ProjectID        string
		PartnersIncluded []string
		PartnersExcluded []struct {
			PartnerID string
			Reasons   []string
		}
		CellsSuppressed int
		RequestHash     string
	}
	var out struct {
		AuditLog struct{ Edges []struct{ Node entry } }
	}
	w.env.Do(w.stewardTok, `{ auditLog(first: 100) { edges { node { principalId role action projectId partnersIncluded
		partnersExcluded { partnerId reasons } cellsSuppressed requestHash } } } }`, nil).Decode(t, &out)
	var got []entry
	for _, e := range out.AuditLog.Edges {
		if e.Node.Action == "outcomes.query" {
			got = append(got, e.Node)
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d outcome entries, want 3 (two by sex, one total): %+v", len(got), got)
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].CellsSuppressed > got[j].CellsSuppressed })
	for i, e := range got {
		if e.PrincipalID != w.researcher.ID || e.Role != "RESEARCHER" || e.ProjectID != w.projectID {
			t.Errorf("entry %d: who %s %s project %s", i, e.PrincipalID, e.Role, e.ProjectID)
		}
		if e.RequestHash == "" {
			t.Errorf("entry %d has no request hash", i)
		}
		excluded := map[string][]string{}
		for _, x := range e.PartnersExcluded {
			excluded[x.PartnerID] = x.Reasons
		}
		if !slices.Equal(excluded["gb-denied"], []string{"GS"}) || !slices.Equal(excluded["us-nopolicy"], []string{"POLICY_MISSING"}) {
			t.Errorf("entry %d: excluded %v, want gb-denied GS and us-nopolicy POLICY_MISSING", i, excluded)
		}
	}
	bySexA, bySexB, totalE := got[0], got[1], got[2]
	if bySexA.CellsSuppressed != 1 || bySexB.CellsSuppressed != 1 || totalE.CellsSuppressed != 0 {
		t.Errorf("cells suppressed %d %d %d, want 1 1 0", bySexA.CellsSuppressed, bySexB.CellsSuppressed, totalE.CellsSuppressed)
	}
	if !slices.Equal(bySexA.PartnersIncluded, []string{"gb-a"}) {
		t.Errorf("by sex: included %v, want [gb-a]", bySexA.PartnersIncluded)
	}
	if len(totalE.PartnersIncluded) != 6 {
		t.Errorf("total: included %v, want the six sharing partners", totalE.PartnersIncluded)
	}
	if bySexA.RequestHash != bySexB.RequestHash || bySexA.RequestHash == totalE.RequestHash {
		t.Errorf("request hashes %s %s %s: the same query must hash the same, another query differently",
			bySexA.RequestHash, bySexB.RequestHash, totalE.RequestHash)
	}
}
