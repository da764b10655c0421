package hjx

import "testing"

func TestAllIn(t *testing.T) {
	list := []string{"a", "b"}
	for _, tc := range []struct {
		name   string
		values []string
		want   bool
	}{{"OK/None", nil, true}, {"OK/All", []string{"b", "a", "b"}, true}, {"OK/OneOutside", []string{"a", "c"}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AllIn(list, tc.values); got != tc.want {
				t.Errorf("AllIn(%q, %q) = %v", list, tc.values, got)
			}
		})
	}
}
