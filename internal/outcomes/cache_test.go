package outcomes

import (
	"fmt"
	"strings"
	"testing"
)

// bigTable is a table of rows cells grouped by four dimensions, as a large query
// returns it.
func bigTable(rows int) *Table {
	t := &Table{Metric: "FINANCIAL_GAIN", Kind: "AMOUNT", Currency: "GBP", Included: []string{"gb-a", "gb-b", "gb-c"}}
	for i := 0; i < rows; i++ {
		v, n := float64(i), i
		t.Rows = append(t.Rows, Row{Country: "GB", Region: fmt.Sprintf("GB-%04d", i%1000), AgeBand: "AGE_25_34",
			Sex: "FEMALE", Period: "2021-Q1", Value: &v, N: &n, Partners: 3})
	}
	return t
}

// TestCacheBoundedByBytes: many large tables never push the cache over its byte
// budget, a table over an eighth of the budget is not kept, and the entry bound
// still holds (issue 12, item 3).
func TestCacheBoundedByBytes(t *testing.T) {
	t.Parallel()
	const budget = 4 << 20
	t.Run("OKManyLargeTables", func(t *testing.T) {
		c := NewCache(CacheConfig{Entries: 1000, Bytes: budget})
		large := bigTable(1000) // about 0.33 MiB: under budget/8
		if size := large.estimatedBytes(); size < 200<<10 || size > budget/maxTableShare {
			t.Fatalf("test table estimated at %d bytes, want between 200 KiB and budget/8", size)
		}
		for i := 0; i < 120; i++ {
			c.Add(fmt.Sprintf("key-%d", i), large)
			if got := c.Bytes(); got > budget {
				t.Fatalf("after %d tables the cache holds %d bytes, over its budget of %d", i+1, got, budget)
			}
		}
		if c.Len() == 0 || c.Len() >= 120 {
			t.Errorf("%d tables kept, want some but not all 120", c.Len())
		}
		if c.Get("key-119") == nil || c.Get("key-0") != nil {
			t.Error("want the newest table kept and the oldest evicted")
		}
	})
	t.Run("OKOversizedTableNotCached", func(t *testing.T) {
		c := NewCache(CacheConfig{Entries: 1000, Bytes: budget})
		c.Add("small", bigTable(10))
		c.Add("huge", bigTable(20000)) // several MiB: over budget/8
		if c.Get("huge") != nil {
			t.Error("a table over an eighth of the budget was cached")
		}
		if c.Get("small") == nil {
			t.Error("an oversized table evicted the others")
		}
	})
	t.Run("OKEntryBound", func(t *testing.T) {
		c := NewCache(CacheConfig{Entries: 3, Bytes: budget})
		for i := 0; i < 10; i++ {
			c.Add(strings.Repeat("k", i+1), bigTable(1))
		}
		if c.Len() != 3 {
			t.Errorf("%d tables kept, want 3", c.Len())
		}
	})
	t.Run("OKReplaceKeepsAccount", func(t *testing.T) {
		c := NewCache(CacheConfig{Entries: 10, Bytes: budget})
		for i := 0; i < 5; i++ {
			c.Add("same", bigTable(100))
		}
		if want := int64(len("same")) + bigTable(100).estimatedBytes(); c.Bytes() != want {
			t.Errorf("cache accounts %d bytes for one table, want %d", c.Bytes(), want)
		}
	})
	t.Run("OKOff", func(t *testing.T) {
		if NewCache(CacheConfig{Entries: 0, Bytes: budget}) != nil {
			t.Error("Entries 0 must turn the cache off")
		}
	})
}
