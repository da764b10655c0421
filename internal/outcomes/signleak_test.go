package outcomes_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestSignLeak: the multipliers of one partner share its sign across every metric
// and role, and a proportion's numerator carries two factors, its n one; so a
// partner's rate isolated by differencing reads (1+a)·rate. A rate can be at most
// 1, so an isolated rate above 1 - MultiplierMin proves a > 0: the partner's sign is
// positive, for every metric. Its isolated figures then lie in [Y/(1+max),
// Y/(1+min)], a band 7% wide instead of 40%, and every one of them falls within
// 10% of the truth. The attacker is a researcher with two queries per metric: all
// partners, and the GB partners only (the one US partner is the difference).
//
// The US partner's id is chosen, under the test database's secret, among those
// whose sign is positive: the attack applies to half of all partners, those whose
// sign is positive and which report a proportion with a high rate.
func TestSignLeak(t *testing.T) {
	w := newWorld(t, []partnerSpec{
		{"gb-1", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-2", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-3", "GB", "GB-WLS", "PRIMARY_CARE", gru()},
		{"gb-4", "GB", "GB-SCT", "PRIMARY_CARE", gru()},
	})
	var secret []byte
	if err := w.env.App.DB.Get(&secret, `SELECT secret FROM disclosure_secret`); err != nil {
		t.Fatal(err)
	}
	us := ""
	for i := range 64 {
		id := fmt.Sprintf("us-%d", i)
		if disclosure.Multiplier(disclosure.Secret(secret).UnitKey(id, "CLIENTS_ADVISED", disclosure.RoleValue)) > 0 {
			us = id
			break
		}
	}
	ctx := context.Background()
	if _, err := w.env.App.Directory.Register(ctx, w.steward, directory.Partner{ID: us, Name: "Partner " + us,
		Country: "US", Region: "US-NY", Model: "MLP", HealthSettings: []string{"COMMUNITY_HEALTH_CENTRE"},
		AdviceDomains: []string{"WELFARE_BENEFITS", "DEBT", "HOUSING"}}); err != nil {
		t.Fatal(err)
	}
	w.adminTok[us], w.admins[us] = w.env.Token(hjx.RolePartnerAdmin, us, "")
	w.uploadTok[us], w.uploaders[us] = w.env.Token(hjx.RolePartnerUploader, us, "")
	w.setPolicy(us, *gru())

	figures := func(intake, referred, advised int, money float64, clients int, currency string) []ingest.Row {
		n, c := referred, clients
		rate := insiderRow("REFERRALS_WITH_INTAKE", float64(intake), nil)
		rate.N = &n
		gain := insiderRow("FINANCIAL_GAIN", money, nil)
		gain.N, gain.Currency = &c, currency
		return []ingest.Row{rate, insiderRow("CLIENTS_ADVISED", float64(advised), nil), gain}
	}
	for _, id := range []string{"gb-1", "gb-2", "gb-3", "gb-4"} {
		w.submit(id, figures(500, 1000, 300, 60000, 40, "GBP"))
	}
	const intake, referred, advised, money = 950, 1000, 400, 100000.0
	w.submit(us, figures(intake, referred, advised, money, 50, "USD"))

	// difference is the US partner's perturbed figure: all partners minus GB, each
	// published within slack of its perturbed sum.
	difference := func(metric string, n bool) (y, slack float64) {
		t.Helper()
		read := func(countries []string) float64 {
			q := map[string]any{"metric": metric, "from": "2021-01-01", "to": "2021-03-31", "currency": "USD"}
			if countries != nil {
				q["countries"] = countries
			}
			table := w.outcomes(q)
			r := table.Rows[0]
			if r.Suppressed {
				t.Fatalf("%s %v suppressed (%s): the attack needs both pools", metric, countries, str(r.Suppression))
			}
			if n {
				return float64(*r.N)
			}
			return *r.Value
		}
		slack = 2 * (disclosure.NoiseD + 2.5)
		if metric == "FINANCIAL_GAIN" && !n {
			slack = 2 * 5
		}
		return read(nil) - read([]string{"GB"}), slack
	}
	yNum, sNum := difference("REFERRALS_WITH_INTAKE", false)
	yN, sN := difference("REFERRALS_WITH_INTAKE", true)
	rateLo := (yNum - sNum) / (yN + sN)
	t.Logf("%s isolated: intake %v of %v referred (true %d of %d): its rate reads at least %.3f", us, yNum, yN,
		intake, referred, rateLo)
	if rateLo <= 1-disclosure.MultiplierMin {
		t.Fatalf("the isolated rate does not give the sign away here (%.3f); the attack needs a higher rate", rateLo)
	}
	// (1+a) >= rate read / true rate >= rate read > 1 - MultiplierMin: a is positive.
	lo, hi := 1+disclosure.MultiplierMin, 1+disclosure.MultiplierMax
	var recovered []string
	for _, f := range []struct {
		name   string
		metric string
		n      bool
		truth  float64
	}{
		{"clients advised", "CLIENTS_ADVISED", false, advised},
		{"money gained (USD)", "FINANCIAL_GAIN", false, money},
		{"persons referred (n)", "REFERRALS_WITH_INTAKE", true, referred},
	} {
		y, s := difference(f.metric, f.n)
		xLo, xHi := (y-s)/hi, (y+s)/lo
		within := xLo >= 0.9*f.truth && xHi <= 1.1*f.truth
		t.Logf("%s's %s = %v: isolated %v, with the sign known in [%.1f, %.1f] (%.1f%% to %.1f%% of the truth)",
			us, f.name, f.truth, y, xLo, xHi, 100*xLo/f.truth, 100*xHi/f.truth)
		if within {
			recovered = append(recovered, f.name)
		}
	}
	if len(recovered) > 0 {
		// A finding of the attack suite, reported to the lead: the design's one sign
		// per partner, with chained factors on numerators, lets a high rate give the
		// sign away. Skipped, not failed, so that CI stays usable until it is decided.
		t.Skipf("FINDING (issue 11): %s's sign leaks through its isolated rate, and its %v are recovered within 10%%; "+
			"needs a design change (signs per metric, or numerators not chained), see the dc-attack report", us, recovered)
	}
	if math.IsNaN(rateLo) {
		t.Fatal("no rate")
	}
}

