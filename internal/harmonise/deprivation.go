package harmonise

import (
	"fmt"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Deprivation schemes as text, the form observations carry them in here (the codes
// are defined once, in internal/hjx: docs/ARCHITECTURE.md#the-vocabularies).
const (
	// IMDDecile is England's Index of Multiple Deprivation decile, 1 = most deprived.
	IMDDecile = string(hjx.SchemeIMDDecile)
	// ADIDecile is the US Area Deprivation Index decile, 10 = most disadvantaged.
	ADIDecile = string(hjx.SchemeADIDecile)
)

// Quintile maps a deprivation decile onto the shared quintile, 1 = most deprived ..
// 5 = least, so that UK and US rows group together: IMD q = ceil(d/2) (deciles 1-2
// are Q1); ADI runs the other way, q = 6 - ceil(d/2) (deciles 9-10 are Q1).
func Quintile(scheme string, decile int) (int, error) {
	if decile < 1 || decile > 10 {
		return 0, fmt.Errorf("harmonise: %s decile %d is not in 1..10", scheme, decile)
	}
	half := (decile + 1) / 2 // ceil(d/2)
	switch scheme {
	case IMDDecile:
		return half, nil
	case ADIDecile:
		return 6 - half, nil
	}
	return 0, fmt.Errorf("harmonise: unknown deprivation scheme %q (want %s)", scheme,
		hjx.Alternatives(hjx.AllDeprivationSchemes()))
}
