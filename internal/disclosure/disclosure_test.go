package disclosure

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// Partners as policies make them: GB default min_cell 8, US 11, identifiable or not.
func gb(id string, v float64) Contribution { return Contribution{PartnerID: id, MinCell: 8, Value: v} }
func us(id string, v float64) Contribution { return Contribution{PartnerID: id, MinCell: 11, Value: v} }
func ident(c Contribution) Contribution    { c.Identifiable = true; return c }

// three GB partners sharing a figure evenly enough for every partner rule.
func threeGB() []Contribution { return []Contribution{gb("a", 1), gb("b", 1), gb("c", 1)} }

func count(v float64, cs ...Contribution) Cell {
	if cs == nil {
		cs = threeGB()
	}
	return Cell{Kind: Count, Value: v, Contributions: cs}
}

func prop(num float64, n int) Cell {
	return Cell{Kind: Proportion, Value: num, N: n, Contributions: threeGB()}
}

func amount(total float64, n int, cs ...Contribution) Cell {
	return Cell{Kind: Amount, Value: total, N: n, Contributions: cs}
}

func mean(m float64, sd *float64, n int) Cell {
	return Cell{Kind: Mean, Value: m, N: n, SD: sd, Contributions: threeGB()}
}

func keyed(c Cell, key ...string) Cell { c.Key = key; return c }

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

// shown is a published cell; hidden a suppressed one.
func shown(value *float64, n *int, partners int) Protected {
	return Protected{Value: value, N: n, Partners: partners}
}
func hidden(r Reason, partners int) Protected {
	return Protected{Suppressed: true, Reason: r, Partners: partners}
}

// protectOne runs Protect on one cell without a key and returns the result.
func protectOne(t *testing.T, cfg Config, c Cell) Protected {
	t.Helper()
	out, _, err := Protect(cfg, []Cell{c})
	if err != nil {
		t.Fatalf("Protect: %v", err)
	}
	return out[0]
}

