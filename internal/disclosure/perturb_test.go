package disclosure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestMultiplier(t *testing.T) {
	t.Run("Ends", func(t *testing.T) {
		for unit, want := range map[uint64]float64{0: 0.12, 1: -0.12, 1 << 63: 0.16, 1<<63 | 1: -0.16} {
			if got := Multiplier(unit); got != want {
				t.Errorf("Multiplier(%#x) = %v, want %v", unit, got, want)
			}
		}
		if got := Multiplier(math.MaxUint64); got > -0.1999 || got <= -MultiplierMax {
			t.Errorf("Multiplier(max) = %v, want just above -%v", got, MultiplierMax)
		}
	})
	t.Run("Distribution", func(t *testing.T) {
		// Over many partners' unit keys: never within 12% of 1, never beyond 20%,
		// as often up as down (mean zero), magnitudes spread over the range.
		const n = 200000
		r := rand.New(rand.NewPCG(3, 4))
		var sum, sumAbs float64
		var positive int
		var buckets [8]int
		for range n {
			m := Multiplier(r.Uint64())
			if a := math.Abs(m); a < MultiplierMin || a >= MultiplierMax {
				t.Fatalf("|m| = %v outside [%v, %v)", a, MultiplierMin, MultiplierMax)
			}
			sum += m
			sumAbs += math.Abs(m)
			if m > 0 {
				positive++
			}
			buckets[int((math.Abs(m)-MultiplierMin)/(MultiplierMax-MultiplierMin)*8)]++
		}
		if mean := sum / n; math.Abs(mean) > 0.002 {
			t.Errorf("mean multiplier %v, want about 0", mean)
		}
		if share := float64(positive) / n; math.Abs(share-0.5) > 0.01 {
			t.Errorf("%.3f of multipliers positive, want about half", share)
		}
		if meanAbs := sumAbs / n; math.Abs(meanAbs-0.16) > 0.002 {
			t.Errorf("mean |m| %v, want about 0.16", meanAbs)
		}
		for i, b := range buckets {
			if math.Abs(float64(b)/n-1.0/8) > 0.01 {
				t.Errorf("magnitude bucket %d holds %d of %d: not uniform", i, b, n)
			}
		}
	})
	t.Run("UnitKeys", func(t *testing.T) {
		// The same, over unit keys as the server derives them.
		var sum float64
		for i := range 5000 {
			sum += Multiplier(testSecret.UnitKey(string(rune('a'+i%26))+string(rune(i)), "m", RoleValue))
		}
		if mean := sum / 5000; math.Abs(mean) > 0.01 {
			t.Errorf("mean multiplier of unit keys %v, want about 0", mean)
		}
	})
}

