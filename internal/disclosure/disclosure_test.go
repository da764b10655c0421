package disclosure

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// testSecret keys the test partners, so that every partner has fixed unit keys and
// record keys, as it would under the server's secret.
var testSecret = Secret("hjx disclosure test secret 32 b.")

// partner is a contribution with its policy and the keys a pooled query would
// pass: the unit keys of the partner for the metric, the record keys of one row.
func partner(id string, minCell int, v float64) Contribution {
	vk, nk := testSecret.RecordKeys(RecordIdentity{PartnerID: id, Metric: "m"})
	return Contribution{PartnerID: id, MinCell: minCell, Value: v, ValueKey: int64(vk), NKey: int64(nk),
		ValueUnit: testSecret.UnitKey(id, "m", RoleValue), NUnit: testSecret.UnitKey(id, "m", RoleN)}
}

// Partners as policies make them: GB default min_cell 8, US 11, identifiable or not.
func gb(id string, v float64) Contribution { return partner(id, 8, v) }
func us(id string, v float64) Contribution { return partner(id, 11, v) }
func ident(c Contribution) Contribution    { c.Identifiable = true; return c }

// withN sets a contribution's n (denominator, clients, persons).
func withN(c Contribution, n int) Contribution { c.N = n; return c }

// spread deals a whole number out to the parts round robin (10 to four parts: 3, 3,
// 2, 2), so that no part is larger than another by more than one.
func spread(total, i, parts int) int {
	if i >= total%parts {
		return total / parts
	}
	return total/parts + 1
}

// fourGB splits a count between four GB partners evenly enough for every partner
// rule; a count that is not whole goes to the first.
func fourGB(v float64) []Contribution {
	cs := make([]Contribution, 4)
	for i := range cs {
		share := float64(spread(int(v), i, 4))
		if v != math.Trunc(v) || v < 0 {
			share = map[bool]float64{true: v, false: 0}[i == 0]
		}
		cs[i] = gb(string(rune('a'+i)), share)
	}
	return cs
}

func sumValues(cs []Contribution) float64 {
	var s float64
	for _, c := range cs {
		s += c.Value
	}
	return s
}

func count(v float64, cs ...Contribution) Cell {
	if cs == nil {
		cs = fourGB(v)
	}
	return Cell{Kind: hjx.KindCount, Value: v, Contributions: cs}
}

// prop is a proportion num of n over four GB partners, both split round robin.
func prop(num float64, n int) Cell {
	cs := fourGB(num)
	for i := range cs {
		cs[i].N = spread(n, i, 4)
	}
	return Cell{Kind: hjx.KindProportion, Value: num, N: n, Contributions: cs}
}

// amount is the money of the contributions over n clients, split round robin
// unless the contributions carry their own n.
func amount(n int, cs ...Contribution) Cell {
	return Cell{Kind: hjx.KindAmount, Value: sumValues(cs), N: n, Contributions: dealN(n, cs)}
}

// mean is the pooled mean of the contributions' means (Value) over n persons,
// split round robin unless the contributions carry their own n.
func mean(sd *float64, n int, cs ...Contribution) Cell {
	cs = dealN(n, cs)
	var sum float64
	for _, c := range cs {
		sum += c.Value * float64(c.N)
	}
	c := Cell{Kind: hjx.KindMean, N: n, SD: sd, Contributions: cs}
	if n > 0 {
		c.Value = sum / float64(n)
	}
	return c
}

// fourMeans is four GB partners all with mean m.
func fourMeans(m float64) []Contribution {
	return []Contribution{gb("a", m), gb("b", m), gb("c", m), gb("d", m)}
}

func dealN(n int, cs []Contribution) []Contribution {
	cs = append([]Contribution(nil), cs...)
	given := 0
	for _, c := range cs {
		given += c.N
	}
	if given == 0 && len(cs) > 0 {
		for i := range cs {
			cs[i].N = spread(n, i, len(cs))
		}
	}
	return cs
}

func keyed(c Cell, key ...string) Cell { c.Key = key; return c }

func f(v float64) *float64 { return &v }

// protectOne runs Protect on one cell without a key and returns the result.
func protectOne(t *testing.T, cfg Config, c Cell) Protected {
	t.Helper()
	out, _, err := Protect(cfg, []Cell{c})
	if err != nil {
		t.Fatalf("Protect: %v", err)
	}
	return out[0]
}

// Published is the cause of a published cell in the tables below.
const Published Reason = ""

// zero marks cases whose published value must be exactly 0.
const zero = true

