// Package disclosure applies hjx's statistical disclosure control to every output
// cell of a pooled outcome query. The rules, their sources, the parameters and the
// choices made here are set out in docs/DISCLOSURE.md.
//
// The caller pools the partners' figures into cells and hands each cell over with
// its per-partner contributions (and their record and unit keys, see Secret);
// Protect returns the cells that may be published, in the same order, suppressed or
// perturbed and rounded:
//
//  1. k for a cell is the largest min_cell among the partners contributing to it,
//     never below the platform floor (default 8: OpenSAFELY and NHS Digital
//     suppress 1-7; a US partner's policy of 11 follows CMS and PCORnet, 1-10).
//  2. Primary suppression, decided on the true figures. Small cells: a count,
//     numerator, denominator or complement in 1..k-1, a mean or money amount over
//     fewer than k persons, or any of these left in 1..k-1 once one contributor
//     subtracts its own figure (and the identifiable partners' public ones). Partner
//     rules: non-identifiable partners must number 0 or at least 3, also after any
//     one contributor takes itself out (DataSHIELD's 3); money and means must pass
//     the p% rule (no contributor can estimate another's figure within 10%) and the
//     (2, 85) dominance rule (Hundepool et al.; sdcTable).
//  3. Secondary suppression: a set of sibling cells (cells that differ in exactly
//     one grouped dimension) never has exactly one suppressed cell, and the
//     suppressed cells of a set taken together must themselves pass rule 2, because
//     a researcher who queries the margin recovers them by subtraction. This is
//     iterated until no set needs more.
//  4. Perturbation of every published figure, attached to the contributors and not
//     to the query, so that it is the same wherever they appear: each partner's
//     figure is multiplied by a key-derived factor g or 1/g, g in [1.14, 1.24)
//     (Multiplier); counts also get the ptable's noise for the cell's key (the cell
//     key method of the ONS 2021 Census and ABS TableBuilder; PTableNoise).
//  5. Rounding: counts, numerators and n to 5 never below k (RoundCountAtLeast),
//     money to 10 units, means and SDs to 1 decimal.
//  6. Suppressed cells carry a public reason (TOO_FEW_PARTNERS or DISCLOSURE_RISK)
//     and no number.
//
// The package is pure: no SQL, no HTTP, no clock, no mutable package state (the
// embedded ptable is parsed once and never written).
package disclosure

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hjx-exchange/hjx/internal/hjx"

	"github.com/shopspring/decimal"
)

// Reason says why a cell was suppressed. The values are those of the GraphQL enum
// SuppressionReason.
type Reason string

// Public reasons, the only ones that leave the service (Protected.Reason). A precise
// reason is a constraint on the figure: SMALL_CELL says 1..k-1, DOMINANCE and
// SECONDARY say "not small", and an analyst combining many tables narrows hidden
// figures with them. TOO_FEW_PARTNERS is derivable anyway from the published
// partner count and coverage; everything else is DISCLOSURE_RISK.
const (
	TooFewPartners Reason = "TOO_FEW_PARTNERS"
	DisclosureRisk Reason = "DISCLOSURE_RISK"
)

// Causes: the precise reason a cell was suppressed (Protected.Cause), for tests and
// logs. A cell failing several primary rules has the first of TOO_FEW_PARTNERS,
// SMALL_CELL, DOMINANCE as its cause (see Config.primary for why the partner rule
// comes first).
const (
	SmallCell Reason = "SMALL_CELL"
	Dominance Reason = "DOMINANCE"
	Secondary Reason = "SECONDARY"
)

// Reasons lists the reasons that may be published, in a stable order, so that
// callers can report counts by reason deterministically.
func Reasons() []Reason {
	return []Reason{TooFewPartners, DisclosureRisk}
}

// public is what may be said of a cause.
func public(cause Reason) Reason {
	if cause == TooFewPartners {
		return TooFewPartners
	}
	return DisclosureRisk
}

