package outcomes

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

func sqrt(x float64) float64 { return math.Sqrt(x) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // keys come from our own SQL: a quintile 1-5
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

func joinDims(ds []Dimension) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ",")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
