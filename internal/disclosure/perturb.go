package disclosure

import (
	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// A partner's factor 1 + m is g or 1/g, g uniform in [FactorMin, FactorMax): g
// when its sign is positive, 1/g when negative. Ratio-symmetric, not m = ±|m|: the
// ratio of two factors of one sign is then g1/g2 or g2/g1, the same distribution
// either way, so no ratio of a partner's figures (its rate, a population counted
// under two metrics or roles, this quarter over the last) can tell its sign; with
// linear-symmetric factors 1 ± |m| a negative partner's ratios spread wider than a
// positive one's, and a ratio read beyond the positive range proved the sign.
const (
	FactorMin = 1.14
	FactorMax = 1.24
)

// PositiveShare is the probability that a partner's sign is positive, p = (1 -
// E[1/g]) / (E[g] - E[1/g]) with E[g] = (FactorMin+FactorMax)/2 and E[1/g] =
// ln(FactorMax/FactorMin)/(FactorMax-FactorMin): the expected factor is then exactly
// 1, so pooled figures are unbiased although 1/g is nearer to 1 than g is.
// TestMultiplier checks the constant against the formula.
const PositiveShare = 0.45585062347730315

// Bounds of |m|: MultiplierMin = 1 - 1/FactorMin, the smallest, never near zero,
// so that a figure isolated by differencing queries is always at least 12% off;
// MultiplierMax = FactorMax - 1, the largest (24% up; down at most 1 - 1/FactorMax,
// 19%), so that pooled cells stay useful. Every factor lies in [1/FactorMax,
// FactorMax].
const (
	MultiplierMin = 1 - 1/FactorMin
	MultiplierMax = FactorMax - 1
)

// SDSpread bounds the relative noise of a published SD: it is multiplied by 1 + s,
// s in [-SDSpread, SDSpread], from the cell's n-role key.
const SDSpread = 0.1

// Multiplier is the m of a unit key: the top 32 bits give g, uniform in
// [FactorMin, FactorMax) in steps of 10^-9, and bit 0 the sign: clear, m = g - 1;
// set, m = 1/g - 1 (to 10^-9). A partner's unit key is the same for every cell of a
// metric and role, so its m is too: any difference of queries that isolates its
// figures gives (1+m) times them, the same every time.
func Multiplier(unit uint64) float64 { return float64(multiplierNanos(unit)) / 1e9 }

// multiplierNanos is m in units of 10^-9, so that 1 + m is an exact decimal: g in
// nanos, and for a negative sign round(10^18 / g) - 10^9, 1/g rounded to 10^-9
// (halves up), so that the factor stays exact and the same on every machine.
func multiplierNanos(unit uint64) int64 {
	const lo, span = FactorMin * 1e9, (FactorMax - FactorMin) * 1e9
	g := int64(lo) + int64((unit>>32)*uint64(span)>>32)
	if unit&1 == 1 {
		return (1e18+g/2)/g - 1e9
	}
	return g - 1e9
}

// term is one contribution to a perturbed figure: x and the unit keys of its
// multipliers: one for most figures, two (chained, the product of both factors)
// for a proportion's numerator and a mean's sum.
type term struct {
	x     decimal.Decimal
	units []uint64
}

// terms picks a figure and its unit keys from every contribution.
func terms(cs []Contribution, x func(Contribution) decimal.Decimal, units ...func(Contribution) uint64) []term {
	ts := make([]term, len(cs))
	for i, c := range cs {
		ts[i] = term{x: x(c)}
		for _, u := range units {
			ts[i].units = append(ts[i].units, u(c))
		}
	}
	return ts
}

func valueOf(c Contribution) decimal.Decimal { return number(c.Value) }
func nOf(c Contribution) decimal.Decimal     { return decimal.NewFromInt(int64(c.N)) }
func sumOf(c Contribution) decimal.Decimal   { return number(c.Value).Mul(nOf(c)) }
func valueUnit(c Contribution) uint64        { return c.ValueUnit }
func nUnit(c Contribution) uint64            { return c.NUnit }

// number is x as a decimal: the shortest decimal form of x, or the integer itself
// (the same value, found faster).
func number(x float64) decimal.Decimal {
	if whole(x) {
		return decimal.NewFromInt(int64(x))
	}
	return decimal.NewFromFloat(x)
}

// scaled is sum (1 + m_i) x_i in exact decimal arithmetic, so that the result does
// not depend on the order of the terms, nor on whether a partner's figure comes as
// one term or as several (months of a year): the same cell gives the same sum in
// every query.
func scaled(terms []term) decimal.Decimal {
	sum := decimal.Zero
	for _, t := range terms {
		x := t.x
		for _, u := range t.units {
			x = x.Mul(decimal.New(1e9+multiplierNanos(u), -9))
		}
		sum = sum.Add(x)
	}
	return sum
}

// perturbCount publishes a count-like figure (a count, a numerator, a denominator,
// an n) whose true value is truth, over the cell's threshold k: y = round(sum
// (1+m_i) x_i), plus the ptable's noise for row y - k and the cell key, then rounded
// to RoundingBase never below k. True zero stays zero; a y pulled below k by the
// multipliers reads row 0 at k, so nothing published falls in 1..k-1.
func perturbCount(truth int64, terms []term, cellKey int64, k int) int {
	if truth == 0 {
		return 0
	}
	y := int(scaled(terms).Round(0).IntPart())
	y = max(y, k)
	return RoundCountAtLeast(y+PTableNoise(y-k, int(mod64(cellKey))), k)
}

// cellKeys are a cell's keys per role: the sums of its rows' record keys, modulo
// KeyRange.
func cellKeys(cs []Contribution) (value, n int64) {
	for _, c := range cs {
		value += mod64(c.ValueKey)
		n += mod64(c.NKey)
	}
	return mod64(value), mod64(n)
}

func mod64(x int64) int64 {
	r := x % KeyRange
	if r < 0 {
		r += KeyRange
	}
	return r
}

// publish fills the perturbed, rounded figures of a cell that passed every rule; k
// is the cell's threshold, below which no shown count may fall (docs/DISCLOSURE.md,
// "Perturbation").
func publish(p *Protected, c Cell, k int) {
	valueKey, nKey := cellKeys(c.Contributions)
	values := func() []term { return terms(c.Contributions, valueOf, valueUnit) }
	ns := func() []term { return terms(c.Contributions, nOf, nUnit) }
	// A mean's sum carries the n-role factor as well as its own: one partner's mean
	// isolated by differencing is then off by its value-role factor (12% at least),
	// not by the ratio of two factors of the same sign, which may nearly cancel.
	// A proportion's numerator is not chained: an isolated rate would then read
	// rate x (1 + a), one factor, and a rate near 1 read above 1 would give the
	// partner's sign away, and with it every figure of the partner to a band 9% wide
	// (TestSignLeak in internal/outcomes). Unchained it reads rate x (1+a)/(1+b),
	// a ratio of two factors of one sign, which tells no sign. A mean has no such
	// bound in reach.
	chained := func(x func(Contribution) decimal.Decimal) []term {
		return terms(c.Contributions, x, valueUnit, nUnit)
	}
	switch c.Kind {
	case hjx.KindCount:
		p.Value = ptr(float64(perturbCount(int64(c.Value), values(), valueKey, k)))
	case hjx.KindProportion:
		num, n := publishProportion(int64(c.Value), int64(c.N), values(), ns(), valueKey, nKey, k)
		p.Value, p.N = ptr(float64(num)), ptr(n)
		if n > 0 {
			p.Rate = ptr(roundTo(float64(num)/float64(n), RateDecimals))
		}
	case hjx.KindAmount:
		p.Value = ptr(scaled(values()).Round(-1).InexactFloat64())
		p.N = ptr(perturbCount(int64(c.N), ns(), nKey, k))
	case hjx.KindMean:
		n := ns()
		p.N = ptr(perturbCount(int64(c.N), n, nKey, k))
		// A published Mean has n >= k >= 2 persons, so the divisor is at least 1.6.
		sums := chained(sumOf)
		p.Value = ptr(scaled(sums).Div(scaled(n)).Round(MeanDecimals).InexactFloat64())
		if c.SD != nil {
			s := SDSpread * float64(2*nKey-(KeyRange-1)) / float64(KeyRange-1)
			p.SD = ptr(RoundMean(*c.SD * (1 + s)))
		}
	}
}

// publishProportion perturbs the numerator and denominator, each with its own
// multipliers and cell key, and then keeps the published pair within the rules the
// true pair passed: "none" and "all" stay exactly that; otherwise the numerator and
// the complement (denominator - numerator) are each at least k, as they truly are
// (raising the denominator if noise pulled it below 2k, then clamping the
// numerator). The rate is then computed from the published pair.
func publishProportion(num, n int64, values, ns []term, valueKey, nKey int64, k int) (int, int) {
	pn := perturbCount(n, ns, nKey, k)
	switch {
	case num == 0:
		return 0, pn
	case num == n:
		return pn, pn
	}
	least := RoundCountAtLeast(k, k) // the smallest count that may be shown
	pn = max(pn, 2*least)
	pnum := perturbCount(num, values, valueKey, k)
	return min(max(pnum, least), pn-least), pn
}
