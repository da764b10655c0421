package graph

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
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
	req := &multipartRequest{uploads: map[string][]string{}}
	defer req.releaseAll()
	if bad := f.read(r, req); bad != nil {
		if bad.status == 0 {
			f.failRead(w, r, exec, bad.err, bad.msg)
		} else {
			f.fail(w, r, exec, bad.status, bad.msg)
		}
		return
	}
	req.params.Headers = r.Header
	req.params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, gerr := exec.CreateOperationContext(r.Context(), &req.params)
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

// multipartRequest is a multipart request as it is read: the operation, the files
// the map part names and are still to come, and what to close and remove once the
// operation has run, in the order to do it.
type multipartRequest struct {
	params  graphql.RawParams
	uploads map[string][]string
	release []func()
}

func (req *multipartRequest) releaseAll() {
	for i := len(req.release) - 1; i >= 0; i-- {
		req.release[i]()
	}
}

// badRequest is why a multipart request cannot run: a status and message, or a
// read error that failRead judges (status 0) with msg for any other error.
type badRequest struct {
	status int
	err    error
	msg    string
}

func invalidPart(msg string) *badRequest {
	return &badRequest{status: http.StatusUnprocessableEntity, msg: msg}
}

func unreadable(err error, msg string) *badRequest { return &badRequest{err: err, msg: msg} }

// read reads the operations part, the map part and the files, in that order.
func (f multipartForm) read(r *http.Request, req *multipartRequest) *badRequest {
	mr, err := r.MultipartReader()
	if err != nil {
		return invalidPart("the request is not a multipart form")
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "operations" {
		return unreadable(err, "the first part of a multipart request must be operations")
	}
	if err := decodeJSON(part, &req.params); err != nil {
		return unreadable(err, "the operations part is not one JSON object {query, variables, operationName}")
	}
	part, err = mr.NextPart()
	if err != nil || part.FormName() != "map" {
		return unreadable(err, "the second part of a multipart request must be map")
	}
	if err := decodeJSON(part, &req.uploads); err != nil {
		return unreadable(err, "the map part is not a JSON object of file keys to variable paths")
	}
	for {
		part, err = mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return unreadable(err, "a part of the multipart request could not be read")
		}
		if bad := f.readFile(r, part, req); bad != nil {
			return bad
		}
	}
	if len(req.uploads) > 0 {
		return invalidPart("the map part names a file that was not sent")
	}
	return nil
}

// readFile receives one file part and gives it to each variable the map names it for.
func (f multipartForm) readFile(r *http.Request, part *multipart.Part, req *multipartRequest) *badRequest {
	paths := req.uploads[part.FormName()]
	if len(paths) == 0 {
		return invalidPart("a file part is not named in the map part")
	}
	delete(req.uploads, part.FormName())
	open, size, cleanup, err := f.keep(part, r.ContentLength >= 0 && r.ContentLength < f.maxMemory)
	req.release = append(req.release, cleanup)
	if err != nil {
		return unreadable(err, "the file could not be received")
	}
	for _, path := range paths {
		file, err := open()
		if err != nil {
			return unreadable(err, "the file could not be received")
		}
		if c, ok := file.(io.Closer); ok {
			req.release = append(req.release, func() { _ = c.Close() })
		}
		upload := graphql.Upload{File: file, Size: size, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
		if err := req.params.AddUpload(upload, part.FormName(), path); err != nil {
			return invalidPart("the map part names a variable path that does not exist")
		}
	}
	return nil
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
