package model

import (
	"bytes"
	"math"
	"testing"
)

// TestMarshalFloat: one plain decimal format for every Float, money in the millions
// included; never the exponent form gqlgen's %g writes from a million up.
func TestMarshalFloat(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"OKLargeMoney", 5048940, "5048940"},
		{"OKLargeMoneyCents", 5048940.25, "5048940.25"},
		{"OKBillions", 12345678901230, "12345678901230"},
		{"OKRate", 0.781, "0.781"},
		{"OKSmall", 0.00001, "0.00001"},
		{"OKNegativeMean", -2.4, "-2.4"},
		{"OKZero", 0, "0"},
		{"OKNotFinite", math.Inf(1), "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			MarshalFloat(tc.in).MarshalGQL(&b)
			if b.String() != tc.want {
				t.Errorf("MarshalFloat(%v) = %s, want %s", tc.in, b.String(), tc.want)
			}
		})
	}
}

// TestUnmarshalDateNotARealDate: a date of the right shape naming no day says so.
func TestUnmarshalDateNotARealDate(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ErrInvalid/June31", "2022-06-31", "2022-06-31 is not a real date"},
		{"ErrInvalid/Feb29NotLeap", "2023-02-29", "2023-02-29 is not a real date"},
		{"ErrInvalid/Format", "31/06/2022", "a date must be written YYYY-MM-DD, e.g. 2021-04-01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := UnmarshalDate(tc.in)
			if err == nil || err.Error() != tc.want {
				t.Errorf("UnmarshalDate(%q) error %v, want %q", tc.in, err, tc.want)
			}
		})
	}
	if _, err := UnmarshalDate("2024-02-29"); err != nil {
		t.Errorf("a leap day refused: %v", err)
	}
}
