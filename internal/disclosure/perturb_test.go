package disclosure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

func TestMultiplier(t *testing.T) {
	t.Parallel()
	t.Run("Ends", func(t *testing.T) {
		// g = 1.14 + 0.10 u; the negative side is 1/g to 10^-9: 1/1.14 = 0.877192982,
		// 1/1.19 = 0.840336134, 1/1.24 = 0.806451613 (0.80645161290...).
		for unit, want := range map[uint64]float64{0: 0.14, 1: -0.122807018, 1 << 63: 0.19, 1<<63 | 1: -0.159663866,
			math.MaxUint64 &^ 1: 0.239999999, math.MaxUint64: -0.193548386} {
			if got := Multiplier(unit); got != want {
				t.Errorf("Multiplier(%#x) = %v, want %v", unit, got, want)
			}
		}
	})
	t.Run("Constants", func(t *testing.T) {
		eg := (FactorMin + FactorMax) / 2
		einv := math.Log(FactorMax/FactorMin) / (FactorMax - FactorMin)
		if p := (1 - einv) / (eg - einv); math.Abs(p-PositiveShare) > 1e-12 {
			t.Errorf("PositiveShare %v, the formula gives %v", PositiveShare, p)
		}
		if MultiplierMin != 1-1/FactorMin || MultiplierMax != FactorMax-1 {
			t.Errorf("MultiplierMin %v MultiplierMax %v", MultiplierMin, MultiplierMax)
		}
	})
	t.Run("Distribution", testMultiplierDistribution)
	t.Run("UnitKeys", func(t *testing.T) {
		// The same, over unit keys as the server derives them: the factor is 1 on
		// average (the expected factor's standard deviation over 20000 partners is
		// about 0.0012) and PositiveShare of partners are positive.
		const n = 20000
		var sum float64
		positive := 0
		for i := range n {
			m := Multiplier(testSecret.UnitKey(fmt.Sprint("partner ", i), "m", RoleValue))
			sum += 1 + m
			if m > 0 {
				positive++
			}
		}
		if mean := sum / n; math.Abs(mean-1) > 0.005 {
			t.Errorf("mean factor of unit keys %v, want about 1", mean)
		}
		if share := float64(positive) / n; math.Abs(share-PositiveShare) > 0.015 {
			t.Errorf("%.3f of partners positive, want about %.3f", share, PositiveShare)
		}
	})
}

func testMultiplierDistribution(t *testing.T) {
	// Over many partners' unit keys, the sign drawn as UnitKey draws it: never
	// within 12% of 1, never beyond 1/1.24 or 1.24, g uniform over [1.14, 1.24),
	// positive with probability PositiveShare, and the factor 1 on average.
	const n = 400000
	r := rand.New(rand.NewPCG(3, 4))
	var sum float64
	var positive int
	var buckets [8]int
	for range n {
		unit := r.Uint64() &^ 1
		if r.Float64() >= PositiveShare {
			unit |= 1
		}
		m := Multiplier(unit)
		if a := math.Abs(m); a < MultiplierMin-1e-9 || 1+m < 1/FactorMax || 1+m >= FactorMax {
			t.Fatalf("m = %v outside the documented ranges", m)
		}
		g := 1 + m
		if m > 0 {
			positive++
		} else {
			g = 1 / g
		}
		sum += 1 + m
		buckets[min(int((g-FactorMin)/(FactorMax-FactorMin)*8), 7)]++
	}
	if mean := sum / n; math.Abs(mean-1) > 0.001 {
		t.Errorf("mean factor %v, want about 1", mean)
	}
	if share := float64(positive) / n; math.Abs(share-PositiveShare) > 0.005 {
		t.Errorf("%.3f of multipliers positive, want about %.3f", share, PositiveShare)
	}
	for i, b := range buckets {
		if math.Abs(float64(b)/n-1.0/8) > 0.005 {
			t.Errorf("magnitude bucket %d holds %d of %d: g not uniform", i, b, n)
		}
	}
}

