package server_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// uploadBody is a GraphQL multipart upload of a CSV file of n bytes (larger
// than the app's UploadMemory below, so it is spooled to disk).
func uploadBody(n int) ([]byte, string) {
	row := "PEOPLE_ADVISED,2022-01-01,2022-03-31,40,\n"
	body, contentType := testkit.MultipartUpload(`{"query":"mutation ($f: Upload!) { uploadSubmission(file: $f, consentBasis: EXPLICIT_CONSENT, dryRun: true) { accepted } }","variables":{"f":null}}`,
		`{"0":["variables.f"]}`, "observations.csv", "metric,period_start,period_end,value,n\n"+strings.Repeat(row, n/len(row)+1))
	return body.Bytes(), contentType
}

// watchedBody serves a request body and records how much of it the server
// read and the most files it saw in the spool directory while reading. When
// hold is set, it stops halfway until hold is closed; when fail is set, it
// breaks halfway with an error.
type watchedBody struct {
	r        *bytes.Reader
	dir      string
	hold     chan struct{}
	halfway  chan struct{}
	fail     bool
	mu       sync.Mutex
	read     int
	maxFiles int
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if entries, _ := os.ReadDir(b.dir); len(entries) > b.maxFiles {
		b.maxFiles = len(entries)
	}
	half := b.read >= int(b.r.Size())/2
	b.mu.Unlock()
	if half && b.hold != nil {
		close(b.halfway)
		<-b.hold
		b.hold = nil
	}
	if half && b.fail {
		return 0, errors.New("connection reset by the test")
	}
	n, err := b.r.Read(p[:min(len(p), 4096)])
	b.mu.Lock()
	b.read += n
	b.mu.Unlock()
	return n, err
}

func (b *watchedBody) stats() (int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.read, b.maxFiles
}

func uploadRequest(token string, body *watchedBody, contentType string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.ContentLength = body.r.Size()
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(server.PreflightHeader, "true")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func send(env *testkit.Env, req *http.Request) (*testkit.Response, http.Header) {
	r, rec := env.SendRecorded(req)
	return r, rec.Header()
}

// TestUploadsAuthenticatedBeforeRead: a multipart upload from a caller who may
// not upload is refused before a byte of its body is read, so nothing reaches
// the disk; an allowed upload is spooled into the upload directory and removed
// on every path; a principal has one upload in flight at a time.
func TestUploadsAuthenticatedBeforeRead(t *testing.T) {
	w := newUploadsWorld(t)
	w.refusedUnread(t)
	w.spooledAndRemoved(t)
	w.oneUploadInFlight(t)
}

// uploadsWorld is an app spooling uploads over 1 KiB into dir, a partner's two
// uploaders, a researcher and a 64 KiB upload.
type uploadsWorld struct {
	env                                 *testkit.Env
	dir                                 string
	uploader, otherUploader, researcher string
	payload                             []byte
	contentType                         string
}

func newUploadsWorld(t *testing.T) *uploadsWorld {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir) // where a transport without a directory of its own would spool
	env := testkit.New(t, func(c *app.Config) { c.GraphQL.UploadMemory = 1024; c.GraphQL.UploadDir = dir })
	partner := env.Partner("gb-a", "GB", "GB-ENG").ID
	uploader, _ := env.Token(hjx.RolePartnerUploader, partner, "")
	otherUploader, _ := env.Token(hjx.RolePartnerUploader, partner, "")
	researcher, _ := env.Token(hjx.RoleResearcher, "", "")
	payload, contentType := uploadBody(64 << 10)
	return &uploadsWorld{env: env, dir: dir, uploader: uploader, otherUploader: otherUploader, researcher: researcher,
		payload: payload, contentType: contentType}
}

// empty fails the test if a file is left in the spool.
func (w *uploadsWorld) empty(t *testing.T) {
	t.Helper()
	if entries, _ := os.ReadDir(w.dir); len(entries) > 0 {
		t.Fatalf("files left in the spool: %v", entries)
	}
}

