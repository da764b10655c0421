// Package web serves hjx's browser pages and static files, all embedded: nothing a
// page loads comes from outside the server, because trusted research environments
// are often air-gapped.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the pages: / redirects to the playground, /playground/ is the
// GraphQL playground, /templates/ holds downloadable files such as the CSV template.
func Handler() http.Handler {
	sub, _ := fs.Sub(static, "static") // the embedded folder always exists
	files := http.FileServerFS(sub)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.RedirectHandler("/playground/", http.StatusFound))
	mux.Handle("GET /playground", http.RedirectHandler("/playground/", http.StatusMovedPermanently))
	mux.Handle("GET /playground/", files)
	mux.Handle("GET /templates/", files)
	return securityHeaders(mux)
}

// securityHeaders are set on every page: only this server's own scripts, styles and
// API may be used, the page may not be framed, and types are not sniffed.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