// TestRatioTellsNoSign: the ratio of two factors of one sign (a partner's rate,
// one population under two metrics or roles, two periods of a metric) spans the
// same range whichever the sign, [FactorMin/FactorMax, FactorMax/FactorMin], so no
// ratio read proves a sign. Under linear-symmetric factors 1 ± |m|, |m| in [0.12,
// 0.20], a negative partner's ratios reached 0.8/0.88 = 0.909 and 0.88/0.8 = 1.1,
// beyond the positive 1.12/1.2 = 0.933 and 1.2/1.12 = 1.071.
func TestRatioTellsNoSign(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	var below, above [2]int // ratios in the outer tenth of the allowed range, per sign
	const n = 200000
	wantLo, wantHi := FactorMin/FactorMax, FactorMax/FactorMin
	for range n {
		for sign := range 2 {
			a, b := r.Uint64()&^1|uint64(sign), r.Uint64()&^1|uint64(sign)
			ratio := (1 + Multiplier(a)) / (1 + Multiplier(b))
			lo[sign], hi[sign] = min(lo[sign], ratio), max(hi[sign], ratio)
			if ratio < wantLo+0.1*(wantHi-wantLo) {
				below[sign]++
			}
			if ratio > wantHi-0.1*(wantHi-wantLo) {
				above[sign]++
			}
		}
	}
	for sign, name := range []string{"positive", "negative"} {
		if lo[sign] < wantLo-1e-8 || hi[sign] > wantHi+1e-8 || lo[sign] > wantLo+0.001 || hi[sign] < wantHi-0.001 {
			t.Errorf("%s sign: ratios span [%.4f, %.4f], want [%.4f, %.4f]", name, lo[sign], hi[sign], wantLo, wantHi)
		}
	}
	// Not only the ends: as many ratios of either sign fall near each end.
	for _, c := range [][2]int{below, above} {
		if d := math.Abs(float64(c[0]-c[1])) / n; d > 0.003 {
			t.Errorf("ratios near an end: %d positive, %d negative of %d each", c[0], c[1], n)
		}
	}
}

// TestSameCellSameValue is the promise: a cell (the same contributions
// with the same keys) publishes the same figures in every table it appears in, in
// any order of its contributions, whether a partner's figure comes as one row or
// several, alone or among siblings, under any grouping.
func TestSameCellSameValue(t *testing.T) {
	t.Parallel()
	cells := map[string]Cell{
		"Count":      count(57),
		"Proportion": prop(23, 61),
		"Amount": amount(40, gb("a", 1234.5), gb("b", 2000), gb("c", 1800.25),
			gb("d", 1500)),
		"Mean": mean(f(2.4), 41, gb("a", 3.5), gb("b", 4.25), gb("c", 2), gb("d", 5)),
	}
	for name, cell := range cells {
		t.Run(name, func(t *testing.T) {
			alone := protectOne(t, Config{}, cell)
			if alone.Suppressed {
				t.Fatalf("the cell is suppressed on its own: %s", show(alone))
			}
			variants := map[string][]Cell{
				"Keyed":          {keyed(cell, "x")},
				"AmongSiblings":  {keyed(sibling(cell, 3), "a"), keyed(cell, "x"), keyed(sibling(cell, 2), "b")},
				"TwoDimensions":  {keyed(sibling(cell, 2), "GB", "F"), keyed(cell, "US", "M")},
				"Reordered":      {reorder(cell)},
				"SplitIntoRows":  {split(cell)},
				"SplitReordered": {keyed(sibling(cell, 2), "a"), keyed(reorder(split(cell)), "x")},
			}
			for variant, table := range variants {
				out, _, err := Protect(Config{}, table)
				if err != nil {
					t.Fatalf("%s: %v", variant, err)
				}
				var got Protected
				for _, o := range out {
					if len(o.Key) == 0 || o.Key[len(o.Key)-1] == "x" || o.Key[len(o.Key)-1] == "M" {
						got = o
					}
				}
				got.Key, alone.Key = nil, nil
				if !reflect.DeepEqual(got, alone) {
					t.Errorf("%s: published %s, alone %s", variant, show(got), show(alone))
				}
			}
		})
	}
}

