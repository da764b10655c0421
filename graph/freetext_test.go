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
	t.Parallel()
	w := newFreeTextWorld(t)
	for _, f := range w.fields() {
		t.Run(f.name, func(t *testing.T) {
			for _, b := range freeTextBad {
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

// freeTextBad are the texts every free-text field refuses, each with the part the
// error message must not repeat.
var freeTextBad = []struct{ name, value, secret string }{
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

// freeTextWorld is TestFreeTextChecked's hjx: one partner and a caller of each role.
type freeTextWorld struct {
	env                        *testkit.Env
	ctx                        context.Context
	steward, admin, researcher string
	uploaderP, researcherP     *hjx.Principal
	submissions                int
}

func newFreeTextWorld(t *testing.T) *freeTextWorld {
	env := testkit.New(t)
	w := &freeTextWorld{env: env, ctx: context.Background()}
	env.Partner("p-a", "GB", "GB-ENG")
	w.steward, _ = env.Token(hjx.RoleSteward, "", "")
	w.admin, _ = env.Token(hjx.RolePartnerAdmin, "p-a", "")
	_, w.uploaderP = env.Token(hjx.RolePartnerUploader, "p-a", "")
	w.researcher, w.researcherP = env.Token(hjx.RoleResearcher, "", "")
	env.Clock.Set(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	return w
}

func (w *freeTextWorld) project(t *testing.T) string {
	t.Helper()
	pr, err := w.env.App.Governance.ProposeProject(w.ctx, w.researcherP, access.ProjectInput{Title: "A study",
		Institution: "University of Leeds", InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"),
		PublicationCommitted: true, StartsOn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		EndsOn: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return pr.ID
}

// submission submits a figure of its own month: the revision limit allows only
// three versions of one cell.
func (w *freeTextWorld) submission(t *testing.T) string {
	t.Helper()
	w.submissions++
	start := time.Date(2023, time.Month(1+w.submissions%12), 1, 0, 0, 0, 0, time.UTC).AddDate(-w.submissions/12, 0, 0)
	res, err := w.env.App.Ingest.Submit(w.ctx, w.uploaderP, ingest.Request{Format: ingest.FormatJSON, ConsentBasis: "EXPLICIT_CONSENT",
		Rows: []ingest.Row{{Metric: "PATIENTS_SCREENED", PeriodStart: start,
			PeriodEnd: start.AddDate(0, 1, -1), Value: float64(time.Now().UnixNano() % 1000)}}})
	if err != nil || !res.Accepted {
		t.Fatalf("submit: %v %+v", err, res)
	}
	return res.Submission.ID
}

func freeTextProjectInput(field, v string) map[string]any {
	in := map[string]any{"title": "A study", "institution": "University of Leeds", "institutionCountry": "GB",
		"forProfit": false, "purpose": "GENERAL_RESEARCH", "commercialUse": false, "publicationCommitted": true,
		"startsOn": "2024-01-01", "endsOn": "2025-12-31"}
	in[field] = v
	return in
}

type freeTextField struct {
	name, field string
	send        func(t *testing.T, v string) *testkit.Response
}

// fields are the free texts hjx stores, each sent through its own mutation.
func (w *freeTextWorld) fields() []freeTextField {
	env, steward, admin, researcher := w.env, w.steward, w.admin, w.researcher
	project, submission, projectInput := w.project, w.submission, freeTextProjectInput
	return []freeTextField{
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
}
