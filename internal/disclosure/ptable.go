package disclosure

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"sync"
)

//go:generate go run ./internal/ptablegen/cmd/ptablegen -d 4 -variance 3 -keys 256 -o ptable.csv

// Parameters of the ptable (docs/DISCLOSURE.md, "The ptable"). The table itself is
// data, ptable.csv, generated from these by go generate; a test regenerates it and
// compares.
const (
	// NoiseD bounds the noise added to a count: -NoiseD..NoiseD. Four, against
	// rounding to 5: together they leave a published count's true value anywhere in
	// a window wider than the window rounding alone leaves.
	NoiseD = 4
	// NoiseVariance is the target variance of the noise for counts at least 2D above
	// k (the stationary row). ONS chose 2021 Census parameters of the same order.
	NoiseVariance = 3
)

// ptableRows is the number of rows: j = 0..2D-1 truncated so that j + noise >= 0,
// and the stationary row 2D for every j >= 2D.
const ptableRows = 2*NoiseD + 1

//go:embed ptable.csv
var ptableCSV []byte

// NoiseTable is the parsed ptable: the noise for each row j (a count's distance
// above k) and cell key.
type NoiseTable struct {
	noise [ptableRows][KeyRange]int8
}

// Noise returns the noise for a count j above the threshold and a cell key (reduced
// modulo KeyRange). j below zero (a perturbed count pulled under k) reads row 0, j
// of 2D or more the stationary row.
func (t *NoiseTable) Noise(j, cellKey int) int {
	j = min(max(j, 0), ptableRows-1)
	return int(t.noise[j][mod(cellKey, KeyRange)])
}

// parsedPTable is the embedded table, parsed once and never written afterwards. The
// file is checked by the tests, so a failure here is a broken build, not a runtime
// condition.
var parsedPTable = sync.OnceValue(func() *NoiseTable {
	t, err := parsePTable(ptableCSV)
	if err != nil {
		panic(err)
	}
	return t
})

// PTable returns a copy of the ptable the package applies, for tests and
// documentation.
func PTable() NoiseTable { return *parsedPTable() }

// PTableNoise is the noise the ptable gives a count j above k with cell key cellKey.
func PTableNoise(j, cellKey int) int { return parsedPTable().Noise(j, cellKey) }

// parsePTable reads the CSV written by ptablegen: row, noise, keys, key_first,
// key_last; every key of every row must be given exactly once, within -D..D.
func parsePTable(data []byte) (*NoiseTable, error) {
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("ptable: %w", err)
	}
	if len(records) == 0 || fmt.Sprint(records[0]) != "[row noise keys key_first key_last]" {
		return nil, fmt.Errorf("ptable: missing header")
	}
	var t NoiseTable
	var seen [ptableRows][KeyRange]bool
	for line, rec := range records[1:] {
		var v [5]int
		for i, s := range rec {
			if v[i], err = strconv.Atoi(s); err != nil {
				return nil, fmt.Errorf("ptable line %d: %w", line+2, err)
			}
		}
		j, noise, keys, first, last := v[0], v[1], v[2], v[3], v[4]
		if j < 0 || j >= ptableRows || noise < -NoiseD || noise > NoiseD || first < 0 || last >= KeyRange ||
			last-first+1 != keys {
			return nil, fmt.Errorf("ptable line %d: %v out of range", line+2, rec)
		}
		for k := first; k <= last; k++ {
			if seen[j][k] {
				return nil, fmt.Errorf("ptable line %d: key %d of row %d given twice", line+2, k, j)
			}
			seen[j][k] = true
			t.noise[j][k] = int8(noise)
		}
	}
	for j := range seen {
		for k, ok := range seen[j] {
			if !ok {
				return nil, fmt.Errorf("ptable: row %d has no noise for key %d", j, k)
			}
		}
	}
	return &t, nil
}

// mod is x modulo m in 0..m-1, for negative x too.
func mod(x int, m int) int {
	r := x % m
	if r < 0 {
		r += m
	}
	return r
}
