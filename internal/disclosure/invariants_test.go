package disclosure

import (
	"cmp"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// The invariants below are checked on random and fuzzed tables with code written
// apart from the implementation: they restate docs/DISCLOSURE.md directly on the
// unrounded input, so a bug in Protect's bookkeeping cannot hide itself.

// pooled is what the checker knows about a set of persons: its figures and the
// distinct partners in it, with each partner's figures.
type pooled struct {
	kind       hjx.MetricKind
	value, n   int64 // count or numerator, and n
	order      []string
	minCell    map[string]int
	identified map[string]bool
	num, den   map[string]int64   // per partner: count or numerator, and n
	magnitude  map[string]float64 // per partner: money, or a mean's sum n*mean
}

func pool(cells ...Cell) pooled {
	p := pooled{minCell: map[string]int{}, identified: map[string]bool{}, num: map[string]int64{},
		den: map[string]int64{}, magnitude: map[string]float64{}}
	for _, c := range cells {
		p.kind = c.Kind
		if c.Kind == hjx.KindCount || c.Kind == hjx.KindProportion {
			p.value += int64(c.Value)
		}
		if c.Kind != hjx.KindCount {
			p.n += int64(c.N)
		}
		for _, s := range c.Contributions {
			if _, ok := p.minCell[s.PartnerID]; !ok {
				p.order = append(p.order, s.PartnerID)
				p.identified[s.PartnerID] = true
			}
			p.minCell[s.PartnerID] = max(p.minCell[s.PartnerID], s.MinCell)
			p.identified[s.PartnerID] = p.identified[s.PartnerID] && s.Identifiable
			switch c.Kind {
			case hjx.KindCount, hjx.KindProportion:
				p.num[s.PartnerID] += int64(s.Value)
			case hjx.KindAmount:
				p.magnitude[s.PartnerID] += s.Value // the generators use whole money
			case hjx.KindMean:
				p.magnitude[s.PartnerID] += s.Value * float64(s.N)
			}
			if c.Kind != hjx.KindCount {
				p.den[s.PartnerID] += int64(s.N)
			}
		}
	}
	return p
}

func (p pooled) k(floor int) int {
	k := floor
	for _, m := range p.minCell {
		k = max(k, m)
	}
	return k
}

// failures lists the primary rules a pooled figure breaks, as causes.
func (p pooled) failures(cfg Config) map[Reason]bool {
	cfg, _ = cfg.resolved()
	k := int64(p.k(cfg.Floor))
	small := func(x int64) bool { return x >= 1 && x < k }
	r := map[Reason]bool{}

	// Partners: non-identifiable ones number 0 or >= MinPartners, also when any
	// one contributor is taken out.
	var nonIdent []string
	for _, id := range p.order {
		if !p.identified[id] {
			nonIdent = append(nonIdent, id)
		}
	}
	ok := func(n int) bool { return n == 0 || n >= cfg.MinPartners }
	r[TooFewPartners] = len(p.order) == 0
	for _, id := range p.order {
		left := len(nonIdent)
		if !p.identified[id] {
			left--
		}
		r[TooFewPartners] = r[TooFewPartners] || !ok(left)
	}
	r[TooFewPartners] = r[TooFewPartners] || !ok(len(nonIdent))

	// Small cells: every count-like figure, also after the identifiable partners'
	// figures and any one contributor's are subtracted.
	var parts []func(id string) int64
	switch p.kind {
	case hjx.KindCount:
		parts = append(parts, func(id string) int64 { return p.num[id] })
	case hjx.KindProportion:
		parts = append(parts, func(id string) int64 { return p.num[id] }, func(id string) int64 { return p.den[id] },
			func(id string) int64 { return p.den[id] - p.num[id] })
	case hjx.KindAmount, hjx.KindMean:
		r[SmallCell] = p.n < k
		parts = append(parts, func(id string) int64 { return p.den[id] })
	}
	for _, part := range parts {
		total, public := p.totalPublic(part)
		for _, id := range p.order {
			insider := part(id)
			if p.identified[id] {
				insider = 0
			}
			r[SmallCell] = r[SmallCell] || small(total) || small(total-public-insider)
		}
	}

	// Dominance: money and means, among the non-identifiable partners (the
	// identifiable ones' figures are public): p% for both, (n, k) for money.
	if p.kind == hjx.KindAmount || p.kind == hjx.KindMean {
		var mags []float64
		for _, id := range nonIdent {
			mags = append(mags, math.Abs(p.magnitude[id]))
		}
		slices.SortFunc(mags, func(a, b float64) int { return cmp.Compare(b, a) })
		var total, top, rest float64
		for i, m := range mags {
			total += m
			if i < cfg.DominanceN {
				top += m
			}
			if i >= 2 {
				rest += m
			}
		}
		// Whole money in the generators; means are n*mean with mean in eighths.
		pPercent := len(mags) > 0 && rest < cfg.P*mags[0]-1e-9
		nk := p.kind == hjx.KindAmount && total > 0 && top > cfg.DominanceK*total+1e-9
		r[Dominance] = pPercent || nk
	}
	return r
}

// totalPublic sums a figure over the pool's partners: its total, and the part of
// the identifiable partners, which is public.
func (p pooled) totalPublic(x func(id string) int64) (total, public int64) {
	for _, id := range p.order {
		total += x(id)
		if p.identified[id] {
			public += x(id)
		}
	}
	return total, public
}

func (p pooled) publishable(cfg Config) bool {
	for _, bad := range p.failures(cfg) {
		if bad {
			return false
		}
	}
	return true
}

// checkInvariants fails t if the protected table breaks any rule.
func checkInvariants(t *testing.T, cfg Config, cells []Cell, out []Protected, sum Summary) {
	t.Helper()
	if len(out) != len(cells) {
		t.Fatalf("%d cells in, %d out", len(cells), len(out))
	}
	rcfg, _ := cfg.resolved()
	byReason := map[Reason]int{}
	maxK := rcfg.Floor
	for i, c := range cells {
		p, o := pool(c), out[i]
		maxK = max(maxK, p.k(rcfg.Floor))
		if !reflect.DeepEqual(o.Key, c.Key) && !(len(o.Key) == 0 && len(c.Key) == 0) {
			t.Fatalf("cell %d: key %q out, %q in: order not kept", i, o.Key, c.Key)
		}
		if o.Partners != len(p.minCell) {
			t.Errorf("cell %d: partners %d, want %d", i, o.Partners, len(p.minCell))
		}
		if o.Suppressed {
			byReason[o.Reason]++
			if o.Value != nil || o.N != nil || o.SD != nil || o.Rate != nil {
				t.Errorf("cell %d: suppressed but carries a number", i)
			}
			if want := map[Reason]Reason{TooFewPartners: TooFewPartners}[o.Cause]; o.Reason != want &&
				!(want == "" && o.Reason == DisclosureRisk) {
				t.Errorf("cell %d: cause %s published as %s", i, o.Cause, o.Reason)
			}
			fails := p.failures(cfg)
			switch o.Cause {
			case SmallCell, TooFewPartners, Dominance:
				if !fails[o.Cause] {
					t.Errorf("cell %d %+v: suppressed %s but does not break that rule", i, c, o.Cause)
				}
			case Secondary:
				if !p.publishable(cfg) {
					t.Errorf("cell %d: breaks a primary rule yet is reported SECONDARY", i)
				}
			default:
				t.Errorf("cell %d: suppressed with cause %q", i, o.Cause)
			}
			continue
		}
		if o.Reason != "" || o.Cause != "" || o.Value == nil {
			t.Errorf("cell %d: published with reason %q cause %q value %v", i, o.Reason, o.Cause, o.Value)
			continue
		}
		if !p.publishable(cfg) {
			t.Errorf("cell %d %+v: published but breaks %v (k %d)", i, c, p.failures(cfg), p.k(rcfg.Floor))
		}
		checkPublished(t, i, c, o, p.k(rcfg.Floor))
	}
	if sum.K != maxK || sum.RoundingBase != 5 {
		t.Errorf("summary k %d base %d, want %d 5", sum.K, sum.RoundingBase, maxK)
	}
	total := 0
	for _, n := range byReason {
		total += n
	}
	if sum.Suppressed != total || !reflect.DeepEqual(sum.ByReason, byReason) {
		t.Errorf("summary %+v, table has %v", sum, byReason)
	}
	checkSiblings(t, cfg, cells, out)
}

// scaledSum is sum (1 + m_i) x_i over the contributions, x_i picked by x and m_i
// by the unit key picked by unit (docs/DISCLOSURE.md, "Perturbation").
func scaledSum(c Cell, x func(Contribution) float64, units ...func(Contribution) uint64) float64 {
	var s float64
	for _, p := range c.Contributions {
		f := x(p)
		for _, unit := range units {
			f *= 1 + Multiplier(unit(p))
		}
		s += f
	}
	return s
}

func valueF(p Contribution) float64 { return p.Value }
func nF(p Contribution) float64     { return float64(p.N) }
func sumF(p Contribution) float64   { return p.Value * float64(p.N) }

// checkPublished: a published figure is the documented perturbation of the true
// one. A count-like figure is 0 exactly when it truly is; otherwise a multiple of 5,
// never below k, within D + 2.5 (noise and rounding) of the scaled sum, or the first
// multiple of 5 at or above k when that sum is close to k. Money is the scaled sum
// rounded to 10; a mean the ratio of the scaled sums to 1 decimal; an SD within
// SDSpread of the true one.
func checkPublished(t *testing.T, i int, c Cell, o Protected, k int) {
	t.Helper()
	least := float64((k + 4) / 5 * 5)
	countLike := func(what string, pub int, truth int64, scaled float64) {
		t.Helper()
		if truth == 0 {
			if pub != 0 {
				t.Errorf("cell %d: %s 0 published as %d", i, what, pub)
			}
			return
		}
		y := max(scaled, float64(k))
		far := math.Abs(float64(pub)-y) > NoiseD+2.5+1e-9
		if pub%5 != 0 || float64(pub) < least || (far && !(float64(pub) == least && y < least+NoiseD+3)) {
			t.Errorf("cell %d: %s %d (scaled %v, k %d) published as %d", i, what, truth, scaled, k, pub)
		}
	}
	switch c.Kind {
	case hjx.KindCount:
		countLike("count", int(*o.Value), int64(c.Value), scaledSum(c, valueF, valueUnit))
		if o.N != nil || o.Rate != nil || o.SD != nil {
			t.Errorf("cell %d: a count published with n, rate or sd", i)
		}
	case hjx.KindProportion:
		num, n := int(*o.Value), *o.N
		switch {
		case c.Value == 0 || c.Value == float64(c.N):
			countLike("n", n, int64(c.N), scaledSum(c, nF, nUnit))
			if want := map[bool]int{true: 0, false: n}[c.Value == 0]; num != want {
				t.Errorf("cell %d: %v of %d published as %d of %d", i, c.Value, c.N, num, n)
			}
		default:
			if n != 2*int(least) {
				countLike("n", n, int64(c.N), scaledSum(c, nF, nUnit))
			}
			if num != int(least) && num != n-int(least) {
				countLike("numerator", num, int64(c.Value), scaledSum(c, valueF, valueUnit))
			}
			if num%5 != 0 || num < int(least) || n-num < int(least) {
				t.Errorf("cell %d: %v of %d published as %d of %d: numerator or complement below k %d",
					i, c.Value, c.N, num, n, k)
			}
		}
		if (n == 0) != (o.Rate == nil) || (n > 0 && *o.Rate != roundTo(float64(num)/float64(n), 3)) {
			t.Errorf("cell %d: rate %v for %d of %d", i, o.Rate, num, n)
		}
	case hjx.KindAmount:
		scaled := scaledSum(c, valueF, valueUnit)
		if d := *o.Value - scaled; d < -5-1e-6 || d > 5+1e-6 || math.Mod(*o.Value, 10) != 0 {
			t.Errorf("cell %d: money %v (scaled %v) published as %v", i, c.Value, scaled, *o.Value)
		}
		countLike("n", *o.N, int64(c.N), scaledSum(c, nF, nUnit))
	case hjx.KindMean:
		want := scaledSum(c, sumF, valueUnit, nUnit) / scaledSum(c, nF, nUnit)
		if d := *o.Value - want; d < -0.05-1e-9 || d > 0.05+1e-9 {
			t.Errorf("cell %d: mean %v (perturbed %v) published as %v", i, c.Value, want, *o.Value)
		}
		countLike("n", *o.N, int64(c.N), scaledSum(c, nF, nUnit))
		if (c.SD == nil) != (o.SD == nil) ||
			(c.SD != nil && (*o.SD < *c.SD*(1-SDSpread)-0.05-1e-9 || *o.SD > *c.SD*(1+SDSpread)+0.05+1e-9)) {
			t.Errorf("cell %d: sd %v published as %v", i, c.SD, o.SD)
		}
	}
}

// checkSiblings: no sibling set has exactly one suppressed cell, and the suppressed
// cells of a set that is not wholly suppressed pass the primary rules together. Sets
// are found by comparing every pair of keys, not by the implementation's grouping.
func checkSiblings(t *testing.T, cfg Config, cells []Cell, out []Protected) {
	t.Helper()
	if len(cells) == 0 {
		return
	}
	for dim := range len(cells[0].Key) {
		done := make([]bool, len(cells))
		for i := range cells {
			if done[i] {
				continue
			}
			set := []int{i}
			for j := i + 1; j < len(cells); j++ {
				if differOnlyAt(cells[i].Key, cells[j].Key, dim) {
					set = append(set, j)
					done[j] = true
				}
			}
			if len(set) < 2 {
				continue
			}
			var hidden []Cell
			for _, j := range set {
				if out[j].Suppressed {
					hidden = append(hidden, cells[j])
				}
			}
			if len(hidden) == 1 {
				t.Errorf("sibling set along dimension %d %v has exactly one suppressed cell", dim, keys(cells, set))
			}
			if len(hidden) > 1 && len(hidden) < len(set) && !pool(hidden...).publishable(cfg) {
				t.Errorf("sibling set along dimension %d %v: suppressed cells together break %v",
					dim, keys(cells, set), pool(hidden...).failures(cfg))
			}
		}
	}
}

func differOnlyAt(a, b []string, dim int) bool {
	for i := range a {
		if i != dim && a[i] != b[i] {
			return false
		}
	}
	return true
}

func keys(cells []Cell, set []int) []string {
	var r []string
	for _, i := range set {
		r = append(r, strings.Join(cells[i].Key, ","))
	}
	return r
}

// source hands out small numbers, from a seeded generator (property test) or from
// fuzz bytes; exhausted bytes read as zero.
type source interface{ next(n int) int }

type randSource struct{ r *rand.Rand }

func (s randSource) next(n int) int { return s.r.IntN(n) }

type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) next(n int) int {
	if s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i]) % n
	s.i++
	return v
}

