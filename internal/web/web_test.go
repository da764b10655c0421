package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// requireBuilt fails a test that needs the bundles when they were not built: the
// test would otherwise pass vacuously over an empty dist/.
func requireBuilt(t *testing.T) {
	t.Helper()
	for _, p := range pages() {
		if _, err := fs.Stat(static, "static/dist/"+p.bundle); err != nil {
			t.Fatalf("assets not built: run make web (missing static/dist/%s)", p.bundle)
		}
	}
}

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPages(t *testing.T) {
	t.Parallel()
	requireBuilt(t)
	h := Handler()
	tests := []struct {
		name, path  string
		status      int
		contentType string // prefix
		location    string
		body        string // a substring
	}{
		{"OK/Playground", "/playground", 200, "text/html", "", `src="/assets/playground.js"`},
		{"OK/Dashboard", "/dashboard", 200, "text/html", "", `src="/assets/dashboard.js"`},
		{"OK/PlaygroundBundle", "/assets/playground.js", 200, "text/javascript", "", "graphiql"},
		{"OK/PlaygroundStyles", "/assets/playground.css", 200, "text/css", "", ".graphiql-container"},
		{"OK/DashboardBundle", "/assets/dashboard.js", 200, "text/javascript", "", "hjxDashboard"},
		{"OK/Licences", "/assets/playground.js.LEGAL.txt", 200, "text/plain", "", "MIT"},
		{"OK/Template", "/templates/observations.csv", 200, "text/csv", "", "metric,period_start"},
		{"OK/RootRedirects", "/", http.StatusFound, "", "/playground", ""},
		{"OK/TrailingSlashRedirects", "/dashboard/", http.StatusMovedPermanently, "", "/dashboard", ""},
		{"ErrNotFound/Placeholder", "/assets/README.txt", 404, "", "", ""},
		{"ErrNotFound/Asset", "/assets/nothing.js", 404, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.path)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type %q, want %s...", ct, tc.contentType)
			}
			if loc := rec.Header().Get("Location"); loc != tc.location {
				t.Errorf("Location %q, want %q", loc, tc.location)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body lacks %q", tc.body)
			}
			for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
				if rec.Header().Get(name) == "" {
					t.Errorf("header %s missing", name)
				}
			}
		})
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	requireBuilt(t)
	h := Handler()
	tests := []struct {
		name, path string
		style      string
	}{
		// GraphiQL's dialogs insert <style> elements; nothing else may be inline.
		{"OK/Playground", "/playground", "style-src 'self' 'unsafe-inline'"},
		{"OK/Dashboard", "/dashboard", "style-src 'self'"},
		{"OK/Assets", "/assets/dashboard.js", "style-src 'self'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			csp := get(t, h, tc.path).Header().Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", tc.style} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP %q loosens scripts beyond default-src 'self'", csp)
			}
			if tc.style == "style-src 'self'" && strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q allows inline styles", csp)
			}
		})
	}
}

func TestAssetsRevalidate(t *testing.T) {
	t.Parallel()
	requireBuilt(t)
	h := Handler()
	first := get(t, h, "/assets/dashboard.js")
	etag := first.Header().Get("ETag")
	if etag == "" || first.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q: want a content hash and no-cache", etag, first.Header().Get("Cache-Control"))
	}
	if rec := get(t, h, "/assets/dashboard.js", "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Fatalf("revalidation with the ETag: status %d, want 304", rec.Code)
	}
	if other := get(t, h, "/assets/playground.js").Header().Get("ETag"); other == etag {
		t.Fatalf("two different bundles share the ETag %s", etag)
	}
}

func TestPagesWithoutBuiltAssets(t *testing.T) {
	t.Parallel()
	// A clean clone: the pages exist, dist/ holds only its README.
	files := fstest.MapFS{
		"playground/index.html": {Data: []byte("<!doctype html>")},
		"dashboard/index.html":  {Data: []byte("<!doctype html>")},
		"dist/README.txt":       {Data: []byte("built by make web")},
	}
	h := handler(files)
	for _, path := range []string{"/playground", "/dashboard"} {
		t.Run("ErrUnavailable"+path, func(t *testing.T) {
			rec := get(t, h, path)
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "assets not built") ||
				!strings.Contains(rec.Body.String(), "make build") || !strings.Contains(rec.Body.String(), "go install") {
				t.Fatalf("status %d body %q, want 503 saying how to build the assets (make build, not go install)", rec.Code, rec.Body.String())
			}
		})
	}
	t.Run("MissingBundles", func(t *testing.T) {
		if got := missingBundles(files); !slices.Equal(got, []string{"playground.js", "dashboard.js"}) {
			t.Errorf("missingBundles = %v, want both bundles", got)
		}
		files["dist/playground.js"] = &fstest.MapFile{Data: []byte("//")}
		files["dist/dashboard.js"] = &fstest.MapFile{Data: []byte("//")}
		if got := missingBundles(files); len(got) != 0 {
			t.Errorf("missingBundles with both built = %v, want none", got)
		}
	})
}

// TestTemplatesServeNamedFilesOnly: /templates/ serves the named downloads and
// nothing else of the embedded tree, however the path is spelled (the outside
// review listed the whole tree through /templates/%2e%2e/).
func TestTemplatesServeNamedFilesOnly(t *testing.T) {
	t.Parallel()
	h := Handler()
	t.Run("OK", func(t *testing.T) {
		rec := get(t, h, "/templates/observations.csv")
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "metric,period_start") {
			t.Fatalf("status %d body %.80q, want 200 and the CSV template", rec.Code, rec.Body.String())
		}
	})
	for _, p := range []string{"/templates/", "/templates", "/templates/%2e%2e/", "/templates/%2e%2e/playground/index.html",
		"/templates/%2E%2E/dist/README.txt", "/templates/./", "/templates/observations.csv/", "/templates/Observations.csv",
		"/templates/nothing.csv", "/templates/%2fplayground/index.html", "/templates//"} {
		t.Run("ErrNotFound"+p, func(t *testing.T) {
			rec := get(t, h, p)
			if rec.Code != http.StatusNotFound {
				t.Fatalf("status %d, want 404: %.200s", rec.Code, rec.Body.String())
			}
			if strings.Contains(rec.Body.String(), "<a href") || strings.Contains(rec.Body.String(), "<html") {
				t.Fatalf("body looks like a listing or a page: %.200s", rec.Body.String())
			}
		})
	}
}