func TestPrimaryRules(t *testing.T) {
	t.Parallel()
	var tests []primaryCase
	for _, cases := range [][]primaryCase{primaryCountCases(), primaryProportionAmountMeanCases(),
		primaryPartnerCases(), primaryDominanceCases()} {
		tests = append(tests, cases...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protectOne(t, tt.cfg, tt.cell)
			if got.Cause != tt.cause || got.Suppressed != (tt.cause != Published) || got.Partners != tt.partners {
				t.Fatalf("got %s, want cause %q partners %d", show(got), tt.cause, tt.partners)
			}
			if got.Suppressed {
				if want := public(tt.cause); got.Reason != want {
					t.Errorf("reason %s, want the public %s", got.Reason, want)
				}
				return
			}
			if got.Value == nil || (tt.zero && *got.Value != 0) || (!tt.zero && *got.Value == 0) {
				t.Errorf("published %s, zero %v", show(got), tt.zero)
			}
			if got.Reason != "" {
				t.Errorf("published with reason %s", got.Reason)
			}
		})
	}
}

// primaryCase is a cell, the rules in force and what protecting it alone gives.
type primaryCase struct {
	name     string
	cfg      Config
	cell     Cell
	cause    Reason
	partners int
	zero     bool // the published value is 0
}

// primaryCountCases are TestPrimaryRules' cases of counts, and of what is left
// once a contributor or the identifiable partners take their figures out.
func primaryCountCases() []primaryCase {
	return []primaryCase{
		// Counts: 1..k-1 suppressed, zero and k or more shown.
		{"CountShown", Config{}, count(23), Published, 4, false},
		{"CountZeroShown", Config{}, count(0), Published, 4, zero},
		{"CountOneSuppressed", Config{}, count(1), SmallCell, 4, false},
		{"CountSevenSuppressedGB", Config{}, count(7), SmallCell, 4, false},
		{"CountEightShownGB", Config{}, count(8, gb("a", 8), gb("b", 0), gb("c", 0), gb("d", 0)), Published, 4, false},
		{"CountNineSuppressedOneUS", Config{}, count(9, gb("a", 9), gb("b", 0), gb("c", 0), us("d", 0)), SmallCell, 4, false},
		{"CountElevenShownUS", Config{}, count(11, us("a", 11), us("b", 0), us("c", 0), us("d", 0)), Published, 4, false},
		{"CountTenShownPolicyTen", Config{}, count(10, partner("a", 10, 10), gb("b", 0), gb("c", 0), gb("d", 0)),
			Published, 4, false},
		{"CountBelowFloorPolicyRaised", Config{},
			count(7, partner("a", 3, 7), partner("b", 3, 0), partner("c", 3, 0), partner("d", 3, 0)), SmallCell, 4, false},
		{"CountFloorConfigured", Config{Floor: 10}, count(9, gb("a", 9), gb("b", 0), gb("c", 0), gb("d", 0)),
			SmallCell, 4, false},
		{"CountStricterPartnerPolicy", Config{}, count(19, gb("a", 5), gb("b", 5), gb("c", 5), partner("d", 20, 4)),
			SmallCell, 4, false},
		{"CountNIgnoredAndNotPublished", Config{}, Cell{Kind: hjx.KindCount, Value: 40, N: 3, Contributions: fourGB(40)},
			Published, 4, false},
		// What is left once one contributor subtracts its own figure: 0 or at least k.
		{"RemainderSmallAfterInsider", Config{}, count(100, gb("a", 95), gb("b", 2), gb("c", 2), gb("d", 1)),
			SmallCell, 4, false},
		{"RemainderZeroShown", Config{}, count(100, gb("a", 100), gb("b", 0), gb("c", 0), gb("d", 0)), Published, 4, false},
		{"RemainderAtKShown", Config{}, count(100, gb("a", 92), gb("b", 3), gb("c", 3), gb("d", 2)), Published, 4, false},
		{"RemainderUSNeedsEleven", Config{}, count(100, us("a", 90), gb("b", 4), gb("c", 3), gb("d", 3)),
			SmallCell, 4, false},
		// Identifiable partners' figures are public: what is left after them too.
		{"RemainderAfterIdentifiables", Config{},
			count(100, ident(gb("x", 50)), ident(gb("y", 45)), gb("a", 2), gb("b", 1), gb("c", 1), gb("d", 1)),
			SmallCell, 6, false},
		{"RemainderAfterIdentifiablesAndInsider", Config{},
			count(100, ident(gb("x", 50)), ident(gb("y", 30)), gb("a", 14), gb("b", 2), gb("c", 2), gb("d", 2)),
			SmallCell, 6, false},
	}
}

