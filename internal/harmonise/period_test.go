package harmonise

import (
	"testing"
	"time"
)

// span is an observation's period.
type span struct{ start, end time.Time }

func (s span) String() string {
	return s.start.Format(time.DateOnly) + ".." + s.end.Format(time.DateOnly)
}

// months builds a period of whole months, as observations store them.
func months(fromYear int, fromMonth time.Month, toYear int, toMonth time.Month) span {
	return span{
		start: time.Date(fromYear, fromMonth, 1, 0, 0, 0, 0, time.UTC),
		end:   time.Date(toYear, toMonth+1, 0, 0, 0, 0, 0, time.UTC), // last day of toMonth
	}
}

func TestRateYear(t *testing.T) {
	tests := []struct {
		name   string
		period span
		want   int
	}{
		{"OneQuarter", months(2020, time.January, 2020, time.March), 2020},
		{"CalendarYear", months(2021, time.January, 2021, time.December), 2021},
		{"UKFinancialYearMostlyStartYear", months(2020, time.April, 2021, time.March), 2020},
		{"USFiscalYearMostlyEndYear", months(2020, time.October, 2021, time.September), 2021},
		{"HalfAndHalfEarlierYear", months(2020, time.July, 2021, time.June), 2020},
		{"DecemberJanuaryEarlierYear", months(2020, time.December, 2021, time.January), 2020},
		{"TwoMonthsBeforeOneAfter", months(2020, time.November, 2021, time.January), 2020},
		{"OneMonthBeforeTwoAfter", months(2020, time.December, 2021, time.February), 2021},
		{"OneMonth", months(2019, time.June, 2019, time.June), 2019},
	}
	t.Parallel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RateYear(tt.period.start, tt.period.end); got != tt.want {
				t.Errorf("RateYear(%s) = %d, want %d", tt.period, got, tt.want)
			}
		})
	}
}

// TestBucket: want is the label of the bucket of the kind that holds the whole
// period, "" when none does.
func TestBucket(t *testing.T) {
	t.Parallel()
	type bucketCase struct {
		name   string
		period span
		want   string
	}
	byKind := map[string][]bucketCase{
		Quarter: {
			{"QuarterWhole", months(2020, time.July, 2020, time.September), "2020-Q3"},
			{"QuarterOneMonth", months(2020, time.August, 2020, time.August), "2020-Q3"},
			{"QuarterFirst", months(2021, time.January, 2021, time.February), "2021-Q1"},
			{"QuarterLast", months(2019, time.December, 2019, time.December), "2019-Q4"},
			{"QuarterAcrossBoundary", months(2020, time.June, 2020, time.July), ""},
			{"QuarterOfAYear", months(2020, time.January, 2020, time.December), ""},
			{"QuarterAcrossYears", months(2020, time.December, 2021, time.January), ""},
		},
		Year: {
			{"YearWhole", months(2020, time.January, 2020, time.December), "2020"},
			{"YearOneMonth", months(2020, time.March, 2020, time.March), "2020"},
			{"YearQuarter", months(2021, time.October, 2021, time.December), "2021"},
			{"YearFinancialYear", months(2020, time.April, 2021, time.March), ""},
			{"EndsBeforeStart", months(2020, time.May, 2020, time.April), ""},
		},
		"MONTH": {{"UnknownKind", months(2020, time.May, 2020, time.May), ""}},
	}
	for kind, tests := range byKind {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, ok := Bucket(kind, tt.period.start, tt.period.end)
				if got != tt.want || ok != (tt.want != "") {
					t.Errorf("Bucket(%s, %s) = %q %v, want %q %v", kind, tt.period, got, ok, tt.want, tt.want != "")
				}
			})
		}
	}
}
