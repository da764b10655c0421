package outcomes_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/ingest"
)

// The differencing attack, by linear programming (issue 11, item 7).
//
// A seeded, microdata-shaped world is uploaded through the real ingest; an attacker
// holding a researcher token of the approved project issues every grouping of up to
// two dimensions (QUARTER and YEAR included) under many filters (countries, health
// settings, welfare domains, every multi-quarter window, and country-and-setting
// combinations that reach small partner sets) and keeps every published value. Each
// value becomes linear constraints on the unknowns, using only the noise bounds
// docs/DISCLOSURE.md publishes; then, for every target, the attacker minimises and
// maximises it over everything at once. The attack succeeds on a count (suppressed,
// or one partner's) if its interval is at most 4 wide (the count within +-2, or
// exact), and on a single partner's figure that is never published, or a suppressed
// money total, if its interval lies within 10% of the true figure. The test asserts
// it succeeds nowhere. Three metrics: a count, a proportion and money (in dollars,
// GB partners' pounds converted at each year's rate).
//
// The world: every partner's figures are those of a synthetic population of persons
// per (quarter, sex, welfare domain), the "atoms" (persons, "yes" persons, clients
// with a money gain and their gains), and each partner uploads the full cube (every
// subset of {sex, domain} as a breakdown, zero cells included).
// So every published cell is a known set of atoms and the attacker's model is exact:
// the unknowns are the atoms.
//
// The model (stronger than bounding each published cell on its own). The documented
// perturbation multiplies every partner's contribution by a factor 1+m in
// [1/FactorMax, FactorMax], with one m per partner, metric and role, adds cell-key noise within +-NoiseD and
// rounds to 5 (or publishes 0 for a true 0, and never a count in 1..k-1). The
// attacker takes as unknowns the perturbed atoms y_a = (1+m)·x_a, which every
// published cell sums whatever the query: a published count P of cell C gives
// |P - sum_C y| <= NoiseD + 2 + 0.5 (the last half for rounding the perturbed sum to
// a whole number), a published 0 gives y_a = 0 for each atom of C, and a published
// count at all gives sum_C x >= k. A target's interval is then
// [min sum_S y / FactorMax, max sum_S y x FactorMax], rounded inwards to whole
// numbers for counts. With no perturbation (factors 1, NoiseD = 0) it
// is the exact LP attack on rounding and suppression alone, and the reasons count:
// SMALL_CELL on a count says 1..k-1. Money is the same without cell-key noise: a
// published amount is within 5 of the perturbed sum (rounding to 10).
//
// What the model leaves out, in the attacker's disfavour: integrality beyond
// rounding the final interval, |m| >= MultiplierMin (a two-piece set, not convex),
// and that numerator and denominator multipliers are tied to one partner (with
// perturbation on, numerators and denominators are solved as separate programs).

// attackNoise is what docs/DISCLOSURE.md says the perturbation may do to a count:
// d the largest cell-key noise, [lo, hi] the hull of the factors 1+m (1/FactorMax
// for a negative sign at its largest, FactorMax for a positive one); {d: 0, lo: 1,
// hi: 1} is no perturbation.
type attackNoise struct {
	d      float64
	lo, hi float64
}

// documentedNoise returns the published bounds of the perturbation.
func documentedNoise() attackNoise {
	return attackNoise{d: disclosure.NoiseD, lo: 1 / disclosure.FactorMax, hi: disclosure.FactorMax}
}

// perturbed reports whether the bounds allow any perturbation at all.
func (n attackNoise) perturbed() bool { return n.d > 0 || n.lo != 1 || n.hi != 1 }

// factors are the smallest and largest factor a partner's figure can be scaled by:
// one factor for counts, n and a proportion's numerator, which is not chained with
// the n-role factor (docs/DISCLOSURE.md). The complement n - numerator carries no
// one factor; with perturbation it enters no program (families). A mean's sum
// would carry two factors; there is no mean here.
func (n attackNoise) factors(int) (down, up float64) { return n.lo, n.hi }

// Atom coordinates.
var (
	atkQuarters = []struct{ label, year, start, end string }{
		{"2020-Q3", "2020", "2020-07-01", "2020-09-30"}, {"2020-Q4", "2020", "2020-10-01", "2020-12-31"},
		{"2021-Q1", "2021", "2021-01-01", "2021-03-31"}, {"2021-Q2", "2021", "2021-04-01", "2021-06-30"}}
	atkSexes   = []string{"FEMALE", "MALE", "OTHER_OR_NOT_STATED"}
	atkSexP    = []float64{0.55, 0.42, 0.03} // OTHER_OR_NOT_STATED: a few persons a quarter
	atkDomains = []string{"WELFARE_BENEFITS", "DEBT", "HOUSING"}
	atkDomP    = []float64{0.55, 0.3, 0.15}
	atkIhelp   = map[string]string{"WELFARE_BENEFITS": "INCOME_INSURANCE", "DEBT": "INCOME_INSURANCE", "HOUSING": "HOUSING_UTILITIES"}
)

// atkPartner is a partner of the attack dataset with its caseload per quarter.
type atkPartner struct {
	partnerSpec
	size         int
	minCell      int
	identifiable bool
}

