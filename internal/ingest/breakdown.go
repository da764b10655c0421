package ingest

import (
	"fmt"
	"strings"
)

// dimensionKey is the breakdown of a row in SQL: the partition of the duplicate and
// overlap checks (NULLs group together there).
const dimensionKey = `metric, welfare_domain, ihelp_category, health_setting, age_band, sex, deprivation_scheme, deprivation_value`

// sameBreakdown compares the breakdowns of observations a and b, NULL equal to NULL,
// in the form a hash join can use.
func sameBreakdown(a, b string) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%s.metric = %s.metric", a, b))
	for _, col := range []string{"welfare_domain", "ihelp_category", "health_setting", "age_band", "sex", "deprivation_scheme"} {
		parts = append(parts, fmt.Sprintf("coalesce(%[1]s.%[3]s, '') = coalesce(%[2]s.%[3]s, '')", a, b, col))
	}
	parts = append(parts, fmt.Sprintf("coalesce(%[1]s.deprivation_value, 0) = coalesce(%[2]s.deprivation_value, 0)", a, b))
	return strings.Join(parts, " AND ")
}