// genTable builds a table of up to three dimensions of up to four values each,
// with some cells missing, from a pool of six partners with GB, US, low and high
// policies, some identifiable, each with its unit keys and record keys. Figures
// hover around the thresholds.
func genTable(src source) (Config, []Cell) {
	cfg := genConfig(src)
	kind := []hjx.MetricKind{hjx.KindCount, hjx.KindProportion, hjx.KindAmount, hjx.KindMean}[src.next(4)]
	partners := genPartners(src)
	dims := src.next(4)
	sizes := make([]int, dims)
	cubeSize := 1
	for d := range sizes {
		sizes[d] = 1 + src.next(4)
		cubeSize *= sizes[d]
	}
	var cells []Cell
	for idx := range cubeSize {
		if dims > 0 && src.next(6) == 0 {
			continue // a cell no partner has figures for
		}
		key := make([]string, dims)
		rest := idx
		for d := range dims {
			key[d] = string(rune('A' + d*4 + rest%sizes[d]))
			rest /= sizes[d]
		}
		cells = append(cells, genCell(src, kind, key, partners))
	}
	return cfg, cells
}

// genConfig draws the rules: the floor, the partner minimum, and now and then a
// (1, 60) dominance rule or a 25% p rule.
func genConfig(src source) Config {
	cfg := Config{
		Floor:       []int{0, 5, 8, 10}[src.next(4)],
		MinPartners: []int{0, 2, 3, 3, 3, 4}[src.next(6)],
	}
	if src.next(4) == 0 {
		cfg.DominanceN, cfg.DominanceK = 1, 0.6
	}
	if src.next(4) == 0 {
		cfg.P = 0.25
	}
	return cfg
}