// Output precision of published figures (docs/DISCLOSURE.md, "Rounding").
const (
	// RoundingBase is the base counts, numerators and n are rounded to.
	RoundingBase = 5
	// MoneyUnit is what money totals are rounded to (units of the reporting currency).
	MoneyUnit = 10
	// MeanDecimals is the number of decimals of published means and SDs.
	MeanDecimals = 1
	// RateDecimals is the number of decimals of a proportion's published rate. The
	// rate is computed from the rounded numerator and denominator, so it tells
	// nothing they do not.
	RateDecimals = 3
)

// Config holds the platform-wide disclosure settings. A zero field takes the
// platform default, so Config{} is the strict default policy and a deployment sets
// only what it changes.
type Config struct {
	// Floor is the smallest k any cell gets, whatever the partners' policies say.
	// Default 8 (suppress 1-7).
	Floor int
	// MinPartners is how many non-identifiable partners a cell must pool, if it
	// pools any. Default 3 (DataSHIELD nfilter.tab).
	MinPartners int
	// DominanceN and DominanceK are the (n, k) dominance rule for money: the n
	// largest non-identifiable contributions must not exceed k (a fraction) of their
	// total. Default (2, 0.85).
	DominanceN int
	DominanceK float64
	// P is the p% rule for money and means: no contributor may be able to estimate
	// another's figure within P (a fraction) from the published total and its own
	// figure. Default 0.10.
	P float64
}

// Platform defaults (docs/DISCLOSURE.md; reference/SOURCES.md).
const (
	DefaultFloor       = 8
	DefaultMinPartners = 3
	DefaultDominanceN  = 2
	DefaultDominanceK  = 0.85
	DefaultP           = 0.10
)

// DefaultConfig returns the platform defaults spelled out.
func DefaultConfig() Config {
	return Config{Floor: DefaultFloor, MinPartners: DefaultMinPartners,
		DominanceN: DefaultDominanceN, DominanceK: DefaultDominanceK, P: DefaultP}
}

// resolved fills the zero fields with the defaults and rejects settings that would
// weaken protection to nothing.
func (c Config) resolved() (Config, error) {
	if c.Floor == 0 {
		c.Floor = DefaultFloor
	}
	if c.MinPartners == 0 {
		c.MinPartners = DefaultMinPartners
	}
	if c.DominanceN == 0 {
		c.DominanceN = DefaultDominanceN
	}
	if c.DominanceK == 0 {
		c.DominanceK = DefaultDominanceK
	}
	if c.P == 0 {
		c.P = DefaultP
	}
	switch {
	case c.Floor < 2:
		return c, fmt.Errorf("disclosure: floor %d: must be at least 2", c.Floor)
	case c.MinPartners < 1:
		return c, fmt.Errorf("disclosure: min partners %d: must be at least 1", c.MinPartners)
	case c.DominanceN < 1:
		return c, fmt.Errorf("disclosure: dominance n %d: must be at least 1", c.DominanceN)
	case !(c.DominanceK > 0 && c.DominanceK <= 1):
		return c, fmt.Errorf("disclosure: dominance k %v: must be in (0, 1]", c.DominanceK)
	case !(c.P > 0 && c.P <= 1):
		return c, fmt.Errorf("disclosure: p %v: must be in (0, 1]", c.P)
	}
	return c, nil
}

