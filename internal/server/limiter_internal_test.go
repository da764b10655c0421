package server

import (
	"fmt"
	"testing"
	"time"
)

// The limiter's memory is bounded whatever the number of callers: the least
// recently seen bucket is forgotten first.
func TestLimiterMemoryBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(RateConfig{PerIP: 1, IPBurst: 1, MaxKeys: 100}, func() time.Time { return now }, nil)
	for i := range 10_000 {
		l.allow(fmt.Sprintf("ip:10.0.%d.%d", i/256, i%256), 1, 1)
	}
	if n := l.buckets.Len(); n != 100 {
		t.Fatalf("%d buckets kept, want at most 100", n)
	}
	// The most recent caller is still limited (its bucket was kept)...
	if ok, _ := l.allow("ip:10.0.39.15", 1, 1); ok {
		t.Fatal("the most recent caller's bucket was forgotten")
	}
	// ...and the oldest was evicted, so it starts afresh.
	if ok, _ := l.allow("ip:10.0.0.0", 1, 1); !ok {
		t.Fatal("the oldest caller's bucket was not evicted")
	}
}