func atkPartners() []atkPartner {
	pol := func(minCell int, identifiable bool) *access.PolicyInput {
		in := gru()
		if minCell > 0 {
			in.MinCell = &minCell
		}
		in.Identifiable = yes(identifiable)
		return in
	}
	return []atkPartner{
		{partnerSpec{"gb-ident", "GB", "GB-ENG", "PRIMARY_CARE", pol(0, true)}, 60, 8, true},
		{partnerSpec{"gb-leeds", "GB", "GB-ENG", "PRIMARY_CARE", pol(0, false)}, 80, 8, false},
		{partnerSpec{"gb-cardiff", "GB", "GB-WLS", "HOSPITAL", pol(10, false)}, 50, 10, false},
		{partnerSpec{"gb-small", "GB", "GB-SCT", "PRIMARY_CARE", pol(0, false)}, 14, 8, false}, // a small partner
		{partnerSpec{"us-bronx", "US", "US-NY", "COMMUNITY_HEALTH_CENTRE", pol(0, false)}, 90, 11, false},
		{partnerSpec{"us-kids", "US", "US-NY", "PAEDIATRIC", pol(0, false)}, 70, 11, false},
		{partnerSpec{"us-oakland", "US", "US-CA", "COMMUNITY_HEALTH_CENTRE", pol(0, false)}, 40, 11, false},
	}
}

// Atoms are numbered partner-major.
const (
	atkNQ          = 4
	atkNS          = 3
	atkND          = 3
	atkPerPartner  = atkNQ * atkNS * atkND
	figCount       = 0 // a COUNT metric's value
	figNum         = 1 // a PROPORTION's numerator
	figComp        = 2 // its complement (n - numerator)
	figN           = 3 // its denominator
	figMoney       = 4 // an AMOUNT's money, in US dollars
	figMoneyN      = 5 // its n, the clients with a gain
	atkCountMetric = "PATIENTS_SCREENED"
	atkPropMetric  = "FINANCIAL_STRAIN"
	atkMoneyMetric = "FINANCIAL_GAIN"
)

var figNames = []string{"count", "numerator", "complement", "n", "money", "money n"}

type atomCoord struct{ partner, quarter, sex, domain int }

func atomIndex(c atomCoord) int {
	return ((c.partner*atkNQ+c.quarter)*atkNS+c.sex)*atkND + c.domain
}

func atomOf(i int) atomCoord {
	var c atomCoord
	c.domain, i = i%atkND, i/atkND
	c.sex, i = i%atkNS, i/atkNS
	c.quarter, c.partner = i%atkNQ, i/atkNQ
	return c
}

// atkData is the synthetic population: persons and, of them, "yes" persons (the
// numerator of the proportion metric) per atom.
type atkData struct {
	partners []atkPartner
	persons  []int
	yes      []int
	// Money gained: clients with a gain and their gains in cents of the partner's
	// currency, per atom; gainUSD is the same converted at its year's rate.
	gainN   []int
	gain    []int64
	gainUSD []float64
}

func pick(r *rand.Rand, p []float64) int {
	x := r.Float64()
	for i, q := range p {
		if x < q {
			return i
		}
		x -= q
	}
	return len(p) - 1
}

func newAtkData() *atkData {
	d := &atkData{partners: atkPartners()}
	n := len(d.partners) * atkPerPartner
	d.persons, d.yes = make([]int, n), make([]int, n)
	d.gainN, d.gain, d.gainUSD = make([]int, n), make([]int64, n), make([]float64, n)
	r := rand.New(rand.NewPCG(2022, 615))
	money := rand.New(rand.NewPCG(2022, 616)) // its own stream: the persons stay as they were
	for p, ps := range d.partners {
		for q := range atkQuarters {
			people := ps.size*4/5 + r.IntN(ps.size*2/5+1)
			for range people {
				i := atomIndex(atomCoord{p, q, pick(r, atkSexP), pick(r, atkDomP)})
				d.persons[i]++
				if r.IntN(100) < 45 {
					d.yes[i]++
				}
				if money.IntN(100) < 40 {
					d.gainN[i]++
					d.gain[i] += int64(math.Exp(money.NormFloat64()*0.8) * 2000 * 100) // cents
				}
			}
		}
	}
	return d
}

func (d *atkData) atoms() int { return len(d.partners) * atkPerPartner }

// convert sets the atoms' money in US dollars, at the rate of each quarter's year
// (pounds per dollar), as the outcomes service converts each row.
func (d *atkData) convert(gbpPerUSD map[string]float64) {
	for a := range d.atoms() {
		usd := float64(d.gain[a]) / 100
		if c := atomOf(a); d.partners[c.partner].country == "GB" {
			usd /= gbpPerUSD[atkQuarters[c.quarter].year]
		}
		d.gainUSD[a] = usd
	}
}

// truth is a figure's true value over a set of atoms (money in US dollars).
func (d *atkData) truth(fig int, atoms []int) float64 {
	s := 0.0
	for _, a := range atoms {
		switch fig {
		case figCount, figN:
			s += float64(d.persons[a])
		case figNum:
			s += float64(d.yes[a])
		case figComp:
			s += float64(d.persons[a] - d.yes[a])
		case figMoney:
			s += d.gainUSD[a]
		case figMoneyN:
			s += float64(d.gainN[a])
		}
	}
	return s
}