// Contribution is one partner's share of a cell. A partner may appear more than
// once (several of its rows fall in one cell, e.g. months of a year); its shares
// are added up, its largest MinCell applies, and it counts as identifiable only if
// every share says so.
type Contribution struct {
	PartnerID string
	// MinCell is the partner's policy min_cell (GB default 8, US 11); values below
	// the platform floor are raised to it.
	MinCell int
	// Identifiable is the partner's policy: it accepts outputs showing its own
	// figures on their own.
	Identifiable bool
	// Value is the partner's count, numerator, money total (in the reporting
	// currency) or mean in this cell. The contributions must add up to the cell:
	// the rules judge every partner's share and the published figure is made of
	// them.
	Value float64
	// N is the partner's denominator, clients or persons in this cell (ignored for
	// a Count).
	N int
	// ValueKey and NKey are the sums of the record keys (Secret.RecordKeys) of the
	// partner's rows in this cell, for the value and n roles; reduced modulo
	// KeyRange when the cell's key is formed.
	ValueKey, NKey int64
	// ValueUnit and NUnit are the partner's unit keys for the cell's metric
	// (Secret.UnitKey), which decide its multipliers.
	ValueUnit, NUnit uint64
}

// Cell is one pooled output cell before protection.
type Cell struct {
	// Key holds one value per grouped dimension, in the query's order; "" is a value
	// like any other. All cells of one call must have keys of the same length, and no
	// two the same key.
	Key  []string
	Kind hjx.MetricKind
	// Value is the count (Count), the numerator (Proportion), the money total in the
	// reporting currency (Amount) or the mean (Mean).
	Value float64
	// N is the denominator (Proportion), the clients covered (Amount) or the persons
	// measured (Mean). It is ignored, and never published, for a Count.
	N int
	// SD is the pooled standard deviation of a Mean, nil when unknown.
	SD            *float64
	Contributions []Contribution
}

// Protected is a cell as it may be published. A suppressed cell has Suppressed
// set, its public Reason and its Cause, and no number: Value, N, SD and Rate are
// nil.
type Protected struct {
	Key []string
	// Value is the perturbed, rounded count, numerator, money total or mean.
	Value *float64
	// N is the perturbed, rounded n (nil for a Count).
	N *int
	// SD is the perturbed, rounded SD of a Mean, nil when unknown or not a Mean.
	SD *float64
	// Rate is a Proportion's published numerator over its published denominator,
	// nil when that denominator is zero or the cell is not a Proportion.
	Rate *float64
	// Partners is the number of distinct partners contributing. It is shown for
	// suppressed cells too: it counts organisations, not persons, and explains
	// TOO_FEW_PARTNERS.
	Partners   int
	Suppressed bool
	// Reason is what may be published: TooFewPartners or DisclosureRisk.
	Reason Reason
	// Cause is the precise reason (SmallCell, TooFewPartners, Dominance,
	// Secondary), for tests and logs only: published, it would bound the figure.
	Cause Reason
}

// Summary reports what protection did, for the result's DisclosureSummary.
type Summary struct {
	// K is the largest k applied to any cell (the floor when there are no cells):
	// cells pooling only GB partners may have been held to a smaller k, never a
	// larger one.
	K            int
	RoundingBase int
	Suppressed   int
	// ByReason counts suppressed cells by public reason.
	ByReason map[Reason]int
}

// ErrInvalidCell reports cells that cannot be protected as given: the caller's
// pooling is at fault, and nothing should be published.
var ErrInvalidCell = errors.New("disclosure: invalid cell")

// share is one partner's merged contribution to a cell or a union of cells.
type share struct {
	partner      string
	minCell      int
	identifiable bool
	// value is the partner's count, numerator, money, or a mean's sum n*mean.
	value decimal.Decimal
	// n is its denominator, clients or persons (0 for a Count).
	n int64
}

// figure is what a researcher can learn about one set of persons: a cell itself or,
// by subtracting published cells from a margin, the union of suppressed cells. The
// primary rules apply to both.
type figure struct {
	kind   hjx.MetricKind
	value  float64 // count or numerator (whole), money total, or mean
	n      int
	shares []share // one per partner, in first-seen order
}

// add merges another figure of the same kind (a sibling) into f.
func (f *figure) add(g figure) {
	f.value += g.value
	f.n += g.n
	for _, s := range g.shares {
		f.addShare(s)
	}
}

