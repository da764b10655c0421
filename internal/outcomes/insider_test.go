package outcomes_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/ingest"
)

// Insider attacks (issue 11, items 4 and 7): a partner's data lead who also holds a
// researcher token of an approved project, knows its own figures exactly, and can
// upload them again (within the revision limit), retract them (within the
// retraction limit) and change its own sharing policy, then combines what the
// pooled outputs say with what it put in.

// insiderQ1 is the quarter of every figure of these tests.
var insiderQ1 = struct{ start, end time.Time }{
	time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 3, 31, 0, 0, 0, 0, time.UTC)}

// insiderWorld is the insider and three other GB primary-care partners, none of them
// identifiable, all sharing with the test project.
func insiderWorld(t *testing.T) *world {
	t.Helper()
	return newWorld(t, []partnerSpec{
		{"gb-insider", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-b", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-c", "GB", "GB-WLS", "PRIMARY_CARE", gru()},
		{"gb-d", "GB", "GB-SCT", "PRIMARY_CARE", gru()},
	})
}

func insiderRow(metric string, value float64, breakdown func(*ingest.Row)) ingest.Row {
	r := ingest.Row{Metric: metric, PeriodStart: insiderQ1.start, PeriodEnd: insiderQ1.end, Value: value}
	if breakdown != nil {
		breakdown(&r)
	}
	return r
}

// insiderProbe is one look at a pooled cell: the insider's own figure in it (none
// after a retraction) and what was published (nil: suppressed).
type insiderProbe struct {
	own       float64
	withOwn   bool
	published *float64
}

// insiderInterval is what the insider can say of the others' true total in a cell
// from its probes, under the documented bounds: its own contribution is a·own with
// one unknown factor a in [1/FactorMax, FactorMax] for every probe (aRange may narrow it); the
// others' perturbed total R and the cell-key noise d (within +-d, the same for every
// probe with the same rows, since record keys do not depend on values) are unknown;
// every published value is within half the rounding step (slack) of
// a·own + R + d, rounded. The region of (a, R) is scanned on a fine grid of a, an
// inner approximation: the insider is credited with at least what it can know. The
// others' true total lies in [R_lo/FactorMax, R_hi x FactorMax]. ok is false when no
// published value bounds R.
func insiderInterval(t *testing.T, noise attackNoise, slack float64, aRange [2]float64, probes []insiderProbe) (lo, hi float64, ok bool) {
	t.Helper()
	aLo, aHi := max(aRange[0], noise.lo), min(aRange[1], noise.hi)
	steps := 4000
	if aHi-aLo < 1e-12 {
		steps = 0
	}
	rLo, rHi := math.Inf(1), math.Inf(-1)
	feasible := false
	for s := 0; s <= steps; s++ {
		a := aLo
		if steps > 0 {
			a += (aHi - aLo) * float64(s) / float64(steps)
		}
		// S = R + d from the probes with the insider's rows; R from those without.
		sLo, sHi := math.Inf(-1), math.Inf(1)
		lo, hi := 0.0, math.Inf(1)
		for _, p := range probes {
			if p.published == nil {
				continue
			}
			if p.withOwn {
				sLo = max(sLo, *p.published-slack-a*p.own)
				sHi = min(sHi, *p.published+slack-a*p.own)
			} else {
				lo = max(lo, *p.published-slack-noise.d)
				hi = min(hi, *p.published+slack+noise.d)
			}
		}
		if sLo > sHi+1e-9 {
			continue
		}
		lo, hi = max(lo, sLo-noise.d), min(hi, sHi+noise.d)
		if lo > hi+1e-9 {
			continue
		}
		feasible = true
		rLo, rHi = min(rLo, lo), max(rHi, hi)
	}
	if !feasible {
		t.Fatalf("no multiplier fits the published values: the noise is not consistent across the insider's uploads, or the documented bounds are wrong (probes %+v)", probes)
	}
	if math.IsInf(rHi, 1) {
		return 0, math.Inf(1), false
	}
	return rLo / noise.hi, rHi / noise.lo, true
}

// countSlack is half a published count's rounding step, plus the half unit of
// rounding the perturbed sum to a whole number when there is perturbation.
func countSlack(noise attackNoise) float64 {
	if noise.perturbed() {
		return 2.5
	}
	return 2
}

