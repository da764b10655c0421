package outcomes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Cache keeps recent protected tables for repeat dashboard queries. Entries are
// keyed by everything the answer depends on, including the data epoch and the date,
// so an entry is never invalidated: a change of data, policy or project makes the
// next query compute a new key, and old entries age out of the LRU.
type Cache struct {
	lru *lru.Cache[string, *Table]
}

// NewCache returns a cache of at most size tables (0 disables caching: nil).
func NewCache(size int) *Cache {
	if size <= 0 {
		return nil
	}
	c, _ := lru.New[string, *Table](size) // only fails for size <= 0
	return &Cache{lru: c}
}

// Get returns a cached table or nil.
func (c *Cache) Get(key string) *Table {
	t, _ := c.lru.Get(key)
	return t
}

// Add stores a table. Tables are never mutated after computing, so sharing is safe.
func (c *Cache) Add(key string, t *Table) { c.lru.Add(key, t) }

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
