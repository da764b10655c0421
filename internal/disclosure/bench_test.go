package disclosure

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// benchTable is a dense cube of counts with side values per dimension, figures
// drawn so that about one cell in ten is small, pooled by four partners.
func benchTable(dims, side int) []Cell {
	r := rand.New(rand.NewPCG(1, 2))
	size := 1
	for range dims {
		size *= side
	}
	cells := make([]Cell, size)
	for i := range cells {
		key := make([]string, dims)
		rest := i
		for d := range key {
			key[d] = fmt.Sprint(rest % side)
			rest /= side
		}
		v := 8 + r.IntN(200)
		if r.IntN(10) == 0 {
			v = 1 + r.IntN(7)
		}
		cs := []Contribution{gb("a", 0), gb("b", 0), gb("c", 0), us("d", 0)}
		for p := range cs {
			cs[p].Value = float64(spread(v, p, len(cs)))
			cs[p].ValueKey = int64(r.IntN(KeyRange))
		}
		cells[i] = Cell{Key: key, Kind: hjx.KindCount, Value: float64(v), Contributions: cs}
	}
	return cells
}

func BenchmarkProtect(b *testing.B) {
	for _, shape := range []struct{ dims, side int }{{1, 1000}, {2, 40}, {3, 20}} {
		cells := benchTable(shape.dims, shape.side)
		b.Run(fmt.Sprintf("%dD_%dcells", shape.dims, len(cells)), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Protect(Config{}, cells); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
