package outcomes_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// BenchmarkAvailability answers the catalogue with the shape counters of the 10M
// observation database of `make bench` (bench/outcomes: 60 partners, half GB and
// half US, 6 metrics, 84 months, 8 breakdown shapes: 241,920 counters of
// observation_shape_counts, as docs/BENCHMARKS.md reports for 10M). The catalogue
// reads only observation_availability, which the counters' trigger fills, never
// observations, so the counters are inserted directly: the same state of the
// tables the catalogue reads as after loading 10M observations, without the rows
// it never touches. Each call includes the access check, the decisions and the
// audit entry; docs/BENCHMARKS.md has the figure.
func BenchmarkAvailability(b *testing.B) {
	env := testkit.New(b)
	ctx := context.Background()
	_, steward := env.Token(hjx.RoleSteward, "", "")
	var partners []string
	for i := range 60 {
		country, region, model := hjx.CountryGB, "GB-ENG", hjx.ModelHJP
		if i%2 == 1 {
			country, region, model = hjx.CountryUS, "US-NY", hjx.ModelMLP
		}
		id := fmt.Sprintf("bench-%02d", i)
		if _, err := env.App.Directory.Register(ctx, steward, directory.Partner{ID: id, Name: "Partner " + id, Country: country,
			Region: region, Model: model, HealthSettings: []hjx.HealthSetting{"PRIMARY_CARE", "HOSPITAL"},
			AdviceDomains: []hjx.WelfareDomain{"WELFARE_BENEFITS", "DEBT", "HOUSING"}}); err != nil {
			b.Fatal(err)
		}
		_, admin := env.Token(hjx.RolePartnerAdmin, id, "")
		if _, err := env.App.Governance.SetPolicy(ctx, admin, id, *gru()); err != nil {
			b.Fatal(err)
		}
		partners = append(partners, id)
	}
	token, researcher := env.Token(hjx.RoleResearcher, "", "")
	pr, err := env.App.Governance.ProposeProject(ctx, researcher, access.ProjectInput{Title: "Availability benchmark",
		Institution: "University of Leeds", InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"),
		EthicsApprovalRef: "REC 22/YH/0001", PublicationCommitted: true,
		StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := env.App.Governance.ApproveProject(ctx, steward, pr.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := env.App.DB.ExecContext(ctx, `
		INSERT INTO observation_shape_counts (metric, partner_id, shape, period_start, period_end, rows)
		SELECT m, p, s, d::date, (d + interval '1 month' - interval '1 day')::date, 41
		FROM unnest($1::text[]) m, unnest($2::text[]) p, unnest(ARRAY[0, 1, 2, 4, 8, 16, 24, 32]::smallint[]) s,
			generate_series('2015-01-01'::date, '2021-12-01'::date, interval '1 month') d`,
		[]string{"PATIENTS_SCREENED", "PATIENTS_REFERRED", "CLIENTS_ADVISED", "REFERRALS_WITH_INTAKE", "FINANCIAL_GAIN", "WEMWBS_CHANGE"},
		partners); err != nil {
		b.Fatal(err)
	}
	if _, err := env.App.DB.ExecContext(ctx, `ANALYZE observation_shape_counts; ANALYZE observation_availability`); err != nil {
		b.Fatal(err)
	}
	var counters, rollup int
	_ = env.App.DB.GetContext(ctx, &counters, `SELECT count(*) FROM observation_shape_counts`)
	_ = env.App.DB.GetContext(ctx, &rollup, `SELECT count(*) FROM observation_availability`)
	b.Logf("%d shape counters, %d availability rows", counters, rollup)
	a, err := env.App.Outcomes.Availability(ctx, researcher, pr.ID)
	if err != nil || len(a.Metrics) != 6 || a.Metrics[0].Breakdowns[0].Partners != 60 {
		b.Fatalf("catalogue %+v, %v: want 6 metrics of 60 partners", a, err)
	}

	b.Run("Service", func(b *testing.B) {
		for b.Loop() {
			if _, err := env.App.Outcomes.Availability(ctx, researcher, pr.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GraphQL", func(b *testing.B) {
		for b.Loop() {
			if r := env.Do(token, availabilityQuery, map[string]any{"p": pr.ID}); len(r.Errors) > 0 {
				b.Fatal(r.Errors)
			}
		}
	})
}