func (f *figure) addShare(s share) {
	for i := range f.shares {
		if f.shares[i].partner == s.partner {
			f.shares[i].minCell = max(f.shares[i].minCell, s.minCell)
			f.shares[i].identifiable = f.shares[i].identifiable && s.identifiable
			f.shares[i].value = f.shares[i].value.Add(s.value)
			f.shares[i].n += s.n
			return
		}
	}
	f.shares = append(f.shares, s)
}

// k is the threshold of rule 1.
func (c Config) k(shares []share) int {
	k := c.Floor
	for _, s := range shares {
		k = max(k, s.minCell)
	}
	return k
}

// primary applies the primary rules to a figure's true values and returns the
// cause it fails, "" if it may be published. The partner rule is checked first,
// because TOO_FEW_PARTNERS is published: were SMALL_CELL checked first,
// TOO_FEW_PARTNERS would say "this figure is 0 or at least k", and a researcher who
// bounds the cell from above by subtraction would narrow it (the differencing
// attack in internal/outcomes found such cells).
//
// Identifiable partners' figures may be published on their own, and a partner's
// multiplier is the same in every cell, so anyone can subtract them from a pooled
// cell exactly: every rule below treats them as known, and asks what is left
// after also one contributor (an insider, who knows its own figure) subtracts
// itself.
func (c Config) primary(f figure) Reason {
	if len(f.shares) == 0 {
		return TooFewPartners // a cell of nobody is no pooled figure
	}
	var pooled []share // non-identifiable partners
	for _, s := range f.shares {
		if !s.identifiable {
			pooled = append(pooled, s)
		}
	}
	// Non-identifiable partners number 0 or at least MinPartners, also once any one
	// of them subtracts itself (an identifiable contributor leaves them all). A cell
	// of identifiable partners only is exempt.
	enough := func(n int) bool { return n == 0 || n >= c.MinPartners }
	if !enough(len(pooled)) || (len(pooled) > 0 && !enough(len(pooled)-1)) {
		return TooFewPartners
	}
	if c.smallCell(f, pooled) {
		return SmallCell
	}
	if f.kind == hjx.KindAmount || f.kind == hjx.KindMean {
		magnitudes := make([]decimal.Decimal, len(pooled))
		for i, s := range pooled {
			magnitudes[i] = s.value.Abs()
		}
		slices.SortFunc(magnitudes, func(a, b decimal.Decimal) int { return b.Cmp(a) })
		if c.pPercent(magnitudes) || (f.kind == hjx.KindAmount && c.dominated(magnitudes)) {
			return Dominance
		}
	}
	return ""
}

// smallCell reports whether a count-like figure of f (a count; a numerator,
// denominator or complement; the n of money and means) is in 1..k-1, or is left
// there once the identifiable partners' figures and any one contributor's own are
// subtracted. Money and means also need at least k persons, zero included: a mean
// of nobody is undefined and money is only shown over k clients.
func (c Config) smallCell(f figure, pooled []share) bool {
	k := int64(c.k(f.shares))
	small := func(x int64) bool { return x >= 1 && x < k }
	var parts []func(s share) int64 // the count-like figures of a share
	switch f.kind {
	case hjx.KindCount:
		parts = append(parts, func(s share) int64 { return s.value.IntPart() })
	case hjx.KindProportion:
		parts = append(parts, func(s share) int64 { return s.value.IntPart() },
			func(s share) int64 { return s.n }, func(s share) int64 { return s.n - s.value.IntPart() })
	case hjx.KindAmount, hjx.KindMean:
		if int64(f.n) < k {
			return true
		}
		parts = append(parts, func(s share) int64 { return s.n })
	}
	for _, part := range parts {
		var total, public int64
		for _, s := range f.shares {
			total += part(s)
			if s.identifiable {
				public += part(s)
			}
		}
		if small(total) || small(total-public) {
			return true
		}
		for _, s := range pooled {
			if small(total - public - part(s)) {
				return true
			}
		}
	}
	return false
}