// rows is a partner's full cube for both metrics: every subset of {sex, domain} as a
// breakdown (blank = all), for each quarter, zero cells included.
func (d *atkData) rows(p int) []ingest.Row {
	var out []ingest.Row
	for q, qq := range atkQuarters {
		start, _ := time.Parse(time.DateOnly, qq.start)
		end, _ := time.Parse(time.DateOnly, qq.end)
		for s := -1; s < atkNS; s++ { // -1: blank, summed over
			for dm := -1; dm < atkND; dm++ {
				var atoms []int
				for a := p * atkPerPartner; a < (p+1)*atkPerPartner; a++ {
					c := atomOf(a)
					if c.quarter == q && (s < 0 || c.sex == s) && (dm < 0 || c.domain == dm) {
						atoms = append(atoms, a)
					}
				}
				base := ingest.Row{PeriodStart: start, PeriodEnd: end}
				if s >= 0 {
					base.Sex = atkSexes[s]
				}
				if dm >= 0 {
					base.WelfareDomain = atkDomains[dm]
				}
				count := base
				count.Metric, count.Value = atkCountMetric, d.truth(figCount, atoms)
				prop := base
				n := int(d.truth(figN, atoms))
				prop.Metric, prop.Value, prop.N = atkPropMetric, d.truth(figNum, atoms), &n
				gain := base
				var cents int64
				for _, a := range atoms {
					cents += d.gain[a]
				}
				clients := int(d.truth(figMoneyN, atoms))
				gain.Metric, gain.Value, gain.N = atkMoneyMetric, float64(cents)/100, &clients
				gain.Currency = map[string]string{"GB": "GBP", "US": "USD"}[d.partners[p].country]
				out = append(out, count, prop, gain)
			}
		}
	}
	return out
}

// atkFilter is one filter variant of the attack's queries.
type atkFilter struct {
	name  string
	vars  map[string]any
	match func(d *atkData, c atomCoord) bool
}

func atkFilters() []atkFilter {
	setting := func(list ...string) func(d *atkData, c atomCoord) bool {
		return func(d *atkData, c atomCoord) bool { return slices.Contains(list, d.partners[c.partner].setting) }
	}
	domain := func(list ...string) func(d *atkData, c atomCoord) bool {
		return func(d *atkData, c atomCoord) bool { return slices.Contains(list, atkDomains[c.domain]) }
	}
	country := func(cc string) func(d *atkData, c atomCoord) bool {
		return func(d *atkData, c atomCoord) bool { return d.partners[c.partner].country == cc }
	}
	both := func(f, g func(d *atkData, c atomCoord) bool) func(d *atkData, c atomCoord) bool {
		return func(d *atkData, c atomCoord) bool { return f(d, c) && g(d, c) }
	}
	out := []atkFilter{
		{"none", map[string]any{}, func(*atkData, atomCoord) bool { return true }},
		{"GB", map[string]any{"countries": []string{"GB"}}, country("GB")},
		{"US", map[string]any{"countries": []string{"US"}}, country("US")},
		{"primary", map[string]any{"healthSettings": []string{"PRIMARY_CARE"}}, setting("PRIMARY_CARE")},
		{"otherSettings", map[string]any{"healthSettings": []string{"HOSPITAL", "COMMUNITY_HEALTH_CENTRE", "PAEDIATRIC"}},
			setting("HOSPITAL", "COMMUNITY_HEALTH_CENTRE", "PAEDIATRIC")},
		{"GB-primary", map[string]any{"countries": []string{"GB"}, "healthSettings": []string{"PRIMARY_CARE"}},
			both(country("GB"), setting("PRIMARY_CARE"))},
		{"US-CHC", map[string]any{"countries": []string{"US"}, "healthSettings": []string{"COMMUNITY_HEALTH_CENTRE"}},
			both(country("US"), setting("COMMUNITY_HEALTH_CENTRE"))},
		{"benefits", map[string]any{"welfareDomains": []string{"WELFARE_BENEFITS"}}, domain("WELFARE_BENEFITS")},
		{"debtHousing", map[string]any{"welfareDomains": []string{"DEBT", "HOUSING"}}, domain("DEBT", "HOUSING")},
	}
	// Every window of two or three consecutive quarters.
	for from := range atkNQ {
		for to := from + 1; to < atkNQ && to-from <= 2; to++ {
			out = append(out, atkFilter{fmt.Sprintf("%s..%s", atkQuarters[from].label, atkQuarters[to].label),
				map[string]any{"from": atkQuarters[from].start, "to": atkQuarters[to].end},
				func(_ *atkData, c atomCoord) bool { return c.quarter >= from && c.quarter <= to }})
		}
	}
	return out
}

var atkDims = []string{"COUNTRY", "REGION", "PARTNER", "HEALTH_SETTING", "WELFARE_DOMAIN", "IHELP_CATEGORY",
	"SEX", "QUARTER", "YEAR"}

func atkGroupings() [][]string {
	out := [][]string{{}}
	for i, a := range atkDims {
		out = append(out, []string{a})
		for _, b := range atkDims[i+1:] {
			if (a == "QUARTER" && b == "YEAR") || (a == "WELFARE_DOMAIN" && b == "IHELP_CATEGORY") {
				continue
			}
			out = append(out, []string{a, b})
		}
	}
	return out
}

