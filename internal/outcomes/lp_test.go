package outcomes_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// The attacker's linear programming solver.
//
// The differencing attack asks, for thousands of targets, the smallest and largest
// value a sum of unknowns can take over one fixed polytope: {y : 0 <= y_j <= hi_j,
// lo_i <= sum_{j in row i} y_j <= hi_i}. gonum's lp.Simplex would answer each
// question, but it refactorises a dense basis at every pivot (O(m^3) per pivot) and
// starts from scratch every time: with the attack's 300-1000 rows a single solve takes
// minutes. boxLP is a bounded-variable primal simplex on a dense tableau, feasible
// once (phase 1) and then re-optimised from the previous basis for each objective,
// so a target costs tens of pivots. TestBoxLPAgreesWithGonum checks it against
// lp.Simplex on random problems, and the attack verifies every point it relies on
// against the constraints, so a solver fault could not pass unnoticed as a defence.

// lpRow is a constraint lo <= sum of the listed variables <= hi (hi may be +Inf).
type lpRow struct {
	cols   []int
	lo, hi float64
}

// boxLP is a bounded-variable primal simplex. Columns are the n structural
// variables, then one activity variable per row (r_i = sum of its columns, bounded
// by the row's bounds), then one artificial per row for phase 1. Every row reads
// sum(row's structurals) - r_i + a_i = 0.
type boxLP struct {
	m, n, cols int
	t          [][]float64 // B^-1 times the constraint matrix
	lo, hi, x  []float64
	rows       []lpRow
	sincePivot int   // pivots since the tableau was last rebuilt
	basis      []int // basic column of each row
	rowOf      []int // row of a basic column, -1 when nonbasic
	dead       []bool
	pivots     int
}

const (
	lpEps  = 1e-9  // feasibility and optimality tolerance
	lpPiv  = 1e-7  // smallest pivot element
	lpZero = 1e-11 // tableau entries below this are rounding noise
	// lpRefactor is how many pivots the tableau is updated in place before it is
	// rebuilt from the original rows: rounding errors grow with every pivot.
	lpRefactor = 300
)

var (
	errInfeasible = errors.New("lp: infeasible")
	errUnbounded  = errors.New("lp: unbounded")
)

// newBoxLP builds the problem and finds a feasible basis; structural variables
// range over [0, hi[j]].
func newBoxLP(n int, hi []float64, rows []lpRow) (*boxLP, error) {
	m := len(rows)
	p := &boxLP{m: m, n: n, cols: n + 2*m, rows: rows}
	p.lo, p.hi, p.x = make([]float64, p.cols), make([]float64, p.cols), make([]float64, p.cols)
	p.basis, p.rowOf, p.dead = make([]int, m), make([]int, p.cols), make([]bool, p.cols)
	p.t = make([][]float64, m)
	copy(p.hi, hi)
	for j := range p.rowOf {
		p.rowOf[j] = -1
	}
	for j := range n {
		p.dead[j] = hi[j] == 0 // known to be 0: never moves
	}
	for i, r := range rows {
		row := make([]float64, p.cols)
		for _, j := range r.cols {
			row[j] += 1
		}
		row[n+i] = -1
		row[n+m+i] = 1
		p.t[i] = row
		lo := max(r.lo, 0)
		p.lo[n+i], p.hi[n+i] = lo, r.hi
		if lo > r.hi+lpEps {
			return nil, errInfeasible
		}
		p.x[n+i] = lo // activity nonbasic at its lower bound
		a := n + m + i
		p.hi[a] = math.Inf(1)
		p.x[a] = lo // a_i = r_i - 0
		p.basis[i], p.rowOf[a] = a, i
	}
	cost := make([]float64, p.cols)
	for i := range m {
		cost[n+m+i] = 1
	}
	if err := p.optimise(cost); err != nil {
		return nil, err
	}
	if v := p.value(cost); v > 1e-6 {
		return nil, errInfeasible
	}
	// The artificials are 0 from now on; basic ones leave as they are pivoted out.
	for i := range m {
		a := n + m + i
		p.hi[a] = 0
		if p.rowOf[a] < 0 {
			p.dead[a] = true
		}
	}
	return p, nil
}

