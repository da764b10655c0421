package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestFreeTextChecked: every free text hjx stores refuses control characters, line
// breaks, direction overrides, personal identifiers and overlong text with INVALID
// naming the field, and never repeats the text; plain text is accepted (issue 12,
// item 13).
func TestFreeTextChecked(t *testing.T) {
	env := testkit.New(t)
	ctx := context.Background()
	env.Partner("p-a", "GB", "GB-ENG")
	steward, _ := env.Token(hjx.RoleSteward, "", "")
	admin, _ := env.Token(hjx.RolePartnerAdmin, "p-a", "")
	_, uploaderP := env.Token(hjx.RolePartnerUploader, "p-a", "")
	researcher, researcherP := env.Token(hjx.RoleResearcher, "", "")
	env.Clock.Set(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))

	project := func(t *testing.T) string {
		t.Helper()
		pr, err := env.App.Governance.ProposeProject(ctx, researcherP, access.ProjectInput{Title: "A study",
			Institution: "University of Leeds", InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"),
			PublicationCommitted: true, StartsOn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			EndsOn: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return pr.ID
	}
	// Each submission is a figure of its own month: the revision limit allows only
	// three versions of one cell.
	submissions := 0
	submission := func(t *testing.T) string {
		t.Helper()
		submissions++
		start := time.Date(2023, time.Month(1+submissions%12), 1, 0, 0, 0, 0, time.UTC).AddDate(-submissions/12, 0, 0)
		res, err := env.App.Ingest.Submit(ctx, uploaderP, ingest.Request{Format: ingest.FormatJSON, ConsentBasis: "EXPLICIT_CONSENT",
			Rows: []ingest.Row{{Metric: "PATIENTS_SCREENED", PeriodStart: start,
				PeriodEnd: start.AddDate(0, 1, -1), Value: float64(time.Now().UnixNano() % 1000)}}})
		if err != nil || !res.Accepted {
			t.Fatalf("submit: %v %+v", err, res)
		}
		return res.Submission.ID
	}
	projectInput := func(field, v string) map[string]any {
		in := map[string]any{"title": "A study", "institution": "University of Leeds", "institutionCountry": "GB",
			"forProfit": false, "purpose": "GENERAL_RESEARCH", "commercialUse": false, "publicationCommitted": true,
			"startsOn": "2024-01-01", "endsOn": "2025-12-31"}
		in[field] = v
		return in
	}
	fields := []struct {
		name, field string
		send        func(t *testing.T, v string) *testkit.Response
	}{
		{"PartnerName", "name", func(t *testing.T, v string) *testkit.Response {
			return env.Do(steward, `mutation($in: PartnerInput!) { registerPartner(input: $in) { id } }`, map[string]any{"in": map[string]any{
				"id": fmt.Sprintf("p-%d", time.Now().UnixNano()), "name": v, "country": "GB", "region": "GB-ENG", "model": "HJP",
				"healthSettings": []string{"PRIMARY_CARE"}, "adviceDomains": []string{"DEBT"}}})
		}},
		{"TokenName", "name", func(t *testing.T, v string) *testkit.Response {
			return env.Do(steward, `mutation($in: TokenInput!) { issueToken(input: $in) { secret } }`,
				map[string]any{"in": map[string]any{"role": "RESEARCHER", "name": v}})
		}},
		{"ProjectTitle", "title", func(t *testing.T, v string) *testkit.Response {
			return env.Do(researcher, `mutation($in: ProjectInput!) { proposeProject(input: $in) { id } }`,
				map[string]any{"in": projectInput("title", v)})
		}},
		{"ProjectInstitution", "institution", func(t *testing.T, v string) *testkit.Response {
			return env.Do(researcher, `mutation($in: ProjectInput!) { proposeProject(input: $in) { id } }`,
				map[string]any{"in": projectInput("institution", v)})
		}},
		{"ProjectEthicsRef", "ethicsApprovalRef", func(t *testing.T, v string) *testkit.Response {
			return env.Do(researcher, `mutation($in: ProjectInput!) { proposeProject(input: $in) { id } }`,
				map[string]any{"in": projectInput("ethicsApprovalRef", v)})
		}},
		{"PolicyInstitution", "allowedInstitutions", func(t *testing.T, v string) *testkit.Response {
			return env.Do(admin, `mutation($in: SharingPolicyInput!) { setSharingPolicy(partnerId: "p-a", input: $in) { version } }`,
				map[string]any{"in": map[string]any{"permission": "GRU", "allowedInstitutions": []string{v}}})
		}},
		{"RevocationReason", "reason", func(t *testing.T, v string) *testkit.Response {
			return env.Do(steward, `mutation($id: ID!, $r: String!) { revokeProject(id: $id, reason: $r) { status } }`,
				map[string]any{"id": project(t), "r": v})
		}},
		{"RetractionReason", "reason", func(t *testing.T, v string) *testkit.Response {
			return env.Do(admin, `mutation($id: ID!, $r: String!) { retractSubmission(id: $id, reason: $r) { status } }`,
				map[string]any{"id": submission(t), "r": v})
		}},
		{"RatesSource", "source", func(t *testing.T, v string) *testkit.Response {
			return env.Do(steward, `mutation($csv: String!, $s: String!) { loadExchangeRates(csv: $csv, source: $s) { added } }`,
				map[string]any{"csv": "year,gbp_per_usd,ppp_gbp_per_intl_dollar,ppp_usd_per_intl_dollar\n2023,0.80,0.67,1.0\n", "s": v})
		}},
	}
	bad := []struct{ name, value, secret string }{
		{"ErrEscape", "Leeds \x1b[31mred", "\x1b"},
		{"ErrNewline", "Leeds\nFAKE LOG LINE", "FAKE LOG LINE"},
		{"ErrTab", "Leeds\tGP", "\t"},
		{"ErrNUL", "Leeds\x00GP", "\x00"},
		{"ErrBidiOverride", "Leeds \u202eevil", "\u202e"},
		{"ErrNHSNumber", "patient 943 476 5919", "5919"},
		{"ErrNINumber", "client AB 12 34 56 C", "34 56"},
		{"ErrEmail", "ask jo.bloggs@example.org", "bloggs"},
		{"ErrPhone", "call 07700 900123", "900123"},
		{"ErrPostcode", "lives at LS6 1AA", "1AA"},
		{"ErrTooLong", strings.Repeat("a", 1001), strings.Repeat("a", 100)},
	}
	for _, f := range fields {
		t.Run(f.name, func(t *testing.T) {
			for _, b := range bad {
				t.Run(b.name, func(t *testing.T) {
					resp := f.send(t, b.value)
					raw, _ := json.Marshal(resp)
					if resp.Code() != "INVALID" || len(resp.Errors) == 0 || resp.Errors[0].Extensions["field"] != f.field {
						t.Fatalf("want INVALID naming %s, got %s", f.field, raw)
					}
					if strings.Contains(resp.Errors[0].Message, b.secret) {
						t.Errorf("the message repeats the text: %q", resp.Errors[0].Message)
					}
				})
			}
			t.Run("OK", func(t *testing.T) {
				if resp := f.send(t, "Leeds GP: advice in primary care (2023 review, ref 21/YH/0042)"); len(resp.Errors) != 0 {
					t.Fatalf("plain text refused: %+v", resp.Errors)
				}
			})
		})
	}
}
