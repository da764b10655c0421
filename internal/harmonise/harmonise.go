// Package harmonise puts UK Health Justice Partnership and US Medical-Legal
// Partnership figures side by side (docs/OUTCOMES.md; docs/ARCHITECTURE.md#the-data-flow-of-an-outcome-query):
//
//   - money, stored in its own currency (GBP or USD), is converted per observation
//     into the reporting currency (GBP, USD or PPP international dollars) at the
//     annual average rates of reference/exchange_rates.csv: the official rate,
//     pounds per US dollar (IMF IFS, World Bank indicator PA.NUS.FCRF), and the PPP
//     conversion factors, GDP, local currency per international dollar (World Bank
//     ICP, PA.NUS.PPP; 1 for the US by definition). A year without a rate is never
//     guessed: Convert returns ErrNoRate and the observation is left out (coverage
//     NO_EXCHANGE_RATE);
//   - an observation's rate year is the calendar year holding most of its period's
//     months, ties going to the earlier year (RateYear);
//   - periods fall into quarter and year buckets only when they lie wholly inside
//     one (Bucket; coverage PERIOD_NOT_IN_BUCKET otherwise);
//   - England's IMD deciles (1 = most deprived) and the US Area Deprivation Index
//     deciles (10 = most disadvantaged) meet as quintiles, Q1 the most deprived
//     (Quintile);
//   - MEAN cells pool by the n-weighted mean and the pooled SD (PoolMeans).
//
// The outcome query applies these rules in SQL (internal/outcomes/aggregate.go);
// the functions here are their readable statement, and the differential tests of
// internal/outcomes/harmonise_test.go run the query's SQL fragments on random inputs
// against them. DefaultCurrency is called by the query path itself. The roll-up of
// welfare domains into I-HELP categories has no Go form: it is the welfare_domains
// table, loaded from reference/ihelp_crosswalk.csv.
//
// The package is pure: no SQL, no HTTP, no clock, no package-level state. Money is
// exact decimal arithmetic (shopspring/decimal).
package harmonise
