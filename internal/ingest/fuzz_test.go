package ingest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// The fuzz target runs its committed seed corpus (testdata/fuzz/FuzzReadCSV) as an
// ordinary test in `make test`; `go test -fuzz FuzzReadCSV ./internal/ingest`
// explores more. FuzzFindIdentifier is in internal/identifiers.

func fuzzValidator() *validator {
	lo, hi := decimal.NewFromInt(-56), decimal.NewFromInt(56)
	metrics := map[string]metricDef{"PATIENTS_SCREENED": {Kind: "COUNT"}, "STAFF_TRAINED": {Kind: "PROPORTION"},
		"FINANCIAL_GAIN": {Kind: "AMOUNT"}, "WEMWBS_CHANGE": {Kind: "MEAN", Min: &lo, Max: &hi}}
	reg := registration{HealthSettings: hjx.Strings(hjx.AllHealthSettings()), AdviceDomains: hjx.Strings(hjx.AllWelfareDomains()), Categories: hjx.Strings(hjx.AllIhelpCategories())}
	return newValidator(metrics, reg, time.Date(2022, 6, 15, 0, 0, 0, 0, time.UTC), &issueList{max: 50})
}

func FuzzReadCSV(f *testing.F) {
	h := strings.Join(Columns[:], ",") + "\n"
	for _, s := range []string{
		h + "PATIENTS_SCREENED,2022-01-01,2022-01-31,12,,,,PRIMARY_CARE,,,,,,\n",
		h + "FINANCIAL_GAIN,2021-04-01,2021-06-30,1530.50,12,DEBT,,,AGE_18_24,FEMALE,IMD_DECILE,3,,GBP\n",
		h + "WEMWBS_CHANGE,2021-04-01,2021-06-30,4.5,30,,,,,,,,2.1,\n",
		h + "\"PATIENTS_SCREENED\",\"2022-01-01\",2022-01-31,\"9434765919\",,,,,,,,,,\n",
		"\xef\xbb\xbf" + h + "STAFF_TRAINED,2022-01-01,2022-01-31,3,2,,,,,,,,,\n",
		"metric,period_start,period_end,value,n,notes\nPATIENTS_SCREENED,2022-01-01,2022-01-31,1,,jo@example.org\n",
		h + "\"unterminated,2022-01-01\n",
		h + "a,b\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := Config{MaxRows: 1000, MaxBytes: 1 << 20, MaxIssues: 50, MaxRecordBytes: 512}.withDefaults()
		val := fuzzValidator()
		emitted := 0
		res, err := feedCSV(bytes.NewReader(data), cfg, val, func(o *observation) error {
			emitted++
			// Nothing that is stored may hold an identifier.
			for col := column(0); col < numColumns; col++ {
				if k, hit := identifierIn(col, o.cells[col]); hit {
					t.Fatalf("row %d stored with %s in %s", o.row, k, col)
				}
			}
			if o.cells[colMetric] == "" || o.cells[colValue] == "" {
				t.Fatalf("row %d stored without metric or value", o.row)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("feedCSV: %v", err)
		}
		if res.stored != emitted || res.stored > res.rows || res.rows > cfg.MaxRows+1 {
			t.Fatalf("inconsistent counts: %+v emitted %d", res, emitted)
		}
		if len(val.issues.items) > cfg.MaxIssues || val.issues.total < len(val.issues.items) {
			t.Fatalf("issue list out of bounds: %d listed, %d total", len(val.issues.items), val.issues.total)
		}
	})
}

// The reader never holds much more than one record, whatever the input.
func TestCSVReaderBoundsRecordSize(t *testing.T) {
	t.Parallel()
	huge := "metric\n\"" + strings.Repeat("x", 1<<20) + "\"\n"
	r := newCSVReader(strings.NewReader(huge), 1024)
	if _, err := r.Read(); err != nil {
		t.Fatalf("header: %v", err)
	}
	_, err := r.Read()
	if !errors.Is(err, errRecordTooLong) {
		t.Fatalf("a 1 MiB record: got %v, want errRecordTooLong", err)
	}
	if r.bounded.read > 1024+64<<10 {
		t.Errorf("read %d bytes before stopping", r.bounded.read)
	}
}

func TestCSVReaderSkipsBOMAndNumbersRecords(t *testing.T) {
	t.Parallel()
	r := newCSVReader(strings.NewReader("\xef\xbb\xbfmetric,value\nA,1\nB,2\n"), 1024)
	rec, err := r.Read()
	if err != nil || rec[0] != "metric" {
		t.Fatalf("header = %q, %v", rec, err)
	}
	for want := 2; ; want++ {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if r.Record() != want {
			t.Fatalf("record %d numbered %d", want, r.Record())
		}
	}
}
