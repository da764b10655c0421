package federation_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestSeedNationalNode: the demo seed (hjx seed --demo) on a national node loads
// its own country's demo partners, with their figures, and none of the others'
// (which the node would refuse).
func TestSeedNationalNode(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, func(c *app.Config) {
		c.Federation = app.Federation{NodeID: "us", NodeCountry: "US", Key: newKey(t)}
	})
	res := env.Demo("fed-test")
	var want []string
	for _, p := range demo.Partners() {
		if p.Country == "US" {
			want = append(want, p.ID)
		}
	}
	slices.Sort(want)
	var got []string
	if err := env.App.DB.SelectContext(context.Background(), &got, `SELECT id FROM partners ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("partners on the US node %v, want the US demo partners %v", got, want)
	}
	if stored := res.SubmissionsStored; stored != len(want)*len(demo.Years) {
		t.Errorf("%d submissions stored, want %d (every US partner's years)", stored, len(want)*len(demo.Years))
	}
}