// genPartner is one of genTable's partners: its policy and unit keys.
type genPartner struct {
	id               string
	minCell          int
	identifiable     bool
	valueUnit, nUnit uint64
}

func genPartners(src source) []genPartner {
	unit := func() uint64 { return uint64(src.next(1<<16))<<48 | uint64(src.next(1<<16))<<11 | uint64(src.next(2)) }
	partners := make([]genPartner, 6)
	for p := range partners {
		partners[p] = genPartner{id: string(rune('a' + p)), minCell: []int{0, 5, 8, 8, 11, 11, 20}[src.next(7)],
			identifiable: src.next(15) == 0, valueUnit: unit(), nUnit: unit()}
	}
	return partners
}

// genCell draws one cell's contributions and sums them.
func genCell(src source, kind hjx.MetricKind, key []string, partners []genPartner) Cell {
	c := Cell{Key: key, Kind: kind}
	// Mostly four to six partners, some cells of one to three.
	contributors := 4 + src.next(3)
	if src.next(8) == 0 {
		contributors = 1 + src.next(3)
	}
	// Mostly figures well above k, some near or under it.
	big := []int{1, 6, 12, 12}[src.next(4)]
	first, dup := src.next(len(partners)), src.next(10) == 0
	for j := range contributors {
		p := partners[(first+j)%len(partners)] // distinct partners...
		if dup {
			p = partners[(first+j/2)%len(partners)] // ...or some twice
		}
		share := Contribution{PartnerID: p.id, MinCell: p.minCell, Identifiable: p.identifiable,
			ValueUnit: p.valueUnit, NUnit: p.nUnit, ValueKey: int64(src.next(256)), NKey: int64(src.next(256))}
		genFigures(src, kind, big, &c, &share)
		c.Contributions = append(c.Contributions, share)
	}
	if kind == hjx.KindMean {
		if c.N > 0 {
			c.Value /= float64(c.N)
		}
		if src.next(2) == 0 {
			c.SD = f(float64(src.next(50)) / 4)
		}
	}
	return c
}

