package outcomes_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// signRange is the range of factors 1 + m one sign allows, read off the ends of
// disclosure.Multiplier (its magnitude grows with the unit key's top bits), widened
// by 10^-8: what docs/DISCLOSURE.md documents, whatever the scheme in force.
type signRange struct{ lo, hi float64 }

func signRanges() [2]signRange {
	f := func(unit uint64) float64 { return 1 + disclosure.Multiplier(unit) }
	pos := signRange{min(f(0), f(math.MaxUint64&^1)) - 1e-8, max(f(0), f(math.MaxUint64&^1)) + 1e-8}
	neg := signRange{min(f(1), f(math.MaxUint64)) - 1e-8, max(f(1), f(math.MaxUint64)) + 1e-8}
	return [2]signRange{pos, neg}
}

var signNames = [2]string{"+", "-"}

// isolatedFigure is a partner's perturbed figure isolated by differencing: y, within
// slack of (1 + m) times the true figure.
type isolatedFigure struct{ y, slack float64 }

// lohi is the true figure's interval when its factor lies in r.
func (f isolatedFigure) lohi(r signRange) (lo, hi float64) {
	return max(0, f.y-f.slack) / r.hi, (f.y + f.slack) / r.lo
}

// signReads is what the attacker isolated of one partner to learn its sign: its
// REFERRALS_WITH_INTAKE numerator and n, and, if read, its PATIENTS_REFERRED count
// (the persons referred, the same persons as that n, under another factor).
type signReads struct {
	intake, n isolatedFigure
	referred  *isolatedFigure
}

// signInference is the strongest inference the documented scheme allows from
// those reads. All of a partner's factors share one sign s and lie in its range
// [lo_s, hi_s]; a sign is possible unless the reads contradict it:
//   - the rate: intake / n reads rate x a/b, and a true rate is at most 1, so a/b >=
//     R_lo (the read's lower end); with a and b in [lo_s, hi_s] that needs hi_s/lo_s
//     >= R_lo, and bounds b <= hi_s / R_lo;
//   - the same population: the persons referred x are n/b and referred/a', so x
//     lies in both intervals those factors allow; none in common, the sign is out.
//
// It returns which signs remain and, per sign, the interval of the persons referred.
func signInference(r signReads) (possible [2]bool, referred [2][2]float64) {
	rateLo := max(0, r.intake.y-r.intake.slack) / (r.n.y + r.n.slack)
	for s, rg := range signRanges() {
		if rg.hi/rg.lo < rateLo {
			continue
		}
		b := signRange{rg.lo, rg.hi}
		if rateLo > 0 {
			b.hi = min(b.hi, rg.hi/rateLo)
		}
		lo, hi := r.n.lohi(b)
		if r.referred != nil {
			rLo, rHi := r.referred.lohi(rg)
			lo, hi = max(lo, rLo), min(hi, rHi)
		}
		if lo > hi {
			continue
		}
		possible[s], referred[s] = true, [2]float64{lo, hi}
	}
	return possible, referred
}

// hull is the smallest interval holding the per-sign intervals of the possible
// signs: what the attacker knows of the figure.
func hull(possible [2]bool, per [2][2]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for s := range 2 {
		if possible[s] {
			lo, hi = min(lo, per[s][0]), max(hi, per[s][1])
		}
	}
	return lo, hi
}

// figureInterval is an isolated figure's interval under the possible signs.
func figureInterval(possible [2]bool, f isolatedFigure) (lo, hi float64) {
	var per [2][2]float64
	for s, rg := range signRanges() {
		per[s][0], per[s][1] = f.lohi(rg)
	}
	return hull(possible, per)
}

// partnerSign is the partner's true sign, from the server's secret.
func partnerSign(secret []byte, partner string) int {
	if disclosure.Multiplier(disclosure.Secret(secret).UnitKey(partner, "CLIENTS_ADVISED", disclosure.RoleValue)) > 0 {
		return 0
	}
	return 1
}

