package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkFeedCSV times the per-row path without the database: reading, the
// identifier scan and validation of a file of valid rows of every kind.
func BenchmarkFeedCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(strings.Join(Columns[:], ",") + "\n")
	for i := range 20_000 {
		m := 1 + i%12
		fmt.Fprintf(&sb, "FINANCIAL_GAIN,2021-%02d-01,2021-%02d-%02d,%d.50,12,DEBT,,,AGE_18_24,FEMALE,IMD_DECILE,%d,,GBP\n",
			m, m, daysIn(m, 2021), 1000+i, 1+i%10)
	}
	data := []byte(sb.String())
	cfg := Config{}.withDefaults()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		val := fuzzValidator()
		res, err := feedCSV(bytes.NewReader(data), cfg, val, func(*observation) error { return nil })
		if err != nil || res.stored != 20_000 {
			b.Fatalf("%+v %v, %d issues", res, err, val.issues.total)
		}
	}
}
