package hjx

import "github.com/google/uuid"

// Deref is the value p points to, or T's zero value for nil: a nullable column
// read into a pointer becomes the domain's "" or false, which mean "not set".
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// NonNil is xs, or an empty list for nil: lists the API and the audit record carry
// are never null, so "none" is always [] and not a missing value.
func NonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// ValidID reports whether id is a well-formed UUID: a malformed id names an object
// that does not exist, never a database cast error.
func ValidID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil
}

// ValidIDs keeps the well-formed UUIDs of ids, in order, so that a malformed id in
// a batch lookup is simply not found instead of failing the whole batch.
func ValidIDs(ids []string) []string {
	ok := make([]string, 0, len(ids))
	for _, id := range ids {
		if ValidID(id) {
			ok = append(ok, id)
		}
	}
	return ok
}