// TestSignLeak: all of a partner's multipliers share its sign, so that averaging
// its figures cannot cancel the noise; the sign must then stay hidden, for once it
// is known every isolated figure of the partner falls in a band under 9% wide.
// The attacker is a researcher with two queries per figure (all partners, and the
// GB partners only: the one US partner is the difference), who isolates the US
// partner's intake numerator and n (REFERRALS_WITH_INTAKE, true rate 0.99), its
// persons referred (PATIENTS_REFERRED, the same persons as that n), its clients
// advised and its money, and reasons as signInference: a rate can be at most 1,
// and one population read under two factors gives their ratio. Factors are
// ratio-symmetric (docs/DISCLOSURE.md, "Multipliers"): the ratio of two factors of
// one sign spans the same range whichever the sign, so neither read can rule a
// sign out. Under linear-symmetric factors 1 ± |m| a negative partner's ratio could
// read beyond 1.2/1.12 and prove its sign.
//
// The US partner is the worst case among 256 ids under the test database's secret:
// the one whose intake-to-n or referred-to-n factor ratio lies furthest from 1
// (under linear-symmetric factors, a negative one whose sign the reads prove).
func TestSignLeak(t *testing.T) {
	t.Parallel()
	w := newWorld(t, []partnerSpec{
		{"gb-1", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-2", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-3", "GB", "GB-WLS", "PRIMARY_CARE", gru()},
		{"gb-4", "GB", "GB-SCT", "PRIMARY_CARE", gru()},
	})
	secret := secretOf(t, w.env.App.DB)
	us := worstSignLeakPartner(secret)
	registerSignLeakPartner(t, w, us)
	for _, id := range []string{"gb-1", "gb-2", "gb-3", "gb-4"} {
		w.submit(id, signLeakFigures(5000, 10000, 3000, 60000, 40, "GBP"))
	}
	const intake, referred, advised, money = 9900, 10000, 4000, 100000.0
	w.submit(us, signLeakFigures(intake, referred, advised, money, 50, "USD"))

	reads := signReads{intake: isolateUS(t, w, "REFERRALS_WITH_INTAKE", false), n: isolateUS(t, w, "REFERRALS_WITH_INTAKE", true)}
	ref := isolateUS(t, w, "PATIENTS_REFERRED", false)
	reads.referred = &ref
	possible, perSign := signInference(reads)
	truth := partnerSign(secret, us)
	t.Logf("%s (sign %s): intake %v of %v (true %d of %d, rate read at least %.3f), referred %v; signs possible %v",
		us, signNames[truth], reads.intake.y, reads.n.y, intake, referred,
		max(0, reads.intake.y-reads.intake.slack)/(reads.n.y+reads.n.slack), ref.y, possible)
	if !possible[truth] {
		t.Fatalf("the inference rules out the true sign: it is not valid under the documented scheme")
	}
	if possible[0] != possible[1] {
		t.Errorf("%s's sign is proven %s by its rate and persons referred", us, signNames[truth])
	}
	intervals := map[string][2]float64{}
	lo, hi := hull(possible, perSign)
	intervals["persons referred"] = [2]float64{lo, hi}
	for name, f := range map[string]isolatedFigure{"clients advised": isolateUS(t, w, "CLIENTS_ADVISED", false),
		"money gained (USD)": isolateUS(t, w, "FINANCIAL_GAIN", false)} {
		lo, hi := figureInterval(possible, f)
		intervals[name] = [2]float64{lo, hi}
	}
	checkSignLeakIntervals(t, us, intervals, map[string]float64{"persons referred": referred, "clients advised": advised,
		"money gained (USD)": money})
}

// worstSignLeakPartner is the worst case among 256 US ids under the secret: the
// one whose intake-to-n or referred-to-n factor ratio lies furthest from 1.
func worstSignLeakPartner(secret []byte) string {
	factor := func(id, metric, role string) float64 {
		return 1 + disclosure.Multiplier(disclosure.Secret(secret).UnitKey(id, metric, role))
	}
	us, worst := "", 0.0
	for i := range 256 {
		id := fmt.Sprintf("us-%d", i)
		n := factor(id, "REFERRALS_WITH_INTAKE", disclosure.RoleN)
		if d := max(math.Log(factor(id, "REFERRALS_WITH_INTAKE", disclosure.RoleValue)/n),
			math.Abs(math.Log(factor(id, "PATIENTS_REFERRED", disclosure.RoleValue)/n))); d > worst {
			us, worst = id, d
		}
	}
	return us
}

// registerSignLeakPartner adds the US partner to the world, with its admin and
// uploader and a GRU policy.
func registerSignLeakPartner(t *testing.T, w *world, us string) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.env.App.Directory.Register(ctx, w.steward, directory.Partner{ID: us, Name: "Partner " + us,
		Country: "US", Region: "US-NY", Model: "MLP", HealthSettings: []hjx.HealthSetting{"COMMUNITY_HEALTH_CENTRE"},
		AdviceDomains: []hjx.WelfareDomain{"WELFARE_BENEFITS", "DEBT", "HOUSING"}}); err != nil {
		t.Fatal(err)
	}
	w.adminTok[us], w.admins[us] = w.env.Token(hjx.RolePartnerAdmin, us, "")
	w.uploadTok[us], w.uploaders[us] = w.env.Token(hjx.RolePartnerUploader, us, "")
	w.setPolicy(us, *gru())
}

