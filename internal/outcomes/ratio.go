package outcomes

import (
	"math"
	"strings"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// ratioDecimals is how a ratio of published figures is rounded: it adds no
// precision the published figures lack, and reads as money per client to the cent.
const ratioDecimals = 3

// withRatios returns num with every row's Ratio set from den, the denominator's
// table for the same query: the published value of the cell over the published
// value of the same cell of den. A cell missing from den, suppressed in either, or
// with a zero denominator gets none. Both tables are already protected, so the ratio
// is a function of published figures only.
func withRatios(num, den *Table, groupBy []Dimension) *Table {
	out := *num
	out.Denominator = den
	byKey := make(map[string]Row, len(den.Rows))
	for _, r := range den.Rows {
		byKey[rowKey(groupBy, r)] = r
	}
	out.Rows = make([]Row, len(num.Rows))
	for i, r := range num.Rows {
		d, ok := byKey[rowKey(groupBy, r)]
		if ok && !r.Suppressed && !d.Suppressed && r.Value != nil && d.Value != nil && *d.Value != 0 {
			r.Ratio = roundTo(*r.Value / *d.Value)
		}
		out.Rows[i] = r
	}
	return &out
}

// withPerPerson returns t with every row's Ratio its published value over its
// published n (money per client for AMOUNT; MEAN and PROPORTION are per person
// already, their ratio is value / n as shown). COUNT rows publish no n: no ratio.
func withPerPerson(t *Table) *Table {
	out := *t
	out.Rows = make([]Row, len(t.Rows))
	for i, r := range t.Rows {
		if !r.Suppressed && r.Value != nil && r.N != nil && *r.N > 0 {
			v := *r.Value
			if hjx.MetricKind(t.Kind) == hjx.KindMean {
				v = v * float64(*r.N) // a mean is per person already: value / n of the sum is the mean
			}
			r.Ratio = roundTo(v / float64(*r.N))
		}
		out.Rows[i] = r
	}
	return &out
}

func roundTo(x float64) *float64 {
	p := math.Pow(10, ratioDecimals)
	v := math.Round(x*p) / p
	return &v
}

// rowKey is a row's cell identity: its values of the grouped dimensions.
func rowKey(groupBy []Dimension, r Row) string {
	var b strings.Builder
	for _, d := range groupBy {
		b.WriteString(*r.field(d))
		b.WriteByte(0)
	}
	return b.String()
}

// bucketMonths returns the month bits (Contribution.Months) a QUARTER ("2020-Q3")
// or YEAR ("2020") bucket needs for its figures to be whole.
func bucketMonths(period string) (int64, bool) {
	if len(period) == 4 && atoi(period) > 0 {
		return 1<<12 - 1, true
	}
	if len(period) == 7 && period[4:6] == "-Q" {
		if q := atoi(period[6:]); q >= 1 && q <= 4 {
			return 7 << (3 * (q - 1)), true
		}
	}
	return 0, false
}
