package outcomes_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/outcomes"
)

// usageEntry is an AuditEntry of dataUsage as the API returns it.
type usageEntry struct {
	Action           string
	PartnersIncluded []string
	PartnersExcluded []struct {
		PartnerID string
		Reasons   []string
	}
	RequestHash *string
}

func (w *world) dataUsage(token, partnerID string) (entries []usageEntry, raw string) {
	w.t.Helper()
	var out struct {
		DataUsage struct{ Edges []struct{ Node usageEntry } }
	}
	resp := w.env.Do(token, `query($p: ID!) { dataUsage(partnerId: $p, first: 100) { edges { node {
		action partnersIncluded partnersExcluded { partnerId reasons } requestHash } } } }`, map[string]any{"p": partnerID})
	resp.Decode(w.t, &out)
	for _, e := range out.DataUsage.Edges {
		if e.Node.Action == "outcomes.query" {
			entries = append(entries, e.Node)
		}
	}
	return entries, string(resp.Data)
}

// TestDataUsagePartnerView: a partner admin's dataUsage shows whether its own data
// was used and its own exclusion reasons, never another partner's id or policy
// reasons (issue 12, item 6), and no request hash at all (issue 11, item 5.5); the
// steward still sees everything. The stored request hash is keyed: not the
// unkeyed SHA-256 of the query a dictionary could find.
func TestDataUsagePartnerView(t *testing.T) {
	t.Parallel()
	w := coverageWorld(t)
	w.outcomes(map[string]any{"metric": "PATIENTS_SCREENED"})
	others := []string{"gb-a", "gb-b", "gb-c", "us-a", "us-b", "us-c", "gb-denied", "us-nopolicy"}

	tests := []struct {
		name, partner          string
		wantIncluded           []string
		wantExcluded           map[string][]string
		otherPartnersMentioned bool
	}{
		{"OKIncludedPartner", "gb-a", []string{"gb-a"}, map[string][]string{}, false},
		{"OKDeniedPartner", "gb-denied", []string{}, map[string][]string{"gb-denied": {"GS"}}, false},
		{"OKPendingPartner", "gb-c", []string{}, map[string][]string{"gb-c": {"COL"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, raw := w.dataUsage(w.adminTok[tt.partner], tt.partner)
			if len(entries) != 1 {
				t.Fatalf("%d outcome entries, want 1: %s", len(entries), raw)
			}
			e := entries[0]
			excluded := map[string][]string{}
			for _, x := range e.PartnersExcluded {
				excluded[x.PartnerID] = x.Reasons
			}
			if !slices.Equal(e.PartnersIncluded, tt.wantIncluded) || !mapsEqual(excluded, tt.wantExcluded) {
				t.Errorf("included %v excluded %v, want %v and %v", e.PartnersIncluded, excluded, tt.wantIncluded, tt.wantExcluded)
			}
			if e.RequestHash != nil {
				t.Errorf("a partner admin sees the request hash %s", *e.RequestHash)
			}
			for _, other := range others {
				if other != tt.partner && strings.Contains(raw, `"`+other+`"`) {
					t.Errorf("%s's data usage names %s: %s", tt.partner, other, raw)
				}
			}
			for _, reason := range []string{"GS", "COL", "POLICY_MISSING"} {
				if strings.Contains(raw, reason) && !slices.Contains(tt.wantExcluded[tt.partner], reason) {
					t.Errorf("%s's data usage shows another partner's reason %s: %s", tt.partner, reason, raw)
				}
			}
		})
	}
	t.Run("OKStewardSeesAll", func(t *testing.T) {
		entries, _ := w.dataUsage(w.stewardTok, "gb-a")
		if len(entries) != 1 || len(entries[0].PartnersIncluded) != 5 || len(entries[0].PartnersExcluded) != 3 ||
			entries[0].RequestHash == nil {
			t.Fatalf("steward's view %+v, want 5 included, 3 excluded and the request hash", entries)
		}
	})
	t.Run("OKStoredHashIsKeyed", func(t *testing.T) { storedHashIsKeyed(t, w) })
}

// storedHashIsKeyed: the request hash stored for a query is not the unkeyed
// SHA-256 of the service's canonical form of the query.
func storedHashIsKeyed(t *testing.T, w *world) {
	ctx := context.Background()
	q := outcomes.Query{Metric: "PATIENTS_SCREENED"}
	if _, err := w.env.App.Outcomes.Query(ctx, w.researcher, w.projectID, q); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := w.env.App.DB.GetContext(ctx, &stored, `SELECT request_hash FROM audit_entries
		WHERE action = 'outcomes.query' ORDER BY seq DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	canonical, _ := json.Marshal(struct { // the service's canonical form of the query
		Q        outcomes.Query
		Currency string
	}{q, ""})
	for _, guess := range []string{string(canonical), fmt.Sprintf("%d:%s;", len(canonical), canonical)} {
		sum := sha256.Sum256([]byte(guess))
		if stored == hex.EncodeToString(sum[:]) {
			t.Fatalf("the stored request hash is the unkeyed SHA-256 of %q", guess)
		}
	}
	if len(stored) != 64 {
		t.Fatalf("stored request hash %q, want 64 hex digits", stored)
	}
}
