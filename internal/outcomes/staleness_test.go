package outcomes_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// TestOutcomesCacheStaleness: a decision that changes no cache key (a partner
// registered, a COL request refused) shows in the very next query's coverage and
// audit entry, although the table itself comes from the cache (issue 12, item 15).
func TestOutcomesCacheStaleness(t *testing.T) {
	t.Parallel()
	w := pendingCOLWorld(t)
	q := map[string]any{"metric": "PATIENTS_SCREENED"}
	ctx := context.Background()
	first := w.outcomes(q) // computed and cached
	published := cells(first)
	if len(first.Rows) != 1 || first.Rows[0].Suppressed {
		t.Fatalf("cells %v, want one published cell", published)
	}

	colMessage := func(tbl outcomeTable) string {
		for _, x := range tbl.Coverage.PartnersExcluded {
			if x.Partner.ID == "gb-c" && len(x.Reasons) == 1 {
				return x.Reasons[0].Message
			}
		}
		return ""
	}
	t.Run("OKCOLRefusal", func(t *testing.T) {
		before := colMessage(first)
		if _, err := w.env.App.Governance.DecideProjectAccess(ctx, w.admins["gb-c"], w.projectID, "gb-c", false); err != nil {
			t.Fatal(err)
		}
		got := w.outcomes(q)
		wantCells(t, got, published...)
		if after := colMessage(got); after == before || !strings.Contains(after, "refused") {
			t.Errorf("gb-c's COL reason after the refusal: %q (before %q), want the refusal", after, before)
		}
	})
	t.Run("OKNewPartner", func(t *testing.T) {
		if _, err := w.env.App.Directory.Register(ctx, w.steward, directory.Partner{ID: "us-new", Name: "Partner us-new",
			Country: "US", Region: "US-WA", Model: "MLP", HealthSettings: []hjx.HealthSetting{"HOSPITAL"},
			AdviceDomains: []hjx.WelfareDomain{"HOUSING"}}); err != nil {
			t.Fatal(err)
		}
		got := w.outcomes(q)
		wantCells(t, got, published...)
		if ex := excludedReasons(got); !slices.Equal(ex["us-new"], []string{"POLICY_MISSING"}) {
			t.Errorf("coverage excludes %v, want us-new with POLICY_MISSING", ex)
		}
		log, err := w.env.App.Governance.AuditLog(ctx, w.steward, hjx.Page{First: 1})
		if err != nil {
			t.Fatal(err)
		}
		e := log.Items[0]
		if e.Action != "outcomes.query" {
			t.Fatalf("newest entry %s, want outcomes.query", e.Action)
		}
		found := false
		for _, x := range e.PartnersExcluded {
			found = found || (x.PartnerID == "us-new" && slices.Equal(x.Reasons, []string{"POLICY_MISSING"}))
		}
		if !found {
			t.Errorf("audit entry excludes %+v, want us-new with POLICY_MISSING", e.PartnersExcluded)
		}
	})
}
