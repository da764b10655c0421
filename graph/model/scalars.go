package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// dateLayout is ISO 8601's calendar date; periods and project dates carry no time of day.
const dateLayout = "2006-01-02"

// MarshalDate writes a calendar date as "2006-01-02" (UTC), never with a time part,
// so that a period bound reads the same in every time zone.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(dateLayout)))
	})
}

// UnmarshalDate accepts only "YYYY-MM-DD": a timestamp in a date field is a client
// mistake we would rather name than silently truncate.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("a Date must be a string YYYY-MM-DD")
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("a Date must be YYYY-MM-DD, a real calendar date")
	}
	return t, nil
}
