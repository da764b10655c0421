package ingest

import (
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// date is a calendar date parsed by hand: every row has two, and time.Parse would be
// the slowest part of validation.
type date struct{ y, m, d int }

func (d date) key() int { return d.y*10000 + d.m*100 + d.d }

// parseISODate accepts exactly YYYY-MM-DD, a real calendar date from year 1900.
func parseISODate(s string) (date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return date{}, false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && !isDigit(c) {
			return date{}, false
		}
	}
	d := date{atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10])}
	if d.y < 1900 || !validDayMonth(d.d, d.m, d.y) {
		return date{}, false
	}
	return d, true
}

// dateProblem is the message for a period date parseISODate refused: a date-shaped
// value naming no calendar day ("2022-06-31") is named as such, since its format
// is right; anything else gets the format.
func dateProblem(col column, s, example string) string {
	if hjx.DateShaped(s) && s[:4] >= "1900" {
		return col.String() + " " + hjx.DateProblem(s)
	}
	return col.String() + " must be a date written YYYY-MM-DD, e.g. " + example
}

func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// validDayMonth reports whether day/month is a calendar date in year.
func validDayMonth(day, month, year int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= daysIn(month, year)
}
