package harmonise

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/reference"
)

func referenceRates(t *testing.T) Rates {
	t.Helper()
	rows, err := reference.Rates()
	if err != nil {
		t.Fatal(err)
	}
	rates, err := RatesFromReference(rows)
	if err != nil {
		t.Fatal(err)
	}
	return rates
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestConvert(t *testing.T) {
	t.Parallel()
	rates := referenceRates(t)
	tests := []struct {
		name     string
		amount   string
		from, to string
		year     int
		want     string
	}{
		// Hand-checked against reference/exchange_rates.csv.
		{"GBPToUSD2020", "1000", GBP, USD, 2020, "1282.0512820513"},           // 1000 / 0.780
		{"GBPToPPP2020", "1000", GBP, PPPIntlDollar, 2020, "1451.3788098694"}, // 1000 / 0.689
		{"USDToPPP2020", "1000", USD, PPPIntlDollar, 2020, "1000"},            // 1000 / 1.0
		{"USDToGBP2020", "1000", USD, GBP, 2020, "780"},                       // 1000 * 0.780
		{"USDToGBP2015", "1000", USD, GBP, 2015, "655"},                       // 1000 * 0.655
		{"GBPToUSD2016Pence", "250.50", GBP, USD, 2016, "338.0566801619"},     // 250.50 / 0.741
		{"GBPToPPP2021", "1000", GBP, PPPIntlDollar, 2021, "1497.005988024"},  // 1000 / 0.668
		{"Zero", "0", GBP, USD, 2019, "0"},
		{"SameCurrencyNeedsNoRate", "1234.56", GBP, GBP, 2030, "1234.56"},
		{"SameCurrencyUSD", "99.99", USD, USD, 1999, "99.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Convert(dec(tt.amount), tt.from, tt.to, tt.year, rates)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(dec(tt.want)) {
				t.Errorf("Convert(%s %s -> %s, %d) = %s, want %s", tt.amount, tt.from, tt.to, tt.year, got, tt.want)
			}
		})
	}
}

func TestConvertErrors(t *testing.T) {
	t.Parallel()
	rates := referenceRates(t)
	tests := []struct {
		name     string
		from, to string
		year     int
		rates    Rates
		want     error
	}{
		{"ErrNoRateLaterYear", GBP, USD, 2022, rates, ErrNoRate},
		{"ErrNoRateEarlierYear", USD, GBP, 2014, rates, ErrNoRate},
		{"ErrNoRatePPP", USD, PPPIntlDollar, 2030, rates, ErrNoRate},
		{"ErrNoRateZeroRate", GBP, USD, 2020, Rates{2020: {}}, ErrNoRate},
		{"ErrNoRateZeroPPP", GBP, PPPIntlDollar, 2020, Rates{2020: {GBPPerUSD: dec("0.78")}}, ErrNoRate},
		{"ErrCurrencyFrom", "EUR", USD, 2020, rates, ErrCurrency},
		{"ErrCurrencyFromPPP", PPPIntlDollar, USD, 2020, rates, ErrCurrency},
		{"ErrCurrencyTo", GBP, "EUR", 2020, rates, ErrCurrency},
		{"ErrCurrencySameUnknown", "EUR", "EUR", 2020, rates, ErrCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Convert(dec("1000"), tt.from, tt.to, tt.year, tt.rates)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !got.IsZero() {
				t.Errorf("amount %s returned with an error", got)
			}
		})
	}
}

func TestConvertRoundTrip(t *testing.T) {
	t.Parallel()
	rates := referenceRates(t)
	for year := 2015; year <= 2021; year++ {
		usd, err := Convert(dec("123456.78"), GBP, USD, year, rates)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Convert(usd, USD, GBP, year, rates)
		if err != nil {
			t.Fatal(err)
		}
		if d := back.Sub(dec("123456.78")).Abs(); d.GreaterThan(dec("0.000001")) {
			t.Errorf("%d: GBP -> USD -> GBP drifts by %s", year, d)
		}
	}
}

func TestRatesFromReference(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		rates := referenceRates(t)
		if len(rates) != 7 {
			t.Errorf("%d years, want 2015-2021", len(rates))
		}
		r := rates[2020]
		if !r.GBPPerUSD.Equal(dec("0.780")) || !r.PPPGBPPerIntl.Equal(dec("0.689")) || !r.PPPUSDPerIntl.Equal(dec("1")) {
			t.Errorf("2020 = %+v", r)
		}
	})
	bad := []struct {
		name string
		rows []reference.Rate
	}{
		{"ErrDuplicateYear", []reference.Rate{
			{Year: 2020, GBPPerUSD: "0.78", PPPGBPPerIntl: "0.689", PPPUSDPerIntl: "1"},
			{Year: 2020, GBPPerUSD: "0.79", PPPGBPPerIntl: "0.689", PPPUSDPerIntl: "1"}}},
		{"ErrZero", []reference.Rate{{Year: 2020, GBPPerUSD: "0", PPPGBPPerIntl: "0.689", PPPUSDPerIntl: "1"}}},
		{"ErrNegative", []reference.Rate{{Year: 2020, GBPPerUSD: "0.78", PPPGBPPerIntl: "-0.689", PPPUSDPerIntl: "1"}}},
		{"ErrNotANumber", []reference.Rate{{Year: 2020, GBPPerUSD: "0.78", PPPGBPPerIntl: "0.689", PPPUSDPerIntl: "one"}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if r, err := RatesFromReference(tt.rows); err == nil {
				t.Errorf("accepted: %+v", r)
			}
		})
	}
}

func TestDefaultCurrency(t *testing.T) {
	tests := []struct {
		name      string
		countries []hjx.Country
		want      string
	}{
		{"GB", []hjx.Country{"GB"}, GBP},
		{"GBTwice", []hjx.Country{"GB", "GB"}, GBP},
		{"US", []hjx.Country{"US"}, USD},
		{"Mixed", []hjx.Country{"GB", "US"}, USD},
		{"MixedOtherOrder", []hjx.Country{"US", "GB", "GB"}, USD},
		{"None", nil, USD},
		{"Unknown", []hjx.Country{"FR"}, USD},
	}
	t.Parallel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultCurrency(tt.countries); got != tt.want {
				t.Errorf("DefaultCurrency(%v) = %s, want %s", tt.countries, got, tt.want)
			}
		})
	}
}