func (p *boxLP) value(cost []float64) float64 {
	v := 0.0
	for j, c := range cost {
		if c != 0 {
			v += c * p.x[j]
		}
	}
	return v
}

// optimise minimises cost from the current basic feasible solution.
func (p *boxLP) optimise(cost []float64) error {
	degenerate := 0
	d := make([]float64, p.cols)
	for iter := 0; ; iter++ {
		if iter > 50*(p.cols+p.m) {
			return errors.New("lp: iteration limit")
		}
		p.reducedCosts(cost, d)
		enter, dir := p.entering(d, degenerate > 50)
		if enter < 0 {
			return nil
		}
		theta, leave := p.ratioTest(enter, dir)
		if math.IsInf(theta, 1) {
			return errUnbounded
		}
		if theta <= lpEps {
			degenerate++
		} else {
			degenerate = 0
		}
		if err := p.move(enter, dir, theta, leave); err != nil {
			return err
		}
	}
}

// reducedCosts sets d_j = c_j - c_B B^-1 A_j.
func (p *boxLP) reducedCosts(cost, d []float64) {
	copy(d, cost)
	for i, b := range p.basis {
		if cb := cost[b]; cb != 0 {
			row := p.t[i]
			for j := range d {
				if row[j] != 0 {
					d[j] -= cb * row[j]
				}
			}
		}
	}
}

// entering picks the nonbasic column to enter and the direction it moves in (-1
// when none improves the cost): the largest gain, or under Bland's rule (after a
// run of degenerate pivots) the first.
func (p *boxLP) entering(d []float64, bland bool) (enter int, dir float64) {
	enter, best := -1, 0.0
	for j := range p.cols {
		if p.rowOf[j] >= 0 || p.dead[j] || p.hi[j]-p.lo[j] <= lpEps {
			continue
		}
		var gain, s float64
		switch {
		case d[j] < -lpEps && p.x[j] < p.hi[j]-lpEps:
			gain, s = -d[j], 1
		case d[j] > lpEps && p.x[j] > p.lo[j]+lpEps:
			gain, s = d[j], -1
		default:
			continue
		}
		if bland {
			return j, s
		}
		if gain > best {
			enter, dir, best = j, s, gain
		}
	}
	return enter, dir
}

// ratioTest: the entering variable moves by theta in direction dir; basic
// variable of row i moves by -dir*theta*t[i][enter]. leave is the row whose basic
// variable reaches a bound first (-1: the entering one reaches its own).
func (p *boxLP) ratioTest(enter int, dir float64) (theta float64, leave int) {
	theta = p.hi[enter] - p.lo[enter]
	leave = -1
	pivAbs := 0.0
	for i, b := range p.basis {
		a := dir * p.t[i][enter]
		var lim float64
		switch {
		case a > lpPiv:
			lim = (p.x[b] - p.lo[b]) / a
		case a < -lpPiv:
			lim = (p.hi[b] - p.x[b]) / -a
		default:
			continue
		}
		lim = max(lim, 0)
		if lim < theta-lpEps || (lim <= theta+lpEps && leave >= 0 && math.Abs(a) > pivAbs) {
			theta, leave, pivAbs = lim, i, math.Abs(a)
		}
	}
	return theta, leave
}

// move steps the entering variable by theta in direction dir, and the basic ones
// with it, then pivots it in for the leaving row's (none: a bound flip).
func (p *boxLP) move(enter int, dir, theta float64, leave int) error {
	p.x[enter] += dir * theta
	for i, b := range p.basis {
		if a := p.t[i][enter]; a != 0 {
			p.x[b] -= dir * theta * a
		}
	}
	if leave < 0 {
		return nil // a bound flip
	}
	if p.sincePivot >= lpRefactor {
		if err := p.refactor(); err != nil {
			return err
		}
	}
	out := p.basis[leave]
	if dir*p.t[leave][enter] > 0 {
		p.x[out] = p.lo[out]
	} else {
		p.x[out] = p.hi[out]
	}
	p.pivot(leave, enter)
	if out >= p.n+p.m && p.hi[out] == 0 {
		p.dead[out] = true
	}
	if out >= p.n+p.m && p.x[out] == 0 {
		p.dead[out] = true // an artificial that left never comes back
	}
	return nil
}

