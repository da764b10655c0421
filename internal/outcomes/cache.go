package outcomes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
	"unsafe"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// DefaultCacheBytes is the default memory budget of the outcome cache
// (HJX_OUTCOME_CACHE_BYTES): 64 MiB. A dashboard's repeat tables are a few
// kilobytes to a few hundred (the demo world's largest, four dimensions by quarter,
// estimates at about 0.5 MiB), so 64 MiB keeps hundreds of them while staying a
// small share of the 1-2 GiB a replica is typically given; the entry bound alone let
// one token fill gigabytes with large tables.
const DefaultCacheBytes = 64 << 20

// maxTableShare is the largest fraction of the budget one table may take: a table
// over budget/maxTableShare is served but not kept, so one huge query cannot flush
// every dashboard's tables at once.
const maxTableShare = 8

// CacheConfig bounds the outcome cache. Both bounds hold at once: the least
// recently used tables go first until there are at most Entries tables of at most
// Bytes estimated bytes together.
type CacheConfig struct {
	// Entries is the most tables kept (HJX_OUTCOME_CACHE_SIZE); 0 or less turns the
	// cache off.
	Entries int
	// Bytes is the memory budget in estimated bytes (HJX_OUTCOME_CACHE_BYTES); 0 or
	// less means DefaultCacheBytes.
	Bytes int64
}

// Cache keeps recent protected tables for repeat dashboard queries. Entries are
// keyed by everything the cached part of an answer depends on, including the data
// epoch and the date, so an entry is never invalidated: a change of data, policy or
// project makes the next query compute a new key, and old entries age out. What
// depends on access decisions alone (the partners excluded by policy) is not cached:
// the service builds it on every request.
type Cache struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[string, cached]
	bytes    int64 // estimated bytes of the tables held
	budget   int64
	maxTable int64
}

type cached struct {
	table *Table
	bytes int64
}

// NewCache returns a cache bounded by cfg (nil, no caching, when cfg.Entries <= 0).
func NewCache(cfg CacheConfig) *Cache {
	if cfg.Entries <= 0 {
		return nil
	}
	if cfg.Bytes <= 0 {
		cfg.Bytes = DefaultCacheBytes
	}
	c := &Cache{budget: cfg.Bytes, maxTable: cfg.Bytes / maxTableShare}
	c.lru, _ = simplelru.NewLRU(cfg.Entries, func(_ string, v cached) { c.bytes -= v.bytes }) // only fails for size <= 0
	return c
}

// Get returns a cached table or nil.
func (c *Cache) Get(key string) *Table {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, _ := c.lru.Get(key)
	return v.table
}

// Add stores a table unless it is larger than the budget's share for one table,
// then evicts the least recently used tables until the cache is within its budget.
// Tables are never mutated after computing, so sharing them is safe.
func (c *Cache) Add(key string, t *Table) {
	size := int64(len(key)) + t.estimatedBytes()
	if size > c.maxTable {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key) // a replaced entry gives its bytes back through the eviction callback
	c.lru.Add(key, cached{table: t, bytes: size})
	c.bytes += size
	for c.bytes > c.budget {
		c.lru.RemoveOldest()
	}
}

// Bytes is the estimated size of the tables held, for tests and metrics.
func (c *Cache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Len is the number of tables held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// estimatedBytes approximates the heap a table holds: its structs, slices, strings
// and the values behind pointers. It errs high (every string counted, shared or not)
// so that the budget is an upper bound on what the cache really holds.
func (t *Table) estimatedBytes() int64 {
	const (
		str   = int64(unsafe.Sizeof(""))
		entry = 64 // the LRU's list element and map slot
	)
	n := int64(unsafe.Sizeof(*t)) + entry + int64(len(t.Metric)+len(t.Kind)+len(t.Currency))
	n += int64(cap(t.Rows)) * int64(unsafe.Sizeof(Row{}))
	for i := range t.Rows {
		r := &t.Rows[i]
		n += int64(len(r.Country) + len(r.Region) + len(r.PartnerID) + len(r.HealthSetting) + len(r.WelfareDomain) +
			len(r.IhelpCategory) + len(r.AgeBand) + len(r.Sex) + len(r.Period) + len(r.Quintile) + len(r.Reason))
		n += 8 * int64(present(r.Value)+present(r.N)+present(r.SD)+present(r.Rate))
	}
	n += int64(cap(t.Included)) * str
	for _, s := range t.Included {
		n += int64(len(s))
	}
	n += int64(cap(t.PartnersExcluded)) * int64(unsafe.Sizeof(Excluded{}))
	for _, x := range t.PartnersExcluded {
		n += int64(len(x.PartnerID)) + int64(cap(x.Reasons))*int64(unsafe.Sizeof(access.Reason{}))
		for _, r := range x.Reasons {
			n += int64(len(r.Code) + len(r.Message))
		}
	}
	n += int64(cap(t.ObservationsExcl)) * int64(unsafe.Sizeof(ExclusionCount{}))
	n += int64(cap(t.SuppressedByReason)) * int64(unsafe.Sizeof(ReasonCount{}))
	for _, x := range t.ObservationsExcl {
		n += int64(len(x.Reason))
	}
	for _, x := range t.SuppressedByReason {
		n += int64(len(x.Reason))
	}
	return n
}

func present[T any](p *T) int {
	if p == nil {
		return 0
	}
	return 1
}

// epoch is the sequence number of the newest committed change to anything an
// outcome depends on (audit.Log appends it with the change, under the audit lock,
// so epochs grow in commit order).
func (s *Service) epoch(ctx context.Context) (int64, error) {
	var e int64
	if err := sqlx.GetContext(ctx, s.DB, &e, `SELECT COALESCE(max(seq), 0) FROM data_versions`); err != nil {
		return 0, hjx.Internal(err, "read data epoch")
	}
	return e, nil
}

func cacheKey(projectID string, q Query, currency string, allowed, identifiable []string, epoch int64, now time.Time) string {
	b, _ := json.Marshal(struct {
		P, C, D string
		Q       Query
		A, I    []string
		E       int64
	}{projectID, currency, now.UTC().Format(time.DateOnly), q, allowed, identifiable, epoch})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