// sibling is another cell of the same partners with figures scaled by s.
func sibling(c Cell, s int) Cell {
	d := c
	d.Contributions = append([]Contribution(nil), c.Contributions...)
	for i := range d.Contributions {
		if c.Kind != hjx.KindMean {
			d.Contributions[i].Value *= float64(s)
		}
		d.Contributions[i].N *= s
	}
	if c.Kind != hjx.KindMean {
		d.Value *= float64(s)
	}
	d.N *= s
	return d
}

func reorder(c Cell) Cell {
	d := c
	d.Contributions = append([]Contribution(nil), c.Contributions...)
	slicesReverse(d.Contributions)
	return d
}

func slicesReverse(cs []Contribution) {
	for i, j := 0, len(cs)-1; i < j; i, j = i+1, j-1 {
		cs[i], cs[j] = cs[j], cs[i]
	}
}

// split turns the first partner's contribution into two rows (two months, say),
// with its figures and record keys divided between them.
func split(c Cell) Cell {
	d := c
	first := c.Contributions[0]
	a, b := first, first
	switch c.Kind {
	case hjx.KindMean:
		a.N, b.N = first.N/2, first.N-first.N/2 // the same mean in both halves
	default:
		a.Value = math.Floor(first.Value / 2)
		b.Value = first.Value - a.Value
		a.N, b.N = first.N/2, first.N-first.N/2
		if c.Kind == hjx.KindProportion {
			a.Value = min(a.Value, float64(a.N))
			b.Value = first.Value - a.Value
		}
	}
	a.ValueKey, b.ValueKey = 100, first.ValueKey-100+KeyRange
	a.NKey, b.NKey = 7, first.NKey-7
	d.Contributions = append([]Contribution{a, b}, c.Contributions[1:]...)
	return d
}

