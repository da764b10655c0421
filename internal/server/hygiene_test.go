package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/testkit"
)

// Every response says nosniff and names no server software; the HTML pages carry
// a Content-Security-Policy that allows only this origin; /metrics is not served
// on the public address.
func TestHTTPHygiene(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	srv := httptest.NewServer(env.Handler)
	t.Cleanup(srv.Close)
	get := func(t *testing.T, method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct{ name, method, path, body string }{
		{"OKGraphQL", http.MethodPost, "/graphql", `{"query":"{ metrics { code } }"}`},
		{"OKGraphQLError", http.MethodPost, "/graphql", `{"query":"{ nope }"}`},
		{"OKHealth", http.MethodGet, "/healthz", ""},
		{"OKPlayground", http.MethodGet, "/playground", ""},
		{"OKDashboard", http.MethodGet, "/dashboard", ""},
		{"OKNotFound", http.MethodGet, "/no-such-page", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, tc.method, tc.path, tc.body)
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			for _, h := range []string{"Server", "X-Powered-By"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("%s header %q names the software", h, v)
				}
			}
			if tc.method == http.MethodGet && tc.path != "/healthz" {
				csp := resp.Header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
					strings.Contains(csp, "http:") || strings.Contains(csp, "https:") || strings.Contains(csp, "*") {
					t.Errorf("Content-Security-Policy %q must allow only 'self'", csp)
				}
			}
		})
	}
	t.Run("ErrNoMetricsOnPublicAddress", func(t *testing.T) {
		resp := get(t, http.MethodGet, "/metrics", "")
		if resp.StatusCode == http.StatusOK {
			t.Fatal("/metrics is served on the public handler")
		}
	})
}
