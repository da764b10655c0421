package disclosure

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// The invariants below are checked on random and fuzzed tables with code written
// apart from the implementation: they restate DESIGN.md section 4 directly on the
// unrounded input, so a bug in Protect's bookkeeping cannot hide itself.

// pooled is what the checker knows about a set of persons: its figures and the
// distinct partners in it.
type pooled struct {
	kind       Kind
	value, n   int64   // count or numerator, and n
	money      []int64 // per partner, money cells only
	minCell    map[string]int
	identified map[string]bool
}

func pool(cells ...Cell) pooled {
	p := pooled{minCell: map[string]int{}, identified: map[string]bool{}}
	money := map[string]int64{}
	var order []string
	for _, c := range cells {
		p.kind = c.Kind
		if c.Kind == Count || c.Kind == Proportion {
			p.value += int64(c.Value)
		}
		if c.Kind != Count {
			p.n += int64(c.N)
		}
		for _, s := range c.Contributions {
			if _, ok := p.minCell[s.PartnerID]; !ok {
				order = append(order, s.PartnerID)
				p.identified[s.PartnerID] = true
			}
			p.minCell[s.PartnerID] = max(p.minCell[s.PartnerID], s.MinCell)
			p.identified[s.PartnerID] = p.identified[s.PartnerID] && s.Identifiable
			money[s.PartnerID] += int64(s.Value) // the generators use whole money
		}
	}
	for _, id := range order {
		if !p.identified[id] {
			p.money = append(p.money, money[id])
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

// failures lists the primary rules a pooled figure breaks, as reasons.
func (p pooled) failures(cfg Config) map[Reason]bool {
	cfg, _ = cfg.resolved()
	k := int64(p.k(cfg.Floor))
	small := func(x int64) bool { return x >= 1 && x < k }
	r := map[Reason]bool{}
	switch p.kind {
	case Count:
		r[SmallCell] = small(p.value)
	case Proportion:
		r[SmallCell] = small(p.value) || small(p.n) || small(p.n-p.value)
	case Amount, Mean:
		r[SmallCell] = p.n < k
	}
	nonIdent := len(p.money)
	r[TooFewPartners] = len(p.minCell) == 0 || (nonIdent > 0 && nonIdent < cfg.MinPartners)
	if p.kind == Amount {
		// Largest DominanceN shares over DominanceK of the total, in whole numbers:
		// top * 100 > K% * total, with K given in whole percent by the generators.
		var top, total int64
		sorted := append([]int64(nil), p.money...)
		for i := range sorted {
			for j := i + 1; j < len(sorted); j++ {
				if sorted[j] > sorted[i] {
					sorted[i], sorted[j] = sorted[j], sorted[i]
				}
			}
		}
		for i, m := range sorted {
			total += m
			if i < cfg.DominanceN {
				top += m
			}
		}
		pct := int64(cfg.DominanceK*100 + 0.5)
		r[Dominance] = total > 0 && top*100 > pct*total
	}
	return r
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
			fails := p.failures(cfg)
			switch o.Reason {
			case SmallCell, TooFewPartners, Dominance:
				if !fails[o.Reason] {
					t.Errorf("cell %d %+v: suppressed %s but does not break that rule", i, c, o.Reason)
				}
			case Secondary:
				if !p.publishable(cfg) {
					t.Errorf("cell %d: breaks a primary rule yet is reported SECONDARY", i)
				}
			default:
				t.Errorf("cell %d: suppressed with reason %q", i, o.Reason)
			}
			continue
		}
		if o.Reason != "" || o.Value == nil {
			t.Errorf("cell %d: published with reason %q value %v", i, o.Reason, o.Value)
			continue
		}
		if !p.publishable(cfg) {
			t.Errorf("cell %d %+v: published but breaks %v (k %d)", i, c, p.failures(cfg), p.k(rcfg.Floor))
		}
		checkRounded(t, i, c, o, p.k(rcfg.Floor))
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

// checkRounded: published figures are the rounded true ones, within half a base,
// except that a count is never shown below k: then it is the first multiple of 5
// at or above k.
func checkRounded(t *testing.T, i int, c Cell, o Protected, k int) {
	t.Helper()
	near5 := func(pub, truth int64) bool {
		if floor := int64((k + 4) / 5 * 5); truth > 0 && truth+2 < floor {
			return pub == floor
		}
		d := pub - truth
		return pub%5 == 0 && d >= -2 && d <= 2
	}
	switch c.Kind {
	case Count:
		if !near5(int64(*o.Value), int64(c.Value)) || o.N != nil {
			t.Errorf("cell %d: count %v published as %v", i, c.Value, *o.Value)
		}
	case Proportion:
		if !near5(int64(*o.Value), int64(c.Value)) || !near5(int64(*o.N), int64(c.N)) {
			t.Errorf("cell %d: %v/%d published as %v/%d", i, c.Value, c.N, *o.Value, *o.N)
		}
		if *o.Value > float64(*o.N) {
			t.Errorf("cell %d: rounded numerator above rounded n", i)
		}
	case Amount:
		if d := *o.Value - c.Value; d < -5 || d > 5 || int64(*o.Value)%10 != 0 || !near5(int64(*o.N), int64(c.N)) {
			t.Errorf("cell %d: money %v n %d published as %v n %d", i, c.Value, c.N, *o.Value, *o.N)
		}
	case Mean:
		if d := *o.Value - c.Value; d < -0.05-1e-9 || d > 0.05+1e-9 || !near5(int64(*o.N), int64(c.N)) {
			t.Errorf("cell %d: mean %v published as %v", i, c.Value, *o.Value)
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
// with some cells missing, from a pool of five partners with GB, US, low and high
// policies, some identifiable. Figures hover around the thresholds.
func genTable(src source) (Config, []Cell) {
	cfg := Config{
		Floor:       []int{0, 5, 8, 10}[src.next(4)],
		MinPartners: []int{0, 2, 3, 3, 3, 4}[src.next(6)],
	}
	if src.next(4) == 0 {
		cfg.DominanceN, cfg.DominanceK = 1, 0.6
	}
	kind := []Kind{Count, Proportion, Amount, Mean}[src.next(4)]
	type partner struct {
		id           string
		minCell      int
		identifiable bool
	}
	partners := make([]partner, 5)
	for p := range partners {
		partners[p] = partner{id: string(rune('a' + p)), minCell: []int{0, 5, 8, 8, 11, 11, 20}[src.next(7)],
			identifiable: src.next(15) == 0}
	}
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
		c := Cell{Key: key, Kind: kind}
		// Mostly three to five partners, some cells of one or two.
		contributors := 3 + src.next(3)
		if src.next(8) == 0 {
			contributors = 1 + src.next(2)
		}
		// Mostly figures well above k, some near or under it.
		big := []int{1, 6, 12, 12}[src.next(4)]
		first, dup := src.next(len(partners)), src.next(10) == 0
		for j := range contributors {
			p := partners[(first+j)%len(partners)] // distinct partners...
			if dup {
				p = partners[(first+j/2)%len(partners)] // ...or some twice
			}
			share := Contribution{PartnerID: p.id, MinCell: p.minCell, Identifiable: p.identifiable}
			switch kind {
			case Count:
				share.Value = float64(src.next(6 * big))
				c.Value += share.Value
			case Proportion:
				share.N = src.next(8 * big)
				share.Value = float64(src.next(share.N + 1))
				c.Value += share.Value
				c.N += share.N
			case Amount:
				share.N = src.next(6 * big)
				share.Value = float64(src.next(10) * (1 + 9*src.next(2) + 90*src.next(3)/2))
				c.Value += share.Value
				c.N += share.N
			case Mean:
				share.N = src.next(6 * big)
				c.N += share.N
				c.Value = float64(src.next(200)-100) / 8
				if src.next(2) == 0 {
					c.SD = f(float64(src.next(50)) / 4)
				}
			}
			c.Contributions = append(c.Contributions, share)
		}
		cells = append(cells, c)
	}
	return cfg, cells
}

func TestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20240501, 7))
	suppressed, secondary, cellsSeen := 0, 0, 0
	for iter := range 5000 {
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
		secondary += sum.ByReason[Secondary]
	}
	// The generator must exercise the rules, or the test proves nothing.
	if suppressed == 0 || secondary == 0 || 10*(cellsSeen-suppressed) < cellsSeen {
		t.Errorf("generator too tame: %d cells, %d suppressed, %d secondary", cellsSeen, suppressed, secondary)
	}
	t.Logf("%d cells, %d suppressed, %d of them secondary", cellsSeen, suppressed, secondary)
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
	r := rand.New(rand.NewPCG(42, 8))
	published := 0
	for iter := range 3000 {
		cfg, cells := genTable(randSource{r})
		out, _, err := Protect(cfg, cells)
		if err != nil {
			t.Fatal(err)
		}
		rcfg, _ := cfg.resolved()
		for i, c := range cells {
			if out[i].Suppressed {
				continue
			}
			published++
			k := int64(pool(c).k(rcfg.Floor))
			small := func(what string, x int64) {
				if x >= 1 && x < k {
					t.Errorf("table %d cell %d: %s %d published with k %d", iter, i, what, x, k)
				}
			}
			switch c.Kind {
			case Count:
				small("count", int64(c.Value))
				small("shown count", int64(*out[i].Value))
			case Proportion:
				small("numerator", int64(c.Value))
				small("n", int64(c.N))
				small("complement", int64(c.N)-int64(c.Value))
				small("shown numerator", int64(*out[i].Value))
				small("shown n", int64(*out[i].N))
			case Amount, Mean:
				if int64(c.N) < k {
					t.Errorf("table %d cell %d: %s over n %d published with k %d", iter, i, c.Kind, c.N, k)
				}
			}
		}
	}
	if published == 0 {
		t.Fatal("no cell published: the generator proves nothing")
	}
}