// signLeakFigures is one partner's 2021-Q1 rows: its intake rate, persons
// referred, clients advised and money gained.
func signLeakFigures(intake, referred, advised int, money float64, clients int, currency string) []ingest.Row {
	n, c := referred, clients
	rate := insiderRow("REFERRALS_WITH_INTAKE", float64(intake), nil)
	rate.N = &n
	gain := insiderRow("FINANCIAL_GAIN", money, nil)
	gain.N, gain.Currency = &c, currency
	return []ingest.Row{rate, insiderRow("PATIENTS_REFERRED", float64(referred), nil),
		insiderRow("CLIENTS_ADVISED", float64(advised), nil), gain}
}

// isolateUS is the US partner's perturbed figure: all partners minus GB, each
// published within slack of its perturbed sum.
func isolateUS(t *testing.T, w *world, metric string, n bool) isolatedFigure {
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
	slack := 2 * (disclosure.NoiseD + 2.5)
	if metric == "FINANCIAL_GAIN" && !n {
		slack = 2 * 5
	}
	return isolatedFigure{read(nil) - read([]string{"GB"}), slack}
}

// checkSignLeakIntervals fails the test when the truth lies outside the
// attacker's interval of a figure (the inference is not valid), and reports a
// figure read within 10%.
func checkSignLeakIntervals(t *testing.T, us string, intervals map[string][2]float64, truths map[string]float64) {
	t.Helper()
	for name, truth := range truths {
		lo, hi := intervals[name][0], intervals[name][1]
		t.Logf("%s's %s = %v: read in [%.1f, %.1f] (%.1f%% to %.1f%% of the truth)", us, name, truth, lo, hi,
			100*lo/truth, 100*hi/truth)
		if lo > truth || hi < truth {
			t.Fatalf("%s: the truth lies outside the attacker's interval: the inference is not valid", name)
		}
		if lo >= 0.9*truth && hi <= 1.1*truth {
			t.Errorf("%s's %s recovered within 10%%", us, name)
		}
	}
}

// TestSignLeakDemo runs the attack of TestSignLeak on the demo world: for every
// partner alone in its country and health setting, two researcher queries per
// figure (the country, and the country without that setting) isolate its figures
// over 2019-2021: its intake numerator and n, its persons referred (the same
// persons), its clients advised and money gained. No partner's sign may be proven
// and no figure read within 10%.
//
// The disclosure secret is fixed, so that the test is the same on every run: under
// it, with the former linear-symmetric factors 1 ± |m|, newcastle-hospital-welfare
// (negative) had its persons referred read 1375 as a count and 1515 as the n, a
// ratio beyond what a positive partner allows, and its sign and three figures fell
// (found by trying secrets against that scheme). With ratio-symmetric factors no
// secret gives a sign away by a ratio: the ranges are the same for both signs.
func TestSignLeakDemo(t *testing.T) {
	t.Parallel()
	seed := sha256.Sum256([]byte("sign-leak demo 2607"))
	secret := seed[:]
	d := newSignLeakDemo(t, secret)
	isolated := 0
	ids := make([]string, 0, len(d.setting))
	for id := range d.setting {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		others, alone := d.otherSettings(id)
		if !alone {
			continue
		}
		if d.attack(t, secret, id, others) {
			isolated++
		}
	}
	t.Logf("demo world: %d partners isolated by a country and setting filter", isolated)
	if isolated == 0 {
		t.Fatal("no partner isolated: the attack tests nothing")
	}
}

// signLeakDemo is the demo world seeded under a fixed secret, as the researcher
// attacks it: the non-identifiable partners the project may use, by health
// setting and country.
type signLeakDemo struct {
	env        *testkit.Env
	projectID  string
	researcher string
	setting    map[string]string
	country    map[string]string
}