// primaryProportionAmountMeanCases are TestPrimaryRules' cases of proportions, amounts and means.
func primaryProportionAmountMeanCases() []primaryCase {
	return []primaryCase{
		// Proportions: numerator, denominator and complement, and their remainders.
		{"ProportionShown", Config{}, prop(23, 47), Published, 4, false},
		{"ProportionComplementSmall", Config{}, prop(48, 50), SmallCell, 4, false},
		{"ProportionNumeratorSmall", Config{}, prop(2, 50), SmallCell, 4, false},
		{"ProportionDenominatorSmall", Config{}, prop(0, 5), SmallCell, 4, false},
		{"ProportionZeroNumeratorShown", Config{}, prop(0, 50), Published, 4, zero},
		{"ProportionAllShown", Config{}, prop(50, 50), Published, 4, false},
		{"ProportionEmptyShown", Config{}, prop(0, 0), Published, 4, zero},
		{"ProportionComplementRemainderSmall", Config{}, Cell{Kind: hjx.KindProportion, Value: 50, N: 62, Contributions: []Contribution{
			withN(gb("a", 20), 30), withN(gb("b", 10), 11), withN(gb("c", 10), 11), withN(gb("d", 10), 10)}},
			SmallCell, 4, false},
		{"ProportionDenominatorRemainderSmall", Config{}, Cell{Kind: hjx.KindProportion, Value: 0, N: 60, Contributions: []Contribution{
			withN(gb("a", 0), 55), withN(gb("b", 0), 2), withN(gb("c", 0), 2), withN(gb("d", 0), 1)}},
			SmallCell, 4, false},

		// Amounts: n below k, or its remainder in 1..k-1, suppressed.
		{"AmountShown", Config{}, amount(23, gb("a", 4000), gb("b", 4000), gb("c", 4345.67), gb("d", 3000)),
			Published, 4, false},
		{"AmountFewClients", Config{}, amount(7, gb("a", 2000), gb("b", 1500), gb("c", 1500), gb("d", 1000)),
			SmallCell, 4, false},
		{"AmountNoClients", Config{}, amount(0, gb("a", 0), gb("b", 0), gb("c", 0), gb("d", 0)), SmallCell, 4, false},
		{"AmountUSNeedsEleven", Config{}, amount(10, us("a", 2000), gb("b", 1500), gb("c", 1500), gb("d", 1000)),
			SmallCell, 4, false},
		{"AmountClientsRemainderSmall", Config{}, amount(27, withN(gb("a", 2000), 20), withN(gb("b", 1500), 3),
			withN(gb("c", 1500), 2), withN(gb("d", 1000), 2)), SmallCell, 4, false},

		// Means: n below k suppressed.
		{"MeanShown", Config{}, mean(f(1.05), 30, fourMeans(2.25)...), Published, 4, false},
		{"MeanNegativeShown", Config{}, mean(nil, 28, fourMeans(-2.25)...), Published, 4, false},
		{"MeanFewPersons", Config{}, mean(f(1), 7, fourMeans(4.5)...), SmallCell, 4, false},
		{"MeanPersonsRemainderSmall", Config{}, mean(nil, 40, withN(gb("a", 4), 35), withN(gb("b", 4), 2),
			withN(gb("c", 4), 2), withN(gb("d", 4), 1)), SmallCell, 4, false},
	}
}

// primaryPartnerCases are TestPrimaryRules' cases of the partner rule, reported before the small-cell rule.
func primaryPartnerCases() []primaryCase {
	return []primaryCase{
		// Partners: non-identifiable figures pooled with at least MinPartners others
		// once any one of them takes itself out: four at least.
		{"TwoPartners", Config{}, count(100, gb("a", 50), gb("b", 50)), TooFewPartners, 2, false},
		{"OnePartner", Config{}, count(100, gb("a", 100)), TooFewPartners, 1, false},
		{"ThreePartnersTooFewOnceOneLeaves", Config{}, count(90, gb("a", 30), gb("b", 30), gb("c", 30)),
			TooFewPartners, 3, false},
		{"FourPartnersShown", Config{}, count(100), Published, 4, false},
		{"SamePartnerTwiceIsOne", Config{}, count(100, gb("a", 30), gb("a", 30), gb("b", 20), gb("c", 20)),
			TooFewPartners, 3, false},
		{"NoContributions", Config{}, Cell{Kind: hjx.KindCount, Value: 0}, TooFewPartners, 0, false},
		{"OneIdentifiablePartner", Config{}, count(100, ident(gb("a", 100))), Published, 1, false},
		{"TwoIdentifiablePartners", Config{}, count(100, ident(gb("a", 50)), ident(us("b", 50))), Published, 2, false},
		{"IdentifiableDoesNotMakeUpThePool", Config{},
			count(100, ident(gb("x", 40)), gb("a", 20), gb("b", 20), gb("c", 20)), TooFewPartners, 4, false},
		{"IdentifiablePlusFourShown", Config{},
			count(100, ident(gb("x", 40)), ident(gb("y", 20)), gb("a", 10), gb("b", 10), gb("c", 10), gb("d", 10)),
			Published, 6, false},
		{"PartnerIdentifiableOnlyIfEveryShareSays", Config{},
			count(100, ident(gb("a", 40)), gb("a", 60)), TooFewPartners, 1, false},
		{"MinPartnersConfigured", Config{MinPartners: 4}, count(100), TooFewPartners, 4, false},
		{"MinPartnersConfiguredFive", Config{MinPartners: 4},
			count(100, gb("a", 20), gb("b", 20), gb("c", 20), gb("d", 20), gb("e", 20)), Published, 5, false},
		// The partner rule is reported first, so TOO_FEW_PARTNERS never says "0 or at
		// least k".
		{"PartnersReportedBeforeSmallCell", Config{}, count(5, gb("a", 5)), TooFewPartners, 1, false},
		{"PartnersReportedBeforeSmallProportion", Config{}, Cell{Kind: hjx.KindProportion, Value: 2, N: 40,
			Contributions: []Contribution{withN(gb("a", 1), 20), withN(gb("b", 1), 20)}}, TooFewPartners, 2, false},
		{"SmallCellWithEnoughPartners", Config{}, count(5), SmallCell, 4, false},
	}
}