// TestSameCellAcrossRandomTables: every published cell of the random tables of
// the property test publishes, protected on its own, exactly what it published in
// its table.
func TestSameCellAcrossRandomTables(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	checked := 0
	for iter := range 1000 {
		cfg, cells := genTable(randSource{r})
		out, _, err := Protect(cfg, cells)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cells {
			if out[i].Suppressed {
				continue
			}
			c.Key = nil
			alone, _, err := Protect(cfg, []Cell{reorder(c)})
			if err != nil {
				t.Fatal(err)
			}
			got := out[i]
			got.Key = nil
			if alone[0].Key = nil; !reflect.DeepEqual(got, alone[0]) {
				t.Fatalf("table %d cell %d: published %s in its table, %s alone", iter, i, show(got), show(alone[0]))
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d published cells checked", checked)
	}
}

// Unit keys with round factors: 1.14, 1/1.14 = 0.877192982, 1.19, 1/1.19 =
// 0.840336134 (the negative side to 10^-9).
const (
	up14   uint64 = 0
	down14 uint64 = 1
	up19   uint64 = 1 << 63
	down19 uint64 = 1<<63 | 1
)

// keyedPartner is a GB partner with the given figures, unit keys and record keys.
func keyedPartner(id string, v float64, n int, valueUnit, nUnit uint64, valueKey, nKey int64) Contribution {
	return Contribution{PartnerID: id, MinCell: 8, Value: v, N: n, ValueUnit: valueUnit, NUnit: nUnit,
		ValueKey: valueKey, NKey: nKey}
}

// TestPerturbedCount computes published counts from the documented formula with
// known keys: y = round(sum (1+m_i) x_i), then y + ptable(y - k, cell key), rounded
// to 5 never below k.
func TestPerturbedCount(t *testing.T) {
	t.Parallel()
	// 29*1.14 + 20*0.877192982 + 10*1.19 + 40*0.840336134 = 33.06 + 17.54385964 +
	// 11.9 + 33.61344536 = 96.117305: y = 96, j = 88 (stationary row).
	four := func(values [4]float64, keys [4]int64) Cell {
		units := [4]uint64{up14, down14, up19, down19}
		var cs []Contribution
		var total float64
		for i := range 4 {
			cs = append(cs, keyedPartner(string(rune('a'+i)), values[i], 0, units[i], 0, keys[i], 0))
			total += values[i]
		}
		return Cell{Kind: hjx.KindCount, Value: total, Contributions: cs}
	}
	tests := []struct {
		name string
		cell Cell
		want int
	}{
		// Key 10+20+30+40 = 100: the stationary row gives 0 there: 96 -> 95.
		{"StationaryNoNoise", four([4]float64{29, 20, 10, 40}, [4]int64{10, 20, 30, 40}), 95},
		// The cell key is the sum modulo 256: 356 is 100 again.
		{"KeySumWraps", four([4]float64{29, 20, 10, 40}, [4]int64{110, 120, 86, 40}), 95},
		// Key 0: noise -4: 92 -> 90. Key 255: noise +4: 100.
		{"StationaryDown", four([4]float64{29, 20, 10, 40}, [4]int64{0, 0, 0, 0}), 90},
		{"StationaryUp", four([4]float64{29, 20, 10, 40}, [4]int64{255, 0, 0, 0}), 100},
		// 9*1.14 = 10.26: y = 10, j = 2; key 0 in row 2 is -2: 8 -> 10 (never below k).
		{"TruncatedRow", four([4]float64{9, 0, 0, 0}, [4]int64{0, 0, 0, 0}), 10},
		// Key 255 in row 2 is +4: 14 -> 15.
		{"TruncatedRowUp", four([4]float64{9, 0, 0, 0}, [4]int64{255, 0, 0, 0}), 15},
		// 9*0.840336134 = 7.563: y = 8 = k, row 0 (no noise): 10.
		{"AtK", four([4]float64{0, 0, 0, 9}, [4]int64{255, 0, 0, 0}), 10},
		// 8*0.840336134 = 6.723: y = 7, pulled below k: row 0 at k: 8 -> 10.
		{"PulledBelowK", four([4]float64{0, 0, 0, 8}, [4]int64{255, 0, 0, 0}), 10},
		{"ZeroStaysZero", four([4]float64{0, 0, 0, 0}, [4]int64{255, 3, 0, 0}), 0},
		// Unit key 429496730<<32 is g = 1.14 + floor(429496730 * 10^8 / 2^32) 10^-9 =
		// 1.15: 50 * 1.15 = 57.5 exactly in decimals (57.4999... in binary floating
		// point): y = 58, key 100 is 0 in the stationary row: 58 -> 60 (57 would
		// give 55).
		{"ExactHalfRoundsAwayFromZero", Cell{Kind: hjx.KindCount, Value: 50, Contributions: []Contribution{
			keyedPartner("a", 50, 0, 429496730<<32, 0, 100, 0), keyedPartner("b", 0, 0, 0, 0, 0, 0),
			keyedPartner("c", 0, 0, 0, 0, 0, 0), keyedPartner("d", 0, 0, 0, 0, 0, 0)}}, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protectOne(t, Config{}, tt.cell)
			if got.Suppressed || *got.Value != float64(tt.want) {
				t.Errorf("published %s, want %d", show(got), tt.want)
			}
		})
	}
	// The literal expectations above are the formula applied to the ptable:
	// recompute them from PTableNoise so that a regenerated table shows up here.
	for _, c := range []struct{ y, key, want int }{{96, 100, 95}, {96, 0, 90}, {96, 255, 100}, {10, 0, 10}, {10, 255, 15},
		{58, 100, 60}, {57, 100, 55}} {
		if got := RoundCountAtLeast(c.y+PTableNoise(c.y-8, c.key), 8); got != c.want {
			t.Errorf("y %d key %d: formula gives %d, the cases above expect %d", c.y, c.key, got, c.want)
		}
	}
}

func TestPerturbedProportion(t *testing.T) {
	t.Parallel()
	least := 10 // the smallest count shown with k 8
	tests := []struct {
		name     string
		cs       []Contribution
		num, n   int
		wantNum  int
		wantN    int
		wantRate float64
	}{
		// n: 80 * 0.840336134 = 67.227, key 100 in the stationary row: 0: 65.
		// Numerator: 60 * 1.19 = 71.4 -> 71 + 0: 70, above n: the complement (truly
		// 20) is kept at least k: 65 - 10 = 55.
		{"NumeratorClampedBelowN", []Contribution{
			keyedPartner("a", 15, 20, up19, down19, 25, 25), keyedPartner("b", 15, 20, up19, down19, 25, 25),
			keyedPartner("c", 15, 20, up19, down19, 25, 25), keyedPartner("d", 15, 20, up19, down19, 25, 25)},
			60, 80, 55, 65, 55.0 / 65},
		// Everybody: the numerator is the published n, 3 * 20 * 0.840336134 + 20 *
		// 0.877192982 = 67.964 -> 68 -> 70.
		{"AllStaysAll", []Contribution{
			keyedPartner("a", 20, 20, up19, down19, 25, 25), keyedPartner("b", 20, 20, up14, down14, 25, 25),
			keyedPartner("c", 20, 20, up19, down19, 25, 25), keyedPartner("d", 20, 20, up19, down19, 25, 25)},
			80, 80, 70, 70, 1},
		// Nobody: 0.
		{"NoneStaysNone", []Contribution{
			keyedPartner("a", 0, 20, up19, down19, 25, 25), keyedPartner("b", 0, 20, up14, down14, 25, 25),
			keyedPartner("c", 0, 20, up19, down19, 25, 25), keyedPartner("d", 0, 20, up19, down19, 25, 25)},
			0, 80, 0, 70, 0},
		// 8 of 16 (a has all 8 of its 8; b none of its 8): n 16 * 0.840336134 =
		// 13.445 -> 13,
		// key 50 in row 5 is -1: 12 -> 10. Numerator and complement both truly k or
		// more, so the pair shown is 10 of 20.
		{"DenominatorRaisedForBothSides", []Contribution{
			keyedPartner("a", 8, 8, up14, down19, 0, 50), keyedPartner("b", 0, 8, up14, down19, 0, 0),
			keyedPartner("c", 0, 0, up14, down19, 0, 0), keyedPartner("d", 0, 0, up14, down19, 0, 0)},
			8, 16, least, 2 * least, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protectOne(t, Config{}, Cell{Kind: hjx.KindProportion, Value: float64(tt.num), N: tt.n, Contributions: tt.cs})
			if got.Suppressed || *got.Value != float64(tt.wantNum) || *got.N != tt.wantN ||
				got.Rate == nil || *got.Rate != roundTo(tt.wantRate, RateDecimals) {
				t.Errorf("published %s, want %d of %d", show(got), tt.wantNum, tt.wantN)
			}
		})
	}
}

