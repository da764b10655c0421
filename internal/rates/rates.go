// Package rates keeps the exchange rates money is converted with: the annual
// averages of the reference file (World Bank PA.NUS.FCRF for pounds per dollar,
// PA.NUS.PPP for the PPP conversion factors; internal/reference/SOURCES.md), and
// later years a steward loads. A year's rate once stored is never changed in place:
// a correction is a new version carrying its source, and loading one must be asked
// for explicitly, because it changes every output already published for that year.
package rates

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/reference"
)

// Service loads and lists rates.
type Service struct {
	DB    *sqlx.DB
	Audit *audit.Log
	Now   func() time.Time
}

// Rate is one stored version of a year's rates.
type Rate struct {
	Year          int       `db:"year"`
	Version       int       `db:"version"`
	GBPPerUSD     string    `db:"gbp_per_usd"`
	PPPGBPPerIntl string    `db:"ppp_gbp_per_intl_dollar"`
	PPPUSDPerIntl string    `db:"ppp_usd_per_intl_dollar"`
	Source        string    `db:"source"`
	LoadedAt      time.Time `db:"loaded_at"`
}

// LoadResult says what a load did, year by year.
type LoadResult struct {
	Added     []int // years that had no rate
	Corrected []int // years given a new version
	Unchanged []int // years whose newest version already had these values
}

// MaxFileBytes bounds a rates file: a row per year needs a few dozen bytes.
const MaxFileBytes = 64 << 10

// Load stores the rates of a CSV file with the columns of the reference file
// (year,gbp_per_usd,ppp_gbp_per_intl_dollar,ppp_usd_per_intl_dollar). by is the
// steward, or the operator's CLI (hjx.OperatorPrincipal); anyone else, and a nil
// principal, is refused. A year that already has different rates is refused with
// CONFLICT unless correct is true; then it gets a new version. All or nothing,
// audited in the same transaction.
func (s *Service) Load(ctx context.Context, by *hjx.Principal, csv []byte, source string, correct bool) (*LoadResult, error) {
	if by == nil || !(by.Operator || by.Role == hjx.RoleSteward) {
		return nil, hjx.Forbidden("only a steward may load exchange rates")
	}
	source = strings.TrimSpace(source)
	if err := identifiers.CheckText("source", source); err != nil {
		return nil, err
	}
	if source == "" || len(source) > 500 {
		return nil, hjx.Invalid("source", "must name where the rates come from (1 to 500 characters)")
	}
	if len(csv) > MaxFileBytes {
		return nil, hjx.Invalid("csv", "is larger than %d bytes", MaxFileBytes)
	}
	rows, err := reference.ParseRates(bytes.TrimPrefix(csv, []byte("\xef\xbb\xbf")))
	if err != nil {
		return nil, hjx.Invalid("csv", "%v", err)
	}
	if len(rows) == 0 {
		return nil, hjx.Invalid("csv", "has no rows")
	}
	seen := map[int]bool{}
	this := s.Now().Year()
	for _, r := range rows {
		if r.Year < 1990 || r.Year >= this {
			return nil, hjx.Invalid("csv", "year %d is outside 1990..%d (an annual average exists only once the year is over)", r.Year, this-1)
		}
		if seen[r.Year] {
			return nil, hjx.Invalid("csv", "year %d is given twice", r.Year)
		}
		seen[r.Year] = true
	}
	res := &LoadResult{}
	err = postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		var conflicts []string
		for _, r := range rows {
			var cur Rate
			err := sqlx.GetContext(ctx, tx, &cur, `SELECT year, version, gbp_per_usd::text AS gbp_per_usd,
				ppp_gbp_per_intl_dollar::text AS ppp_gbp_per_intl_dollar, ppp_usd_per_intl_dollar::text AS ppp_usd_per_intl_dollar,
				source, loaded_at FROM exchange_rates WHERE year = $1 ORDER BY version DESC LIMIT 1 FOR UPDATE`, r.Year)
			version := 1
			switch {
			case postgres.IsNoRows(err):
				res.Added = append(res.Added, r.Year)
			case err != nil:
				return hjx.Internal(err, "read rates")
			case sameRate(cur, r):
				res.Unchanged = append(res.Unchanged, r.Year)
				continue
			case !correct:
				conflicts = append(conflicts, fmt.Sprint(r.Year))
				continue
			default:
				version = cur.Version + 1
				res.Corrected = append(res.Corrected, r.Year)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO exchange_rates (year, version, gbp_per_usd, ppp_gbp_per_intl_dollar,
				ppp_usd_per_intl_dollar, source, loaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				r.Year, version, r.GBPPerUSD, r.PPPGBPPerIntl, r.PPPUSDPerIntl, source, s.Now())
			if err != nil {
				return hjx.Internal(err, "store rates")
			}
		}
		if len(conflicts) > 0 {
			return &hjx.Error{Code: hjx.CodeConflict, Field: "csv", Message: fmt.Sprintf(
				"years %s already have different rates; outputs for them were computed with the stored ones. "+
					"Load again with correct=true (hjx rates load --correct) to add a new version", strings.Join(conflicts, ", "))}
		}
		if len(res.Added)+len(res.Corrected) == 0 {
			return nil
		}
		_, err := s.Audit.Append(ctx, tx, by, audit.Entry{ChangesData: true, Action: "rates.load", Subject: "exchange_rates",
			Detail: map[string]string{"added": ints(res.Added), "corrected": ints(res.Corrected), "source": source}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func sameRate(cur Rate, r reference.Rate) bool {
	eq := func(a, b string) bool {
		x, err1 := decimal.NewFromString(a)
		y, err2 := decimal.NewFromString(b)
		return err1 == nil && err2 == nil && x.Equal(y)
	}
	return eq(cur.GBPPerUSD, r.GBPPerUSD) && eq(cur.PPPGBPPerIntl, r.PPPGBPPerIntl) && eq(cur.PPPUSDPerIntl, r.PPPUSDPerIntl)
}

func ints(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

// List returns every stored version, newest version of each year first within
// the year, years ascending. The rates are public: anyone can redo a conversion.
func (s *Service) List(ctx context.Context) ([]Rate, error) {
	var out []Rate
	err := sqlx.SelectContext(ctx, s.DB, &out, `SELECT year, version, gbp_per_usd::text AS gbp_per_usd,
		ppp_gbp_per_intl_dollar::text AS ppp_gbp_per_intl_dollar, ppp_usd_per_intl_dollar::text AS ppp_usd_per_intl_dollar,
		source, loaded_at FROM exchange_rates ORDER BY year, version DESC`)
	if err != nil {
		return nil, hjx.Internal(err, "list rates")
	}
	return out, nil
}
