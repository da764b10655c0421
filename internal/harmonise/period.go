package harmonise

import (
	"fmt"
	"time"
)

// Period bucket kinds: the QUARTER and YEAR values of the GraphQL Dimension enum.
const (
	Quarter = "QUARTER"
	Year    = "YEAR"
)

// RateYear is the calendar year whose annual average rates convert the money of an
// observation over [periodStart, periodEnd]: the year holding most of the period's
// months, the earlier year on a tie.
//
// Why: periods are 1 to 12 whole months, and many span two calendar years (the UK
// financial year April-March, the US federal fiscal year October-September). The
// year with most months is the single annual average nearest the period's true
// average rate: April 2020 - March 2021 converts at 2020 (nine months), October
// 2020 - September 2021 at 2021. On a tie (July-June, or December-January) the
// earlier year wins: its rates are published first, so recent figures are not left
// out for want of a rate only because the later year has none yet. Only year and
// month of the dates are used; a period ending before it starts (uploads reject
// them) gets its start year.
func RateYear(periodStart, periodEnd time.Time) int {
	best, bestMonths := periodStart.Year(), 0
	for y := periodStart.Year(); y <= periodEnd.Year(); y++ {
		from, to := time.January, time.December
		if y == periodStart.Year() {
			from = periodStart.Month()
		}
		if y == periodEnd.Year() {
			to = periodEnd.Month()
		}
		if months := int(to-from) + 1; months > bestMonths {
			best, bestMonths = y, months
		}
	}
	return best
}

// Bucket names the quarter ("2020-Q3") or year ("2020") that holds the whole
// period [periodStart, periodEnd]. ok is false when the period crosses a bucket
// boundary (the observation is left out and counted under PERIOD_NOT_IN_BUCKET, as
// splitting it would invent monthly figures), when it ends before it starts, or for
// an unknown kind. Only year and month of the dates are used.
func Bucket(kind string, periodStart, periodEnd time.Time) (label string, ok bool) {
	y := periodStart.Year()
	if periodEnd.Year() != y || periodEnd.Month() < periodStart.Month() {
		return "", false
	}
	switch kind {
	case Year:
		return fmt.Sprintf("%04d", y), true
	case Quarter:
		q := quarterOf(periodStart.Month())
		if quarterOf(periodEnd.Month()) != q {
			return "", false
		}
		return fmt.Sprintf("%04d-Q%d", y, q), true
	}
	return "", false
}

func quarterOf(m time.Month) int { return (int(m)-1)/3 + 1 }