// primaryDominanceCases are TestPrimaryRules' cases of dominance of money and the p% rule.
func primaryDominanceCases() []primaryCase {
	return []primaryCase{
		// Dominance of money: two largest non-identifiable shares over 85%.
		{"DominanceNinety", Config{}, amount(40, gb("a", 80), gb("b", 10), gb("c", 5), gb("d", 5)), Dominance, 4, false},
		{"DominanceExactlyEightyFiveShown", Config{}, amount(40, gb("a", 70), gb("b", 15), gb("c", 8), gb("d", 7)),
			Published, 4, false},
		{"DominanceJustOver", Config{}, amount(40, gb("a", 700), gb("b", 150.01), gb("c", 75), gb("d", 74.99)),
			Dominance, 4, false},
		{"NoDominanceBalanced", Config{}, amount(40, gb("a", 40), gb("b", 30), gb("c", 20), gb("d", 10)),
			Published, 4, false},
		{"DominanceSharesOfOnePartnerAdded", Config{},
			amount(40, gb("a", 30), gb("a", 30), gb("b", 20), gb("c", 5), gb("d", 5)), Dominance, 4, false},
		{"IdentifiableSinglePartnerAmountShown", Config{}, amount(15, ident(us("a", 5000))), Published, 1, false},
		{"IdentifiableLargestLeftOutOfDominance", Config{},
			amount(50, ident(gb("x", 900)), gb("a", 30), gb("b", 30), gb("c", 30), gb("d", 30)), Published, 5, false},
		{"DominanceAmongTheRestWithIdentifiable", Config{},
			amount(50, ident(gb("x", 10)), gb("a", 80), gb("b", 10), gb("c", 5), gb("d", 5)), Dominance, 5, false},
		{"DominanceConfigured", Config{DominanceN: 1, DominanceK: 0.5},
			amount(40, gb("a", 60), gb("b", 20), gb("c", 10), gb("d", 10)), Dominance, 4, false},
		{"NoDominanceForCounts", Config{}, count(100, gb("a", 80), gb("b", 10), gb("c", 5), gb("d", 5)),
			Published, 4, false},
		{"AllZeroMoneyNotDominated", Config{}, amount(30, gb("a", 0), gb("b", 0), gb("c", 0), gb("d", 0)),
			Published, 4, zero},

		// The p% rule (10%): T - x1 - x2 >= 0.1 x1. With (2, 85) switched off
		// (DominanceK 1) for money, it stands alone.
		{"PPercentAmount", Config{DominanceK: 1}, amount(40, gb("a", 100), gb("b", 50), gb("c", 5), gb("d", 4)),
			Dominance, 4, false},
		{"PPercentAmountExactlyPShown", Config{DominanceK: 1},
			amount(40, gb("a", 100), gb("b", 50), gb("c", 5), gb("d", 5)), Published, 4, false},
		{"PPercentConfigured", Config{DominanceK: 1, P: 0.2},
			amount(40, gb("a", 100), gb("b", 50), gb("c", 10), gb("d", 9)), Dominance, 4, false},
		// An identifiable partner's figure is public: it shields nobody.
		{"PPercentIdentifiableKnown", Config{DominanceK: 1},
			amount(50, ident(gb("x", 1000)), gb("a", 100), gb("b", 50), gb("c", 5), gb("d", 4)), Dominance, 5, false},
		// Means: the p% rule on each partner's sum n*mean (absolute), no (2, 85).
		{"PPercentMean", Config{}, mean(nil, 40, gb("a", 10), gb("b", 5), gb("c", 0.5), gb("d", 0.4)),
			Dominance, 4, false},
		{"PPercentMeanNegative", Config{}, mean(nil, 40, gb("a", -10), gb("b", 5), gb("c", 0.5), gb("d", 0.4)),
			Dominance, 4, false},
		{"MeanNinetyPercentPassesP", Config{}, mean(nil, 40, gb("a", 8), gb("b", 1), gb("c", 0.5), gb("d", 0.5)),
			Published, 4, false},
		{"MeanOnePartnerAllPersons", Config{}, mean(nil, 8, withN(gb("a", 4.5), 8), gb("b", 4.5), gb("c", 4.5),
			gb("d", 4.5)), Dominance, 4, false},
	}
}

// show prints a Protected with its pointers followed.
func show(p Protected) string {
	s := func(v *float64) string {
		if v == nil {
			return "nil"
		}
		return fmt.Sprint(*v)
	}
	n := "nil"
	if p.N != nil {
		n = fmt.Sprint(*p.N)
	}
	return fmt.Sprintf("{key %q value %s n %s sd %s rate %s partners %d suppressed %v reason %q cause %q}",
		p.Key, s(p.Value), n, s(p.SD), s(p.Rate), p.Partners, p.Suppressed, p.Reason, p.Cause)
}

