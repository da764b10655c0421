package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Media types of GraphQL-over-HTTP responses.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// overHTTP serves GET and application/json POST requests as the GraphQL over
// HTTP specification (graphql.github.io/graphql-over-http) asks, where gqlgen's
// own transports differ: the response media type is negotiated from Accept
// (406 when nothing acceptable is offered); a request error (bad parameters,
// a document that does not parse or validate, variables that do not coerce,
// a refused document) carries no `data` entry and, with
// application/graphql-response+json, a 4xx status, so that a client can tell
// it from a partial result; with legacy application/json it is 200, as
// clients of that media type expect, except for malformed parameters (400);
// a GET may only run a query (405 otherwise). TestGraphQLOverHTTPAudit runs
// the working group's audit against it.
//
// A request names its document by text (query) or by hash: documentId
// ("sha256:<hex>", graphql.org's trusted documents) or the APQ extension
// extensions.persistedQuery.sha256Hash; a documentId is handed on as that
// extension, so one place (persisted.go) resolves both forms.
type overHTTP struct{}

var _ graphql.Transport = overHTTP{}

func (overHTTP) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err == nil && mt == mediaJSON
	}
	return false
}

// requestParams are a request's GraphQL parameters, as JSON or URL query.
type requestParams struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
	DocumentID    string         `json:"documentId"`
}

func (overHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		writeRequestError(w, http.StatusNotAcceptable, &graphql.Response{Errors: gqlerror.List{codedError(hjx.CodeInvalid,
			"the Accept header offers no media type this server produces: use "+mediaGraphQLResponse+" or "+mediaJSON)}})
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	start := graphql.Now()
	params, status, perr := readParams(r)
	if perr != nil {
		writeRequestError(w, status, exec.DispatchError(ctx, gqlerror.List{perr}))
		return
	}
	raw := &graphql.RawParams{Query: params.Query, OperationName: params.OperationName, Variables: params.Variables,
		Extensions: params.Extensions, Headers: r.Header, ReadTime: graphql.TraceTiming{Start: start, End: graphql.Now()}}
	oc, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = requestErrorStatus(resp.Errors)
		}
		writeRequestError(w, status, resp)
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeRequestError(w, http.StatusMethodNotAllowed, exec.DispatchError(ctx, gqlerror.List{codedError(hjx.CodeInvalid,
			"a GET request may only run a query; send a "+string(oc.Operation.Operation)+" as a POST")}))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, http.StatusOK, responses(ctx))
}

// readParams reads the GraphQL parameters of a GET (URL query) or POST (JSON
// body). Parameters that are not what the specification says (a body that is
// not one JSON object, a query that is not a string, no document at all) are a
// 400 whatever the media type; a body over the size limit is a 413.
func readParams(r *http.Request) (*requestParams, int, *gqlerror.Error) {
	var p requestParams
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, http.StatusBadRequest, codedError(hjx.CodeInvalid, "the URL query string is malformed")
		}
		p.Query, p.OperationName, p.DocumentID = q.Get("query"), q.Get("operationName"), q.Get("documentId")
		for name, into := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
			if s := q.Get(name); s != "" {
				if err := decodeJSON(strings.NewReader(s), into); err != nil {
					return nil, http.StatusBadRequest, codedError(hjx.CodeInvalid, name+" must be a URL-encoded JSON object")
				}
			}
		}
	} else {
		body, err := io.ReadAll(r.Body)
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return nil, http.StatusRequestEntityTooLarge, codedError(hjx.CodeInvalid, clientMessage("could not read request body: too large"))
		case err != nil:
			return nil, http.StatusBadRequest, codedError(hjx.CodeInvalid, clientMessage("could not read request body"))
		}
		if err := decodeJSON(bytes.NewReader(body), &p); err != nil {
			return nil, http.StatusBadRequest, codedError(hjx.CodeInvalid, clientMessage("json request body could not be decoded"))
		}
	}
	if p.DocumentID != "" {
		hash, ok := strings.CutPrefix(p.DocumentID, "sha256:")
		if !ok {
			return nil, http.StatusBadRequest, codedError(hjx.CodeInvalid, `documentId must be "sha256:" followed by the document's SHA-256 in hex`)
		}
		if p.Extensions == nil {
			p.Extensions = map[string]any{}
		}
		p.Extensions["persistedQuery"] = map[string]any{"version": json.Number("1"), "sha256Hash": hash}
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, http.StatusBadRequest, codedError(hjx.CodeInvalid,
			"the request has no GraphQL document: send query (the document's text) or documentId")
	}
	return &p, 0, nil
}

// decodeJSON decodes exactly one JSON value into v, numbers kept as written.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}

// negotiate picks the response media type from the Accept headers: the one of
// highest quality among those offered (the first listed on a tie); */* and
// application/* mean application/json, as does no Accept at all. ok is false
// when nothing acceptable is offered.
func negotiate(accept []string) (media string, ok bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	best, bestQ := "", 0.0
	for _, header := range accept {
		for part := range strings.SplitSeq(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			switch mt {
			case "*/*", "application/*":
				mt = mediaJSON
			case mediaJSON, mediaGraphQLResponse:
			default:
				continue
			}
			if q > bestQ {
				best, bestQ = mt, q
			}
		}
	}
	return best, best != ""
}

// requestErrorStatus is the status of a request error with
// application/graphql-response+json: 401 or 403 when the request was refused
// for who sent it, 400 otherwise.
func requestErrorStatus(errs gqlerror.List) int {
	status := 0
	for _, e := range errs {
		s := http.StatusBadRequest
		switch e.Extensions["code"] {
		case string(hjx.CodeUnauthenticated):
			s = http.StatusUnauthorized
		case string(hjx.CodeForbidden):
			s = http.StatusForbidden
		}
		if status != 0 && s != status {
			return http.StatusBadRequest
		}
		status = s
	}
	if status == 0 {
		return http.StatusBadRequest
	}
	return status
}

func codedError(code hjx.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}

// writeRequestError writes a response to a request that was not executed:
// errors (and extensions), never a data entry.
func writeRequestError(w http.ResponseWriter, status int, resp *graphql.Response) {
	writeResponse(w, status, struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
}

func writeResponse(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
