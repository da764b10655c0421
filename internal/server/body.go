package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// bodyDeadline bounds how long a request body may take to arrive, so that a
// client trickling it (a byte every few seconds) cannot hold a connection and
// a handler for the whole ReadTimeout (10 minutes, sized for large uploads).
//
// A non-upload body (at most MaxBodyBytes) must arrive within BodyReadTimeout:
// it is read here under that deadline, so that a late one is answered 408
// with a message of its own, and handed on from memory. An upload's body is
// read by the transport as it arrives and must keep up an average of
// UploadMinRate bytes a second after a grace of BodyReadTimeout; ReadTimeout
// still bounds the whole. net/http clears the read deadline once a body has
// been read to its end, so the handler's work after it is not cut short; a
// body that failed keeps its expired deadline, so the server closes the
// connection after the answer instead of waiting to drain the rest.
func bodyDeadline(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.BodyReadTimeout <= 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		multipart := isMultipart(r)
		if multipart && cfg.UploadMinRate <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		start := time.Now()
		var overall time.Time // the server's own bound; zero is none
		if cfg.ReadTimeout > 0 {
			overall = start.Add(cfg.ReadTimeout)
		}
		if err := rc.SetReadDeadline(start.Add(cfg.BodyReadTimeout)); err != nil {
			next.ServeHTTP(w, r) // not a network connection (a test's recorder)
			return
		}
		if multipart {
			r.Body = &pacedBody{ReadCloser: r.Body, rc: rc, start: start, grace: cfg.BodyReadTimeout,
				minRate: cfg.UploadMinRate, overall: overall}
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.Header().Set("Connection", "close")
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				writeError(w, http.StatusRequestEntityTooLarge, hjx.CodeInvalid, "request body is larger than the limit of "+byteSize(tooLarge.Limit))
			case BodyTooSlow(err):
				writeError(w, http.StatusRequestTimeout, hjx.CodeInvalid, "the request body did not arrive within "+cfg.BodyReadTimeout.String())
			default:
				writeError(w, http.StatusBadRequest, hjx.CodeInvalid, "could not read the request body")
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// BodyTooSlow reports whether reading a request body failed because it did
// not arrive in time (BodyReadTimeout, or an upload below UploadMinRate):
// the client's connection, not the server, is at fault.
func BodyTooSlow(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// pacedBody moves the connection's read deadline as an upload arrives: to
// start + grace + received/minRate, never past the server's overall bound.
type pacedBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	start    time.Time
	grace    time.Duration
	minRate  int64 // bytes a second
	overall  time.Time
	received int64
	done     bool
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.done {
		return n, err
	}
	b.received += int64(n)
	if err != nil {
		b.done = true
		return n, err
	}
	d := b.start.Add(b.grace + time.Duration(float64(b.received)/float64(b.minRate)*float64(time.Second)))
	if !b.overall.IsZero() && d.After(b.overall) {
		d = b.overall
	}
	_ = b.rc.SetReadDeadline(d)
	return n, nil
}