func TestPerturbedMoneyAndMeans(t *testing.T) {
	t.Parallel()
	t.Run("Amount", func(t *testing.T) {
		// 1234.56*1.14 + 2000*0.877192982 + 1500*1.19 + 2500*0.840336134 =
		// 1407.3984 + 1754.385964 + 1785 + 2100.840335 = 7047.624699 -> 7050. n: 10
		// each, all 1.14: 45.6 -> 46, key 100 (0): 45.
		c := amount(40, keyedPartner("a", 1234.56, 10, up14, up14, 0, 100), keyedPartner("b", 2000, 10, down14, up14, 0, 0),
			keyedPartner("c", 1500, 10, up19, up14, 0, 0), keyedPartner("d", 2500, 10, down19, up14, 0, 0))
		got := protectOne(t, Config{}, c)
		if got.Suppressed || *got.Value != 7050 || *got.N != 45 {
			t.Errorf("published %s, want 7050 over 45", show(got))
		}
	})
	t.Run("AmountZero", func(t *testing.T) {
		c := amount(40, keyedPartner("a", 0, 10, up14, up14, 0, 100), keyedPartner("b", 0, 10, down14, up14, 0, 0),
			keyedPartner("c", 0, 10, up19, up14, 0, 0), keyedPartner("d", 0, 10, down19, up14, 0, 0))
		if got := protectOne(t, Config{}, c); got.Suppressed || *got.Value != 0 {
			t.Errorf("published %s, want 0", show(got))
		}
	})
	// Means 2, 4, 3, 5 over 10 persons each (true mean 3.5); persons scaled by
	// 1.14, 1.14, 0.877192982, 0.877192982: 40.34385964 (y 40, j 32); sums scaled
	// by their own factors 1.14, 0.877192982, 1.19, 0.840336134 and, chained, by
	// the persons' ones: 20*1.14*1.14 + 40*0.877192982*1.14 + 30*1.19*0.877192982 +
	// 50*0.840336134*0.877192982 = 25.992 + 39.99999998 + 31.31578946 + 36.85684796
	// = 134.1646374. Mean 3.32553 -> 3.3. SD 2 times 1 + s, s from the n key: -10%
	// at 0, +10% at 255, about 0 half way.
	meanCell := func(nKey int64) Cell {
		return mean(f(2), 40, keyedPartner("a", 2, 10, up14, up14, 0, nKey), keyedPartner("b", 4, 10, down14, up14, 0, 0),
			keyedPartner("c", 3, 10, up19, down14, 0, 0), keyedPartner("d", 5, 10, down19, down14, 0, 0))
	}
	for _, tt := range []struct {
		name   string
		nKey   int64
		wantSD float64
	}{{"MeanSDDown", 0, 1.8}, {"MeanSDUp", 255, 2.2}, {"MeanSDMiddle", 128, 2}} {
		t.Run(tt.name, func(t *testing.T) {
			got := protectOne(t, Config{}, meanCell(tt.nKey))
			if got.Suppressed || *got.Value != 3.3 || *got.SD != tt.wantSD {
				t.Errorf("published %s, want mean 3.3 sd %v", show(got), tt.wantSD)
			}
			if want := RoundCountAtLeast(40+PTableNoise(32, int(tt.nKey)), 8); *got.N != want {
				t.Errorf("n %d, want %d", *got.N, want)
			}
		})
	}
}