// TestSameCellSameValue is the promise: a cell (the same contributions
// with the same keys) publishes the same figures in every table it appears in, in
// any order of its contributions, whether a partner's figure comes as one row or
// several, alone or among siblings, under any grouping.
func TestSameCellSameValue(t *testing.T) {
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
		if c.Kind != Mean {
			d.Contributions[i].Value *= float64(s)
		}
		d.Contributions[i].N *= s
	}
	if c.Kind != Mean {
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
	case Mean:
		a.N, b.N = first.N/2, first.N-first.N/2 // the same mean in both halves
	default:
		a.Value = math.Floor(first.Value / 2)
		b.Value = first.Value - a.Value
		a.N, b.N = first.N/2, first.N-first.N/2
		if c.Kind == Proportion {
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

// Unit keys with round multipliers: +12%, -12%, +16%, -16%.
const (
	up12   uint64 = 0
	down12 uint64 = 1
	up16   uint64 = 1 << 63
	down16 uint64 = 1<<63 | 1
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
	// 30*1.12 + 20*0.88 + 10*1.16 + 40*0.84 = 96.4: y = 96, j = 88 (stationary row).
	four := func(values [4]float64, keys [4]int64) Cell {
		units := [4]uint64{up12, down12, up16, down16}
		var cs []Contribution
		var total float64
		for i := range 4 {
			cs = append(cs, keyedPartner(string(rune('a'+i)), values[i], 0, units[i], 0, keys[i], 0))
			total += values[i]
		}
		return Cell{Kind: Count, Value: total, Contributions: cs}
	}
	tests := []struct {
		name string
		cell Cell
		want int
	}{
		// Key 10+20+30+40 = 100: the stationary row gives 0 there: 96 -> 95.
		{"StationaryNoNoise", four([4]float64{30, 20, 10, 40}, [4]int64{10, 20, 30, 40}), 95},
		// The cell key is the sum modulo 256: 356 is 100 again.
		{"KeySumWraps", four([4]float64{30, 20, 10, 40}, [4]int64{110, 120, 86, 40}), 95},
		// Key 0: noise -4: 92 -> 90. Key 255: noise +4: 100.
		{"StationaryDown", four([4]float64{30, 20, 10, 40}, [4]int64{0, 0, 0, 0}), 90},
		{"StationaryUp", four([4]float64{30, 20, 10, 40}, [4]int64{255, 0, 0, 0}), 100},
		// 9*1.12 = 10.08: y = 10, j = 2; key 0 in row 2 is -2: 8 -> 10 (never below k).
		{"TruncatedRow", four([4]float64{9, 0, 0, 0}, [4]int64{0, 0, 0, 0}), 10},
		// Key 255 in row 2 is +4: 14 -> 15.
		{"TruncatedRowUp", four([4]float64{9, 0, 0, 0}, [4]int64{255, 0, 0, 0}), 15},
		// 9*0.84 = 7.56: y = 8 = k, row 0 (no noise): 10.
		{"AtK", four([4]float64{0, 0, 0, 9}, [4]int64{255, 0, 0, 0}), 10},
		// 8*0.84 = 6.72: y = 7, pulled below k: row 0 at k: 8 -> 10.
		{"PulledBelowK", four([4]float64{0, 0, 0, 8}, [4]int64{255, 0, 0, 0}), 10},
		{"ZeroStaysZero", four([4]float64{0, 0, 0, 0}, [4]int64{255, 3, 0, 0}), 0},
		// Unit key 1<<61 is +13%: 50 * 1.13 = 56.5 exactly in decimals (56.4999...
		// in binary floating point): y = 57, key 160 is +1 in the stationary row:
		// 58 -> 60 (from 56, 57 would give 55).
		{"ExactHalfRoundsAwayFromZero", Cell{Kind: Count, Value: 50, Contributions: []Contribution{
			keyedPartner("a", 50, 0, 1<<61, 0, 160, 0), keyedPartner("b", 0, 0, 0, 0, 0, 0),
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
		{57, 160, 60}} {
		if got := RoundCountAtLeast(c.y+PTableNoise(c.y-8, c.key), 8); got != c.want {
			t.Errorf("y %d key %d: formula gives %d, the cases above expect %d", c.y, c.key, got, c.want)
		}
	}
}

func TestPerturbedProportion(t *testing.T) {
	least := 10 // the smallest count shown with k 8
	tests := []struct {
		name     string
		cs       []Contribution
		num, n   int
		wantNum  int
		wantN    int
		wantRate float64
	}{
		// n: 80 * 0.84 = 67.2, key 100 in the stationary row: 0: 65. Numerator:
		// 60 * 1.16 = 69.6 -> 70 + 0: 70, above n: the complement (truly 20) is
		// kept at least k: 65 - 10 = 55.
		{"NumeratorClampedBelowN", []Contribution{
			keyedPartner("a", 15, 20, up16, down16, 25, 25), keyedPartner("b", 15, 20, up16, down16, 25, 25),
			keyedPartner("c", 15, 20, up16, down16, 25, 25), keyedPartner("d", 15, 20, up16, down16, 25, 25)},
			60, 80, 55, 65, 55.0 / 65},
		// Everybody: the numerator is the published n, 3 * 16.8 + 17.6 = 68 -> 70.
		{"AllStaysAll", []Contribution{
			keyedPartner("a", 20, 20, up16, down16, 25, 25), keyedPartner("b", 20, 20, up12, down12, 25, 25),
			keyedPartner("c", 20, 20, up16, down16, 25, 25), keyedPartner("d", 20, 20, up16, down16, 25, 25)},
			80, 80, 70, 70, 1},
		// Nobody: 0.
		{"NoneStaysNone", []Contribution{
			keyedPartner("a", 0, 20, up16, down16, 25, 25), keyedPartner("b", 0, 20, up12, down12, 25, 25),
			keyedPartner("c", 0, 20, up16, down16, 25, 25), keyedPartner("d", 0, 20, up16, down16, 25, 25)},
			0, 80, 0, 70, 0},
		// 8 of 16 (a has all 8 of its 8; b none of its 8): n 16 * 0.84 = 13.44 -> 13,
		// key 50 in row 5 is -1: 12 -> 10. Numerator and complement both truly k or
		// more, so the pair shown is 10 of 20.
		{"DenominatorRaisedForBothSides", []Contribution{
			keyedPartner("a", 8, 8, up12, down16, 0, 50), keyedPartner("b", 0, 8, up12, down16, 0, 0),
			keyedPartner("c", 0, 0, up12, down16, 0, 0), keyedPartner("d", 0, 0, up12, down16, 0, 0)},
			8, 16, least, 2 * least, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protectOne(t, Config{}, Cell{Kind: Proportion, Value: float64(tt.num), N: tt.n, Contributions: tt.cs})
			if got.Suppressed || *got.Value != float64(tt.wantNum) || *got.N != tt.wantN ||
				got.Rate == nil || *got.Rate != roundTo(tt.wantRate, RateDecimals) {
				t.Errorf("published %s, want %d of %d", show(got), tt.wantNum, tt.wantN)
			}
		})
	}
}

func TestPerturbedMoneyAndMeans(t *testing.T) {
	t.Run("Amount", func(t *testing.T) {
		// 1234.56*1.12 + 2000*0.88 + 1500*1.16 + 2500*0.84 = 6982.7072 -> 6980. n:
		// 10 each, all +12%: 44.8 -> 45, key 100 (0): 45.
		c := amount(40, keyedPartner("a", 1234.56, 10, up12, up12, 0, 100), keyedPartner("b", 2000, 10, down12, up12, 0, 0),
			keyedPartner("c", 1500, 10, up16, up12, 0, 0), keyedPartner("d", 2500, 10, down16, up12, 0, 0))
		got := protectOne(t, Config{}, c)
		if got.Suppressed || *got.Value != 6980 || *got.N != 45 {
			t.Errorf("published %s, want 6980 over 45", show(got))
		}
	})
	t.Run("AmountZero", func(t *testing.T) {
		c := amount(40, keyedPartner("a", 0, 10, up12, up12, 0, 100), keyedPartner("b", 0, 10, down12, up12, 0, 0),
			keyedPartner("c", 0, 10, up16, up12, 0, 0), keyedPartner("d", 0, 10, down16, up12, 0, 0))
		if got := protectOne(t, Config{}, c); got.Suppressed || *got.Value != 0 {
			t.Errorf("published %s, want 0", show(got))
		}
	})
	// Means 2, 4, 3, 5 over 10 persons each (true mean 3.5); persons scaled by
	// +12%, +12%, -12%, -12%: 40; sums scaled by their own factors +12%, -12%,
	// +16%, -16% and, chained, by the persons' ones: 25.088 + 39.424 + 30.624 +
	// 36.96 = 132.096. Mean 3.3024 -> 3.3. SD 2 times 1 + s, s from the n key: -10%
	// at 0, +10% at 255, about 0 half way.
	meanCell := func(nKey int64) Cell {
		return mean(f(2), 40, keyedPartner("a", 2, 10, up12, up12, 0, nKey), keyedPartner("b", 4, 10, down12, up12, 0, 0),
			keyedPartner("c", 3, 10, up16, down12, 0, 0), keyedPartner("d", 5, 10, down16, down12, 0, 0))
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
	r := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for iter := range 2000 {
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
			p := pool(c)
			k := int64(p.k(rcfg.Floor))
			figures := map[string]func(string) int64{}
			switch c.Kind {
			case Count:
				figures["count"] = func(id string) int64 { return p.num[id] }
			case Proportion:
				figures["numerator"] = func(id string) int64 { return p.num[id] }
				figures["n"] = func(id string) int64 { return p.den[id] }
				figures["complement"] = func(id string) int64 { return p.den[id] - p.num[id] }
			default:
				figures["n"] = func(id string) int64 { return p.den[id] }
			}
			for what, x := range figures {
				var total, public int64
				for _, id := range p.order {
					total += x(id)
					if p.identified[id] {
						public += x(id)
					}
				}
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
		}
	}
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
		return Cell{Kind: Count, Value: float64(own + r), Contributions: cs}
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

// TestIsolatedRateAndMean: a partner's rate or mean, isolated by differencing or
// published alone (an identifiable partner), is off by its value-role factor, at
// least 12%, whatever the signs and sizes of its two multipliers: the n-role
// factor scales both sides of the ratio and cancels. Without chaining, a partner
// whose two factors were close would be shown nearly as it is.
func TestIsolatedRateAndMean(t *testing.T) {
	for i := range 200 {
		partner := fmt.Sprint("isolated-", i)
		v := testSecret.UnitKey(partner, "m", RoleValue)
		n := testSecret.UnitKey(partner, "m", RoleN)
		alone := func(value float64, count int) Contribution {
			c := keyedPartner(partner, value, count, v, n, 0, 0)
			c.Identifiable = true
			return c
		}
		mean := protectOne(t, Config{}, Cell{Kind: Mean, Value: 50, N: 100000, Contributions: []Contribution{alone(50, 100000)}})
		if off := math.Abs(*mean.Value/50 - 1); mean.Suppressed || off < MultiplierMin-0.002 {
			t.Errorf("%s: mean 50 published as %s (%.3f off)", partner, show(mean), off)
		}
		rate := protectOne(t, Config{}, Cell{Kind: Proportion, Value: 40000, N: 100000, Contributions: []Contribution{alone(40000, 100000)}})
		if off := math.Abs(*rate.Rate/0.4 - 1); rate.Suppressed || off < MultiplierMin-0.002 {
			t.Errorf("%s: rate 0.4 published as %s (%.3f off)", partner, show(rate), off)
		}
	}
}
