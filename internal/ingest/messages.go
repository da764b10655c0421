package ingest

import (
	"strings"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func nMeaning(kind hjx.MetricKind) string {
	switch kind {
	case hjx.KindProportion:
		return "the denominator"
	case hjx.KindAmount:
		return "the clients the amount covers"
	case hjx.KindMean:
		return "the persons measured"
	}
	return "the persons counted"
}

func schemeNote(scheme string) string {
	switch hjx.DeprivationScheme(scheme) {
	case hjx.SchemeIMDDecile:
		return scheme + ": 1 = most deprived"
	case hjx.SchemeADIDecile:
		return scheme + ": 10 = most disadvantaged"
	}
	return hjx.Alternatives(hjx.AllDeprivationSchemes())
}

func rangeText(d metricDef) string {
	lo, hi := "no minimum", "no maximum"
	if d.Min != nil {
		lo = d.Min.String()
	}
	if d.Max != nil {
		hi = d.Max.String()
	}
	return lo + " to " + hi
}
