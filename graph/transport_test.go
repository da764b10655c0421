package graph_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/testkit"
)

// The GraphQL-over-HTTP rules the graphql-http audit does not check
// (TestGraphQLOverHTTPAudit checks the others): Accept negotiation with
// quality values and 406, GET limited to queries (405), and no data entry
// in any request error, whatever the media type.
func TestOverHTTP(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	post := func(body, accept string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		return r
	}
	get := func(query string) *http.Request {
		return httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(query), nil)
	}
	const ok = `{"query":"{ __typename }"}`
	tests := []struct {
		name        string
		req         *http.Request
		status      int
		contentType string
		code        string // extensions.code of the first error; "" for none
		data        bool   // the response has a data entry (executed, not a request error)
	}{
		{"OK", post(ok, ""), 200, "application/json", "", true},
		{"OKQualityPrefersGraphQLResponse", post(ok, "application/json;q=0.9, application/graphql-response+json"), 200, "application/graphql-response+json", "", true},
		{"OKQualityPrefersJSON", post(ok, "application/graphql-response+json;q=0.5, application/json"), 200, "application/json", "", true},
		{"ErrNotAcceptable", post(ok, "text/html"), 406, "application/json", "INVALID", false},
		{"ErrGETMutation", get("mutation { revokeToken(id: \"x\") }"), 405, "application/json", "INVALID", false},
		// A field refused at execution is a field error: data (null) and 200.
		{"ErrFieldIsNotARequestError", post(`{"query":"{ auditLog { totalCount } }"}`, "application/graphql-response+json"), 200, "application/graphql-response+json", "UNAUTHENTICATED", true},
		{"ErrValidationJSON", post(`{"query":"{ nope }"}`, "application/json"), 200, "application/json", "INVALID", false},
		{"ErrValidationGraphQLResponse", post(`{"query":"{ nope }"}`, "application/graphql-response+json"), 400, "application/graphql-response+json", "INVALID", false},
		{"ErrBadDocumentID", post(`{"documentId":"md5:abc"}`, ""), 400, "application/json", "INVALID", false},
		{"ErrTrailingJSON", post(ok+ok, ""), 400, "application/json", "INVALID", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			env.Handler.ServeHTTP(rec, tt.req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.contentType)
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("not JSON: %s", rec.Body)
			}
			var errs []struct{ Extensions map[string]any }
			_ = json.Unmarshal(body["errors"], &errs)
			code := ""
			if len(errs) > 0 {
				code, _ = errs[0].Extensions["code"].(string)
			}
			if code != tt.code {
				t.Fatalf("code %q, want %q: %s", code, tt.code, rec.Body)
			}
			if _, hasData := body["data"]; hasData != tt.data {
				t.Errorf("data entry present=%v with status %d: %s", hasData, rec.Code, rec.Body)
			}
		})
	}
}