// outcome is a shorthand for a protected table: for each cell, "shown" or the
// cause of its suppression.
func outcome(out []Protected) []string {
	var r []string
	for _, p := range out {
		key := strings.Join(p.Key, ",")
		if p.Suppressed {
			r = append(r, key+"="+string(p.Cause))
		} else {
			r = append(r, key+"=shown")
		}
	}
	return r
}

func TestSecondary(t *testing.T) {
	t.Parallel()
	tests := secondaryCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, sum, err := Protect(Config{}, tt.cells)
			if err != nil {
				t.Fatal(err)
			}
			if got := outcome(out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
			n := 0
			for _, p := range out {
				if p.Suppressed {
					n++
				}
			}
			if sum.Suppressed != n {
				t.Errorf("summary says %d suppressed, table has %d", sum.Suppressed, n)
			}
		})
	}
}

// secondaryCase is a table and, per cell, "shown" or the cause of its suppression.
type secondaryCase struct {
	name  string
	cells []Cell
	want  []string
}

// secondaryCases are TestSecondary's tables.
func secondaryCases() []secondaryCase {
	return []secondaryCase{
		{"TwoSiblings", []Cell{keyed(count(5), "F"), keyed(count(100), "M")},
			[]string{"F=SMALL_CELL", "M=SECONDARY"}},
		{"NextSmallest", []Cell{keyed(count(3), "a"), keyed(count(40), "b"), keyed(count(20), "c"), keyed(count(30), "d")},
			[]string{"a=SMALL_CELL", "b=shown", "c=SECONDARY", "d=shown"}},
		{"ZeroSiblingNotChosen", []Cell{keyed(count(3), "a"), keyed(count(0), "b"), keyed(count(20), "c"), keyed(count(30), "d")},
			[]string{"a=SMALL_CELL", "b=shown", "c=SECONDARY", "d=shown"}},
		{"OnlyZeroLeft", []Cell{keyed(count(3), "a"), keyed(count(0), "b")},
			[]string{"a=SMALL_CELL", "b=SECONDARY"}},
		{"TwoPrimariesOfOnePartnerTogetherAtK", []Cell{
			keyed(count(3, gb("a", 3), gb("b", 0), gb("c", 0), gb("d", 0)), "a"),
			keyed(count(5, gb("a", 5), gb("b", 0), gb("c", 0), gb("d", 0)), "b"), keyed(count(40), "c"), keyed(count(50), "d")},
			[]string{"a=SMALL_CELL", "b=SMALL_CELL", "c=shown", "d=shown"}},
		// Together 8, but once partner a subtracts its 3 the rest is 5: one more goes.
		{"TwoPrimariesTogetherAtKRemainderSmall", []Cell{keyed(count(3), "a"), keyed(count(5), "b"), keyed(count(40), "c"),
			keyed(count(50), "d")},
			[]string{"a=SMALL_CELL", "b=SMALL_CELL", "c=SECONDARY", "d=shown"}},
		{"TwoPrimariesTogetherSmall", []Cell{keyed(count(2), "a"), keyed(count(3), "b"), keyed(count(50), "c"), keyed(count(40), "d")},
			[]string{"a=SMALL_CELL", "b=SMALL_CELL", "c=shown", "d=SECONDARY"}},
		{"TwoSinglePartnerCellsTogetherStillTwoPartners", []Cell{
			keyed(count(50, gb("p", 50)), "a"), keyed(count(60, gb("q", 60)), "b"), keyed(count(100), "c"), keyed(count(200), "d")},
			[]string{"a=TOO_FEW_PARTNERS", "b=TOO_FEW_PARTNERS", "c=SECONDARY", "d=shown"}},
		{"ProportionBySmallestDenominator", []Cell{
			keyed(prop(2, 40), "a"), keyed(prop(20, 35), "b"), keyed(prop(12, 30), "c")},
			[]string{"a=SMALL_CELL", "b=shown", "c=SECONDARY"}},
		{"MeanBySmallestN", []Cell{
			keyed(mean(nil, 5, fourMeans(1)...), "a"), keyed(mean(nil, 30, fourMeans(9)...), "b"),
			keyed(mean(nil, 100, fourMeans(2)...), "c")},
			[]string{"a=SMALL_CELL", "b=SECONDARY", "c=shown"}},
		{"NoSuppressionNoSecondary", []Cell{keyed(count(30), "a"), keyed(count(0), "b")},
			[]string{"a=shown", "b=shown"}},
		{"AllSuppressed", []Cell{keyed(count(3), "a"), keyed(count(4), "b")},
			[]string{"a=SMALL_CELL", "b=SMALL_CELL"}},
		{"NoGrouping", []Cell{count(3)}, []string{"=SMALL_CELL"}},
		{"SingletonSetsLeftAlone", []Cell{keyed(count(3), "a", "x"), keyed(count(40), "b", "y")},
			[]string{"a,x=SMALL_CELL", "b,y=shown"}},
		// A 2x2 table: the primary forces one secondary in its row and one in its
		// column, which leave the other row and column with one suppression each:
		// the fourth cell goes too.
		{"TwoByTwoIterated", []Cell{
			keyed(count(3), "a1", "b1"), keyed(count(30), "a1", "b2"),
			keyed(count(20), "a2", "b1"), keyed(count(40), "a2", "b2")},
			[]string{"a1,b1=SMALL_CELL", "a1,b2=SECONDARY", "a2,b1=SECONDARY", "a2,b2=SECONDARY"}},
		// 3x3: column b1 takes (a2,b1)=30 (smaller than 40); row a1 takes (a1,b2)=20;
		// row a2 is then left with one suppression and takes (a2,b2)=60 rather than
		// the smaller (a2,b3)=25, because column b2 already holds a suppression while
		// column b3 would start a new cascade. The rectangle protects the primary.
		{"ThreeByThreeIteratedRectangle", []Cell{
			keyed(count(3), "a1", "b1"), keyed(count(20), "a1", "b2"), keyed(count(50), "a1", "b3"),
			keyed(count(30), "a2", "b1"), keyed(count(60), "a2", "b2"), keyed(count(25), "a2", "b3"),
			keyed(count(40), "a3", "b1"), keyed(count(22), "a3", "b2"), keyed(count(70), "a3", "b3")},
			[]string{"a1,b1=SMALL_CELL", "a1,b2=SECONDARY", "a1,b3=shown",
				"a2,b1=SECONDARY", "a2,b2=SECONDARY", "a2,b3=shown",
				"a3,b1=shown", "a3,b2=shown", "a3,b3=shown"}},
		// Three dimensions, incomplete cube: the secondary along SEX lands in a cell
		// whose AGE siblings then need one of their own.
		{"ThreeDimensionsCascade", []Cell{
			keyed(count(4), "GB", "F", "young"), keyed(count(50), "GB", "M", "young"),
			keyed(count(60), "GB", "M", "old"), keyed(count(90), "US", "M", "old")},
			[]string{"GB,F,young=SMALL_CELL", "GB,M,young=SECONDARY", "GB,M,old=SECONDARY", "US,M,old=SECONDARY"}},
	}
}

