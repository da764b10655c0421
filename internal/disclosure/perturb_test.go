package disclosure

import (
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