// pPercent is the p% rule on the non-identifiable partners' magnitudes, sorted
// largest first: the second largest contributor, knowing its own figure, must not
// be able to estimate the largest within P, i.e. what is left, T - x1 - x2, must be
// at least P * x1. The largest and second largest are the worst case of any target
// and any single intruder (Hundepool et al., Statistical Disclosure Control, 2012,
// chapter 4; sdcTable's "p" rule). Identifiable partners are left out as known,
// not as absent: a remainder without them is smaller, so the rule is stricter than
// one counting them in T, whatever flag any partner sets, and none of them needs
// protecting, having agreed to be shown alone.
func (c Config) pPercent(sorted []decimal.Decimal) bool {
	if len(sorted) == 0 || !sorted[0].IsPositive() {
		return false
	}
	rest := decimal.Zero
	for _, m := range sorted[min(2, len(sorted)):] {
		rest = rest.Add(m)
	}
	return rest.LessThan(decimal.NewFromFloat(c.P).Mul(sorted[0]))
}

// dominated reports whether the DominanceN largest magnitudes (sorted largest
// first) exceed DominanceK of their total. Exact decimal arithmetic keeps "exactly
// 85%" published.
func (c Config) dominated(sorted []decimal.Decimal) bool {
	total, top := decimal.Zero, decimal.Zero
	for i, m := range sorted {
		total = total.Add(m)
		if i < c.DominanceN {
			top = top.Add(m)
		}
	}
	if !total.IsPositive() {
		return false
	}
	return top.GreaterThan(decimal.NewFromFloat(c.DominanceK).Mul(total))
}

// cellState is a cell under protection.
type cellState struct {
	fig    figure
	k      int
	reason Reason
}

// measure orders candidates for secondary suppression: the figure whose loss costs
// least. Zero cells come last, as suppressing a cell that is known or guessed to be
// empty protects nothing.
func (s *cellState) measure() (zero bool, size float64) {
	size = float64(s.fig.n)
	if s.fig.kind == hjx.KindCount {
		size = s.fig.value
	}
	return size == 0, size
}

// Protect applies the disclosure rules to cells and returns them in input order,
// with a summary: suppression decided on the true figures, then perturbation and
// rounding of the published cells. A published figure depends only on the cell's
// contributions (figures, keys, policies) and the configuration, so the same cell
// publishes the same value in every table, grouping and order it appears in. It
// fails, publishing nothing, when the configuration or a cell is invalid (an error
// wrapping ErrInvalidCell for cells).
func Protect(cfg Config, cells []Cell) ([]Protected, Summary, error) {
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, Summary{}, err
	}
	states, err := build(cfg, cells)
	if err != nil {
		return nil, Summary{}, err
	}
	for i := range states {
		states[i].reason = cfg.primary(states[i].fig)
	}
	cfg.secondary(states, cells)

	sum := Summary{K: cfg.Floor, RoundingBase: RoundingBase, ByReason: map[Reason]int{}}
	out := make([]Protected, len(cells))
	for i, c := range cells {
		st := &states[i]
		sum.K = max(sum.K, st.k)
		out[i] = Protected{Key: slices.Clone(c.Key), Partners: len(st.fig.shares)}
		if st.reason != "" {
			out[i].Suppressed, out[i].Reason, out[i].Cause = true, public(st.reason), st.reason
			sum.Suppressed++
			sum.ByReason[out[i].Reason]++
			continue
		}
		publish(&out[i], c, st.k)
	}
	return out, sum, nil
}