// refusedUnread: uploads from callers who may not upload are refused unread.
func (w *uploadsWorld) refusedUnread(t *testing.T) {
	env, dir, researcher, payload, contentType, empty := w.env, w.dir, w.researcher, w.payload, w.contentType, w.empty
	for _, tc := range []struct {
		name, token, code string
		status            int
	}{
		{"ErrUnauthenticated/Anonymous", "", "UNAUTHENTICATED", http.StatusUnauthorized},
		{"ErrForbidden/Researcher", researcher, "FORBIDDEN", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &watchedBody{r: bytes.NewReader(payload), dir: dir}
			r, header := send(env, uploadRequest(tc.token, body, contentType))
			if r.Status != tc.status || r.Code() != tc.code {
				t.Fatalf("status %d code %q %+v, want %d %s", r.Status, r.Code(), r.Errors, tc.status, tc.code)
			}
			if read, files := body.stats(); read != 0 || files != 0 {
				t.Fatalf("the refused upload's body was read (%d bytes; %d files spooled)", read, files)
			}
			if header.Get("Connection") != "close" {
				t.Fatalf("Connection %q, want close (the unread body is not drained)", header.Get("Connection"))
			}
			empty(t)
		})
	}
	t.Run("ErrUnauthenticated/AnyLetterCase", func(t *testing.T) {
		body := &watchedBody{r: bytes.NewReader(payload), dir: dir}
		r, _ := send(env, uploadRequest("", body, strings.Replace(contentType, "multipart/form-data", "Multipart/Form-Data", 1)))
		if read, _ := body.stats(); r.Code() != "UNAUTHENTICATED" || read != 0 {
			t.Fatalf("code %q, %d bytes read: a differently spelt content type escaped the check", r.Code(), read)
		}
	})
}

func (w *uploadsWorld) spooledAndRemoved(t *testing.T) {
	env, dir, uploader, payload, contentType, empty := w.env, w.dir, w.uploader, w.payload, w.contentType, w.empty
	t.Run("OKSpooledIntoUploadDirThenRemoved", func(t *testing.T) {
		body := &watchedBody{r: bytes.NewReader(payload), dir: dir}
		r, _ := send(env, uploadRequest(uploader, body, contentType))
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("status %d %+v", r.Status, r.Errors)
		}
		if _, files := body.stats(); files == 0 {
			t.Fatal("the upload was never seen in the upload directory (spooled elsewhere?)")
		}
		empty(t)
	})
	t.Run("OKSpoolRemovedWhenTheBodyBreaks", func(t *testing.T) {
		body := &watchedBody{r: bytes.NewReader(payload), dir: dir, fail: true}
		r, _ := send(env, uploadRequest(uploader, body, contentType))
		if r.Code() != "INVALID" {
			t.Fatalf("code %q %+v, want INVALID", r.Code(), r.Errors)
		}
		empty(t)
	})
}

// oneUploadInFlight: a principal has one upload in flight at a time.
func (w *uploadsWorld) oneUploadInFlight(t *testing.T) {
	env, dir, uploader, otherUploader, payload, contentType, empty := w.env, w.dir, w.uploader, w.otherUploader, w.payload, w.contentType, w.empty
	t.Run("ErrRateLimited/SecondUploadOfAPrincipal", func(t *testing.T) {
		first := &watchedBody{r: bytes.NewReader(payload), dir: dir, hold: make(chan struct{}), halfway: make(chan struct{})}
		done := make(chan *testkit.Response)
		go func() { r, _ := send(env, uploadRequest(uploader, first, contentType)); done <- r }()
		<-first.halfway
		second := &watchedBody{r: bytes.NewReader(payload), dir: dir}
		r, header := send(env, uploadRequest(uploader, second, contentType))
		if r.Status != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" || header.Get("Retry-After") == "" {
			t.Fatalf("second upload: status %d code %q, want 429 RATE_LIMITED with Retry-After", r.Status, r.Code())
		}
		if read, _ := second.stats(); read != 0 {
			t.Fatalf("the refused second upload was read (%d bytes)", read)
		}
		// Another principal is not held up.
		if r, _ := send(env, uploadRequest(otherUploader, &watchedBody{r: bytes.NewReader(payload), dir: dir}, contentType)); len(r.Errors) > 0 {
			t.Fatalf("another principal's upload: %+v", r.Errors)
		}
		close(first.hold)
		if r := <-done; len(r.Errors) > 0 {
			t.Fatalf("first upload: %+v", r.Errors)
		}
		// Once the first has finished, the principal may upload again.
		if r, _ := send(env, uploadRequest(uploader, &watchedBody{r: bytes.NewReader(payload), dir: dir}, contentType)); len(r.Errors) > 0 {
			t.Fatalf("upload after the first finished: %+v", r.Errors)
		}
		empty(t)
	})
}