// TestInsiderInflateAndProbe: the insider uploads its own figure of two cells again
// and again (100, 101, 102, ...: three versions a month, the revision limit, over
// four months), and once a month uploads, retracts and uploads again; after each
// step it reads both cells as a researcher. One cell holds another partner's small
// count (3; the other two partners have 0 there), the other another partner's
// figure of 40. Combining every published value with its own figures, it must not
// pin the small count within +-2 nor the figure of 40 within 10%.
func TestInsiderInflateAndProbe(t *testing.T) {
	t.Parallel()
	w := insiderWorld(t)
	w.submit("gb-b", insiderOther(3, 40))
	w.submit("gb-c", insiderOther(0, 0))
	w.submit("gb-d", insiderOther(0, 0))

	p := &insiderProber{w: w, cells: []insiderCell{
		{"small count of gb-b (sex OTHER_OR_NOT_STATED)", "SEX", 3, true},
		{"figure of gb-b (domain DEBT)", "WELFARE_DOMAIN", 40, false},
	}}
	p.probes = make([][]insiderProbe, len(p.cells))
	p.run(t)
	p.judge(t)
}

// insiderMetric is the metric TestInsiderInflateAndProbe's partners upload.
const insiderMetric = "CLIENTS_ADVISED"

// insiderOther is a partner's 2021-Q1 rows: a small count (sex
// OTHER_OR_NOT_STATED) and a figure (domain DEBT).
func insiderOther(small, figure float64) []ingest.Row {
	return []ingest.Row{
		insiderRow(insiderMetric, small, func(r *ingest.Row) { r.Sex = "OTHER_OR_NOT_STATED" }),
		insiderRow(insiderMetric, figure, func(r *ingest.Row) { r.WelfareDomain = "DEBT" }),
	}
}

// insiderCell is a cell the insider probes: its grouping, and the other
// partner's true figure in it.
type insiderCell struct {
	name    string
	groupBy string
	truth   float64
	small   bool
}

// insiderProber is gb-insider at work: it uploads, retracts and looks at the
// cells after each step, keeping every look.
type insiderProber struct {
	w                    *world
	cells                []insiderCell
	probes               [][]insiderProbe
	uploads, retractions int
}

func (p *insiderProber) look(t *testing.T, own float64, withOwn bool) {
	t.Helper()
	for i, c := range p.cells {
		table := p.w.outcomes(map[string]any{"metric": insiderMetric, "groupBy": []string{c.groupBy},
			"from": "2021-01-01", "to": "2021-03-31"})
		if len(table.Rows) != 1 {
			t.Fatalf("%s: %d rows, want 1", c.name, len(table.Rows))
		}
		pr := insiderProbe{own: own, withOwn: withOwn}
		if r := table.Rows[0]; !r.Suppressed {
			pr.published = r.Value
		}
		p.probes[i] = append(p.probes[i], pr)
	}
}

func (p *insiderProber) upload(t *testing.T, v float64) string {
	t.Helper()
	id := p.w.submit("gb-insider", insiderOther(v, v))
	p.look(t, v, true)
	return id
}

// run spends four months: three uploads a month, except the third month's
// upload, retraction (the cell without the insider) and upload again.
func (p *insiderProber) run(t *testing.T) {
	w := p.w
	v := 100.0
	for month := range 4 {
		if month > 0 {
			w.env.Clock.Add(31 * 24 * time.Hour) // past the revision and retraction windows
		}
		if month == 2 {
			// Upload, retract (the cell without the insider), upload again.
			id := p.upload(t, v)
			v++
			if _, err := w.env.App.Ingest.Retract(context.Background(), w.admins["gb-insider"], id, "probe"); err != nil {
				t.Fatalf("retract: %v", err)
			}
			p.retractions++
			p.look(t, 0, false)
			p.upload(t, v)
			v++
			p.uploads += 2
			continue
		}
		for range 3 {
			p.upload(t, v)
			v++
			p.uploads++
		}
	}
}

// judge combines every look with the insider's own figures: the small count must
// not be pinned within +-2, nor the figure within 10%.
func (p *insiderProber) judge(t *testing.T) {
	noise := documentedNoise()
	for i, c := range p.cells {
		lo, hi, bounded := insiderInterval(t, noise, countSlack(noise), [2]float64{0, math.Inf(1)}, p.probes[i])
		published := 0
		for _, pr := range p.probes[i] {
			if pr.published != nil {
				published++
			}
		}
		t.Logf("%s = %v: %d uploads, %d retraction, %d of %d looks published; the insider's interval [%.2f, %.2f]",
			c.name, c.truth, p.uploads, p.retractions, published, len(p.probes[i]), lo, hi)
		if !bounded {
			continue
		}
		if c.small && width(lo, hi) <= 4 {
			t.Errorf("%s recovered within +-2: [%.2f, %.2f]", c.name, lo, hi)
		}
		if !c.small && lo >= 0.9*c.truth && hi <= 1.1*c.truth {
			t.Errorf("%s recovered within 10%%: [%.2f, %.2f]", c.name, lo, hi)
		}
	}
}

