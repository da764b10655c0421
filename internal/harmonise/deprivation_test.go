package harmonise

import "testing"

func TestQuintile(t *testing.T) {
	t.Parallel()
	// IMD: 1 = most deprived, q = ceil(d/2). ADI: 10 = most disadvantaged,
	// q = 6 - ceil(d/2). Both: Q1 = most deprived.
	want := map[string][11]int{
		IMDDecile: {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5},
		ADIDecile: {0, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1},
	}
	for scheme, byDecile := range want {
		for d := 1; d <= 10; d++ {
			t.Run(scheme, func(t *testing.T) {
				got, err := Quintile(scheme, d)
				if err != nil || got != byDecile[d] {
					t.Errorf("Quintile(%s, %d) = %d, %v; want %d", scheme, d, got, err, byDecile[d])
				}
			})
		}
	}
	bad := []struct {
		name   string
		scheme string
		decile int
	}{
		{"ErrInvalidDecileZero", IMDDecile, 0},
		{"ErrInvalidDecileEleven", ADIDecile, 11},
		{"ErrInvalidNegative", ADIDecile, -1},
		{"ErrInvalidScheme", "SIMD_DECILE", 3},
		{"ErrInvalidNoScheme", "", 3},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if q, err := Quintile(tt.scheme, tt.decile); err == nil {
				t.Errorf("Quintile(%q, %d) = %d, want an error", tt.scheme, tt.decile, q)
			}
		})
	}
}
