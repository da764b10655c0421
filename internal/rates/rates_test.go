package rates_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/rates"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

const header = "year,gbp_per_usd,ppp_gbp_per_intl_dollar,ppp_usd_per_intl_dollar\n"

func TestLoad(t *testing.T) {
	r := newRatesWorld(t)
	r.versions(t)
	r.refused(t)
	t.Run("OKOperator", func(t *testing.T) {
		res, err := r.svc.Load(r.ctx, hjx.OperatorPrincipal("hjx rates load"), []byte(header+"2023,0.8,0.671,1.0\n"), "ONS", false)
		if err != nil || !slices.Equal(res.Added, []int{2023}) {
			t.Fatalf("operator load: %+v, %v", res, err)
		}
	})
}

// ratesWorld is TestLoad's app, its clock past 2022's annual average, and a steward.
type ratesWorld struct {
	ctx     context.Context
	env     *testkit.Env
	steward *hjx.Principal
	svc     *rates.Service
}

func newRatesWorld(t *testing.T) *ratesWorld {
	env := testkit.New(t)
	env.Clock.Set(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) // 2022's annual average is published
	return &ratesWorld{ctx: context.Background(), env: env, steward: &hjx.Principal{Role: hjx.RoleSteward}, svc: env.App.Rates}
}

// count returns how many versions of the year's rates are stored and the newest.
func (r *ratesWorld) count(t *testing.T, year int) (versions int, newest string) {
	t.Helper()
	err := r.env.App.DB.QueryRow(`SELECT count(*), (array_agg(gbp_per_usd::text ORDER BY version DESC))[1]
		FROM exchange_rates WHERE year = $1`, year).Scan(&versions, &newest)
	if err != nil {
		t.Fatal(err)
	}
	return versions, newest
}

func (r *ratesWorld) auditCount() int {
	var n int
	_ = r.env.App.DB.Get(&n, `SELECT count(*) FROM audit_entries WHERE action = 'rates.load'`)
	return n
}

// versions: a new year is added, a changed year needs a correction, which is a new version.
func (r *ratesWorld) versions(t *testing.T) {
	ctx, steward, svc, count, auditCount := r.ctx, r.steward, r.svc, r.count, r.auditCount
	t.Run("OKNewYear", func(t *testing.T) {
		res, err := svc.Load(ctx, steward, []byte(header+"2022,0.811,0.671,1.0\n2021,0.727,0.668,1.0\n"), "World Bank WDI", false)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Added) != 1 || res.Added[0] != 2022 || len(res.Unchanged) != 1 || res.Unchanged[0] != 2021 {
			t.Fatalf("got %+v", res)
		}
		if v, g := count(t, 2022); v != 1 || g != "0.811" {
			t.Fatalf("2022: %d versions, newest %s", v, g)
		}
		if auditCount() != 1 {
			t.Fatal("the load was not audited")
		}
	})
	t.Run("ErrConflictWithoutCorrect", func(t *testing.T) {
		_, err := svc.Load(ctx, steward, []byte(header+"2020,0.790,0.689,1.0\n2022,0.811,0.671,1.0\n"), "revised", false)
		if hjx.ErrorCode(err) != hjx.CodeConflict {
			t.Fatalf("want CONFLICT, got %v", err)
		}
		if v, g := count(t, 2020); v != 1 || g != "0.780" {
			t.Fatalf("2020 changed: %d versions, newest %s", v, g)
		}
	})
	t.Run("OKCorrectionIsANewVersion", func(t *testing.T) {
		res, err := svc.Load(ctx, steward, []byte(header+"2020,0.790,0.689,1.0\n"), "IMF revision", true)
		if err != nil || len(res.Corrected) != 1 {
			t.Fatalf("got %+v, %v", res, err)
		}
		if v, g := count(t, 2020); v != 2 || g != "0.790" {
			t.Fatalf("2020: %d versions, newest %s; want the old one kept and a new one", v, g)
		}
	})
}

// refused: invalid files and callers who may not load rates change nothing.
func (r *ratesWorld) refused(t *testing.T) {
	ctx, steward, svc, auditCount := r.ctx, r.steward, r.svc, r.auditCount
	for _, tc := range []struct{ name, csv, source string }{
		{"ErrInvalidHeader", "year,rate\n2022,0.8\n", "x"},
		{"ErrInvalidNumber", header + "2022,abc,0.671,1.0\n", "x"},
		{"ErrInvalidNegative", header + "2022,-0.8,0.671,1.0\n", "x"},
		{"ErrInvalidFutureYear", header + "2024,0.8,0.671,1.0\n", "x"},
		{"ErrInvalidDuplicateYear", header + "2022,0.8,0.671,1.0\n2022,0.8,0.671,1.0\n", "x"},
		{"ErrInvalidNoSource", header + "2022,0.8,0.671,1.0\n", "  "},
		{"ErrInvalidEmpty", header, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := auditCount()
			if _, err := svc.Load(ctx, steward, []byte(tc.csv), tc.source, true); hjx.ErrorCode(err) != hjx.CodeInvalid {
				t.Fatalf("want INVALID, got %v", err)
			}
			if auditCount() != before {
				t.Fatal("a refused load was audited as done")
			}
		})
	}
	t.Run("ErrForbidden", func(t *testing.T) {
		_, err := svc.Load(ctx, &hjx.Principal{Role: hjx.RoleResearcher}, []byte(header+"2023,0.8,0.671,1.0\n"), "x", false)
		if hjx.ErrorCode(err) != hjx.CodeForbidden {
			t.Fatalf("want FORBIDDEN, got %v", err)
		}
	})
	// A nil principal is anonymous, not the operator (issue 12, item 15).
	t.Run("ErrForbiddenNilPrincipal", func(t *testing.T) {
		before := auditCount()
		_, err := svc.Load(ctx, nil, []byte(header+"2023,0.8,0.671,1.0\n"), "x", false)
		if hjx.ErrorCode(err) != hjx.CodeForbidden {
			t.Fatalf("want FORBIDDEN, got %v", err)
		}
		if auditCount() != before {
			t.Fatal("a refused load was audited")
		}
	})
}
