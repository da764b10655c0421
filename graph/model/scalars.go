package model

import (
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// ValueError is a value a scalar cannot read: the client's mistake, never the
// server's. The error presenter shows it as INVALID naming the argument it was
// given for; Reason says what the scalar wants and never repeats the value.
type ValueError struct{ Reason string }

func (e *ValueError) Error() string { return e.Reason }

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
		return time.Time{}, &ValueError{"a Date must be a string YYYY-MM-DD"}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, &ValueError{hjx.DateProblem(s)}
	}
	return t, nil
}

// MarshalFloat writes a Float as a plain decimal number, the shortest that reads
// back as the same float64 and never in exponent form: money and other figures
// read 5048940 in every response, not 5.04894e+06 (gqlgen's %g). A value that is
// not finite (none is published) is written as null rather than as invalid JSON.
func MarshalFloat(f float64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			_, _ = io.WriteString(w, "null")
			return
		}
		_, _ = w.Write(strconv.AppendFloat(nil, f, 'f', -1, 64))
	})
}

// UnmarshalFloat reads what gqlgen's Float reads.
func UnmarshalFloat(v any) (float64, error) {
	f, err := graphql.UnmarshalFloat(v)
	if err != nil {
		return 0, &ValueError{"a Float must be a number"}
	}
	return f, nil
}

// MarshalDateTime is gqlgen's RFC 3339 time.
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads what gqlgen's time scalar reads, with an error the
// client can act on instead of gqlgen's plain one (shown as INTERNAL).
func UnmarshalDateTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, &ValueError{"a DateTime must be a string in RFC 3339, e.g. 2027-01-31T00:00:00Z"}
	}
	return t, nil
}

// MarshalUpload is gqlgen's; an Upload is only ever an input.
func MarshalUpload(u graphql.Upload) graphql.Marshaler { return graphql.MarshalUpload(u) }

// UnmarshalUpload takes the file a multipart request maps to the variable; any
// other value (a string in a JSON request, say) is the client's mistake.
func UnmarshalUpload(v any) (graphql.Upload, error) {
	u, err := graphql.UnmarshalUpload(v)
	if err != nil {
		return graphql.Upload{}, &ValueError{"an Upload must be a file sent in a multipart request " +
			"(GraphQL multipart request spec; see docs/CLIENTS.md)"}
	}
	return u, nil
}
