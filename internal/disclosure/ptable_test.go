package disclosure

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/disclosure/internal/ptablegen"
)

// TestPTableGenerated regenerates the ptable from the package's parameters and
// compares it byte for byte with the committed file: the data and its documented
// algorithm cannot drift apart (run go generate after changing either).
func TestPTableGenerated(t *testing.T) {
	t.Parallel()
	want, err := ptablegen.Generate(ptablegen.Params{D: NoiseD, Variance: NoiseVariance, Keys: KeyRange})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ptableCSV, want) {
		t.Errorf("ptable.csv differs from what ptablegen generates (run go generate ./internal/disclosure):\n%s", want)
	}
}

// TestPTableProperties checks the properties docs/DISCLOSURE.md promises, on the
// parsed table the package applies.
func TestPTableProperties(t *testing.T) {
	t.Parallel()
	table := PTable()
	for j := range ptableRows {
		var sum, squares int
		for key := range KeyRange {
			d := table.Noise(j, key)
			if d < -NoiseD || d > NoiseD {
				t.Errorf("row %d key %d: noise %d outside -%d..%d", j, key, d, NoiseD, NoiseD)
			}
			if j < 2*NoiseD && j+d < 0 {
				t.Errorf("row %d key %d: noise %d would publish a count below k", j, key, d)
			}
			sum += d
			squares += d * d
		}
		if sum != 0 {
			t.Errorf("row %d: noise sums to %d over the keys, want exactly 0", j, sum)
		}
		variance := float64(squares) / KeyRange
		t.Logf("row %d: variance %.3f", j, variance)
		if j == 2*NoiseD && (variance < NoiseVariance-0.1 || variance > NoiseVariance+0.1) {
			t.Errorf("stationary row: variance %.3f, want %v within 0.1", variance, NoiseVariance)
		}
		if j > 0 && variance < 1 {
			t.Errorf("row %d: variance %.3f: counts just above k are barely perturbed", j, variance)
		}
	}
	// Rows beyond the table read the stationary row; below it, row 0; keys wrap.
	for key := range KeyRange {
		if PTableNoise(100, key) != table.Noise(2*NoiseD, key) || PTableNoise(-3, key) != table.Noise(0, key) ||
			PTableNoise(5, key+3*KeyRange) != table.Noise(5, key) || PTableNoise(5, key-KeyRange) != table.Noise(5, key) {
			t.Fatalf("key %d: rows or keys out of range not mapped as documented", key)
		}
	}
}

func TestParsePTable(t *testing.T) {
	t.Parallel()
	valid := string(ptableCSV)
	if _, err := parsePTable([]byte(valid)); err != nil {
		t.Fatalf("OK: %v", err)
	}
	tests := []struct{ name, data string }{
		{"ErrNoHeader", strings.SplitN(valid, "\n", 2)[1]},
		{"ErrKeyMissing", strings.Replace(valid, "0,0,256,0,255", "0,0,255,0,254", 1)},
		{"ErrKeyTwice", valid + "0,0,1,0,0\n"},
		{"ErrNoiseTooLarge", strings.Replace(valid, "0,0,256,0,255", "0,5,256,0,255", 1)},
		{"ErrRowOutOfRange", valid + "9,0,256,0,255\n"},
		{"ErrCountMismatch", strings.Replace(valid, "0,0,256,0,255", "0,0,250,0,255", 1)},
		{"ErrNotANumber", strings.Replace(valid, "0,0,256,0,255", "0,zero,256,0,255", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parsePTable([]byte(tt.data)); err == nil {
				t.Error("accepted")
			}
		})
	}
}
