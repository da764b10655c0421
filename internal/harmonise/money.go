package harmonise

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/reference"
)

// Currencies as text: money is stored in GBP or USD (hjx.Currency) and reported in
// GBP, USD or PPP international dollars (hjx.ReportingCurrency).
const (
	GBP           = string(hjx.CurrencyGBP)
	USD           = string(hjx.CurrencyUSD)
	PPPIntlDollar = string(hjx.ReportingPPP)
)

// ConversionPlaces is the number of decimal places a converted amount keeps. It is
// far below anything published (money is shown to the nearest 10 units) and
// keeps sums of many conversions exact to well under a cent.
const ConversionPlaces = 10

// ErrNoRate is returned when no usable rate is known for the year asked: the
// observation is left out and counted under NO_EXCHANGE_RATE, never converted at a
// guessed rate.
var ErrNoRate = errors.New("harmonise: no exchange rate for the year")

// ErrCurrency is returned for a currency Convert does not know; it is a caller bug,
// not a data gap.
var ErrCurrency = errors.New("harmonise: unknown currency")

// Rate is one year's annual averages.
type Rate struct {
	// GBPPerUSD is the official rate, pounds per US dollar (PA.NUS.FCRF).
	GBPPerUSD decimal.Decimal
	// PPPGBPPerIntl and PPPUSDPerIntl are the PPP conversion factors, GDP, local
	// currency per international dollar (PA.NUS.PPP); the US factor is 1.
	PPPGBPPerIntl decimal.Decimal
	PPPUSDPerIntl decimal.Decimal
}

// Rates holds the annual averages by calendar year.
type Rates map[int]Rate

// RatesFromReference builds Rates from reference rows (the embedded file or rows
// a steward loaded). A year given twice is an error: which to use would be a guess.
func RatesFromReference(rows []reference.Rate) (Rates, error) {
	rates := make(Rates, len(rows))
	for _, row := range rows {
		if _, dup := rates[row.Year]; dup {
			return nil, fmt.Errorf("harmonise: rates for %d given twice", row.Year)
		}
		var r Rate
		for _, f := range []struct {
			name string
			text string
			to   *decimal.Decimal
		}{
			{"gbp_per_usd", row.GBPPerUSD, &r.GBPPerUSD},
			{"ppp_gbp_per_intl_dollar", row.PPPGBPPerIntl, &r.PPPGBPPerIntl},
			{"ppp_usd_per_intl_dollar", row.PPPUSDPerIntl, &r.PPPUSDPerIntl},
		} {
			d, err := decimal.NewFromString(f.text)
			if err != nil || !d.IsPositive() {
				return nil, fmt.Errorf("harmonise: %d %s %q is not a positive number", row.Year, f.name, f.text)
			}
			*f.to = d
		}
		rates[row.Year] = r
	}
	return rates, nil
}

// Convert converts an amount of money from its stored currency (GBP or USD) into a
// reporting currency (GBP, USD or PPP_INTL_DOLLAR) at the annual averages of year,
// rounded to ConversionPlaces. Money already in the reporting currency is returned
// unchanged and needs no rate. Otherwise:
//
//	GBP -> USD: amount / gbp_per_usd        USD -> GBP: amount * gbp_per_usd
//	GBP -> PPP: amount / ppp_gbp_per_intl   USD -> PPP: amount / ppp_usd_per_intl
//
// A year with no rate, or a rate that is not positive, gives an error wrapping
// ErrNoRate.
func Convert(amount decimal.Decimal, from, to string, year int, rates Rates) (decimal.Decimal, error) {
	if !hjx.In(hjx.AllCurrencies(), hjx.Currency(from)) {
		return decimal.Zero, fmt.Errorf("%w: stored currency %q (want %s)", ErrCurrency, from, hjx.Alternatives(hjx.AllCurrencies()))
	}
	if !hjx.In(hjx.AllReportingCurrencies(), hjx.ReportingCurrency(to)) {
		return decimal.Zero, fmt.Errorf("%w: reporting currency %q (want %s)", ErrCurrency, to,
			hjx.Alternatives(hjx.AllReportingCurrencies()))
	}
	if from == to {
		return amount, nil
	}
	r, ok := rates[year]
	if !ok {
		return decimal.Zero, fmt.Errorf("%w %d", ErrNoRate, year)
	}
	var factor decimal.Decimal
	divide := true
	switch {
	case to == PPPIntlDollar && from == GBP:
		factor = r.PPPGBPPerIntl
	case to == PPPIntlDollar && from == USD:
		factor = r.PPPUSDPerIntl
	case to == USD: // from GBP
		factor = r.GBPPerUSD
	default: // GBP from USD
		factor, divide = r.GBPPerUSD, false
	}
	if !factor.IsPositive() {
		return decimal.Zero, fmt.Errorf("%w %d: the %s to %s rate is not positive", ErrNoRate, year, from, to)
	}
	if divide {
		return amount.DivRound(factor, ConversionPlaces), nil
	}
	return amount.Mul(factor).Round(ConversionPlaces), nil
}

// DefaultCurrency is the reporting currency of a query that names none: the
// country's own currency when every contributing partner is in one country (GB ->
// GBP, US -> USD), USD when they mix, when none contribute or when a country is not
// known (USD is the common currency of the rate tables).
func DefaultCurrency(countries []hjx.Country) string {
	cur := ""
	for _, c := range countries {
		var own string
		switch c {
		case hjx.CountryGB:
			own = GBP
		case hjx.CountryUS:
			own = USD
		default:
			return USD
		}
		if cur != "" && cur != own {
			return USD
		}
		cur = own
	}
	if cur == "" {
		return USD
	}
	return cur
}