// keyOf is an atom's value of a grouped dimension, as the API spells it.
func (d *atkData) keyOf(dim string, c atomCoord) string {
	p := d.partners[c.partner]
	switch dim {
	case "COUNTRY":
		return p.country
	case "REGION":
		return p.region
	case "PARTNER":
		if p.identifiable {
			return p.id
		}
		return "" // the pooled row of partners that are not identifiable
	case "HEALTH_SETTING":
		return p.setting
	case "WELFARE_DOMAIN":
		return atkDomains[c.domain]
	case "IHELP_CATEGORY":
		return atkIhelp[atkDomains[c.domain]]
	case "SEX":
		return atkSexes[c.sex]
	case "QUARTER":
		return atkQuarters[c.quarter].label
	case "YEAR":
		return atkQuarters[c.quarter].year
	}
	panic(dim)
}

func rowKey(dim string, r outcomeRow) string {
	switch dim {
	case "COUNTRY":
		return str(r.Country)
	case "REGION":
		return str(r.Region)
	case "PARTNER":
		if r.Partner == nil {
			return ""
		}
		return r.Partner.ID
	case "HEALTH_SETTING":
		return str(r.HealthSetting)
	case "WELFARE_DOMAIN":
		return str(r.WelfareDomain)
	case "IHELP_CATEGORY":
		return str(r.IhelpCategory)
	case "SEX":
		return str(r.Sex)
	case "QUARTER", "YEAR":
		return str(r.Period)
	}
	panic(dim)
}

// atkFigure is one figure (a metric's count, numerator or n over a set of atoms) and
// everything the attacker learnt of it from the results.
type atkFigure struct {
	fig          int
	atoms        []int
	truth        float64
	lo, hi       float64 // bounds on the sum of the perturbed atoms; hi may be +Inf
	bounded      bool    // some result bounded it
	published    bool    // some result showed it
	zero         bool    // some result showed it as 0
	k            int     // the largest k of the cells holding it
	suppressedIn []string
	partner      string // a single partner's figure that is a target of its own
}

// atkKnowledge is everything the attacker has collected, by figure.
type atkKnowledge struct {
	data    *atkData
	noise   attackNoise
	figures map[string]*atkFigure
	order   []string
}

func (kn *atkKnowledge) figure(fig int, atoms []int) *atkFigure {
	key := fmt.Sprint(fig, atoms)
	f, ok := kn.figures[key]
	if !ok {
		f = &atkFigure{fig: fig, atoms: atoms, truth: kn.data.truth(fig, atoms), hi: math.Inf(1)}
		kn.figures[key] = f
		kn.order = append(kn.order, key)
	}
	return f
}

// bound narrows what is known of a figure's perturbed sum.
func (f *atkFigure) bound(lo, hi float64) {
	if !f.bounded {
		f.lo, f.hi, f.bounded = lo, hi, true
		return
	}
	f.lo, f.hi = max(f.lo, lo), min(f.hi, hi)
}

// published reads a published count-like figure P of a cell with threshold k.
// Perturbed, a count is y = max(round(sum (1+m)x), k) plus noise within +-d,
// rounded to 5 never below k: P within d + 2.5 of the perturbed sum, unless y may
// have been raised to k (P - d - 2 <= k), when only "the true figure is at least k"
// bounds it from below.
func (kn *atkKnowledge) published(f *atkFigure, p float64, k int) {
	f.published = true
	if p == 0 {
		f.zero = true // a true zero stays zero; nothing else is shown as 0
		f.bound(0, 0)
		return
	}
	slack := kn.noise.d + 2
	if kn.noise.perturbed() {
		slack += 0.5 // the perturbed sum is rounded to a whole number first
	}
	down, _ := kn.noise.factors(f.fig)
	atLeastK := float64(k) * down // shown at all: the true figure is >= k
	lo := max(p-slack, atLeastK)
	if floor := float64((k + 4) / 5 * 5); p == floor || (kn.noise.perturbed() && p-kn.noise.d-2 <= float64(k)) {
		lo = atLeastK // counts from k up are shown as the first multiple of 5 at or above k
	}
	f.bound(lo, p+slack)
}

// publishedMoney reads a published money total: the perturbed sum rounded to 10
// (and converted per row to dollars, to a cent or so). A 0 may be a sum below 5.
func (kn *atkKnowledge) publishedMoney(f *atkFigure, p float64) {
	f.published = true
	f.bound(max(0, p-5.01), p+5.01)
}

// publishedProportion reads a published numerator and n. Perturbed, the pair is
// kept within the rules the true pair passed: "all" is shown as num = n, and
// otherwise num and n - num are each at least the smallest count shown, by raising n
// to twice that and clamping num: a num shown at n minus that smallest count may
// have been clamped down, so it is bounded from below only.
func (kn *atkKnowledge) publishedProportion(num, n *atkFigure, pNum, pN float64, k int) {
	if !kn.noise.perturbed() {
		kn.published(num, pNum, k)
		kn.published(n, pN, k)
		return
	}
	least := float64((k + 4) / 5 * 5)
	if pN == 2*least && pNum > 0 && pNum < pN {
		// n may have been raised to twice the smallest count shown; truly, n holds at
		// least k in the numerator and k in the complement.
		down, _ := kn.noise.factors(figN)
		n.published = true
		n.bound(2*float64(k)*down, pN+kn.noise.d+2.5)
	} else {
		kn.published(n, pN, k)
	}
	switch {
	case pNum == 0:
		kn.published(num, 0, k)
	case pNum == pN:
		num.published = true // every person: no bound that holds with numerator and n multipliers apart
	case pNum == pN-least:
		num.published = true
		down, _ := kn.noise.factors(figNum)
		num.bound(float64(k)*down, math.Inf(1))
	default:
		kn.published(num, pNum, k)
	}
}

