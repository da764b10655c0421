// Package reference carries the project's reference data: the metric codebook, the
// UK-to-I-HELP crosswalk, the exchange rates and the DUO codes, copied from the
// steering repository's reference/ folder with their sources (SOURCES.md beside this
// file). They are embedded so that every database gets them and nothing reads
// outside the binary at run time.
package reference

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"strconv"
)

//go:embed metric_codebook.csv
var codebookCSV []byte

//go:embed ihelp_crosswalk.csv
var crosswalkCSV []byte

//go:embed exchange_rates.csv
var ratesCSV []byte

//go:embed duo_codes.csv
var duoCSV []byte

// Metric is one codebook row. RangeMin and RangeMax are nil where the codebook gives none.
type Metric struct {
	Code, Kind, Unit, Instrument, Title, Source string
	RangeMin, RangeMax                          *float64
}

// Crosswalk is one welfare domain and the I-HELP category it rolls up into.
type Crosswalk struct {
	WelfareDomain, IhelpCategory, Note string
}

// Rate is one year's annual average rates (World Bank PA.NUS.FCRF and PA.NUS.PPP).
type Rate struct {
	Year                                    int
	GBPPerUSD, PPPGBPPerIntl, PPPUSDPerIntl string // decimal strings, kept exact
}

// RatesSource is recorded with every rate loaded from the reference file.
const RatesSource = "IMF IFS / World Bank PA.NUS.FCRF (gbp_per_usd); World Bank ICP PA.NUS.PPP (PPP factors); reference/exchange_rates.csv"

func readCSV(b []byte, want []string) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) < len(want) {
		return nil, fmt.Errorf("reference file has no header %v", want)
	}
	for i, w := range want {
		if recs[0][i] != w {
			return nil, fmt.Errorf("reference header column %d is %q, want %q", i, recs[0][i], w)
		}
	}
	return recs[1:], nil
}

func optFloat(s string) (*float64, error) {
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// Codebook returns the metric definitions of metric_codebook.csv.
func Codebook() ([]Metric, error) {
	recs, err := readCSV(codebookCSV, []string{"code", "kind", "unit", "instrument", "range_min", "range_max", "title", "source"})
	if err != nil {
		return nil, fmt.Errorf("metric_codebook.csv: %w", err)
	}
	out := make([]Metric, 0, len(recs))
	for _, r := range recs {
		m := Metric{Code: r[0], Kind: r[1], Unit: r[2], Instrument: r[3], Title: r[6], Source: r[7]}
		if m.RangeMin, err = optFloat(r[4]); err != nil {
			return nil, fmt.Errorf("metric_codebook.csv %s range_min: %w", m.Code, err)
		}
		if m.RangeMax, err = optFloat(r[5]); err != nil {
			return nil, fmt.Errorf("metric_codebook.csv %s range_max: %w", m.Code, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// Crosswalks returns the rows of ihelp_crosswalk.csv.
func Crosswalks() ([]Crosswalk, error) {
	recs, err := readCSV(crosswalkCSV, []string{"welfare_domain", "ihelp_category", "note"})
	if err != nil {
		return nil, fmt.Errorf("ihelp_crosswalk.csv: %w", err)
	}
	out := make([]Crosswalk, 0, len(recs))
	for _, r := range recs {
		out = append(out, Crosswalk{WelfareDomain: r[0], IhelpCategory: r[1], Note: r[2]})
	}
	return out, nil
}

// ParseRates reads a rates file with the columns of exchange_rates.csv. Stewards load
// later years in the same format (hjx rates load).
func ParseRates(b []byte) ([]Rate, error) {
	recs, err := readCSV(b, []string{"year", "gbp_per_usd", "ppp_gbp_per_intl_dollar", "ppp_usd_per_intl_dollar"})
	if err != nil {
		return nil, err
	}
	out := make([]Rate, 0, len(recs))
	for i, r := range recs {
		y, err := strconv.Atoi(r[0])
		if err != nil {
			return nil, fmt.Errorf("row %d: year %q is not a whole number", i+2, r[0])
		}
		for j, v := range r[1:4] {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 {
				return nil, fmt.Errorf("row %d column %d: %q is not a positive number", i+2, j+2, v)
			}
		}
		out = append(out, Rate{Year: y, GBPPerUSD: r[1], PPPGBPPerIntl: r[2], PPPUSDPerIntl: r[3]})
	}
	return out, nil
}

// Rates returns the rates of the embedded exchange_rates.csv.
func Rates() ([]Rate, error) {
	rs, err := ParseRates(ratesCSV)
	if err != nil {
		return nil, fmt.Errorf("exchange_rates.csv: %w", err)
	}
	return rs, nil
}

// Digest is a hash of all embedded reference files.
func Digest() string {
	h := sha256.New()
	for _, b := range [][]byte{codebookCSV, crosswalkCSV, ratesCSV, duoCSV} {
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