// TestInsiderPolicySwitch: the insider (money 500) is identifiable, then switches
// itself to not identifiable, which on the (2, 85) rule alone changes whether the
// pooled total is dominated; the three others (600, 150, 100) are never shown
// alone. The insider reads the pooled money and the by-partner table before and
// after, subtracts its own 500 times its own multiplier (which it is credited with
// knowing exactly) and must not learn the others' total within 10%.
func TestInsiderPolicySwitch(t *testing.T) {
	t.Parallel()
	w := newWorld(t, []partnerSpec{
		{"gb-insider", "GB", "GB-ENG", "PRIMARY_CARE", identifiableGRU()},
		{"gb-b", "GB", "GB-ENG", "PRIMARY_CARE", gru()},
		{"gb-c", "GB", "GB-WLS", "PRIMARY_CARE", gru()},
		{"gb-d", "GB", "GB-SCT", "PRIMARY_CARE", gru()},
	})
	const metric = "FINANCIAL_GAIN"
	money := func(v float64, n int) []ingest.Row {
		r := insiderRow(metric, v, nil)
		r.N, r.Currency = &n, "GBP"
		return []ingest.Row{r}
	}
	const own = 500.0
	w.submit("gb-insider", money(own, 40))
	w.submit("gb-b", money(600, 30))
	w.submit("gb-c", money(150, 20))
	w.submit("gb-d", money(100, 15))
	const others = 850.0

	var probes []insiderProbe
	aRange := [2]float64{0, math.Inf(1)}
	look := func(phase string) {
		t.Helper()
		q := map[string]any{"metric": metric, "from": "2021-01-01", "to": "2021-03-31", "currency": "GBP"}
		total := w.outcomes(q)
		r := total.Rows[0]
		t.Logf("%s: pooled total %s", phase, cells(total))
		if !r.Suppressed {
			probes = append(probes, insiderProbe{own: own, withOwn: true, published: r.Value})
		}
		q["groupBy"] = []string{"PARTNER"}
		byPartner := w.outcomes(q)
		t.Logf("%s: by partner %s", phase, cells(byPartner))
		for _, r := range byPartner.Rows {
			switch {
			case r.Suppressed:
			case r.Partner != nil && r.Partner.ID == "gb-insider":
				// Its own figure alone: a·500 within 5 of what is shown.
				aRange[0] = max(aRange[0], (*r.Value-5)/own)
				aRange[1] = min(aRange[1], (*r.Value+5)/own)
			case r.Partner == nil && r.Partners != nil && *r.Partners == 3:
				probes = append(probes, insiderProbe{withOwn: false, published: r.Value})
			case r.Partner == nil:
				probes = append(probes, insiderProbe{own: own, withOwn: true, published: r.Value})
			}
		}
	}
	look("identifiable")
	notIdentifiable := gru()
	notIdentifiable.Identifiable = yes(false)
	w.setPolicy("gb-insider", *notIdentifiable)
	look("not identifiable")

	// The strongest insider: it has learnt its own multiplier exactly (by probing
	// with uploads of its own figure, say). The test reads it from the server's
	// secret; the insider is credited with it.
	var secret []byte
	if err := w.env.App.DB.Get(&secret, `SELECT secret FROM disclosure_secret`); err != nil {
		t.Fatal(err)
	}
	a := 1 + disclosure.Multiplier(disclosure.Secret(secret).UnitKey("gb-insider", metric, disclosure.RoleValue))
	aRange = [2]float64{max(aRange[0], a), min(aRange[1], a)}
	noise := documentedNoise()
	noise.d = 0 // money carries no cell-key noise: multipliers and rounding to 10
	lo, hi, bounded := insiderInterval(t, noise, 5, aRange, probes)
	t.Logf("the others' total money %v: %d published values; the insider's interval [%.2f, %.2f]", others,
		len(probes), lo, hi)
	if bounded && lo >= 0.9*others && hi <= 1.1*others {
		t.Errorf("the others' total money recovered within 10%%: [%.2f, %.2f] (true %v)", lo, hi, others)
	}
}