// TestInsiderRemainder: in every published cell of the random tables, what a
// contributor learns by subtracting its own figure (and the identifiable partners'
// public ones) from any count-like figure is 0 or at least k.
func TestInsiderRemainder(t *testing.T) {
	t.Parallel()
	checked := 0
	forEachPublished(t, rand.New(rand.NewPCG(5, 6)), 2000, func(iter, i int, c Cell, _ Protected, floor int) {
		p := pool(c)
		k := int64(p.k(floor))
		figures := map[string]func(string) int64{}
		switch c.Kind {
		case hjx.KindCount:
			figures["count"] = func(id string) int64 { return p.num[id] }
		case hjx.KindProportion:
			figures["numerator"] = func(id string) int64 { return p.num[id] }
			figures["n"] = func(id string) int64 { return p.den[id] }
			figures["complement"] = func(id string) int64 { return p.den[id] - p.num[id] }
		default:
			figures["n"] = func(id string) int64 { return p.den[id] }
		}
		for what, x := range figures {
			total, public := p.totalPublic(x)
			for _, id := range p.order {
				left := total - public
				if !p.identified[id] {
					left -= x(id)
				}
				if left >= 1 && left < k {
					t.Errorf("table %d cell %d: %s %d published; partner %s leaves %d (k %d)",
						iter, i, what, total, id, left, k)
				}
				checked++
			}
		}
	})
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}

