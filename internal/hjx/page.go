package hjx

import (
	"encoding/base64"
	"strings"
)

// Paging defaults; every list the API serves is bounded, whatever the client asks.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Page is a validated Relay page request: at most First items after the item whose
// key is After (keyset paging, so pages stay consistent while rows are added).
type Page struct {
	First    int
	AfterKey string
}

// cursorPrefix versions cursors, so a future format change can reject old ones cleanly.
const cursorPrefix = "c1:"

// EncodeCursor makes an opaque cursor from an item's sort key.
func EncodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key))
}

// NewPage checks first and after. maxFirst bounds First (MaxPageSize when 0).
func NewPage(first *int, after *string, maxFirst int) (Page, error) {
	if maxFirst <= 0 {
		maxFirst = MaxPageSize
	}
	p := Page{First: DefaultPageSize}
	if p.First > maxFirst {
		p.First = maxFirst
	}
	if first != nil {
		if *first < 0 || *first > maxFirst {
			return p, Invalid("first", "must be between 0 and %d", maxFirst)
		}
		p.First = *first
	}
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
			return p, Invalid("after", "is not a cursor returned by this API")
		}
		p.AfterKey = strings.TrimPrefix(string(b), cursorPrefix)
	}
	return p, nil
}

// Connection is one page of results with the facts Relay's pageInfo needs.
type Connection[T any] struct {
	Items       []T
	Keys        []string // the sort key of each item, for its cursor
	HasNext     bool
	HasPrevious bool
	TotalCount  int
}

// PageOf makes the page of rows read with LIMIT First+1 (the extra row only tells
// that there is a next page): each row becomes an item, with its sort key.
func PageOf[R, T any](rows []R, total int, page Page, item func(R) T, key func(R) string) *Connection[T] {
	c := &Connection[T]{TotalCount: total, HasPrevious: page.AfterKey != ""}
	if len(rows) > page.First {
		rows, c.HasNext = rows[:page.First], true
	}
	for _, r := range rows {
		c.Items = append(c.Items, item(r))
		c.Keys = append(c.Keys, key(r))
	}
	return c
}
