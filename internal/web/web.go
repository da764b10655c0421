// Package web serves hjx's browser pages and their assets, all embedded in the
// binary: nothing a page loads comes from outside the server, because trusted
// research environments are often air-gapped.
//
// The pages' scripts and styles (GraphiQL for the playground, Chart.js for the
// dashboard) are bundled by `make web` from the pinned npm project in frontend/
// into static/dist/, which is not committed. A build without them still compiles
// (static/dist/README.txt keeps the folder; `go install` builds one) and answers
// the pages with 503 and NotBuilt; `hjx serve` logs the same at start-up.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
)

//go:embed static
var static embed.FS

// page is one HTML page and the bundle it cannot work without.
type page struct {
	file   string // under static/
	bundle string // under static/dist/
	csp    string
}

// Content-Security-Policy of the pages: only this server's own scripts, styles,
// fonts and API. data: fonts and images are GraphiQL's CSS-inlined fonts and icons.
// blob: in the dashboard is the CSV download the page builds itself.
const (
	cspBase = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	// The playground needs 'unsafe-inline' styles: GraphiQL's dialogs (Radix UI,
	// react-remove-scroll) insert <style> elements at run time. Scripts stay 'self'.
	cspPlayground = cspBase + "; style-src 'self' 'unsafe-inline'"
	// The dashboard needs no inline style or script: Chart.js only sets styles
	// through the CSSOM, which CSP allows.
	cspDashboard = cspBase + "; style-src 'self'"
)

// pages are the HTML pages by route.
func pages() map[string]page {
	return map[string]page{
		"/playground": {file: "playground/index.html", bundle: "playground.js", csp: cspPlayground},
		"/dashboard":  {file: "dashboard/index.html", bundle: "dashboard.js", csp: cspDashboard},
		// The partner and steward portal: no inline style or script either.
		"/portal": {file: "portal/index.html", bundle: "portal.js", csp: cspDashboard},
	}
}

// Handler serves the pages: / redirects to the playground, /playground is
// GraphiQL, /dashboard the international dashboard, /portal the partner and
// steward portal, /assets/ their bundles and
// /templates/ downloadable files such as the CSV template.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	return handler(sub)
}

// handler serves files (a tree shaped like static/); tests pass a tree without
// built bundles.
func handler(files fs.FS) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.RedirectHandler("/playground", http.StatusFound))
	for route, p := range pages() {
		mux.Handle("GET "+route, servePage(files, p))
		mux.Handle("GET "+route+"/", http.RedirectHandler(route, http.StatusMovedPermanently))
	}
	mux.Handle("GET /assets/", serveAssets(files))
	return securityHeaders(serveTemplates(files, mux))
}

// templateFiles are the downloads under /templates/, by name.
var templateFiles = []string{"observations.csv"}

// serveTemplates answers every path under /templates itself, before the mux
// (which would clean or redirect it): the named files, and 404 for anything
// else however it is spelled, so that no other part of the embedded tree is
// reachable from there (a file server listed it through /templates/%2e%2e/).
func serveTemplates(files fs.FS, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		escaped := r.URL.EscapedPath()
		if !strings.HasPrefix(escaped, "/templates") && !strings.HasPrefix(r.URL.Path, "/templates") {
			next.ServeHTTP(w, r)
			return
		}
		name, ok := strings.CutPrefix(escaped, "/templates/")
		if !ok || !slices.Contains(templateFiles, name) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		http.ServeFileFS(w, r, files, "templates/"+name)
	})
}

// NotBuilt says what a binary without the pages' bundles lacks and how to get
// them: `go install` and a plain `go build` compile without running npm.
const NotBuilt = "assets not built: this hjx binary was built without the /playground and /dashboard " +
	"scripts (go install and go build do not bundle them). Build it from a clone with `make build` " +
	"(runs make web: needs Node.js 18+ and npm), or run `make web` and then `go build ./cmd/hjx`"

// MissingBundles lists the pages' bundles this binary was built without, so that
// `hjx serve` can say so at start-up rather than only when a page is opened.
func MissingBundles() []string {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	return missingBundles(sub)
}

func missingBundles(files fs.FS) []string {
	var missing []string
	for _, route := range []string{"/playground", "/dashboard"} {
		if _, err := fs.Stat(files, "dist/"+pages()[route].bundle); err != nil {
			missing = append(missing, pages()[route].bundle)
		}
	}
	return missing
}

func servePage(files fs.FS, p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if _, err := fs.Stat(files, "dist/"+p.bundle); err != nil {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(NotBuilt + "\n"))
			return
		}
		body, err := fs.ReadFile(files, p.file)
		if err != nil {
			http.Error(w, "page missing from the build", http.StatusInternalServerError)
			return
		}
		h.Set("Content-Security-Policy", p.csp)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	})
}

// serveAssets serves the bundles under /assets/ with a content-hash ETag, so a
// browser revalidates cheaply and never keeps a bundle of an older release.
func serveAssets(files fs.FS) http.Handler {
	dist, err := fs.Sub(files, "dist")
	if err != nil {
		panic(err)
	}
	etags := map[string]string{}
	_ = fs.WalkDir(dist, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dist, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		etags[name] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	fileServer := http.StripPrefix("/assets/", http.FileServerFS(dist))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/assets/")
		etag, ok := etags[name]
		if !ok || name == "README.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		fileServer.ServeHTTP(w, r)
	})
}

// securityHeaders are set on every response: nothing is framed, sniffed or
// referred. Pages set their own Content-Security-Policy; everything else (assets,
// templates, errors) gets the strictest one.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", cspBase+"; style-src 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