// TestSignLeakDemo measures the leak of TestSignLeak on the demo world: for every
// partner alone in its country and health setting, two researcher queries per
// figure (the country, and the country without that setting) isolate its figures
// over 2019-2021; where its isolated intake rate (REFERRALS_WITH_INTAKE) reads above
// 1 - MultiplierMin its sign is known, and its clients advised and money gained are
// read within [Y/(1+max), Y/(1+min)]. It logs, per partner, whether the sign leaked
// and how close the figures come; a partner's figure within 10% is the finding.
func TestSignLeakDemo(t *testing.T) {
	env := testkit.New(t)
	ctx := context.Background()
	res, err := demo.Seed(ctx, env.App, "test-seed", nil)
	if err != nil {
		t.Fatal(err)
	}
	researcher := ""
	for _, tok := range res.Tokens {
		if tok.Role == "RESEARCHER" {
			researcher = tok.Secret
		}
	}
	_, steward := env.Token(hjx.RoleSteward, "", "")
	decisions, err := env.App.Governance.DecisionsForProject(ctx, steward, res.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, d := range decisions {
		if d.Decision.Outcome == access.Allow && !d.Identifiable {
			allowed[d.PartnerID] = true
		}
	}
	setting := map[string]string{}
	country := map[string]string{}
	for _, p := range demo.Partners() {
		if allowed[p.ID] {
			setting[p.ID], country[p.ID] = p.HealthSettings[0], p.Country
		}
	}
	read := func(q map[string]any, n bool) (float64, bool) {
		var out struct{ Outcomes outcomeTable }
		env.Do(researcher, outcomesQuery, map[string]any{"p": res.ProjectID, "q": q}).Decode(t, &out)
		if len(out.Outcomes.Rows) != 1 || out.Outcomes.Rows[0].Suppressed {
			return 0, false
		}
		if n {
			return float64(*out.Outcomes.Rows[0].N), true
		}
		return *out.Outcomes.Rows[0].Value, true
	}
	truth := func(partner, metric string) float64 {
		var v float64
		if err := env.App.DB.Get(&v, `SELECT coalesce(sum(value), 0)::float8 FROM observations WHERE current
			AND partner_id = $1 AND metric = $2 AND welfare_domain IS NULL AND ihelp_category IS NULL
			AND health_setting IS NULL AND age_band IS NULL AND sex IS NULL AND deprivation_scheme IS NULL`,
			partner, metric); err != nil {
			t.Fatal(err)
		}
		return v
	}
	countSlack := 2 * (disclosure.NoiseD + 2.5)
	isolated, leaked := 0, 0
	var findings []string
	ids := make([]string, 0, len(setting))
	for id := range setting {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		var others []string
		alone := true
		for other := range setting {
			if other == id || country[other] != country[id] {
				continue
			}
			if setting[other] == setting[id] {
				alone = false
			}
			if !slices.Contains(others, setting[other]) {
				others = append(others, setting[other])
			}
		}
		if !alone {
			continue
		}
		currency := map[string]string{"GB": "GBP", "US": "USD"}[country[id]]
		diff := func(metric string, n bool) (float64, bool) {
			whole := map[string]any{"metric": metric, "countries": []string{country[id]}, "currency": currency}
			rest := map[string]any{"metric": metric, "countries": []string{country[id]}, "currency": currency,
				"healthSettings": others}
			a, okA := read(whole, n)
			b, okB := read(rest, n)
			return a - b, okA && okB
		}
		yNum, ok1 := diff("REFERRALS_WITH_INTAKE", false)
		yN, ok2 := diff("REFERRALS_WITH_INTAKE", true)
		if !ok1 || !ok2 {
			t.Logf("%s: a pool is suppressed, not isolated", id)
			continue
		}
		isolated++
		rateLo := (yNum - countSlack) / (yN + countSlack)
		m := disclosure.Multiplier(disclosure.Secret(secretOf(t, env.App.DB)).UnitKey(id, "CLIENTS_ADVISED", disclosure.RoleValue))
		if rateLo <= 1-disclosure.MultiplierMin {
			t.Logf("%s (sign %+.0f): isolated rate reads at least %.3f: the sign stays hidden", id, math.Copysign(1, m), rateLo)
			continue
		}
		leaked++
		for _, f := range []struct{ metric, name string }{{"CLIENTS_ADVISED", "clients advised"},
			{"FINANCIAL_GAIN", "money gained (" + currency + ")"}} {
			y, ok := diff(f.metric, false)
			if !ok {
				continue
			}
			slack := countSlack
			if f.metric == "FINANCIAL_GAIN" {
				slack = 10
			}
			x := truth(id, f.metric)
			lo, hi := (y-slack)/(1+disclosure.MultiplierMax), (y+slack)/(1+disclosure.MultiplierMin)
			t.Logf("%s (sign %+.0f): isolated rate reads at least %.3f, so the sign is +; %s %v read in [%.0f, %.0f] (%.1f%% to %.1f%%)",
				id, math.Copysign(1, m), rateLo, f.name, x, lo, hi, 100*lo/x, 100*hi/x)
			if lo >= 0.9*x && hi <= 1.1*x {
				findings = append(findings, id+" "+f.name)
			}
		}
	}
	t.Logf("demo world: %d partners isolated by a country and setting filter, %d of them gave their sign away", isolated, leaked)
	if len(findings) > 0 {
		t.Skipf("FINDING (issue 11): on the demo world a researcher recovers within 10%% %v (see TestSignLeak)", findings)
	}
}

func secretOf(t *testing.T, db interface {
	Get(dest any, query string, args ...any) error
}) []byte {
	t.Helper()
	var secret []byte
	if err := db.Get(&secret, `SELECT secret FROM disclosure_secret`); err != nil {
		t.Fatal(err)
	}
	return secret
}