func TestPrimaryRules(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		cell Cell
		want Protected
	}{
		// Counts: 1..k-1 suppressed, zero and k or more shown, rounded to 5.
		{"CountShownRounded", Config{}, count(23), shown(f(25), nil, 3)},
		{"CountZeroShown", Config{}, count(0), shown(f(0), nil, 3)},
		{"CountOneSuppressed", Config{}, count(1), hidden(SmallCell, 3)},
		{"CountSevenSuppressedGB", Config{}, count(7), hidden(SmallCell, 3)},
		{"CountEightShownGB", Config{}, count(8), shown(f(10), nil, 3)},
		{"CountNineShownAllGB", Config{}, count(9, gb("a", 3), gb("b", 3), gb("c", 3)), shown(f(10), nil, 3)},
		{"CountNineSuppressedOneUS", Config{}, count(9, gb("a", 3), gb("b", 3), us("c", 3)), hidden(SmallCell, 3)},
		{"CountTenSuppressedUS", Config{}, count(10, us("a", 4), us("b", 3), us("c", 3)), hidden(SmallCell, 3)},
		// 11 is not shown as 10: no shown count below k (11 and 12 would be told apart).
		{"CountElevenShownUSAtLeastK", Config{}, count(11, us("a", 4), us("b", 4), us("c", 3)), shown(f(15), nil, 3)},
		{"CountTwelveShownUSAtLeastK", Config{}, count(12, us("a", 4), us("b", 4), us("c", 4)), shown(f(15), nil, 3)},
		{"CountThirteenShownUS", Config{}, count(13, us("a", 5), us("b", 4), us("c", 4)), shown(f(15), nil, 3)},
		{"CountTenShownPolicyTen", Config{}, count(10, Contribution{PartnerID: "a", MinCell: 10, Value: 4}, gb("b", 3), gb("c", 3)),
			shown(f(10), nil, 3)},
		{"CountBelowFloorPolicyRaised", Config{},
			count(7, Contribution{PartnerID: "a", MinCell: 3}, Contribution{PartnerID: "b", MinCell: 3},
				Contribution{PartnerID: "c", MinCell: 3}), hidden(SmallCell, 3)},
		{"CountFloorConfigured", Config{Floor: 10}, count(9), hidden(SmallCell, 3)},
		{"CountStricterPartnerPolicy", Config{},
			count(19, gb("a", 5), gb("b", 5), Contribution{PartnerID: "c", MinCell: 20, Value: 9}), hidden(SmallCell, 3)},
		{"CountNIgnoredAndNotPublished", Config{}, Cell{Kind: Count, Value: 40, N: 3, Contributions: threeGB()},
			shown(f(40), nil, 3)},

		// Proportions: numerator, denominator and complement all checked.
		{"ProportionShown", Config{}, prop(23, 47), Protected{Value: f(25), N: i(45), Rate: f(0.556), Partners: 3}},
		{"ProportionComplementSmall", Config{}, prop(48, 50), hidden(SmallCell, 3)},
		{"ProportionNumeratorSmall", Config{}, prop(2, 50), hidden(SmallCell, 3)},
		{"ProportionDenominatorSmall", Config{}, prop(0, 5), hidden(SmallCell, 3)},
		{"ProportionZeroNumeratorShown", Config{}, prop(0, 50), Protected{Value: f(0), N: i(50), Rate: f(0), Partners: 3}},
		{"ProportionAllShown", Config{}, prop(50, 50), Protected{Value: f(50), N: i(50), Rate: f(1), Partners: 3}},
		{"ProportionEmptyShownNoRate", Config{}, prop(0, 0), Protected{Value: f(0), N: i(0), Partners: 3}},
		{"ProportionComplementAtKShown", Config{}, prop(42, 50), Protected{Value: f(40), N: i(50), Rate: f(0.8), Partners: 3}},
		{"ProportionRateFromRounded", Config{}, prop(12, 33), Protected{Value: f(10), N: i(35), Rate: f(0.286), Partners: 3}},

		// Amounts: n below k suppressed, money to 10 units, n to 5.
		{"AmountShown", Config{}, amount(12345.67, 23, gb("a", 4000), gb("b", 4000), gb("c", 4345.67)),
			shown(f(12350), i(25), 3)},
		{"AmountFewClients", Config{}, amount(5000, 7, gb("a", 2000), gb("b", 1500), gb("c", 1500)), hidden(SmallCell, 3)},
		{"AmountNoClients", Config{}, amount(0, 0, gb("a", 0), gb("b", 0), gb("c", 0)), hidden(SmallCell, 3)},
		{"AmountUSNeedsEleven", Config{}, amount(5000, 10, gb("a", 2000), gb("b", 1500), us("c", 1500)), hidden(SmallCell, 3)},

		// Means: n below k suppressed, mean and SD to one decimal.
		{"MeanShown", Config{}, mean(2.25, f(1.05), 30), Protected{Value: f(2.3), N: i(30), SD: f(1.1), Partners: 3}},
		{"MeanNegativeShown", Config{}, mean(-2.25, nil, 28), Protected{Value: f(-2.3), N: i(30), Partners: 3}},
		{"MeanFewPersons", Config{}, mean(4.5, f(1), 7), hidden(SmallCell, 3)},
		{"MeanEightPersons", Config{}, mean(4.5, f(1), 8), Protected{Value: f(4.5), N: i(10), SD: f(1), Partners: 3}},

		// Partners: non-identifiable figures pooled with two others at least.
		{"TwoPartners", Config{}, count(100, gb("a", 50), gb("b", 50)), hidden(TooFewPartners, 2)},
		{"OnePartner", Config{}, count(100, gb("a", 100)), hidden(TooFewPartners, 1)},
		{"SamePartnerTwiceIsOne", Config{}, count(100, gb("a", 30), gb("a", 30), gb("b", 40)), hidden(TooFewPartners, 2)},
		{"NoContributions", Config{}, Cell{Kind: Count, Value: 0}, hidden(TooFewPartners, 0)},
		{"OneIdentifiablePartner", Config{}, count(100, ident(gb("a", 100))), shown(f(100), nil, 1)},
		{"TwoIdentifiablePartners", Config{}, count(100, ident(gb("a", 50)), ident(us("b", 50))), shown(f(100), nil, 2)},
		{"IdentifiableDoesNotMakeUpThePool", Config{},
			count(100, ident(gb("a", 40)), gb("b", 30), gb("c", 30)), hidden(TooFewPartners, 3)},
		{"IdentifiablePlusThreeShown", Config{},
			count(100, ident(gb("a", 40)), ident(gb("b", 30)), gb("c", 10), gb("d", 10), gb("e", 10)), shown(f(100), nil, 5)},
		{"PartnerIdentifiableOnlyIfEveryShareSays", Config{},
			count(100, ident(gb("a", 40)), gb("a", 60)), hidden(TooFewPartners, 1)},
		{"MinPartnersConfigured", Config{MinPartners: 4}, count(100), hidden(TooFewPartners, 3)},
		// The partner rule is reported first, so TOO_FEW_PARTNERS never says "0 or at
		// least k" (a bound by subtraction would then pin the cell).
		{"PartnersReportedBeforeSmallCell", Config{}, count(5, gb("a", 5)), hidden(TooFewPartners, 1)},
		{"PartnersReportedBeforeSmallProportion", Config{}, Cell{Kind: Proportion, Value: 2, N: 40,
			Contributions: []Contribution{gb("a", 1), gb("b", 1)}}, hidden(TooFewPartners, 2)},
		{"SmallCellWithEnoughPartners", Config{}, count(5, gb("a", 2), gb("b", 2), gb("c", 1)), hidden(SmallCell, 3)},

		// Dominance of money: two largest non-identifiable shares over 85%.
		{"DominanceNinety", Config{}, amount(100, 30, gb("a", 80), gb("b", 10), gb("c", 10)), hidden(Dominance, 3)},
		{"DominanceExactlyEightyFiveShown", Config{}, amount(100, 30, gb("a", 70), gb("b", 15), gb("c", 15)),
			shown(f(100), i(30), 3)},
		{"DominanceJustOver", Config{}, amount(1000, 30, gb("a", 700), gb("b", 150.01), gb("c", 149.99)),
			hidden(Dominance, 3)},
		{"DominanceFourPartners", Config{}, amount(100, 40, gb("a", 50), gb("b", 36), gb("c", 7), gb("d", 7)),
			hidden(Dominance, 4)},
		{"NoDominanceBalanced", Config{}, amount(100, 40, gb("a", 50), gb("b", 30), gb("c", 20)), shown(f(100), i(40), 3)},
		{"DominanceSharesOfOnePartnerAdded", Config{},
			amount(100, 40, gb("a", 30), gb("a", 30), gb("b", 30), gb("c", 10)), hidden(Dominance, 3)},
		{"IdentifiableSinglePartnerAmountExempt", Config{}, amount(5000, 12, ident(us("a", 5000))), shown(f(5000), i(15), 1)},
		{"IdentifiableLargestLeftOutOfDominance", Config{},
			amount(990, 40, ident(gb("a", 900)), gb("b", 30), gb("c", 30), gb("d", 30)), shown(f(990), i(40), 4)},
		{"DominanceAmongTheRestWithIdentifiable", Config{},
			amount(110, 40, ident(gb("a", 10)), gb("b", 80), gb("c", 10), gb("d", 10)), hidden(Dominance, 4)},
		{"DominanceConfigured", Config{DominanceN: 1, DominanceK: 0.5}, amount(100, 40, gb("a", 60), gb("b", 30), gb("c", 10)),
			hidden(Dominance, 3)},
		{"NoDominanceForCounts", Config{}, count(100, gb("a", 80), gb("b", 10), gb("c", 10)), shown(f(100), nil, 3)},
		{"AllZeroMoneyNotDominated", Config{}, amount(0, 30, gb("a", 0), gb("b", 0), gb("c", 0)), shown(f(0), i(30), 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protectOne(t, tt.cfg, tt.cell)
			tt.want.Key = []string{}
			if got.Key == nil {
				got.Key = []string{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %s\nwant %s", show(got), show(tt.want))
			}
		})
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
	return fmt.Sprintf("{key %q value %s n %s sd %s rate %s partners %d suppressed %v reason %q}",
		p.Key, s(p.Value), n, s(p.SD), s(p.Rate), p.Partners, p.Suppressed, p.Reason)
}

// table is a shorthand for the outcome of a protected table: for each cell, the
// published value or the suppression reason.
func outcome(out []Protected) []string {
	var r []string
	for _, p := range out {
		key := strings.Join(p.Key, ",")
		if p.Suppressed {
			r = append(r, key+"="+string(p.Reason))
		} else {
			r = append(r, fmt.Sprintf("%s=%v", key, *p.Value))
		}
	}
	return r
}

func TestSecondary(t *testing.T) {
	tests := []struct {
		name  string
		cells []Cell
		want  []string
	}{
		{"TwoSiblings", []Cell{keyed(count(5), "F"), keyed(count(100), "M")},
			[]string{"F=SMALL_CELL", "M=SECONDARY"}},
		{"NextSmallest", []Cell{keyed(count(3), "a"), keyed(count(40), "b"), keyed(count(20), "c"), keyed(count(30), "d")},
			[]string{"a=SMALL_CELL", "b=40", "c=SECONDARY", "d=30"}},
		{"ZeroSiblingNotChosen", []Cell{keyed(count(3), "a"), keyed(count(0), "b"), keyed(count(20), "c"), keyed(count(30), "d")},
			[]string{"a=SMALL_CELL", "b=0", "c=SECONDARY", "d=30"}},
		{"OnlyZeroLeft", []Cell{keyed(count(3), "a"), keyed(count(0), "b")},
			[]string{"a=SMALL_CELL", "b=SECONDARY"}},
		{"TwoPrimariesTogetherAtK", []Cell{keyed(count(3), "a"), keyed(count(5), "b"), keyed(count(40), "c"), keyed(count(50), "d")},
			[]string{"a=SMALL_CELL", "b=SMALL_CELL", "c=40", "d=50"}},
		{"TwoPrimariesTogetherSmall", []Cell{keyed(count(2), "a"), keyed(count(3), "b"), keyed(count(50), "c"), keyed(count(40), "d")},
			[]string{"a=SMALL_CELL", "b=SMALL_CELL", "c=50", "d=SECONDARY"}},
		{"TwoSinglePartnerCellsTogetherStillTwoPartners", []Cell{
			keyed(count(50, gb("p", 50)), "a"), keyed(count(60, gb("q", 60)), "b"), keyed(count(100), "c"), keyed(count(200), "d")},
			[]string{"a=TOO_FEW_PARTNERS", "b=TOO_FEW_PARTNERS", "c=SECONDARY", "d=200"}},
		{"ProportionBySmallestDenominator", []Cell{
			keyed(prop(2, 40), "a"), keyed(prop(20, 35), "b"), keyed(prop(10, 30), "c")},
			[]string{"a=SMALL_CELL", "b=20", "c=SECONDARY"}},
		{"MeanBySmallestN", []Cell{
			keyed(mean(1, nil, 5), "a"), keyed(mean(9, nil, 30), "b"), keyed(mean(2, nil, 100), "c")},
			[]string{"a=SMALL_CELL", "b=SECONDARY", "c=2"}},
		{"NoSuppressionNoSecondary", []Cell{keyed(count(30), "a"), keyed(count(0), "b")},
			[]string{"a=30", "b=0"}},
		{"AllSuppressed", []Cell{keyed(count(3), "a"), keyed(count(4), "b")},
			[]string{"a=SMALL_CELL", "b=SMALL_CELL"}},
		{"NoGrouping", []Cell{count(3)}, []string{"=SMALL_CELL"}},
		{"SingletonSetsLeftAlone", []Cell{keyed(count(3), "a", "x"), keyed(count(40), "b", "y")},
			[]string{"a,x=SMALL_CELL", "b,y=40"}},
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
			[]string{"a1,b1=SMALL_CELL", "a1,b2=SECONDARY", "a1,b3=50",
				"a2,b1=SECONDARY", "a2,b2=SECONDARY", "a2,b3=25",
				"a3,b1=40", "a3,b2=20", "a3,b3=70"}},
		// Three dimensions, incomplete cube: the secondary along SEX lands in a cell
		// whose AGE siblings then need one of their own.
		{"ThreeDimensionsCascade", []Cell{
			keyed(count(4), "GB", "F", "young"), keyed(count(50), "GB", "M", "young"),
			keyed(count(60), "GB", "M", "old"), keyed(count(90), "US", "M", "old")},
			[]string{"GB,F,young=SMALL_CELL", "GB,M,young=SECONDARY", "GB,M,old=SECONDARY", "US,M,old=SECONDARY"}},
	}
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

func TestRulesTogether(t *testing.T) {
	// A breakdown by country and sex of clients advised: GB cells pool three GB
	// partners (k 8), US cells three US partners (k 11), one US cell has a large
	// partner alone.
	gbs := func(v float64) []Contribution { return []Contribution{gb("g1", v/3), gb("g2", v/3), gb("g3", v/3)} }
	uss := func(v float64) []Contribution { return []Contribution{us("u1", v/3), us("u2", v/3), us("u3", v/3)} }
	cells := []Cell{
		keyed(count(9, gbs(9)...), "GB", "FEMALE"),
		keyed(count(41, gbs(41)...), "GB", "MALE"),
		keyed(count(0, gbs(0)...), "GB", "OTHER_OR_NOT_STATED"),
		keyed(count(9, uss(9)...), "US", "FEMALE"),
		keyed(count(52, uss(52)...), "US", "MALE"),
		keyed(count(30, us("u1", 30)), "US", "OTHER_OR_NOT_STATED"),
	}
	out, sum, err := Protect(Config{}, cells)
	if err != nil {
		t.Fatal(err)
	}
	// US,FEMALE 9 < 11: SMALL_CELL. US,OTHER one partner: TOO_FEW_PARTNERS. Row US has
	// two suppressions that together pool u1..u3 with 39 persons: fine. Column
	// FEMALE has one suppression: GB,FEMALE (9, the smallest) goes. Column OTHER has
	// one suppression: GB,OTHER is zero, the only candidate, it goes. Row GB now has
	// two suppressions together 9: fine.
	want := []string{
		"GB,FEMALE=SECONDARY", "GB,MALE=40", "GB,OTHER_OR_NOT_STATED=SECONDARY",
		"US,FEMALE=SMALL_CELL", "US,MALE=50", "US,OTHER_OR_NOT_STATED=TOO_FEW_PARTNERS",
	}
	if got := outcome(out); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	wantSum := Summary{K: 11, RoundingBase: 5, Suppressed: 4,
		ByReason: map[Reason]int{SmallCell: 1, TooFewPartners: 1, Secondary: 2}}
	if !reflect.DeepEqual(sum, wantSum) {
		t.Errorf("summary %+v, want %+v", sum, wantSum)
	}
	for _, p := range out {
		if p.Suppressed && (p.Value != nil || p.N != nil || p.SD != nil || p.Rate != nil) {
			t.Errorf("suppressed cell %v carries a number", p.Key)
		}
	}
}

func TestSummary(t *testing.T) {
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
			keyed(count(40, gb("a", 10), gb("b", 10), Contribution{PartnerID: "c", MinCell: 15}), "b")})
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
	tests := []struct {
		name  string
		cfg   Config
		cells []Cell
	}{
		{"ErrInvalidKeyLengths", Config{}, []Cell{keyed(count(30), "a"), keyed(count(30), "a", "b")}},
		{"ErrInvalidDuplicateKey", Config{}, []Cell{keyed(count(30), "a"), keyed(count(40), "a")}},
		{"ErrInvalidMixedKinds", Config{}, []Cell{keyed(count(30), "a"), keyed(prop(30, 40), "b")}},
		{"ErrInvalidKind", Config{}, []Cell{{Kind: "MEDIAN", Value: 3, Contributions: threeGB()}}},
		{"ErrInvalidFractionalCount", Config{}, []Cell{count(2.5)}},
		{"ErrInvalidNegativeCount", Config{}, []Cell{count(-10)}},
		{"ErrInvalidNumeratorOverN", Config{}, []Cell{prop(51, 50)}},
		{"ErrInvalidFractionalNumerator", Config{}, []Cell{prop(1.5, 50)}},
		{"ErrInvalidNaN", Config{}, []Cell{mean(math.NaN(), nil, 30)}},
		{"ErrInvalidInf", Config{}, []Cell{amount(math.Inf(1), 30, threeGB()...)}},
		{"ErrInvalidNegativeSD", Config{}, []Cell{mean(1, f(-1), 30)}},
		{"ErrInvalidNegativeN", Config{}, []Cell{mean(1, nil, -30)}},
		{"ErrInvalidNegativeMoney", Config{}, []Cell{amount(-5, 30, threeGB()...)}},
		{"ErrInvalidNegativeMoneyShare", Config{}, []Cell{amount(5, 30, gb("a", 10), gb("b", -10), gb("c", 5))}},
		{"ErrInvalidNoPartnerID", Config{}, []Cell{count(30, gb("", 30))}},
		{"ErrInvalidNegativeMinCell", Config{}, []Cell{count(30, Contribution{PartnerID: "a", MinCell: -1})}},
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
	got, err := Config{}.resolved()
	if err != nil {
		t.Fatal(err)
	}
	if got != DefaultConfig() {
		t.Errorf("zero config resolves to %+v, want %+v", got, DefaultConfig())
	}
	if d := DefaultConfig(); d.Floor != 8 || d.MinPartners != 3 || d.DominanceN != 2 || d.DominanceK != 0.85 {
		t.Errorf("defaults %+v are not DESIGN's 8, 3, (2, 85)", d)
	}
}

func TestRounding(t *testing.T) {
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
	want := []Reason{"SMALL_CELL", "TOO_FEW_PARTNERS", "DOMINANCE", "SECONDARY"}
	if got := Reasons(); !reflect.DeepEqual(got, want) {
		t.Errorf("Reasons() = %v, want the GraphQL enum %v", got, want)
	}
}
