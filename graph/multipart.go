package graph

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// UploadRoles are the roles that may send a file upload: those of the upload
// field's rule. The HTTP layer refuses anyone else before reading the body.
func UploadRoles() []hjx.Role { return fieldRules()["Mutation.uploadSubmission"].roles }

// multipartForm is the transport of the GraphQL multipart request spec (file
// uploads). It is gqlgen's MultipartForm but for two things: a file too large
// to keep in memory is spooled into hjx's own directory (UploadDir, which the
// binary empties at start-up, so a killed server leaves nothing behind for
// long), never into the shared temporary directory; and its errors go through
// the error presenter (INVALID) like every other error.
type multipartForm struct {
	maxUploadSize int64
	maxMemory     int64
	dir           string // "" is os.TempDir()
}

var _ graphql.Transport = multipartForm{}

func (f multipartForm) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mediaType == "multipart/form-data"
}

func (f multipartForm) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	if r.ContentLength > f.maxUploadSize {
		f.fail(w, r, exec, http.StatusRequestEntityTooLarge, "request body is larger than the limit")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, f.maxUploadSize)
	defer r.Body.Close()
	mr, err := r.MultipartReader()
	if err != nil {
		f.fail(w, r, exec, http.StatusUnprocessableEntity, "the request is not a multipart form")
		return
	}
	var params graphql.RawParams
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "operations" {
		f.failRead(w, r, exec, err, "the first part of a multipart request must be operations")
		return
	}
	if err := decodeJSON(part, &params); err != nil {
		f.failRead(w, r, exec, err, "the operations part is not one JSON object {query, variables, operationName}")
		return
	}
	part, err = mr.NextPart()
	if err != nil || part.FormName() != "map" {
		f.failRead(w, r, exec, err, "the second part of a multipart request must be map")
		return
	}
	uploads := map[string][]string{}
	if err := decodeJSON(part, &uploads); err != nil {
		f.failRead(w, r, exec, err, "the map part is not a JSON object of file keys to variable paths")
		return
	}
	for {
		part, err = mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.failRead(w, r, exec, err, "a part of the multipart request could not be read")
			return
		}
		paths := uploads[part.FormName()]
		if len(paths) == 0 {
			f.fail(w, r, exec, http.StatusUnprocessableEntity, "a file part is not named in the map part")
			return
		}
		delete(uploads, part.FormName())
		open, size, cleanup, err := f.keep(part, r.ContentLength >= 0 && r.ContentLength < f.maxMemory)
		defer cleanup()
		if err != nil {
			f.failRead(w, r, exec, err, "the file could not be received")
			return
		}
		for _, path := range paths {
			file, err := open()
			if err != nil {
				f.failRead(w, r, exec, err, "the file could not be received")
				return
			}
			if c, ok := file.(io.Closer); ok {
				defer c.Close()
			}
			upload := graphql.Upload{File: file, Size: size, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
			if err := params.AddUpload(upload, part.FormName(), path); err != nil {
				f.fail(w, r, exec, http.StatusUnprocessableEntity, "the map part names a variable path that does not exist")
				return
			}
		}
	}
	if len(uploads) > 0 {
		f.fail(w, r, exec, http.StatusUnprocessableEntity, "the map part names a file that was not sent")
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, gerr := exec.CreateOperationContext(r.Context(), &params)
	if gerr != nil {
		if errcode.GetErrorKind(gerr) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		writeResponse(w, http.StatusOK, exec.DispatchError(graphql.WithOperationContext(r.Context(), rc), gerr))
		return
	}
	responses, ctx := exec.DispatchOperation(r.Context(), rc)
	writeResponse(w, http.StatusOK, responses(ctx))
}

// keep receives one file part: in memory when the whole request is smaller
// than maxMemory (decided on its declared length, which the server requires
// of uploads), otherwise into a spool file that cleanup removes (on every
// path: the caller defers it at once). open gives each variable that names
// the file a reader of its own.
func (f multipartForm) keep(part io.Reader, inMemory bool) (open func() (io.ReadSeeker, error), size int64, cleanup func(), err error) {
	cleanup = func() {}
	if inMemory {
		b, err := io.ReadAll(part)
		return func() (io.ReadSeeker, error) { return bytes.NewReader(b), nil }, int64(len(b)), cleanup, err
	}
	tmp, err := os.CreateTemp(f.dir, "upload-*")
	if err != nil {
		return nil, 0, cleanup, err
	}
	name := tmp.Name()
	cleanup = func() { _ = os.Remove(name) }
	size, err = io.Copy(tmp, part)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	return func() (io.ReadSeeker, error) { return os.Open(name) }, size, cleanup, err
}

// fail answers a request that could not be read as GraphQL, through the error
// presenter.
func (f multipartForm) fail(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, status int, msg string) {
	writeResponse(w, status, exec.DispatchError(r.Context(), gqlerror.List{{Message: msg}}))
}

// failRead is fail for an error met while reading the body: a body over the
// limit or too slow to arrive says so; anything else says msg.
func (f multipartForm) failRead(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, err error, msg string) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		f.fail(w, r, exec, http.StatusRequestEntityTooLarge, "request body is larger than the limit")
	case errors.Is(err, os.ErrDeadlineExceeded):
		f.fail(w, r, exec, http.StatusRequestTimeout, "the upload arrived too slowly (see HJX_UPLOAD_MIN_RATE in the README)")
	default:
		f.fail(w, r, exec, http.StatusUnprocessableEntity, msg)
	}
}
