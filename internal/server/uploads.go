package server

import (
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// isMultipart reports whether r is a file upload, exactly as gqlgen's
// multipart transport decides it (media type parsed, so any letter case), so
// that no upload escapes the checks meant for uploads.
func isMultipart(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "multipart/form-data"
}

// uploadGate checks a multipart request's caller before a byte of its body is
// read: without it the GraphQL transport would spool the whole file (up to
// MaxUploadBytes) to disk, for anyone, before the field's role check refused
// it. A caller without a token, or whose role may not upload, is refused with
// the connection closed (the body is never read); a principal may have one
// upload in flight at a time, which bounds the bytes any one caller holds.
func uploadGate(roles []hjx.Role, slots *uploadSlots, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isMultipart(r) {
			next.ServeHTTP(w, r)
			return
		}
		p := hjx.PrincipalFrom(r.Context())
		if p == nil {
			refuseUpload(w, http.StatusUnauthorized, hjx.CodeUnauthenticated, "a file upload needs the bearer token of a "+roleList(roles))
			return
		}
		if !slices.Contains(roles, p.Role) {
			refuseUpload(w, http.StatusForbidden, hjx.CodeForbidden, "role "+string(p.Role)+" may not use file uploads; they are for a "+roleList(roles))
			return
		}
		if !slots.take(p.ID) {
			w.Header().Set("Retry-After", "10")
			refuseUpload(w, http.StatusTooManyRequests, hjx.CodeRateLimited, "another upload of this principal is in progress; one at a time (retry when it has finished)")
			return
		}
		defer slots.give(p.ID)
		next.ServeHTTP(w, r)
	})
}

func refuseUpload(w http.ResponseWriter, status int, code hjx.Code, msg string) {
	// The unread body is not drained: the connection closes after the answer.
	w.Header().Set("Connection", "close")
	writeError(w, status, code, msg)
}

func roleList(roles []hjx.Role) string {
	if len(roles) == 0 {
		return "role allowed to upload (none is)"
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}

// uploadSlots are the principals with an upload in flight.
type uploadSlots struct {
	mu   sync.Mutex
	busy map[string]bool
}

func newUploadSlots() *uploadSlots { return &uploadSlots{busy: map[string]bool{}} }

func (s *uploadSlots) take(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[id] {
		return false
	}
	s.busy[id] = true
	return true
}

func (s *uploadSlots) give(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, id)
}
