package hjx

import "time"

// DateProblem says what is wrong with a value that should be a calendar date
// "YYYY-MM-DD" and is not. A value of that shape (digits only, so it cannot carry
// free text) that names no day of the calendar is repeated: "2022-06-31 is not a
// real date" tells the caller which of two similar dates to fix; a format error
// would send them looking at the format. Anything else is not repeated.
func DateProblem(s string) string {
	if DateShaped(s) {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return s + " is not a real date"
		}
	}
	return "a date must be written YYYY-MM-DD, e.g. 2021-04-01"
}

// DateShaped is true for exactly four digits, '-', two digits, '-', two digits.
func DateShaped(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// DateOf is the calendar date of t in UTC, at midnight: policies, projects and
// partners speak in dates, and every date rule compares whole days the same way.
func DateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