func TestDifferencingAttack(t *testing.T) {
	t.Parallel()
	data := newAtkData()
	var specs []partnerSpec
	for _, p := range data.partners {
		specs = append(specs, p.partnerSpec)
	}
	w := newWorld(t, specs)
	var rates []struct {
		Year      string  `db:"year"`
		GBPPerUSD float64 `db:"gbp_per_usd"`
	}
	if err := w.env.App.DB.Select(&rates, `SELECT DISTINCT ON (year) year::text AS year, gbp_per_usd::float8 AS gbp_per_usd
		FROM exchange_rates ORDER BY year, version DESC`); err != nil {
		t.Fatal(err)
	}
	gbpPerUSD := map[string]float64{}
	for _, r := range rates {
		gbpPerUSD[r.Year] = r.GBPPerUSD
	}
	data.convert(gbpPerUSD)
	for p := range data.partners {
		w.submit(data.partners[p].id, data.rows(p))
	}
	kn := &atkKnowledge{data: data, noise: documentedNoise(), figures: map[string]*atkFigure{}}
	start := time.Now()
	issued, published, suppressed := kn.collect(t, w)
	t.Logf("%d queries in %v: %d cells published, %d suppressed, %d distinct figures; noise bounds: d %v, |m| <= %v",
		issued, time.Since(start).Round(time.Millisecond), published, suppressed, len(kn.figures), kn.noise.d, kn.noise.hi)
	if suppressed == 0 || published == 0 {
		t.Fatalf("the dataset exercises nothing: %d published, %d suppressed", published, suppressed)
	}
	kn.partnerTargets()

	sample := 1
	if testing.Short() {
		sample = 4 // every 4th target: the same programs, a quarter of the solves
	}
	var results []atkResult
	for _, fam := range kn.families() {
		start := time.Now()
		res, pivots := kn.solve(t, fam, sample)
		t.Logf("%s: %d variables, %d constraints, %d targets, %d pivots in %v", fam.name, fam.nvar,
			len(fam.rows), len(res), pivots, time.Since(start).Round(time.Millisecond))
		results = append(results, res...)
	}
	kn.referee(t, results)
}

// collect issues every query of the attack and records what each cell tells.
func (kn *atkKnowledge) collect(t *testing.T, w *world) (issued, published, suppressed int) {
	d := kn.data
	metrics := []string{atkCountMetric, atkPropMetric, atkMoneyMetric}
	if testing.Short() {
		metrics = metrics[:2] // a third fewer queries: money is left out
	}
	for _, metric := range metrics {
		for _, group := range atkGroupings() {
			if metric == atkMoneyMetric && len(group) == 2 && group[1] != "QUARTER" && group[1] != "YEAR" {
				continue // money: every single dimension, and each by quarter and by year (the attack)
			}
			for _, f := range atkFilters() {
				q := map[string]any{"metric": metric, "groupBy": group}
				if metric == atkMoneyMetric {
					q["currency"] = "USD"
				}
				for k, v := range f.vars {
					q[k] = v
				}
				table := w.outcomes(q)
				issued++
				for _, row := range table.Rows {
					var key []string
					for _, dim := range group {
						key = append(key, rowKey(dim, row))
					}
					var atoms []int
					k := 8
					for a := range d.atoms() {
						c := atomOf(a)
						if !f.match(d, c) {
							continue
						}
						match := true
						for j, dim := range group {
							match = match && d.keyOf(dim, c) == key[j]
						}
						if match {
							atoms = append(atoms, a)
							k = max(k, d.partners[c.partner].minCell)
						}
					}
					if len(atoms) == 0 {
						t.Fatalf("%s by %v filter %s: row %v matches no atom", metric, group, f.name, key)
					}
					label := fmt.Sprintf("%s by %v filter %s %v", metric, group, f.name, key)
					figs := map[string][]int{atkCountMetric: {figCount}, atkPropMetric: {figNum, figN, figComp},
						atkMoneyMetric: {figMoney, figMoneyN}}[metric]
					if row.Suppressed {
						suppressed++
						for _, fig := range figs {
							fg := kn.figure(fig, atoms)
							fg.suppressedIn = append(fg.suppressedIn, label+" ("+str(row.Suppression)+")")
							fg.k = max(fg.k, k)
						}
						// A reason narrower than "suppressed": SMALL_CELL on a count says 1..k-1.
						if str(row.Suppression) == "SMALL_CELL" && metric == atkCountMetric {
							kn.figure(figCount, atoms).bound(kn.noise.lo, float64(k-1)*kn.noise.hi)
						}
						continue
					}
					published++
					switch metric {
					case atkCountMetric:
						kn.published(kn.figure(figCount, atoms), *row.Value, k)
					case atkMoneyMetric:
						kn.publishedMoney(kn.figure(figMoney, atoms), *row.Value)
						kn.published(kn.figure(figMoneyN, atoms), float64(*row.N), k)
					default:
						kn.publishedProportion(kn.figure(figNum, atoms), kn.figure(figN, atoms), *row.Value,
							float64(*row.N), k)
					}
				}
			}
		}
	}
	return issued, published, suppressed
}