func (p *boxLP) pivot(r, e int) {
	p.pivots++
	p.sincePivot++
	row := p.t[r]
	inv := 1 / row[e]
	var nz []int
	for j := range row {
		if row[j] != 0 && !p.dead[j] {
			row[j] *= inv
			nz = append(nz, j)
		}
	}
	row[e] = 1
	for i := range p.t {
		if i == r {
			continue
		}
		other := p.t[i]
		f := other[e]
		if f == 0 {
			continue
		}
		for _, j := range nz {
			other[j] -= f * row[j]
			if math.Abs(other[j]) < lpZero {
				other[j] = 0
			}
		}
		other[e] = 0
	}
	old := p.basis[r]
	p.rowOf[old] = -1
	p.basis[r], p.rowOf[e] = e, r
}

// refactor rebuilds the tableau as B^-1 A from the original rows and the current
// basis, and the basic variables' values from the nonbasic ones.
func (p *boxLP) refactor() error {
	p.sincePivot = 0
	var live []int
	for j := range p.cols {
		if !p.dead[j] {
			live = append(live, j)
		}
	}
	pos := make([]int, p.cols)
	for k, j := range live {
		pos[j] = k
	}
	a := mat.NewDense(p.m, len(live), nil)
	b := mat.NewDense(p.m, p.m, nil)
	for i, r := range p.rows {
		for _, j := range r.cols {
			if !p.dead[j] {
				a.Set(i, pos[j], a.At(i, pos[j])+1)
			}
		}
		a.Set(i, pos[p.n+i], -1)
		if !p.dead[p.n+p.m+i] {
			a.Set(i, pos[p.n+p.m+i], 1)
		}
	}
	for i, col := range p.basis {
		for r := range p.m {
			b.Set(r, i, a.At(r, pos[col]))
		}
	}
	var lu mat.LU
	lu.Factorize(b)
	var x mat.Dense
	if err := lu.SolveTo(&x, false, a); err != nil {
		return fmt.Errorf("lp: refactor: %w", err)
	}
	for i := range p.m {
		row := p.t[i]
		clear(row)
		for k, j := range live {
			if v := x.At(i, k); math.Abs(v) > lpZero {
				row[j] = v
			}
		}
		row[p.basis[i]] = 1
	}
	for i, bcol := range p.basis {
		s := 0.0
		for _, j := range live {
			if p.rowOf[j] < 0 && p.x[j] != 0 {
				s += p.t[i][j] * p.x[j]
			}
		}
		p.x[bcol] = -s
	}
	return nil
}

// extreme returns the smallest (sign +1) or largest (sign -1) value of the sum of
// the listed structural variables, and the structural part of a point reaching it.
func (p *boxLP) extreme(cols []int, sign float64) (float64, []float64, error) {
	cost := make([]float64, p.cols)
	for _, j := range cols {
		cost[j] += sign
	}
	if err := p.optimise(cost); err != nil {
		return 0, nil, err
	}
	return sign * p.value(cost), append([]float64(nil), p.x[:p.n]...), nil
}

// sumCols is a point's sum over the listed variables.
func sumCols(y []float64, cols []int) float64 {
	s := 0.0
	for _, j := range cols {
		s += y[j]
	}
	return s
}

// lpFeasible reports whether a point satisfies the problem within tol.
func lpFeasible(y, hi []float64, rows []lpRow, tol float64) bool {
	for j, v := range y {
		if v < -tol || v > hi[j]+tol {
			return false
		}
	}
	for _, r := range rows {
		if s := sumCols(y, r.cols); s < r.lo-tol || s > r.hi+tol {
			return false
		}
	}
	return true
}

