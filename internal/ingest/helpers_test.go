package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// header is the template's header row.
const header = "metric,period_start,period_end,value,n,welfare_domain,ihelp_category,health_setting,age_band,sex,deprivation_scheme,deprivation_value,sd,currency\n"

// world is one test's hjx with two partners and their tokens.
type world struct {
	env                 *testkit.Env
	uploaderA, adminA   string
	uploaderB, adminB   string
	steward, researcher string
	principalA          *hjx.Principal
}

func newWorld(t *testing.T) *world {
	t.Helper()
	env := testkit.New(t)
	// leeds-gp works in primary care on three advice domains (those of the
	// published example); boston-mlp as testkit registers partners.
	env.RegisterPartner(directory.Partner{ID: "leeds-gp", Name: "Leeds GP", Country: "GB", Region: "GB-ENG", Model: "HJP",
		HealthSettings: []hjx.HealthSetting{"PRIMARY_CARE"}, AdviceDomains: []hjx.WelfareDomain{"WELFARE_BENEFITS", "DEBT", "HOUSING"}})
	env.Partner("boston-mlp", "US", "US-MA")
	w := &world{env: env}
	w.uploaderA, w.principalA = env.Token(hjx.RolePartnerUploader, "leeds-gp", "")
	w.adminA, _ = env.Token(hjx.RolePartnerAdmin, "leeds-gp", "")
	w.uploaderB, _ = env.Token(hjx.RolePartnerUploader, "boston-mlp", "")
	w.adminB, _ = env.Token(hjx.RolePartnerAdmin, "boston-mlp", "")
	w.steward, _ = env.Token(hjx.RoleSteward, "", "")
	w.researcher, _ = env.Token(hjx.RoleResearcher, "", "")
	return w
}

const uploadMutation = `mutation($file: Upload!, $basis: ConsentBasis!, $dry: Boolean) {
  uploadSubmission(file: $file, consentBasis: $basis, dryRun: $dry) {
    accepted issueCount
    issues { row column code message }
    submission { id status rowCount sha256 consentBasis partner { id } supersedes { id status } }
  }
}`

// uploadResult is the decoded uploadSubmission or submitObservations payload.
type uploadResult struct {
	Accepted   bool `json:"accepted"`
	IssueCount int  `json:"issueCount"`
	Issues     []struct {
		Row     *int    `json:"row"`
		Column  *string `json:"column"`
		Code    string  `json:"code"`
		Message string  `json:"message"`
	} `json:"issues"`
	Submission *submissionResult `json:"submission"`
}

// submissionResult is the submission an upload stored.
type submissionResult struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	RowCount     int    `json:"rowCount"`
	Sha256       string `json:"sha256"`
	ConsentBasis string `json:"consentBasis"`
	Partner      struct {
		ID string `json:"id"`
	} `json:"partner"`
	Supersedes []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"supersedes"`
}

func (r uploadResult) has(code string) bool {
	for _, i := range r.Issues {
		if i.Code == code {
			return true
		}
	}
	return false
}

// uploadRequest builds a GraphQL multipart request (the spec's operations, map and
// file parts) by hand, as a browser or curl would send it.
func uploadRequest(t testing.TB, token, csv, basis string, dryRun bool) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": uploadMutation,
		"variables": map[string]any{"file": nil, "basis": basis, "dry": dryRun}})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	fw, err := mw.CreateFormFile("0", "observations.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(csv))
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(server.PreflightHeader, "true")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// upload sends csv through the real handler and decodes the result.
func (w *world) upload(t testing.TB, token, csv string, dryRun bool) uploadResult {
	t.Helper()
	resp := w.env.Send(uploadRequest(t, token, csv, "UK_GDPR_PUBLIC_TASK_RESEARCH", dryRun))
	var data struct {
		UploadSubmission uploadResult `json:"uploadSubmission"`
	}
	resp.Decode(t, &data)
	return data.UploadSubmission
}

func (w *world) mustAccept(t testing.TB, token, csv string) uploadResult {
	t.Helper()
	r := w.upload(t, token, csv, false)
	if !r.Accepted || r.Submission == nil {
		t.Fatalf("upload rejected: %+v", r.Issues)
	}
	return r
}

// januaryRevised stores January and February (a), then January again (b): b
// supersedes a's January, a's February stays current.
func (w *world) januaryRevised(t testing.TB) (a, b *submissionResult) {
	t.Helper()
	jan, feb := row("value", "10"), row("value", "20", "period_start", "2022-02-01", "period_end", "2022-02-28")
	a = w.mustAccept(t, w.uploaderA, csvOf(jan, feb)).Submission
	b = w.mustAccept(t, w.uploaderA, csvOf(row("value", "11"))).Submission
	return a, b
}

// count returns one number from SQL.
func (w *world) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := w.env.App.DB.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// csvOf joins rows under the header.
func csvOf(rows ...string) string {
	return header + strings.Join(rows, "\n") + "\n"
}

func describe(r uploadResult) string {
	var b strings.Builder
	for _, i := range r.Issues {
		row, col := 0, ""
		if i.Row != nil {
			row = *i.Row
		}
		if i.Column != nil {
			col = *i.Column
		}
		fmt.Fprintf(&b, "\n  row %d %s %s: %s", row, col, i.Code, i.Message)
	}
	return b.String()
}