// TestInsiderProbe is the insider: a partner uploads its own figure as
// 100, 101, ... 104 in a cell where three other partners hold r persons. For r in
// 1..k-1 no variant is published, so the probe learns nothing of r; and an upload
// that changes nothing leaves the published value as it was (the record keys
// depend on the cell's identity, not its value).
func TestInsiderProbe(t *testing.T) {
	t.Parallel()
	cell := func(own, r int) Cell {
		id := RecordIdentity{Metric: "m", PeriodStart: "2020-01-01", PeriodEnd: "2020-03-31"}
		cs := make([]Contribution, 4)
		for i := range cs {
			id.PartnerID = string(rune('a' + i))
			cs[i] = gb(id.PartnerID, float64(spread(r, i-1, 3)))
			vk, nk := testSecret.RecordKeys(id)
			cs[i].ValueKey, cs[i].NKey = int64(vk), int64(nk)
		}
		cs[0].Value = float64(own)
		return Cell{Kind: hjx.KindCount, Value: float64(own + r), Contributions: cs}
	}
	for r := 1; r < 8; r++ {
		for own := 100; own <= 104; own++ {
			if got := protectOne(t, Config{}, cell(own, r)); !got.Suppressed || got.Reason != DisclosureRisk {
				t.Errorf("own %d, others %d: published %s", own, r, show(got))
			}
		}
	}
	for _, r := range []int{0, 8, 30} {
		first := protectOne(t, Config{}, cell(100, r))
		again := protectOne(t, Config{}, cell(100, r))
		if first.Suppressed || !reflect.DeepEqual(first, again) {
			t.Errorf("others %d: %s, then re-uploaded %s", r, show(first), show(again))
		}
	}
}

// TestIsolatedRateAndMean: a partner's mean, isolated by differencing or
// published alone (an identifiable partner), is off by its value-role factor, at
// least 12%, whatever its two multipliers: the n-role factor scales both sides of
// the ratio and cancels. Without chaining, a partner whose two factors were close
// would be shown nearly as it is. A rate is not chained (a rate read above 1 would
// give the sign away): its numerator and denominator are each 12% off at least,
// and the rate within the ratio of two factors of one sign, [1.14/1.24, 1.24/1.14]
// whichever the sign.
func TestIsolatedRateAndMean(t *testing.T) {
	t.Parallel()
	for i := range 200 {
		partner := fmt.Sprint("isolated-", i)
		v := testSecret.UnitKey(partner, "m", RoleValue)
		n := testSecret.UnitKey(partner, "m", RoleN)
		alone := func(value float64, count int) Contribution {
			c := keyedPartner(partner, value, count, v, n, 0, 0)
			c.Identifiable = true
			return c
		}
		mean := protectOne(t, Config{}, Cell{Kind: hjx.KindMean, Value: 50, N: 100000, Contributions: []Contribution{alone(50, 100000)}})
		if off := math.Abs(*mean.Value/50 - 1); mean.Suppressed || off < MultiplierMin-0.002 {
			t.Errorf("%s: mean 50 published as %s (%.3f off)", partner, show(mean), off)
		}
		rate := protectOne(t, Config{}, Cell{Kind: hjx.KindProportion, Value: 40000, N: 100000, Contributions: []Contribution{alone(40000, 100000)}})
		if off := math.Abs(*rate.Value/40000 - 1); rate.Suppressed || off < MultiplierMin-0.001 {
			t.Errorf("%s: numerator 40000 published as %s (%.3f off)", partner, show(rate), off)
		}
		if off := math.Abs(float64(*rate.N)/100000 - 1); off < MultiplierMin-0.001 {
			t.Errorf("%s: denominator 100000 published as %s (%.3f off)", partner, show(rate), off)
		}
		if r := *rate.Rate / 0.4; r < FactorMin/FactorMax-0.01 || r > FactorMax/FactorMin+0.01 {
			t.Errorf("%s: rate 0.4 published as %s: further off than two factors of one sign allow", partner, show(rate))
		}
	}
}
