package ingest

import "strings"

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func nMeaning(kind string) string {
	switch kind {
	case "PROPORTION":
		return "the denominator"
	case "AMOUNT":
		return "the clients the amount covers"
	case "MEAN":
		return "the persons measured"
	}
	return "the persons counted"
}

func schemeNote(scheme string) string {
	switch scheme {
	case "IMD_DECILE":
		return "IMD_DECILE: 1 = most deprived"
	case "ADI_DECILE":
		return "ADI_DECILE: 10 = most disadvantaged"
	}
	return "IMD_DECILE or ADI_DECILE"
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