// genFigures draws a share's figures by the kind of cell and adds them to the
// cell's.
func genFigures(src source, kind hjx.MetricKind, big int, c *Cell, share *Contribution) {
	switch kind {
	case hjx.KindCount:
		share.Value = float64(src.next(6 * big))
		c.Value += share.Value
	case hjx.KindProportion:
		share.N = src.next(8 * big)
		share.Value = float64(src.next(share.N + 1))
		c.Value += share.Value
		c.N += share.N
	case hjx.KindAmount:
		share.N = src.next(6 * big)
		share.Value = float64(src.next(10) * (1 + 9*src.next(2) + 90*src.next(3)/2))
		c.Value += share.Value
		c.N += share.N
	case hjx.KindMean:
		share.N = src.next(6 * big)
		share.Value = float64(src.next(200)-100) / 8
		c.N += share.N
		c.Value += share.Value * float64(share.N) // the sum, divided below
	}
}

func TestProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20240501, 7))
	suppressed, cellsSeen, causes := 0, 0, map[Reason]int{}
	for iter := range 3000 {
		cfg, cells := genTable(randSource{r})
		out, sum, err := Protect(cfg, cells)
		if err != nil {
			t.Fatalf("table %d: %v", iter, err)
		}
		checkInvariants(t, cfg, cells, out, sum)
		again, _, _ := Protect(cfg, cells)
		if !reflect.DeepEqual(out, again) {
			t.Fatalf("table %d: two runs differ", iter)
		}
		if t.Failed() {
			t.Fatalf("table %d (config %+v) broke an invariant", iter, cfg)
		}
		cellsSeen += len(cells)
		suppressed += sum.Suppressed
		for _, o := range out {
			causes[o.Cause]++
		}
	}
	secondary := causes[Secondary]
	// The generator must exercise the rules, or the test proves nothing.
	if suppressed == 0 || secondary == 0 || 10*(cellsSeen-suppressed) < cellsSeen {
		t.Errorf("generator too tame: %d cells, %d suppressed, %d secondary", cellsSeen, suppressed, secondary)
	}
	t.Logf("%d cells, %d suppressed, by cause %v", cellsSeen, suppressed, causes)
}