func newSignLeakDemo(t *testing.T, secret []byte) *signLeakDemo {
	t.Helper()
	env := testkit.New(t, func(c *app.Config) { c.Secret = secret })
	ctx := context.Background()
	res, err := demo.Seed(ctx, env.App, "test-seed", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &signLeakDemo{env: env, projectID: res.ProjectID, setting: map[string]string{}, country: map[string]string{}}
	for _, tok := range res.Tokens {
		if tok.Role == "RESEARCHER" {
			d.researcher = tok.Secret
		}
	}
	_, steward := env.Token(hjx.RoleSteward, "", "")
	decisions, err := env.App.Governance.DecisionsForProject(ctx, steward, res.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, dec := range decisions {
		if dec.Decision.Outcome == access.Allow && !dec.Identifiable {
			allowed[dec.PartnerID] = true
		}
	}
	for _, p := range demo.Partners() {
		if allowed[p.ID] {
			d.setting[p.ID], d.country[p.ID] = string(p.HealthSettings[0]), string(p.Country)
		}
	}
	return d
}

func (d *signLeakDemo) read(t *testing.T, q map[string]any, n bool) (float64, bool) {
	var out struct{ Outcomes outcomeTable }
	d.env.Do(d.researcher, outcomesQuery, map[string]any{"p": d.projectID, "q": q}).Decode(t, &out)
	if len(out.Outcomes.Rows) != 1 || out.Outcomes.Rows[0].Suppressed {
		return 0, false
	}
	if n {
		return float64(*out.Outcomes.Rows[0].N), true
	}
	return *out.Outcomes.Rows[0].Value, true
}

func (d *signLeakDemo) truth(t *testing.T, partner, metric string, n bool) float64 {
	column := "value"
	if n {
		column = "n"
	}
	var v float64
	if err := d.env.App.DB.Get(&v, `SELECT coalesce(sum(`+column+`), 0)::float8 FROM observations WHERE current
		AND partner_id = $1 AND metric = $2 AND welfare_domain IS NULL AND ihelp_category IS NULL
		AND health_setting IS NULL AND age_band IS NULL AND sex IS NULL AND deprivation_scheme IS NULL`,
		partner, metric); err != nil {
		t.Fatal(err)
	}
	return v
}

// otherSettings lists the health settings of the other partners in id's
// country, and whether id is alone in its own.
func (d *signLeakDemo) otherSettings(id string) (others []string, alone bool) {
	alone = true
	for other := range d.setting {
		if other == id || d.country[other] != d.country[id] {
			continue
		}
		if d.setting[other] == d.setting[id] {
			alone = false
		}
		if !slices.Contains(others, d.setting[other]) {
			others = append(others, d.setting[other])
		}
	}
	return others, alone
}

// attack isolates the partner's figures (its country, minus the other
// settings), infers its sign and checks what the attacker reads; it reports
// whether the partner was isolated at all.
func (d *signLeakDemo) attack(t *testing.T, secret []byte, id string, others []string) bool {
	countSlack := 2 * (disclosure.NoiseD + 2.5)
	currency := map[string]string{"GB": "GBP", "US": "USD"}[d.country[id]]
	isolate := func(metric string, n bool) (isolatedFigure, bool) {
		whole := map[string]any{"metric": metric, "countries": []string{d.country[id]}, "currency": currency}
		rest := map[string]any{"metric": metric, "countries": []string{d.country[id]}, "currency": currency,
			"healthSettings": others}
		a, okA := d.read(t, whole, n)
		b, okB := d.read(t, rest, n)
		slack := countSlack
		if metric == "FINANCIAL_GAIN" && !n {
			slack = 10
		}
		return isolatedFigure{a - b, slack}, okA && okB
	}
	var reads signReads
	var ok1, ok2 bool
	reads.intake, ok1 = isolate("REFERRALS_WITH_INTAKE", false)
	reads.n, ok2 = isolate("REFERRALS_WITH_INTAKE", true)
	if !ok1 || !ok2 {
		t.Logf("%s: a pool is suppressed, not isolated", id)
		return false
	}
	if ref, ok := isolate("PATIENTS_REFERRED", false); ok {
		reads.referred = &ref
	}
	possible, perSign := signInference(reads)
	sign := partnerSign(secret, id)
	t.Logf("%s (sign %s): rate read at least %.3f, persons referred read %v and %v: signs possible %v", id,
		signNames[sign], max(0, reads.intake.y-countSlack)/(reads.n.y+countSlack), reads.n.y,
		reads.referred, possible)
	if !possible[sign] {
		t.Fatalf("%s: the inference rules out the true sign: it is not valid under the documented scheme", id)
	}
	if possible[0] != possible[1] {
		t.Errorf("%s: sign proven %s", id, signNames[sign])
	}
	lo, hi := hull(possible, perSign)
	checkDemoInterval(t, id, "persons referred", lo, hi, d.truth(t, id, "REFERRALS_WITH_INTAKE", true))
	for _, f := range []struct{ metric, name string }{{"CLIENTS_ADVISED", "clients advised"},
		{"FINANCIAL_GAIN", "money gained (" + currency + ")"}} {
		y, ok := isolate(f.metric, false)
		if !ok {
			continue
		}
		lo, hi := figureInterval(possible, y)
		checkDemoInterval(t, id, f.name, lo, hi, d.truth(t, id, f.metric, false))
	}
	return true
}

// checkDemoInterval fails the test when the truth x lies outside the attacker's
// interval, and reports a figure read within 10%.
func checkDemoInterval(t *testing.T, id, name string, lo, hi, x float64) {
	t.Helper()
	t.Logf("%s: %s %v read in [%.0f, %.0f] (%.1f%% to %.1f%%)", id, name, x, lo, hi, 100*lo/x, 100*hi/x)
	if lo > x || hi < x {
		t.Fatalf("%s: %s outside the attacker's interval: the inference is not valid", id, name)
	}
	if lo >= 0.9*x && hi <= 1.1*x {
		t.Errorf("%s: %s recovered within 10%%", id, name)
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
