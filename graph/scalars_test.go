package graph_test

import (
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestMalformedScalars: a value a custom scalar (Date, DateTime, Upload) cannot
// read is the caller's mistake: INVALID naming the argument, for every caller,
// and nothing logged as an ERROR (those page an operator).
func TestMalformedScalars(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	partner := env.Partner("p-a", "GB", "GB-ENG").ID
	steward, _ := env.Token(hjx.RoleSteward, "", "")
	researcher, _ := env.Token(hjx.RoleResearcher, "", "")
	uploader, _ := env.Token(hjx.RolePartnerUploader, partner, "")
	const outcomes = `query($q: OutcomeQuery!) { outcomes(projectId: "00000000-0000-0000-0000-000000000000", query: $q) { rows { value } } }`
	const issue = `mutation($in: TokenInput!) { issueToken(input: $in) { secret } }`
	const upload = `mutation($f: Upload!) { uploadSubmission(file: $f, consentBasis: EXPLICIT_CONSENT) { accepted } }`
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		field string // the argument the message must name
	}{
		{"DateNotACalendarDate", outcomes, map[string]any{"q": map[string]any{"metric": "PEOPLE_ADVISED", "from": "2022-13-45"}}, "from"},
		{"DateWithTime", outcomes, map[string]any{"q": map[string]any{"metric": "PEOPLE_ADVISED", "to": "2022-01-01T00:00:00Z"}}, "to"},
		{"DateNumber", outcomes, map[string]any{"q": map[string]any{"metric": "PEOPLE_ADVISED", "from": 20220101}}, "from"},
		{"DateLiteral", `{ outcomes(projectId: "x", query: {metric: "PEOPLE_ADVISED", from: "soon"}) { rows { value } } }`, nil, "from"},
		{"DateInListLiteral", `{ outcomes(projectId: "x", query: {metric: "PEOPLE_ADVISED", from: ["2022-01-01"]}) { rows { value } } }`, nil, "from"},
		{"DateTime", issue, map[string]any{"in": map[string]any{"role": "RESEARCHER", "name": "n", "expiresAt": "tomorrow"}}, "expiresAt"},
		{"DateTimeNumber", issue, map[string]any{"in": map[string]any{"role": "RESEARCHER", "name": "n", "expiresAt": 1700000000}}, "expiresAt"},
		{"UploadString", upload, map[string]any{"f": "not a file"}, "file"},
		{"UploadLiteral", `mutation { uploadSubmission(file: "x", consentBasis: EXPLICIT_CONSENT) { accepted } }`, nil, "file"},
		{"UploadObject", upload, map[string]any{"f": map[string]any{"filename": "a.csv"}}, "file"},
	}
	callers := map[string]string{"Anonymous": "", "Steward": steward, "Researcher": researcher, "Uploader": uploader}
	for _, tc := range tests {
		for who, token := range callers {
			t.Run("ErrInvalid/"+tc.name+"/"+who, func(t *testing.T) {
				before := env.Logs.Len()
				r := env.Do(token, tc.query, tc.vars)
				if r.Code() != "INVALID" {
					t.Fatalf("code %q, want INVALID: %+v", r.Code(), r.Errors)
				}
				if msg := r.Errors[0].Message; !strings.Contains(msg, tc.field) || strings.Contains(msg, "internal error") {
					t.Fatalf("message %q does not name the argument %q", msg, tc.field)
				}
				if logged := env.Logs.String()[before:]; strings.Contains(logged, `"level":"ERROR"`) {
					t.Fatalf("a client's malformed value was logged as an ERROR: %s", logged)
				}
			})
		}
	}
}
