// Package uploadclient sends a CSV file to an hjx server's uploadSubmission mutation
// as a GraphQL multipart request (the operations, map and file parts of the
// multipart request spec). `hjx upload` and the ingest benchmark use it. The body is
// streamed from the file with its length declared up front, so a file of any size
// costs the client a few kilobytes of memory and the server can tell, before reading
// it, that it is within the upload limit.
package uploadclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/hjx-exchange/hjx/internal/server"
)

// Options say where to send a file and how.
type Options struct {
	// URL is the server's base URL, e.g. http://localhost:8080.
	URL          string
	Token        string
	ConsentBasis string
	DryRun       bool
	// Progress, if set, is called as the request body is sent, with the bytes sent
	// so far and the body's total length.
	Progress func(sent, total int64)
	// Client is the HTTP client; nil means one without a timeout (a large upload
	// takes as long as the link needs; cancel through ctx).
	Client *http.Client
}

// Issue is one validation issue, as the server reports it.
type Issue struct {
	Row     *int    `json:"row"`
	Column  *string `json:"column"`
	Code    string  `json:"code"`
	Message string  `json:"message"`
}

// Submission is the stored submission an accepted upload returns.
type Submission struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	RowCount int    `json:"rowCount"`
	Sha256   string `json:"sha256"`
}

// Result is the server's answer.
type Result struct {
	Accepted   bool        `json:"accepted"`
	IssueCount int         `json:"issueCount"`
	Issues     []Issue     `json:"issues"`
	Submission *Submission `json:"submission"`
	// AlreadyStored: the same file was stored before (Submission is that one).
	AlreadyStored bool `json:"alreadyStored"`
	// Summary is the server's one-sentence account of the result.
	Summary string `json:"summary"`
}

// Error is a GraphQL or HTTP error the server returned.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s (%s)", e.Message, e.Code)
	}
	return e.Message
}

const mutation = `mutation Upload($file: Upload!, $consentBasis: ConsentBasis!, $dryRun: Boolean) {
  uploadSubmission(file: $file, consentBasis: $consentBasis, dryRun: $dryRun) {
    accepted issueCount
    issues { row column code message }
    submission { id status rowCount sha256 }
    alreadyStored summary
  }
}`

// Upload sends size bytes of file, named name, and returns the server's verdict.
// A rejected file is a Result with Accepted false, not an error.
func Upload(ctx context.Context, opts Options, name string, file io.Reader, size int64) (*Result, error) {
	ops, err := json.Marshal(map[string]any{"query": mutation, "variables": map[string]any{
		"file": nil, "consentBasis": opts.ConsentBasis, "dryRun": opts.DryRun}})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("operations", string(ops)); err != nil {
		return nil, err
	}
	if err := mw.WriteField("map", `{"0": ["variables.file"]}`); err != nil {
		return nil, err
	}
	if _, err := mw.CreateFormFile("0", name); err != nil {
		return nil, err
	}
	head := bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := mw.Close(); err != nil { // writes the closing boundary
		return nil, err
	}
	tail := buf.Bytes()
	total := int64(len(head)) + size + int64(len(tail))
	body := &counter{r: io.MultiReader(bytes.NewReader(head), io.LimitReader(file, size), bytes.NewReader(tail)),
		total: total, progress: opts.Progress}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(opts.URL, "/")+"/graphql", body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = total
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	// The server refuses multipart posts without a non-simple header (CSRF protection).
	req.Header.Set(server.PreflightHeader, "true")
	if opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+opts.Token)
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Data *struct {
			UploadSubmission *Result `json:"uploadSubmission"`
		} `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&out); err != nil {
		return nil, &Error{Status: resp.StatusCode, Message: fmt.Sprintf("the server answered %s without a GraphQL response", resp.Status)}
	}
	if len(out.Errors) > 0 {
		code, _ := out.Errors[0].Extensions["code"].(string)
		return nil, &Error{Status: resp.StatusCode, Code: code, Message: out.Errors[0].Message}
	}
	if out.Data == nil || out.Data.UploadSubmission == nil {
		return nil, &Error{Status: resp.StatusCode, Message: "the server's response has no uploadSubmission result"}
	}
	return out.Data.UploadSubmission, nil
}

// counter reports progress as the body is read by the HTTP client.
type counter struct {
	r        io.Reader
	sent     int64
	total    int64
	progress func(sent, total int64)
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.sent += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(c.sent, c.total)
	}
	return n, err
}
