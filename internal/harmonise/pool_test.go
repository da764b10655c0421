package harmonise

import (
	"errors"
	"math"
	"testing"
)

func sd(v float64) *float64 { return &v }

func TestPoolMeans(t *testing.T) {
	// Groups are summaries of small raw samples, so each expectation can be checked
	// by pooling the raw scores: {1,2,3} has mean 2, sd 1; {3,5,7} mean 5, sd 2;
	// {10,10,11,13} mean 11, sd sqrt(2); {4} mean 4.
	tests := []struct {
		name   string
		groups []Group
		mean   float64
		sd     *float64 // nil: unknown
		n      int
	}{
		// {1,2,3,3,5,7}: mean 3.5; squares 6.25+2.25+0.25+0.25+2.25+12.25 = 23.5;
		// var 23.5/5 = 4.7.
		{"TwoGroups", []Group{{2, sd(1), 3}, {5, sd(2), 3}}, 3.5, sd(math.Sqrt(4.7)), 6},
		// {1,2,3,3,5,7,10,10,11,13}: mean 6.5, sample sd 4.27525177946022.
		{"ThreeGroups", []Group{{2, sd(1), 3}, {5, sd(2), 3}, {11, sd(math.Sqrt2), 4}}, 6.5, sd(4.27525177946022), 10},
		// {1,2,3,4}: mean 2.5, var 5/3 with the group of one's sd 0; without it the
		// SD is unknown, as in the outcome query.
		{"GroupOfOne", []Group{{2, sd(1), 3}, {4, sd(0), 1}}, 2.5, sd(math.Sqrt(5.0 / 3)), 4},
		{"GroupOfOneWithoutSDUnknown", []Group{{2, sd(1), 3}, {4, nil, 1}}, 2.5, nil, 4},
		{"OneGroupUnchanged", []Group{{11, sd(math.Sqrt2), 4}}, 11, sd(math.Sqrt2), 4},
		{"EmptyGroupSkipped", []Group{{2, sd(1), 3}, {99, sd(7), 0}, {5, sd(2), 3}}, 3.5, sd(math.Sqrt(4.7)), 6},
		{"EmptyGroupWithoutSDUnknown", []Group{{2, sd(1), 3}, {99, nil, 0}, {5, sd(2), 3}}, 3.5, nil, 6},
		{"MissingSDUnknown", []Group{{2, sd(1), 3}, {5, nil, 3}}, 3.5, nil, 6},
		{"OnePersonNoSD", []Group{{4, sd(0), 1}}, 4, nil, 1},
		{"NegativeMeans", []Group{{-2, sd(1), 3}, {-5, sd(2), 3}}, -3.5, sd(math.Sqrt(4.7)), 6},
	}
	t.Parallel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PoolMeans(tt.groups)
			if err != nil {
				t.Fatal(err)
			}
			if got.N != tt.n || math.Abs(got.Mean-tt.mean) > 1e-12 {
				t.Errorf("mean %v n %d, want %v %d", got.Mean, got.N, tt.mean, tt.n)
			}
			switch {
			case (got.SD == nil) != (tt.sd == nil):
				t.Errorf("sd %v, want %v", got.SD, tt.sd)
			case got.SD != nil && math.Abs(*got.SD-*tt.sd) > 1e-12:
				t.Errorf("sd %v, want %v", *got.SD, *tt.sd)
			}
		})
	}
	t.Run("ErrNoPersons", func(t *testing.T) {
		for _, groups := range [][]Group{nil, {{5, nil, 0}}} {
			if _, err := PoolMeans(groups); !errors.Is(err, ErrNoPersons) {
				t.Errorf("PoolMeans(%v): err %v, want ErrNoPersons", groups, err)
			}
		}
	})
	for name, g := range map[string]Group{
		"ErrInvalidNegativeN":  {1, nil, -1},
		"ErrInvalidNaNMean":    {math.NaN(), nil, 3},
		"ErrInvalidInfMean":    {math.Inf(-1), nil, 3},
		"ErrInvalidNegativeSD": {1, sd(-1), 3},
		"ErrInvalidNaNSD":      {1, sd(math.NaN()), 3},
	} {
		t.Run(name, func(t *testing.T) {
			if p, err := PoolMeans([]Group{{2, sd(1), 3}, g}); err == nil || errors.Is(err, ErrNoPersons) {
				t.Errorf("PoolMeans accepted %+v: %+v, %v", g, p, err)
			}
		})
	}
}