// TestBoxLPAgreesWithGonum compares boxLP's extremes with gonum's lp.Simplex on
// random small problems of the attack's shape (0/1 rows, ranged bounds, some
// unbounded above), and checks that the points returned are feasible.
func TestBoxLPAgreesWithGonum(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	solved := 0
	for trial := range 200 {
		n, m := 3+r.IntN(6), 2+r.IntN(6)
		truth := make([]float64, n)
		hi := make([]float64, n)
		for j := range n {
			truth[j] = float64(r.IntN(20))
			hi[j] = math.Inf(1)
			if r.IntN(4) == 0 {
				hi[j] = truth[j] + float64(r.IntN(5))
			}
		}
		var rows []lpRow
		for range m {
			var cols []int
			s := 0.0
			for j := range n {
				if r.IntN(2) == 0 {
					cols = append(cols, j)
					s += truth[j]
				}
			}
			if len(cols) == 0 {
				continue
			}
			up := math.Inf(1)
			if r.IntN(5) != 0 {
				up = s + float64(r.IntN(4))
			}
			rows = append(rows, lpRow{cols: cols, lo: max(0, s-float64(r.IntN(4))), hi: up})
		}
		p, err := newBoxLP(n, hi, rows)
		if err != nil {
			t.Fatalf("trial %d: %v (the truth is feasible)", trial, err)
		}
		target := []int{r.IntN(n)}
		if n > 3 {
			target = append(target, (target[0]+1)%n)
		}
		for _, sign := range []float64{1, -1} {
			got, y, err := p.extreme(target, sign)
			want, werr := gonumExtreme(n, hi, rows, target, sign)
			switch {
			case errors.Is(werr, lp.ErrUnbounded) || errors.Is(err, errUnbounded):
				if !(errors.Is(werr, lp.ErrUnbounded) && errors.Is(err, errUnbounded)) {
					t.Errorf("trial %d sign %v: unbounded disagreement: boxLP %v, gonum %v", trial, sign, err, werr)
				}
				continue
			case werr != nil:
				continue // gonum's own numeric failure: nothing to compare
			case err != nil:
				t.Fatalf("trial %d: %v", trial, err)
			}
			solved++
			if math.Abs(got-want) > 1e-6 {
				t.Errorf("trial %d sign %v: boxLP %v, gonum %v", trial, sign, got, want)
			}
			if !lpFeasible(y, hi, rows, 1e-7) {
				t.Errorf("trial %d: boxLP's point is infeasible", trial)
			}
		}
	}
	if solved < 200 {
		t.Fatalf("only %d bounded problems compared", solved)
	}
}

// gonumExtreme is the same question put to lp.Simplex in standard form.
func gonumExtreme(n int, hi []float64, rows []lpRow, target []int, sign float64) (float64, error) {
	var g [][]float64
	var h []float64
	add := func(coef []float64, bound float64) {
		g = append(g, coef)
		h = append(h, bound)
	}
	for j := range n {
		c := make([]float64, n)
		c[j] = -1
		add(c, 0)
		if !math.IsInf(hi[j], 1) {
			c := make([]float64, n)
			c[j] = 1
			add(c, hi[j])
		}
	}
	for _, r := range rows {
		up, down := make([]float64, n), make([]float64, n)
		for _, j := range r.cols {
			up[j], down[j] = 1, -1
		}
		add(down, -r.lo)
		if !math.IsInf(r.hi, 1) {
			add(up, r.hi)
		}
	}
	c := make([]float64, n)
	for _, j := range target {
		c[j] += sign
	}
	G := mat.NewDense(len(g), n, nil)
	for i, row := range g {
		G.SetRow(i, row)
	}
	cNew, aNew, bNew := lp.Convert(c, G, h, nil, nil)
	opt, _, err := lp.Simplex(cNew, aNew, bNew, 1e-10, nil)
	return sign * opt, err
}