// build validates the cells and turns them into figures.
func build(cfg Config, cells []Cell) ([]cellState, error) {
	states := make([]cellState, len(cells))
	seen := make(map[string]int, len(cells))
	for i, c := range cells {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w %d (key %q): %s", ErrInvalidCell, i, c.Key, fmt.Sprintf(format, args...))
		}
		if len(c.Key) != len(cells[0].Key) {
			return nil, bad("key has %d values, cell 0 has %d", len(c.Key), len(cells[0].Key))
		}
		if c.Kind != cells[0].Kind {
			return nil, bad("kind %s, cell 0 is %s: a table holds one metric", c.Kind, cells[0].Kind)
		}
		key := keyOf(c.Key, -1)
		if j, dup := seen[key]; dup {
			return nil, bad("same key as cell %d", j)
		}
		seen[key] = i
		fig, err := cellFigure(c, bad)
		if err != nil {
			return nil, err
		}
		states[i] = cellState{fig: fig, k: cfg.k(fig.shares)}
	}
	return states, nil
}

// invalidf makes the error for one invalid cell.
type invalidf func(format string, args ...any) error

// cellFigure checks a cell's figure and its contributions and makes them a figure.
func cellFigure(c Cell, bad invalidf) (figure, error) {
	if err := checkCell(c, bad); err != nil {
		return figure{}, err
	}
	n := c.N
	if c.Kind == hjx.KindCount {
		n = 0
	}
	fig := figure{kind: c.Kind, value: c.Value, n: n}
	var t totals
	for _, p := range c.Contributions {
		s, err := t.add(c.Kind, p, bad)
		if err != nil {
			return figure{}, err
		}
		fig.addShare(s)
	}
	return fig, t.check(c, bad)
}

// checkCell checks the cell's own figure for its kind.
func checkCell(c Cell, bad invalidf) error {
	if !finite(c.Value) || (c.SD != nil && (!finite(*c.SD) || *c.SD < 0)) {
		return bad("value or sd is not a finite number (sd >= 0)")
	}
	switch c.Kind {
	case hjx.KindCount:
		if !whole(c.Value) || c.Value < 0 {
			return bad("count %v is not a whole number >= 0", c.Value)
		}
	case hjx.KindProportion:
		if !whole(c.Value) || c.Value < 0 || c.Value > float64(c.N) {
			return bad("numerator %v is not a whole number in 0..n (n = %d)", c.Value, c.N)
		}
	case hjx.KindAmount:
		if c.Value < 0 || c.N < 0 {
			return bad("money total %v and n %d must be >= 0", c.Value, c.N)
		}
	case hjx.KindMean:
		if c.N < 0 {
			return bad("n %d must be >= 0", c.N)
		}
	default:
		return bad("unknown kind %q", c.Kind)
	}
	return nil
}

// totals is what a cell's contributions add up to, to check against the cell.
type totals struct {
	count, persons   int64
	money, magnitude float64
}

// add checks one contribution, adds it to the totals and returns its share.
func (t *totals) add(kind hjx.MetricKind, p Contribution, bad invalidf) (share, error) {
	if p.PartnerID == "" || p.MinCell < 0 || !finite(p.Value) {
		return share{}, bad("contribution of partner %q: needs an id, min cell >= 0 and a finite value", p.PartnerID)
	}
	s := share{partner: p.PartnerID, minCell: p.MinCell, identifiable: p.Identifiable,
		value: decimal.NewFromFloat(p.Value), n: int64(p.N)}
	switch kind {
	case hjx.KindCount:
		s.n = 0
		if !whole(p.Value) || p.Value < 0 {
			return share{}, bad("partner %q: count %v is not a whole number >= 0", p.PartnerID, p.Value)
		}
		t.count += int64(p.Value)
	case hjx.KindProportion:
		if !whole(p.Value) || p.Value < 0 || p.Value > float64(p.N) {
			return share{}, bad("partner %q: numerator %v is not a whole number in 0..n (n = %d)", p.PartnerID, p.Value, p.N)
		}
		t.count += int64(p.Value)
	case hjx.KindAmount:
		if p.Value < 0 || p.N < 0 {
			return share{}, bad("partner %q: money %v and n %d must be >= 0", p.PartnerID, p.Value, p.N)
		}
		t.money += p.Value
		t.magnitude += p.Value
	case hjx.KindMean:
		if p.N < 0 {
			return share{}, bad("partner %q: n %d must be >= 0", p.PartnerID, p.N)
		}
		s.value = s.value.Mul(decimal.NewFromInt(int64(p.N))) // the partner's sum n*mean
		t.money += p.Value * float64(p.N)
		t.magnitude += math.Abs(p.Value * float64(p.N))
	}
	t.persons += s.n
	return s, nil
}

