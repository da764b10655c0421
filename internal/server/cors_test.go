package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

const dashboardOrigin = "https://dashboard.example.org"

func withOrigins(origins ...string) func(*app.Config) {
	return func(c *app.Config) { c.Server.CORSOrigins = origins }
}

func preflight(t *testing.T, h http.Handler, origin, headers string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", headers)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestCORS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		origins []string
		origin  string
		allowed bool
	}{
		{"OK/ConfiguredOrigin", []string{dashboardOrigin}, dashboardOrigin, true},
		{"OK/WildcardSubdomain", []string{"https://*.example.org"}, dashboardOrigin, true},
		{"ErrOtherOrigin", []string{dashboardOrigin}, "https://evil.example.com", false},
		{"ErrNothingConfigured", nil, dashboardOrigin, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testkit.New(t, withOrigins(tc.origins...))
			rec := preflight(t, env.Handler, tc.origin, "authorization,content-type")
			got := rec.Header().Get("Access-Control-Allow-Origin")
			if !tc.allowed {
				if got != "" {
					t.Fatalf("preflight from %s got Access-Control-Allow-Origin %q, want none", tc.origin, got)
				}
				return
			}
			if rec.Code >= 300 || got != tc.origin {
				t.Fatalf("preflight: status %d, Access-Control-Allow-Origin %q, want 2xx and %q", rec.Code, got, tc.origin)
			}
			if h := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")); !strings.Contains(h, "authorization") {
				t.Fatalf("Access-Control-Allow-Headers %q lacks Authorization", h)
			}
			if rec.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Fatal("credentials allowed: hjx authenticates with bearer tokens only")
			}

			// The actual request with a DASHBOARD-style token header: the answer is readable cross-origin.
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ metrics { code } }"}`))
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Content-Type", "application/json")
			res := httptest.NewRecorder()
			env.Handler.ServeHTTP(res, req)
			if res.Code != http.StatusOK || res.Header().Get("Access-Control-Allow-Origin") != tc.origin {
				t.Fatalf("POST from %s: status %d, Access-Control-Allow-Origin %q", tc.origin, res.Code, res.Header().Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

// multipartUpload builds a GraphQL multipart request (the upload transport) as
// a cross-site HTML form could send it.
func multipartUpload(t *testing.T) *http.Request {
	t.Helper()
	body, contentType := testkit.MultipartUpload(`{"query":"mutation ($f: Upload!) { uploadSubmission(file: $f, consentBasis: EXPLICIT_CONSENT) { accepted } }","variables":{"f":null}}`,
		`{"0":["variables.f"]}`, "observations.csv", "metric,period_start,period_end,value,n\n")
	req := httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.Header.Set("Content-Type", contentType)
	return req
}

func TestRequirePreflightHeader(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, withOrigins(dashboardOrigin))
	uploader, _ := env.Token("PARTNER_UPLOADER", env.Partner("gb-a", "GB", "GB-ENG").ID, "")
	tests := []struct {
		name        string
		request     func() *http.Request
		header      bool
		wantRefused bool
	}{
		{"ErrInvalid/MultipartWithoutHeader", func() *http.Request { return multipartUpload(t) }, false, true},
		{"ErrInvalid/FormWithoutHeader", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader("query=%7Bme%7Bid%7D%7D"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, false, true},
		{"ErrInvalid/TextPlainWithoutHeader", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
			r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
			return r
		}, false, true},
		{"OK/MultipartWithHeader", func() *http.Request { return multipartUpload(t) }, true, false},
		{"OK/JSONNeedsNoHeader", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.request()
			req.Header.Set("Authorization", "Bearer "+uploader)
			req.Header.Set("Origin", "https://evil.example.com")
			if tc.header {
				req.Header.Set(server.PreflightHeader, "true")
			}
			res := env.Send(req)
			refused := res.Status == http.StatusBadRequest && res.Code() == "INVALID" &&
				strings.Contains(res.Errors[0].Message, server.PreflightHeader)
			if refused != tc.wantRefused {
				t.Fatalf("status %d, errors %+v: refused for the missing %s = %v, want %v",
					res.Status, res.Errors, server.PreflightHeader, refused, tc.wantRefused)
			}
			// The refusal says how to fix it: the header's value, the one-line
			// option of the upload clients that do not send it, and where to read more.
			for _, fix := range []string{server.PreflightHeader + ": true", "-H '" + server.PreflightHeader + ": true'",
				"createUploadLink({ headers: {", "urql: fetchOptions", "docs/CLIENTS.md#uploads-and-the-csrf-header"} {
				if refused && !strings.Contains(res.Errors[0].Message, fix) {
					t.Errorf("the refusal %q does not say %q", res.Errors[0].Message, fix)
				}
			}
		})
	}
}

func TestPreflightHeaderIsAllowedCrossOrigin(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, withOrigins(dashboardOrigin))
	// Browsers list the headers lowercase and sorted, as rs/cors expects.
	rec := preflight(t, env.Handler, dashboardOrigin, strings.ToLower(server.PreflightHeader)+",authorization,content-type")
	if rec.Header().Get("Access-Control-Allow-Origin") != dashboardOrigin {
		t.Fatalf("an allowed origin cannot send %s: headers %v", server.PreflightHeader, rec.Header())
	}
}
