package federation_test

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/hjx-exchange/hjx/internal/federation"
	"github.com/hjx-exchange/hjx/internal/outcomes"
)

// TestCellsEncoding: the compact encoding of a node's shares gives back exactly
// what was encoded (extreme values included), and anything else is refused.
func TestCellsEncoding(t *testing.T) {
	t.Parallel()
	a := outcomes.Contribution{PartnerID: "leeds-gp-welfare-rights", Rows: 3, Value: 76861.94, N: 34, SumSquares: 1.5e9,
		SDs: 2, ValueKey: -61, NKey: math.MaxInt64, Months: 1<<24 - 1, MinCell: 8, Identifiable: true,
		ValueUnit: math.MaxUint64, NUnit: 12316753662371837335}
	b := outcomes.Contribution{PartnerID: "bronx-chc-mlp", Rows: 1, Value: math.SmallestNonzeroFloat64, N: math.MinInt64,
		MinCell: 11, ValueUnit: 1}
	// The same partner with other settings in another cell is kept apart.
	a2 := a
	a2.MinCell, a2.Value = 10, -0.1
	t.Run("OK", func(t *testing.T) {
		for _, cells := range []federation.Cells{
			{},
			{{Key: []string{}, Contributions: []outcomes.Contribution{a}}},
			{{Key: []string{"GB", "2020-Q3"}, Contributions: []outcomes.Contribution{a, b}},
				{Key: []string{"US", "2020-Q3"}, Contributions: []outcomes.Contribution{b}},
				{Key: []string{"", "2020-Q4"}, Contributions: []outcomes.Contribution{a2, b}}},
		} {
			raw, err := json.Marshal(struct{ Cells federation.Cells }{cells})
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Cells federation.Cells }
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			if !reflect.DeepEqual(got.Cells, cells) {
				t.Errorf("decoded %+v, want %+v", got.Cells, cells)
			}
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		good, _ := json.Marshal(federation.Cells{{Key: []string{"GB"}, Contributions: []outcomes.Contribution{a, b}}})
		for _, raw := range []string{
			`null`, `[]`, `"not base64!"`, `""`, `"AA=="`, // version 0
			string(good[:len(good)-9]) + `"`, // cut short
			`"AQ//////////AQ=="`,             // a count larger than the input
		} {
			var got federation.Cells
			if err := json.Unmarshal([]byte(raw), &got); err == nil {
				t.Errorf("%s decoded to %+v, want an error", raw, got)
			}
		}
	})
}