// check is that the contributions add up to the cell: the published figure is made
// of the contributions and the rules judge them (money and means up to float error).
func (t totals) check(c Cell, bad invalidf) error {
	switch c.Kind {
	case hjx.KindCount, hjx.KindProportion:
		if t.count != int64(c.Value) {
			return bad("contributions add up to %d, the cell says %v", t.count, c.Value)
		}
	case hjx.KindAmount, hjx.KindMean:
		total := c.Value
		if c.Kind == hjx.KindMean {
			total *= float64(c.N)
		}
		if math.Abs(t.money-total) > 1e-9*(1+t.magnitude) {
			return bad("contributions add up to %v, the cell says %v", t.money, total)
		}
	}
	if c.Kind != hjx.KindCount && t.persons != int64(c.N) {
		return bad("contributions' n add up to %d, the cell says %d", t.persons, c.N)
	}
	return nil
}

// secondary applies rule 3 until no sibling set needs more suppression. A set is
// revisited whenever one of its cells is newly suppressed, so the work is bounded
// by the number of suppressions times the sets each cell belongs to; sets are
// visited in a fixed order (dimension, then first appearance), so the outcome
// depends only on the input.
func (c Config) secondary(states []cellState, cells []Cell) {
	if len(cells) == 0 {
		return
	}
	t := siblingSets(cells, states)
	queue := make([]int, len(t.sets))
	queued := make([]bool, len(t.sets))
	for s := range t.sets {
		queue[s], queued[s] = s, true
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		queued[s] = false
		for c.exposed(states, t.sets[s]) {
			i, ok := t.cheapest(states, s)
			if !ok {
				break
			}
			states[i].reason = Secondary
			for _, u := range t.setsOf[i] {
				t.suppressed[u]++
				if u != s && !queued[u] {
					queue, queued[u] = append(queue, u), true
				}
			}
		}
	}
}

// siblings holds the sibling sets of a table: sets[s] lists the cells of set s,
// setsOf[i] the sets cell i belongs to (one per grouped dimension at most),
// suppressed[s] how many cells of set s are suppressed so far.
type siblings struct {
	sets       [][]int
	setsOf     [][]int
	suppressed []int
}

// siblingSets groups, for each grouped dimension, the cells whose keys agree
// everywhere else. Singleton sets are dropped: a lone cell equals its margin, which
// is protected as a cell of its own query.
func siblingSets(cells []Cell, states []cellState) siblings {
	t := siblings{setsOf: make([][]int, len(cells))}
	for dim := range len(cells[0].Key) {
		index := map[string]int{}
		var sets [][]int
		for i, cell := range cells {
			key := keyOf(cell.Key, dim)
			s, ok := index[key]
			if !ok {
				s = len(sets)
				index[key] = s
				sets = append(sets, nil)
			}
			sets[s] = append(sets[s], i)
		}
		for _, set := range sets {
			if len(set) < 2 {
				continue
			}
			n := 0
			for _, i := range set {
				t.setsOf[i] = append(t.setsOf[i], len(t.sets))
				if states[i].reason != "" {
					n++
				}
			}
			t.sets = append(t.sets, set)
			t.suppressed = append(t.suppressed, n)
		}
	}
	return t
}