// partnerTargets adds each non-identifiable partner's own figures (overall, by
// quarter, year, sex, domain, I-HELP category, and by quarter and sex or domain):
// none is ever published alone, so each is a target.
func (kn *atkKnowledge) partnerTargets() {
	d := kn.data
	type part struct {
		name string
		key  func(c atomCoord) string
	}
	parts := []part{
		{"total", func(atomCoord) string { return "" }},
		{"quarter", func(c atomCoord) string { return atkQuarters[c.quarter].label }},
		{"year", func(c atomCoord) string { return atkQuarters[c.quarter].year }},
		{"sex", func(c atomCoord) string { return atkSexes[c.sex] }},
		{"domain", func(c atomCoord) string { return atkDomains[c.domain] }},
		{"ihelp", func(c atomCoord) string { return atkIhelp[atkDomains[c.domain]] }},
		{"quarter-sex", func(c atomCoord) string { return atkQuarters[c.quarter].label + atkSexes[c.sex] }},
		{"quarter-domain", func(c atomCoord) string { return atkQuarters[c.quarter].label + atkDomains[c.domain] }},
	}
	for p, ps := range d.partners {
		if ps.identifiable {
			continue
		}
		for _, pt := range parts {
			groups := map[string][]int{}
			var keys []string
			for a := p * atkPerPartner; a < (p+1)*atkPerPartner; a++ {
				k := pt.key(atomOf(a))
				if _, ok := groups[k]; !ok {
					keys = append(keys, k)
				}
				groups[k] = append(groups[k], a)
			}
			for _, k := range keys {
				for _, fig := range []int{figCount, figNum, figN, figMoney, figMoneyN} {
					f := kn.figure(fig, groups[k])
					f.partner = fmt.Sprintf("%s %s %s", ps.id, pt.name, k)
				}
			}
		}
	}
}

// atkFamily is one linear program: its variables (perturbed atoms of one or two
// figures), its constraints, and its targets.
type atkFamily struct {
	name    string
	nvar    int
	hi      []float64
	rows    []lpRow
	targets []*atkFigure
	colsOf  func(f *atkFigure) []int // the live variables a figure sums
}

// atomVars maps an atom to its variables: one per offset (offset + atom).
func atomVars(offsets ...int) func(a int) []int {
	return func(a int) []int {
		out := make([]int, len(offsets))
		for i, o := range offsets {
			out[i] = o + a
		}
		return out
	}
}

// atkSpec describes one program: its variables by figure, and its targets.
type atkSpec struct {
	name    string
	nvar    int
	varsOf  map[int]func(a int) []int // by figure: the variables of an atom
	zeroOf  map[int]func(a int) []int // by figure: the variables a published 0 fixes
	targets []int
}

// families builds the programs. Counts: one variable per atom. Proportions without
// perturbation: numerator and complement atoms, n their sum (exact). With
// perturbation numerator and n carry different multipliers, so they are two
// programs (the tie between them, num <= n, is left out).
func (kn *atkKnowledge) families() []*atkFamily {
	A := kn.data.atoms()
	specs := []atkSpec{{name: "counts", nvar: A, varsOf: map[int]func(int) []int{figCount: atomVars(0)},
		zeroOf: map[int]func(int) []int{figCount: atomVars(0)}, targets: []int{figCount}}}
	if !kn.noise.perturbed() {
		specs = append(specs, atkSpec{name: "proportions", nvar: 2 * A,
			varsOf:  map[int]func(int) []int{figNum: atomVars(0), figComp: atomVars(A), figN: atomVars(0, A)},
			zeroOf:  map[int]func(int) []int{figNum: atomVars(0), figN: atomVars(0, A)},
			targets: []int{figNum, figComp, figN}})
	} else {
		specs = append(specs,
			atkSpec{name: "numerators", nvar: A, varsOf: map[int]func(int) []int{figNum: atomVars(0)},
				zeroOf: map[int]func(int) []int{figNum: atomVars(0), figN: atomVars(0)}, targets: []int{figNum}},
			atkSpec{name: "denominators", nvar: A, varsOf: map[int]func(int) []int{figN: atomVars(0)},
				zeroOf: map[int]func(int) []int{figN: atomVars(0)}, targets: []int{figN}})
	}
	specs = append(specs,
		atkSpec{name: "money", nvar: A, varsOf: map[int]func(int) []int{figMoney: atomVars(0)},
			zeroOf: map[int]func(int) []int{figMoneyN: atomVars(0)}, targets: []int{figMoney}},
		atkSpec{name: "money n", nvar: A, varsOf: map[int]func(int) []int{figMoneyN: atomVars(0)},
			zeroOf: map[int]func(int) []int{figMoneyN: atomVars(0)}, targets: []int{figMoneyN}})
	var out []*atkFamily
	for _, s := range specs {
		out = append(out, kn.family(s))
	}
	return out
}

