package hjx

import (
	"slices"
	"strconv"
	"testing"
)

func TestPageOf(t *testing.T) {
	item := func(n int) string { return "item " + strconv.Itoa(n) }
	key := strconv.Itoa
	for _, tc := range []struct {
		name           string
		rows           []int
		page           Page
		keys           []string
		next, previous bool
	}{
		{"OK/Empty", nil, Page{First: 2}, nil, false, false},
		{"OK/LastPage", []int{1, 2}, Page{First: 2, AfterKey: "0"}, []string{"1", "2"}, false, true},
		{"OK/NextPage", []int{1, 2, 3}, Page{First: 2}, []string{"1", "2"}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := PageOf(tc.rows, 7, tc.page, item, key)
			if !slices.Equal(c.Keys, tc.keys) || len(c.Items) != len(tc.keys) || c.Items == nil ||
				c.HasNext != tc.next || c.HasPrevious != tc.previous || c.TotalCount != 7 {
				t.Errorf("got %+v", c)
			}
			for i, it := range c.Items {
				if it != "item "+tc.keys[i] {
					t.Errorf("item %d is %q", i, it)
				}
			}
		})
	}
}