// FuzzProtect checks the same invariants on tables decoded from fuzz input. The
// seeds (f.Add and testdata/fuzz/FuzzProtect) run with every go test.
func FuzzProtect(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 2, 0, 3, 0, 4, 0, 1, 1, 2, 3, 4, 0, 5, 6, 7})
	f.Add([]byte("\x02\x01\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x02\x03\x03\x01\x00\x07\x02\x01\x0c\x03\x02\x05"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, cells := genTable(&byteSource{b: data})
		out, sum, err := Protect(cfg, cells)
		if err != nil {
			t.Fatalf("Protect: %v", err)
		}
		checkInvariants(t, cfg, cells, out, sum)
	})
}

// TestNoPublishedSmallFigure is the property stated directly: for random
// tables, no published count, numerator, complement or n is in 1..k-1, neither the
// true figure behind a published cell nor the number shown.
func TestNoPublishedSmallFigure(t *testing.T) {
	t.Parallel()
	published := 0
	forEachPublished(t, rand.New(rand.NewPCG(42, 8)), 2000, func(iter, i int, c Cell, o Protected, floor int) {
		published++
		k := int64(pool(c).k(floor))
		small := func(what string, x int64) {
			if x >= 1 && x < k {
				t.Errorf("table %d cell %d: %s %d published with k %d", iter, i, what, x, k)
			}
		}
		switch c.Kind {
		case hjx.KindCount:
			small("count", int64(c.Value))
			small("shown count", int64(*o.Value))
		case hjx.KindProportion:
			small("numerator", int64(c.Value))
			small("n", int64(c.N))
			small("complement", int64(c.N)-int64(c.Value))
			small("shown numerator", int64(*o.Value))
			small("shown n", int64(*o.N))
		case hjx.KindAmount, hjx.KindMean:
			if int64(c.N) < k {
				t.Errorf("table %d cell %d: %s over n %d published with k %d", iter, i, c.Kind, c.N, k)
			}
		}
	})
	if published == 0 {
		t.Fatal("no cell published: the generator proves nothing")
	}
}

// forEachPublished protects random tables and calls f with every cell
// that was published, its protected form and the resolved floor.
func forEachPublished(t *testing.T, r *rand.Rand, tables int, f func(iter, i int, c Cell, o Protected, floor int)) {
	t.Helper()
	for iter := range tables {
		cfg, cells := genTable(randSource{r})
		out, _, err := Protect(cfg, cells)
		if err != nil {
			t.Fatal(err)
		}
		rcfg, _ := cfg.resolved()
		for i, c := range cells {
			if !out[i].Suppressed {
				f(iter, i, c, out[i], rcfg.Floor)
			}
		}
	}
}