// family builds one program: variables a published 0 fixes are bounded to 0, every
// other bounded figure is a constraint, and every figure never published (but
// suppressed somewhere, or a partner's own) is a target.
func (kn *atkKnowledge) family(s atkSpec) *atkFamily {
	fam := &atkFamily{name: s.name, nvar: s.nvar, hi: make([]float64, s.nvar)}
	for j := range fam.hi {
		fam.hi[j] = math.Inf(1)
	}
	for _, key := range kn.order {
		f := kn.figures[key]
		if zero := s.zeroOf[f.fig]; zero != nil && f.zero {
			for _, a := range f.atoms {
				for _, j := range zero(a) {
					fam.hi[j] = 0
				}
			}
		}
	}
	fam.colsOf = func(f *atkFigure) []int {
		vars := s.varsOf[f.fig]
		if vars == nil {
			return nil
		}
		var cols []int
		for _, a := range f.atoms {
			for _, j := range vars(a) {
				if fam.hi[j] > 0 {
					cols = append(cols, j)
				}
			}
		}
		return cols
	}
	for _, key := range kn.order {
		f := kn.figures[key]
		if s.varsOf[f.fig] == nil {
			continue
		}
		if f.bounded && !f.zero {
			fam.rows = append(fam.rows, lpRow{cols: fam.colsOf(f), lo: f.lo, hi: f.hi})
		}
		if slices.Contains(s.targets, f.fig) && !f.published && (len(f.suppressedIn) > 0 || f.partner != "") {
			fam.targets = append(fam.targets, f)
		}
	}
	return fam
}

// atkResult is the attacker's interval for one target's true figure.
type atkResult struct {
	f      *atkFigure
	family string
	lo, hi float64 // interval of the true figure
	known  bool    // every atom is known to be 0
	solved bool    // by the program (not only bounded by known feasible points)
}

// solve finds every target's interval. Points reached by earlier solves are kept:
// when they already spread a target wider than any success needs, no solve is
// needed for it (they are feasible, so the attacker cannot exclude them).
func (kn *atkKnowledge) solve(t *testing.T, fam *atkFamily, sample int) ([]atkResult, int) {
	p, err := newBoxLP(fam.nvar, fam.hi, fam.rows)
	if err != nil {
		t.Fatalf("%s: %v: the attack's model of what was published is wrong (the truth satisfies it)", fam.name, err)
	}
	if !kn.noise.perturbed() {
		kn.truthFeasible(t, fam)
	}
	var pool [][]float64
	var out []atkResult
	for i, f := range fam.targets {
		if i%sample != 0 {
			continue
		}
		cols := fam.colsOf(f)
		r := atkResult{f: f, family: fam.name}
		down, up := kn.noise.factors(f.fig)
		if len(cols) == 0 {
			if f.truth != 0 {
				t.Fatalf("%s: %s has no free atom but is %v", fam.name, kn.describe(f), f.truth)
			}
			r.known = true
			out = append(out, r)
			continue
		}
		if len(pool) > 0 {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, y := range pool {
				s := sumCols(y, cols)
				lo, hi = min(lo, s), max(hi, s)
			}
			if r.lo, r.hi = lo/up, hi/down; !kn.success(r) {
				out = append(out, r)
				continue
			}
		}
		lo, hi := kn.extremes(t, p, fam, f, cols, &pool)
		r.lo, r.hi, r.solved = lo/up, hi/down, true
		if r.lo > f.truth+1e-6 || r.hi < f.truth-1e-6 {
			t.Fatalf("%s: %s is %v, outside the attacker's [%v, %v]: the model is wrong", fam.name,
				kn.describe(f), f.truth, r.lo, r.hi)
		}
		out = append(out, r)
	}
	return out, p.pivots
}

// truthFeasible: without perturbation the true atoms are the perturbed ones:
// they must satisfy everything the attacker read.
func (kn *atkKnowledge) truthFeasible(t *testing.T, fam *atkFamily) {
	y := make([]float64, fam.nvar)
	for a := range kn.data.atoms() {
		for _, fig := range []int{figCount, figNum, figComp, figMoney, figMoneyN} {
			f := &atkFigure{fig: fig, atoms: []int{a}}
			if cols := fam.colsOf(f); len(cols) == 1 {
				y[cols[0]] = kn.data.truth(fig, f.atoms)
			}
		}
	}
	for _, r := range fam.rows {
		if !lpFeasible(y, fam.hi, []lpRow{r}, 1e-9) {
			t.Fatalf("%s: the truth breaks a constraint %v..%v", fam.name, r.lo, r.hi)
		}
	}
}

