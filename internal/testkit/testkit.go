// Package testkit builds a whole hjx (the same app.App the binary serves) on a fresh
// test database, and sends GraphQL requests through its real HTTP handler, as a
// client would.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/hjx-exchange/hjx/graph"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/internal/server"
)

// Clock is a settable clock for tests (no sleeping: tests move time themselves).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Env is one test's hjx.
type Env struct {
	T       testing.TB
	App     *app.App
	Clock   *Clock
	Handler http.Handler
	Logs    *bytes.Buffer // everything the app logged, for tests that scan logs
}

// Start is the default test clock's time: a fixed instant after the demo's years.
var Start = time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC)

// New returns an Env on a fresh database with a clock at Start. Options change
// the default configuration (production mode, CORS origins...) before the app
// is built.
func New(t testing.TB, options ...func(*app.Config)) *Env {
	t.Helper()
	db := pgtest.NewDB(t)
	clock := NewClock(Start)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	secret, err := postgres.LoadDisclosureSecret(context.Background(), db)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	cfg := app.Config{Server: server.DefaultConfig(), GraphQL: graph.DefaultHandlerConfig(), Now: clock.Now,
		OutcomeCacheSize: 100, Secret: secret}
	for _, o := range options {
		o(&cfg)
	}
	a := app.New(db, log, cfg)
	return &Env{T: t, App: a, Clock: clock, Handler: a.Handler(), Logs: &logs.buf}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// NewWithPartner is New with one English partner registered and a token of role
// at it: the opening of the many API tests that act for a single partner.
func NewWithPartner(t testing.TB, partnerID string, role hjx.Role) (*Env, string) {
	t.Helper()
	env := New(t)
	env.Partner(partnerID, hjx.CountryGB, "GB-ENG")
	token, _ := env.Token(role, partnerID, "")
	return env, token
}

// Partner registers a partner directly through the directory service.
func (e *Env) Partner(id string, country hjx.Country, region string) *directory.Partner {
	e.T.Helper()
	p, err := e.App.Directory.Register(context.Background(), &hjx.Principal{ID: "", Role: hjx.RoleSteward},
		directory.Partner{ID: id, Name: "Partner " + id, Country: country, Region: region, Model: map[hjx.Country]hjx.PartnershipModel{hjx.CountryGB: hjx.ModelHJP, hjx.CountryUS: hjx.ModelMLP}[country],
			HealthSettings: []hjx.HealthSetting{"PRIMARY_CARE"}, AdviceDomains: []hjx.WelfareDomain{"WELFARE_BENEFITS"}})
	if err != nil {
		e.T.Fatalf("register partner %s: %v", id, err)
	}
	return p
}

// RegisterPartner registers a partner as given (health settings and advice
// domains decide which cells its uploads may fill).
func (e *Env) RegisterPartner(p directory.Partner) *directory.Partner {
	e.T.Helper()
	out, err := e.App.Directory.Register(context.Background(), &hjx.Principal{ID: "", Role: hjx.RoleSteward}, p)
	if err != nil {
		e.T.Fatalf("register partner %s: %v", p.ID, err)
	}
	return out
}

// Token creates a principal with the role (bound to partner or project where the
// role needs it) and returns its bearer secret and principal.
func (e *Env) Token(role hjx.Role, partnerID, projectID string) (string, *hjx.Principal) {
	e.T.Helper()
	issued, err := e.App.Auth.Create(context.Background(), auth.NewPrincipal{Name: string(role) + " " + partnerID + projectID,
		Role: role, PartnerID: partnerID, ProjectID: projectID})
	if err != nil {
		e.T.Fatalf("create token: %v", err)
	}
	return issued.Secret, issued.Principal
}

// Response is a GraphQL response body.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Status int `json:"-"`
}

// Code returns the extensions.code of the first error, "" when there is none.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v, failing the test if the response had errors.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Do posts a GraphQL operation with an optional bearer token through the handler.
func (e *Env) Do(token, query string, vars map[string]any) *Response {
	e.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.Send(req)
}

// Send serves a prepared request and decodes the GraphQL response.
func (e *Env) Send(req *http.Request) *Response {
	e.T.Helper()
	r, _ := e.SendRecorded(req)
	return r
}

// SendRecorded is Send for tests that also look at the response's headers.
func (e *Env) SendRecorded(req *http.Request) (*Response, *httptest.ResponseRecorder) {
	e.T.Helper()
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		e.T.Fatalf("response is not JSON (status %d): %s", rec.Code, rec.Body.String())
	}
	r.Status = rec.Code
	return &r, rec
}

// MultipartUpload is a GraphQL multipart request body (the upload transport):
// the operations, the map from file to variable and one file of that name and
// content. It returns the body and its Content-Type.
func MultipartUpload(operations, fileMap, filename, content string) (*bytes.Buffer, string) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", operations)
	_ = w.WriteField("map", fileMap)
	part, _ := w.CreateFormFile("0", filename)
	_, _ = part.Write([]byte(content))
	_ = w.Close()
	return &body, w.FormDataContentType()
}

// Client returns gqlgen's test client on the same handler (multipart uploads use
// its WithFiles option; it sends server.PreflightHeader as every real client
// must). It treats HTTP statuses >= 400 as errors; use Do to see the error codes
// of refused requests.
func (e *Env) Client() *client.Client {
	return client.New(e.Handler, client.Path("/graphql"), client.AddHeader(server.PreflightHeader, "true"))
}

// ServeDemo loads the deterministic demo world (tokens derived from the seed
// "seed") and serves the whole app on a loopback test server, closed when the test
// ends: what the browser, docs-example and portal tests run against.
func (e *Env) ServeDemo() (*httptest.Server, *demo.Result) {
	e.T.Helper()
	res := e.Demo("seed")
	srv := httptest.NewServer(e.Handler)
	e.T.Cleanup(srv.Close)
	return srv, res
}

// Demo loads the deterministic demo world, its tokens derived from tokenSeed.
func (e *Env) Demo(tokenSeed string) *demo.Result {
	e.T.Helper()
	res, err := demo.Seed(context.Background(), e.App, tokenSeed, nil)
	if err != nil {
		e.T.Fatalf("demo seed: %v", err)
	}
	return res
}

// DemoToken returns the secret of the demo world's first token with the role.
func DemoToken(t testing.TB, world *demo.Result, role string) string {
	t.Helper()
	for _, tk := range world.Tokens {
		if tk.Role == role {
			return tk.Secret
		}
	}
	t.Fatalf("no demo %s token", role)
	return ""
}