// exposed reports whether the suppressed cells of a sibling set can be recovered,
// alone or together, by subtracting the published siblings from the margin: there
// is exactly one, or their union fails the primary rules, while some sibling is
// still published.
func (c Config) exposed(states []cellState, set []int) bool {
	var union figure
	suppressed := 0
	for _, i := range set {
		if states[i].reason == "" {
			continue
		}
		if suppressed == 0 {
			union = figure{kind: states[i].fig.kind}
		}
		suppressed++
		union.add(states[i].fig)
	}
	switch {
	case suppressed == 0 || suppressed == len(set):
		return false
	case suppressed == 1:
		return true
	}
	return c.primary(union) != ""
}

// cheapest returns the published cell of set s to suppress next: the smallest
// sibling, with two refinements. A cell whose other sibling sets already hold a
// suppression is preferred, since suppressing it there does not leave a new set
// with exactly one suppressed cell (it stops cascades; in a one-dimensional table
// every cell is in one set and this is simply the smallest). A zero cell comes last:
// hiding a cell that is known or guessed to be empty protects nothing. Ties go to
// the earliest cell.
func (t siblings) cheapest(states []cellState, s int) (int, bool) {
	type rank struct {
		opens int // other sets of the cell that have no suppression yet
		zero  bool
		size  float64
	}
	less := func(a, b rank) bool {
		if a.opens != b.opens {
			return a.opens < b.opens
		}
		if a.zero != b.zero {
			return !a.zero
		}
		return a.size < b.size
	}
	best, bestRank := -1, rank{}
	for _, i := range t.sets[s] {
		if states[i].reason != "" {
			continue
		}
		r := rank{}
		r.zero, r.size = states[i].measure()
		for _, u := range t.setsOf[i] {
			if u != s && t.suppressed[u] == 0 {
				r.opens++
			}
		}
		if best < 0 || less(r, bestRank) {
			best, bestRank = i, r
		}
	}
	return best, best >= 0
}

// RoundCountAtLeast rounds a published count (0 or at least k) to the nearest
// multiple of RoundingBase, but never below k: with a k that is not a multiple of
// the base (a US partner's 11), 11 and 12 would otherwise be shown as 10, a number
// the rules forbid showing (CMS: no cell of 1-10), and one that tells a reader the
// true count is 11 or 12. Such counts are shown as the next multiple at or above k.
func RoundCountAtLeast(x, k int) int {
	r := RoundCount(x)
	if x > 0 && r < k {
		r = (k + RoundingBase - 1) / RoundingBase * RoundingBase
	}
	return r
}

// RoundCount rounds a count to the nearest multiple of RoundingBase. With an odd
// base no whole number lies half way, so there is no tie to break.
func RoundCount(x int) int {
	r := x % RoundingBase
	if r < 0 {
		r += RoundingBase
	}
	if 2*r < RoundingBase {
		return x - r
	}
	return x - r + RoundingBase
}

// RoundMoney rounds money to the nearest MoneyUnit (10 = 10^1, hence Round(-1)),
// halves away from zero (1225 -> 1230, 1245 -> 1250). It rounds the shortest decimal
// form of x, the figure a person would read, so binary noise cannot flip a half.
func RoundMoney(x float64) float64 {
	return decimal.NewFromFloat(x).Round(-1).InexactFloat64()
}

// RoundMean rounds a mean or SD to MeanDecimals decimals, halves away from zero
// (2.25 -> 2.3, -2.25 -> -2.3), on the shortest decimal form of x.
func RoundMean(x float64) float64 { return roundTo(x, MeanDecimals) }

func roundTo(x float64, places int32) float64 {
	return decimal.NewFromFloat(x).Round(places).InexactFloat64()
}

// keyOf encodes a key, leaving out the value at position skip (-1: none), so that
// cells differing only there share an encoding. Values are length-prefixed: any
// string is safe.
func keyOf(key []string, skip int) string {
	var b strings.Builder
	for i, v := range key {
		if i == skip {
			b.WriteString("*|")
			continue
		}
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('|')
	}
	return b.String()
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func whole(x float64) bool { return x == math.Trunc(x) && math.Abs(x) < 1<<52 }

func ptr[T any](v T) *T { return &v }