// extremes solves for the smallest and largest perturbed sum of the target's
// variables (hi +Inf when unbounded), and keeps the points reaching them in the
// pool (up to 200).
func (kn *atkKnowledge) extremes(t *testing.T, p *boxLP, fam *atkFamily, f *atkFigure, cols []int, pool *[][]float64) (lo, hi float64) {
	_, ylo, err := p.extreme(cols, 1)
	if err != nil {
		t.Fatalf("%s: minimise %s: %v", fam.name, kn.describe(f), err)
	}
	_, yhi, err := p.extreme(cols, -1)
	if err != nil && err != errUnbounded {
		t.Fatalf("%s: maximise %s: %v", fam.name, kn.describe(f), err)
	}
	lo, hi = sumCols(ylo, cols), math.Inf(1)
	if err == errUnbounded {
		yhi = nil
	} else {
		hi = sumCols(yhi, cols)
	}
	// The points reaching the extremes are checked against every constraint: a
	// verdict "the attacker fails" then rests on points the attacker cannot rule
	// out, whatever the solver did.
	for _, y := range [][]float64{ylo, yhi} {
		if y == nil {
			continue
		}
		if !lpFeasible(y, fam.hi, fam.rows, 1e-6) {
			t.Fatalf("%s: the solver's extreme point for %s breaks a constraint", fam.name, kn.describe(f))
		}
		if len(*pool) < 200 {
			*pool = append(*pool, y)
		}
	}
	return lo, hi
}

// width is the number of whole values the interval leaves, less one.
func width(lo, hi float64) float64 {
	return math.Floor(hi+1e-6) - math.Ceil(lo-1e-6)
}

// success reports whether the attacker has what it wanted of the target: a count
// within +-2 (an interval at most 4 whole numbers wide: persons), or a partner's
// figure or a suppressed money total within 10% (the partner, and the amounts the
// p% rule protects).
func (kn *atkKnowledge) success(r atkResult) bool {
	if r.known {
		return false
	}
	t := r.f.truth
	if (r.f.partner != "" || r.f.fig == figMoney) && t > 0 && r.lo >= 0.9*t-1e-9 && r.hi <= 1.1*t+1e-9 {
		return true
	}
	return r.f.fig != figMoney && width(r.lo, r.hi) <= 4
}

func (kn *atkKnowledge) describe(f *atkFigure) string {
	if f.partner != "" {
		return fmt.Sprintf("partner figure %s %s = %v", f.partner, figNames[f.fig], f.truth)
	}
	return fmt.Sprintf("%s = %v (k %d), suppressed in %d results, e.g. %s", figNames[f.fig], f.truth, f.k,
		len(f.suppressedIn), f.suppressedIn[0])
}

// referee logs the figures and fails the test for every success of the attacker.
func (kn *atkKnowledge) referee(t *testing.T, results []atkResult) {
	t.Helper()
	type tally struct{ targets, known, exact, within, solved int }
	tallies := map[string]*tally{}
	widths := map[string]map[string]int{}
	var failures []string
	for _, r := range results {
		class := atkClass(r)
		tl := tallies[class]
		if tl == nil {
			tl = &tally{}
			tallies[class] = tl
			widths[class] = map[string]int{}
		}
		tl.targets++
		if r.solved {
			tl.solved++
		}
		if r.known {
			tl.known++
			continue
		}
		w := width(r.lo, r.hi)
		widths[class][atkBucket(r, w)]++
		if w == 0 && r.f.fig != figMoney {
			tl.exact++
		}
		if kn.success(r) {
			tl.within++
			failures = append(failures, fmt.Sprintf("%s: %s, attacker's interval [%.2f, %.2f]", r.family,
				kn.describe(r.f), r.lo, r.hi))
		}
	}
	classes := make([]string, 0, len(tallies))
	for c := range tallies {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		tl := tallies[c]
		t.Logf("%-28s targets %4d (known 0: %d, solved by LP: %d): exact %d, attacker succeeds %d; widths %v",
			c, tl.targets, tl.known, tl.solved, tl.exact, tl.within, widths[c])
	}
	sort.Strings(failures)
	for i, f := range failures {
		if i == 20 {
			t.Errorf("... and %d more", len(failures)-20)
			break
		}
		t.Errorf("attack succeeds: %s", f)
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d targets recovered", len(failures), len(results))
	}
}

// atkClass is the class a result is tallied in: a partner's own figure, or a
// suppressed one (small when under its cell's k).
func atkClass(r atkResult) string {
	class := "suppressed " + figNames[r.f.fig]
	if r.f.partner != "" {
		class = "partner " + figNames[r.f.fig]
	} else if r.f.fig != figMoney && r.f.truth >= 1 && r.f.truth < float64(r.f.k) {
		class += " (small)"
	}
	return class
}

// atkBucket is where an interval of width w falls: its width in whole values
// (not for money), and for partner figures and money the attacker's worst error
// in percent of the true figure.
func atkBucket(r atkResult, w float64) string {
	bucket := ">20"
	switch {
	case math.IsInf(r.hi, 1):
		bucket = "unbounded"
	case w <= 4:
		bucket = fmt.Sprint(w)
	case w <= 10:
		bucket = "5-10"
	case w <= 20:
		bucket = "11-20"
	}
	if r.f.fig == figMoney {
		bucket = ""
		if r.f.truth == 0 {
			bucket = "true 0"
		}
	}
	if (r.f.partner != "" || r.f.fig == figMoney) && r.f.truth > 0 {
		// the attacker's worst error in percent of the true figure
		off := 100 * max(r.f.truth-r.lo, r.hi-r.f.truth) / r.f.truth
		switch {
		case off <= 10:
			bucket += " <=10%"
		case off <= 20:
			bucket += " 10-20%"
		case off <= 50:
			bucket += " 20-50%"
		default:
			bucket += " >50%"
		}
	}
	return strings.TrimSpace(bucket)
}
