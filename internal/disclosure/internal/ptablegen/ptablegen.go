// Package ptablegen generates the perturbation table (ptable) of hjx's cell-key
// method, the data file internal/disclosure/ptable.csv. It is a separate package so
// that the generator and the test that regenerates the committed table run the very
// same code; the method is set out in docs/DISCLOSURE.md ("The ptable").
//
// Each row of the table is a noise distribution over -D..D, discretised to the key
// range: the number of keys given each noise value. Following the sdcTools ptable
// package (Enderle, Giessing, Tent), a row's distribution is the maximum-entropy
// distribution on its support with mean zero and the target variance,
// p(d) proportional to exp(a*d + b*d*d), with a and b found by bisection. Rows
// j = 0..2D-1 (a cell j above the threshold k) are truncated to d >= -j, so that no
// published count falls below k; row 2D, used for every j >= 2D, is not truncated.
// Every row's counts are then rounded to whole keys (largest remainder) and moved
// one key at a time until the noise sums to exactly zero over the keys.
package ptablegen

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// Params are the ptable's parameters.
type Params struct {
	D        int     // noise lies in -D..D
	Variance float64 // target variance of the stationary row
	Keys     int     // the key range: keys 0..Keys-1
}

// Row is one row's noise distribution in whole keys: Count[i] keys get noise
// Noise[i], ascending noise, keys summing to Params.Keys.
type Row struct {
	J     int // distance above the threshold; the last row stands for every j >= 2D
	Noise []int
	Count []int
}

// Variance is the row's variance over the keys (its mean is zero).
func (r Row) Variance() float64 {
	var sum, keys float64
	for i, d := range r.Noise {
		sum += float64(r.Count[i] * d * d)
		keys += float64(r.Count[i])
	}
	return sum / keys
}

// Rows computes the 2D+1 rows of the table.
func Rows(p Params) ([]Row, error) {
	if p.D < 1 || p.Keys < 2*p.D+1 || !(p.Variance > 0) {
		return nil, fmt.Errorf("ptablegen: parameters %+v: need D >= 1, Keys >= 2D+1, variance > 0", p)
	}
	rows := make([]Row, 0, 2*p.D+1)
	for j := 0; j <= 2*p.D; j++ {
		lo := -p.D
		if j < 2*p.D {
			lo = max(-p.D, -j)
		}
		rows = append(rows, row(p, j, lo))
	}
	return rows, nil
}

// row builds the row for j on the support lo..D.
func row(p Params, j, lo int) Row {
	r := Row{J: j}
	for d := lo; d <= p.D; d++ {
		r.Noise = append(r.Noise, d)
	}
	if lo == 0 {
		// Zero mean on 0..D leaves no choice: no noise.
		r.Count = make([]int, len(r.Noise))
		r.Count[0] = p.Keys
		return r
	}
	// Mean zero on lo..D allows a variance up to -lo*D (all mass on the ends); the
	// maximum-entropy distribution gets there only in the limit, so a target out of
	// reach is held a little below it.
	target := min(p.Variance, 0.95*float64(-lo*p.D))
	probs := maxEntropy(r.Noise, target)
	r.Count = toKeys(r.Noise, probs, p.Keys)
	return r
}

// maxEntropy returns the distribution on support with mean zero and the given
// variance that has the largest entropy: p(d) ~ exp(a*d + b*d^2). For a fixed b,
// the mean grows with a (its derivative is the variance), so a is found by
// bisection; along mean zero the variance grows with b, so b is found the same way.
func maxEntropy(support []int, variance float64) []float64 {
	aFor := func(b float64) float64 {
		return bisect(-60, 60, func(a float64) bool { m, _ := moments(support, a, b); return m < 0 })
	}
	b := bisect(-8, 8, func(b float64) bool { _, v := moments(support, aFor(b), b); return v < variance })
	return weights(support, aFor(b), b)
}

// bisect returns the boundary of a predicate that is true below it and false above,
// within lo..hi, after a fixed number of halvings (so the result is reproducible).
func bisect(lo, hi float64, below func(float64) bool) float64 {
	for range 200 {
		mid := (lo + hi) / 2
		if below(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

func weights(support []int, a, b float64) []float64 {
	exps := make([]float64, len(support))
	top := math.Inf(-1)
	for i, d := range support {
		x := float64(d)
		exps[i] = a*x + b*x*x
		top = max(top, exps[i])
	}
	var total float64
	for i := range exps {
		exps[i] = math.Exp(exps[i] - top)
		total += exps[i]
	}
	for i := range exps {
		exps[i] /= total
	}
	return exps
}

func moments(support []int, a, b float64) (mean, variance float64) {
	var m1, m2 float64
	for i, p := range weights(support, a, b) {
		x := float64(support[i])
		m1 += p * x
		m2 += p * x * x
	}
	return m1, m2 - m1*m1
}

// toKeys turns probabilities into whole numbers of keys summing to keys, with the
// noise summing to exactly zero. Largest remainders first (ties: smaller noise
// magnitude, then smaller noise); then, while the noise sum is off, one key at a
// time moves to the neighbouring noise value that keeps the counts closest to the
// ideal ones (sum of squared differences).
func toKeys(noise []int, probs []float64, keys int) []int {
	ideal := make([]float64, len(probs))
	count := make([]int, len(probs))
	left := keys
	for i, p := range probs {
		ideal[i] = p * float64(keys)
		count[i] = int(math.Floor(ideal[i]))
		left -= count[i]
	}
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		fx, fy := ideal[x]-math.Floor(ideal[x]), ideal[y]-math.Floor(ideal[y])
		switch {
		case fx != fy:
			if fx > fy {
				return -1
			}
			return 1
		case abs(noise[x]) != abs(noise[y]):
			return abs(noise[x]) - abs(noise[y])
		}
		return noise[x] - noise[y]
	})
	for _, i := range order[:left] {
		count[i]++
	}
	sum := 0
	for i, d := range noise {
		sum += count[i] * d
	}
	for sum != 0 {
		step := -1 // move a key to the next smaller noise value
		if sum < 0 {
			step = 1
		}
		best, bestCost := -1, math.Inf(1)
		for i := range count {
			to := i + step
			if count[i] == 0 || to < 0 || to >= len(count) {
				continue
			}
			// Change in squared distance from the ideal counts.
			cost := sq(float64(count[i]-1)-ideal[i]) - sq(float64(count[i])-ideal[i]) +
				sq(float64(count[to]+1)-ideal[to]) - sq(float64(count[to])-ideal[to])
			if cost < bestCost {
				best, bestCost = i, cost
			}
		}
		count[best]--
		count[best+step]++
		sum += step
	}
	return count
}

// Generate returns the ptable as CSV: one line per row and noise value, giving the
// number of keys with that noise and their range (keys in ascending order of noise,
// as the cumulative intervals of sdcTools' ptable). Zero-key lines are left out.
func Generate(p Params) ([]byte, error) {
	rows, err := Rows(p)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("row,noise,keys,key_first,key_last\n")
	for _, r := range rows {
		key := 0
		for i, d := range r.Noise {
			if r.Count[i] == 0 {
				continue
			}
			fmt.Fprintf(&b, "%d,%d,%d,%d,%d\n", r.J, d, r.Count[i], key, key+r.Count[i]-1)
			key += r.Count[i]
		}
	}
	return b.Bytes(), nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sq(x float64) float64 { return x * x }
