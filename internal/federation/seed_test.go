package federation_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestSeedNationalNode: the demo seed (hjx seed --demo) on a national node loads
// its own country's demo partners, with their figures, and none of the others'
// (which the node would refuse).
func TestSeedNationalNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabaseURL(t), postgres.PoolConfig{MaxOpen: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	secret, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(testkit.Start)
	node := app.New(db, slog.New(slog.DiscardHandler), app.Config{Now: clock.Now, Secret: secret,
		Federation: app.Federation{NodeID: "us", NodeCountry: "US", Key: newKey(t)}})
	res, err := demo.Seed(ctx, node, "fed-test", nil)
	if err != nil {
		t.Fatalf("seed on the US node: %v", err)
	}
	var want []string
	for _, p := range demo.Partners() {
		if p.Country == "US" {
			want = append(want, p.ID)
		}
	}
	slices.Sort(want)
	var got []string
	if err := db.SelectContext(ctx, &got, `SELECT id FROM partners ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("partners on the US node %v, want the US demo partners %v", got, want)
	}
	if stored := res.SubmissionsStored; stored != len(want)*len(demo.Years) {
		t.Errorf("%d submissions stored, want %d (every US partner's years)", stored, len(want)*len(demo.Years))
	}
}
