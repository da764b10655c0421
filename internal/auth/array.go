package auth

import (
	"github.com/google/uuid"
	"github.com/lib/pq"
)

// pqStringArray keeps only well-formed UUIDs, so a malformed id is simply not found
// instead of failing the whole batch with a cast error.
func pqStringArray(ids []string) any {
	ok := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, err := uuid.Parse(id); err == nil {
			ok = append(ok, id)
		}
	}
	return pq.Array(ok)
}