func TestRulesTogether(t *testing.T) {
	t.Parallel()
	// A breakdown by country and sex of clients advised: GB cells pool four GB
	// partners (k 8), US cells four US partners (k 11), one US cell has a large
	// partner alone.
	split := func(mk func(string, float64) Contribution, prefix string, v int) []Contribution {
		cs := make([]Contribution, 4)
		for i := range cs {
			cs[i] = mk(fmt.Sprint(prefix, i+1), float64(spread(v, i, 4)))
		}
		return cs
	}
	gbs := func(v int) []Contribution { return split(gb, "g", v) }
	uss := func(v int) []Contribution { return split(us, "u", v) }
	cells := []Cell{
		keyed(count(9, gbs(9)...), "GB", "FEMALE"),
		keyed(count(41, gbs(41)...), "GB", "MALE"),
		keyed(count(30, gbs(30)...), "GB", "OTHER_OR_NOT_STATED"),
		keyed(count(40, uss(40)...), "US", "FEMALE"),
		keyed(count(52, uss(52)...), "US", "MALE"),
		keyed(count(30, us("u1", 30)), "US", "OTHER_OR_NOT_STATED"),
	}
	out, sum, err := Protect(Config{}, cells)
	if err != nil {
		t.Fatal(err)
	}
	// GB,FEMALE 9 = 3+2+2+2: once g1 subtracts its 3, 6 are left: SMALL_CELL.
	// US,OTHER one partner: TOO_FEW_PARTNERS. Column FEMALE has one suppression:
	// US,FEMALE goes; column OTHER too: GB,OTHER goes. Row GB then hides 9 + 30 and
	// row US 40 + 30, pooled by four partners each with at least k left once any
	// one of them subtracts itself: fine.
	want := []string{
		"GB,FEMALE=SMALL_CELL", "GB,MALE=shown", "GB,OTHER_OR_NOT_STATED=SECONDARY",
		"US,FEMALE=SECONDARY", "US,MALE=shown", "US,OTHER_OR_NOT_STATED=TOO_FEW_PARTNERS",
	}
	if got := outcome(out); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	wantSum := Summary{K: 11, RoundingBase: 5, Suppressed: 4,
		ByReason: map[Reason]int{DisclosureRisk: 3, TooFewPartners: 1}}
	if !reflect.DeepEqual(sum, wantSum) {
		t.Errorf("summary %+v, want %+v", sum, wantSum)
	}
	for _, p := range out {
		if p.Suppressed && (p.Value != nil || p.N != nil || p.SD != nil || p.Rate != nil) {
			t.Errorf("suppressed cell %v carries a number", p.Key)
		}
		if p.Suppressed && p.Reason != public(p.Cause) {
			t.Errorf("cell %v: cause %s published as %s", p.Key, p.Cause, p.Reason)
		}
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		_, sum, err := Protect(Config{}, []Cell{keyed(count(30), "a"), keyed(count(40), "b")})
		if err != nil {
			t.Fatal(err)
		}
		want := Summary{K: 8, RoundingBase: 5, ByReason: map[Reason]int{}}
		if !reflect.DeepEqual(sum, want) {
			t.Errorf("summary %+v, want %+v", sum, want)
		}
	})
	t.Run("LargestKOfAnyCell", func(t *testing.T) {
		_, sum, err := Protect(Config{}, []Cell{
			keyed(count(30), "a"),
			keyed(count(40, gb("a", 10), gb("b", 10), gb("c", 10), partner("d", 15, 10)), "b")})
		if err != nil {
			t.Fatal(err)
		}
		if sum.K != 15 {
			t.Errorf("K = %d, want 15", sum.K)
		}
	})
	t.Run("NoCellsReportsFloor", func(t *testing.T) {
		out, sum, err := Protect(Config{Floor: 10}, nil)
		if err != nil || len(out) != 0 || sum.K != 10 || sum.RoundingBase != 5 {
			t.Errorf("got %v %+v %v", out, sum, err)
		}
	})
	t.Run("KeysCopied", func(t *testing.T) {
		key := []string{"a"}
		out, _, err := Protect(Config{}, []Cell{keyed(count(30), key...)})
		if err != nil {
			t.Fatal(err)
		}
		key[0] = "changed"
		if out[0].Key[0] != "a" {
			t.Errorf("output key aliases the input")
		}
	})
}

func TestProtectInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   Config
		cells []Cell
	}{
		{"ErrInvalidKeyLengths", Config{}, []Cell{keyed(count(30), "a"), keyed(count(30), "a", "b")}},
		{"ErrInvalidDuplicateKey", Config{}, []Cell{keyed(count(30), "a"), keyed(count(40), "a")}},
		{"ErrInvalidMixedKinds", Config{}, []Cell{keyed(count(30), "a"), keyed(prop(30, 40), "b")}},
		{"ErrInvalidKind", Config{}, []Cell{{Kind: "MEDIAN", Value: 3, Contributions: fourGB(3)}}},
		{"ErrInvalidFractionalCount", Config{}, []Cell{count(2.5)}},
		{"ErrInvalidNegativeCount", Config{}, []Cell{count(-10)}},
		{"ErrInvalidNumeratorOverN", Config{}, []Cell{prop(51, 50)}},
		{"ErrInvalidFractionalNumerator", Config{}, []Cell{prop(1.5, 50)}},
		{"ErrInvalidNaN", Config{}, []Cell{mean(nil, 30, fourMeans(math.NaN())...)}},
		{"ErrInvalidInf", Config{}, []Cell{amount(30, gb("a", math.Inf(1)), gb("b", 1), gb("c", 1), gb("d", 1))}},
		{"ErrInvalidNegativeSD", Config{}, []Cell{mean(f(-1), 30, fourMeans(1)...)}},
		{"ErrInvalidNegativeN", Config{}, []Cell{{Kind: hjx.KindMean, Value: 1, N: -30, Contributions: fourMeans(1)}}},
		{"ErrInvalidNegativeMoney", Config{}, []Cell{amount(30, gb("a", -5), gb("b", 0), gb("c", 0), gb("d", 0))}},
		{"ErrInvalidNegativeMoneyShare", Config{}, []Cell{amount(30, gb("a", 10), gb("b", -10), gb("c", 5), gb("d", 5))}},
		{"ErrInvalidNegativeClients", Config{}, []Cell{amount(5, withN(gb("a", 10), 10), withN(gb("b", 10), -5))}},
		{"ErrInvalidNoPartnerID", Config{}, []Cell{count(30, gb("", 30))}},
		{"ErrInvalidNegativeMinCell", Config{}, []Cell{count(30, partner("a", -1, 30))}},
		{"ErrInvalidFractionalShare", Config{}, []Cell{count(30, gb("a", 10.5), gb("b", 9.5), gb("c", 5), gb("d", 5))}},
		{"ErrInvalidShareNumeratorOverN", Config{}, []Cell{{Kind: hjx.KindProportion, Value: 20, N: 40, Contributions: []Contribution{
			withN(gb("a", 15), 10), withN(gb("b", 5), 30)}}}},
		// The contributions must add up to the cell: the published figure is made
		// of them and the rules judge them.
		{"ErrInvalidCountsDoNotAddUp", Config{}, []Cell{count(30, gb("a", 10), gb("b", 10), gb("c", 5), gb("d", 4))}},
		{"ErrInvalidNsDoNotAddUp", Config{}, []Cell{{Kind: hjx.KindProportion, Value: 20, N: 41, Contributions: prop(20, 40).Contributions}}},
		{"ErrInvalidMoneyDoesNotAddUp", Config{}, []Cell{{Kind: hjx.KindAmount, Value: 100.5, N: 40,
			Contributions: amount(40, gb("a", 50), gb("b", 50)).Contributions}}},
		{"ErrInvalidMeanDoesNotAddUp", Config{}, []Cell{{Kind: hjx.KindMean, Value: 2.5, N: 40, Contributions: mean(nil, 40, fourMeans(2)...).Contributions}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := Protect(tt.cfg, tt.cells)
			if !errors.Is(err, ErrInvalidCell) {
				t.Errorf("err = %v, want ErrInvalidCell", err)
			}
			if out != nil {
				t.Errorf("cells returned with an error")
			}
		})
	}
	configs := []struct {
		name string
		cfg  Config
	}{
		{"ErrInvalidFloor", Config{Floor: 1}},
		{"ErrInvalidNegativeFloor", Config{Floor: -8}},
		{"ErrInvalidMinPartners", Config{MinPartners: -1}},
		{"ErrInvalidDominanceN", Config{DominanceN: -2}},
		{"ErrInvalidDominanceK", Config{DominanceK: 1.5}},
		{"ErrInvalidDominanceKNaN", Config{DominanceK: math.NaN()}},
		{"ErrInvalidP", Config{P: 1.5}},
		{"ErrInvalidNegativeP", Config{P: -0.1}},
		{"ErrInvalidPNaN", Config{P: math.NaN()}},
	}
	for _, tt := range configs {
		t.Run(tt.name, func(t *testing.T) {
			if out, _, err := Protect(tt.cfg, []Cell{count(30)}); err == nil || out != nil {
				t.Errorf("config %+v accepted", tt.cfg)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	got, err := Config{}.resolved()
	if err != nil {
		t.Fatal(err)
	}
	if got != DefaultConfig() {
		t.Errorf("zero config resolves to %+v, want %+v", got, DefaultConfig())
	}
	if d := DefaultConfig(); d.Floor != 8 || d.MinPartners != 3 || d.DominanceN != 2 || d.DominanceK != 0.85 || d.P != 0.10 {
		t.Errorf("defaults %+v are not docs/DISCLOSURE.md's 8, 3, (2, 85), p 10%%", d)
	}
}

func TestRounding(t *testing.T) {
	t.Parallel()
	t.Run("Count", func(t *testing.T) {
		for in, want := range map[int]int{0: 0, 1: 0, 2: 0, 3: 5, 7: 5, 8: 10, 10: 10, 12: 10, 13: 15, 1002: 1000, -3: -5, -2: 0} {
			if got := RoundCount(in); got != want {
				t.Errorf("RoundCount(%d) = %d, want %d", in, got, want)
			}
		}
	})
	t.Run("CountAtLeastK", func(t *testing.T) {
		for _, c := range []struct{ x, k, want int }{{0, 11, 0}, {11, 11, 15}, {12, 11, 15}, {13, 11, 15}, {18, 11, 20},
			{8, 8, 10}, {9, 8, 10}, {10, 10, 10}, {12, 10, 10}, {15, 15, 15}, {16, 15, 15}, {16, 16, 20}} {
			if got := RoundCountAtLeast(c.x, c.k); got != c.want {
				t.Errorf("RoundCountAtLeast(%d, %d) = %d, want %d", c.x, c.k, got, c.want)
			}
		}
	})
	t.Run("MoneyHalfAwayFromZero", func(t *testing.T) {
		for in, want := range map[float64]float64{0: 0, 4.99: 0, 5: 10, 1224.99: 1220, 1225: 1230, 1235: 1240,
			1245: 1250, -1225: -1230, 12345.67: 12350, 99999995: 100000000} {
			if got := RoundMoney(in); got != want {
				t.Errorf("RoundMoney(%v) = %v, want %v", in, got, want)
			}
		}
	})
	t.Run("MeanHalfAwayFromZero", func(t *testing.T) {
		for in, want := range map[float64]float64{2.25: 2.3, 2.35: 2.4, 2.45: 2.5, 0.05: 0.1, -2.25: -2.3,
			0.04: 0, 1.0500000001: 1.1, 7.149: 7.1} {
			if got := RoundMean(in); got != want {
				t.Errorf("RoundMean(%v) = %v, want %v", in, got, want)
			}
		}
	})
}

func TestReasons(t *testing.T) {
	t.Parallel()
	want := []Reason{"TOO_FEW_PARTNERS", "DISCLOSURE_RISK"}
	if got := Reasons(); !reflect.DeepEqual(got, want) {
		t.Errorf("Reasons() = %v, want the publishable %v", got, want)
	}
	for cause, want := range map[Reason]Reason{TooFewPartners: TooFewPartners, SmallCell: DisclosureRisk,
		Dominance: DisclosureRisk, Secondary: DisclosureRisk} {
		if got := public(cause); got != want {
			t.Errorf("public(%s) = %s, want %s", cause, got, want)
		}
	}
}
