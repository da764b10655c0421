package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/graph"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/internal/server"
)

// faultProxy is a TCP proxy between the app and PostgreSQL that the test can
// cut (connections refused and dropped), black-hole (connections accepted and
// never answered) and restore.
type faultProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	mode  string // "", "cut" or "blackhole"
	conns map[net.Conn]bool
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.set("cut") })
	go p.serve()
	return p
}

func (p *faultProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		if mode == "cut" {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c] = true
		p.mu.Unlock()
		if mode == "blackhole" {
			continue // held open, never answered, closed by the next set
		}
		go p.pipe(c)
	}
}

func (p *faultProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = up.Close()
}

// set changes the mode and drops every connection open so far.
func (p *faultProxy) set(mode string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// When PostgreSQL becomes unreachable, /readyz fails and requests get
// UNAVAILABLE within the connect timeout, not a hang; when it comes back, the
// service recovers without a restart.
func TestDatabaseOutage(t *testing.T) {
	o := newOutage(t)
	t.Run("OKBefore", o.healthy)
	t.Run("ErrRefused", func(t *testing.T) {
		o.proxy.set("cut")
		o.down(t)
		o.proxy.set("")
		o.recovered(t)
	})
	t.Run("ErrBlackHole", func(t *testing.T) {
		o.proxy.set("blackhole")
		o.down(t)
		o.proxy.set("")
		o.recovered(t)
	})
	if bytes.Contains(o.logs.Bytes(), []byte(`"internal error"`)) {
		t.Errorf("an outage was logged as an internal error: %s", o.logs.String())
	}
}

// outage is an app whose database connections pass through a proxy the test cuts.
type outage struct {
	proxy  *faultProxy
	logs   *bytes.Buffer
	h      http.Handler
	secret string // a steward's token
}

func newOutage(t *testing.T) *outage {
	dbURL := pgtest.NewDatabaseURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFaultProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	ctx := context.Background()
	db, err := postgres.Open(ctx, u.String(), postgres.PoolConfig{MaxOpen: 4, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	logs := &bytes.Buffer{}
	secret, err := postgres.LoadDisclosureSecret(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Config{Server: server.DefaultConfig(), GraphQL: graph.DefaultHandlerConfig(), Secret: secret}
	cfg.Server.RequestTimeout = 10 * time.Second
	a := app.New(db, slog.New(slog.NewJSONHandler(logs, nil)), cfg)
	issued, err := a.Auth.Create(ctx, auth.NewPrincipal{Name: "steward", Role: hjx.RoleSteward})
	if err != nil {
		t.Fatal(err)
	}

	return &outage{proxy: proxy, logs: logs, h: a.Handler(), secret: issued.Secret}
}

func (o *outage) ready() int {
	rec := httptest.NewRecorder()
	o.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return rec.Code
}

func (o *outage) query(token string) (status int, code string, took time.Duration) {
	req := httptest.NewRequest(http.MethodPost, "/graphql",
		bytes.NewBufferString(`{"query":"{ partners { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	start := time.Now()
	o.h.ServeHTTP(rec, req)
	took = time.Since(start)
	var body struct {
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if len(body.Errors) > 0 {
		code = body.Errors[0].Extensions.Code
	}
	return rec.Code, code, took
}

func (o *outage) healthy(t *testing.T) {
	t.Helper()
	if s := o.ready(); s != http.StatusOK {
		t.Fatalf("/readyz %d, want 200", s)
	}
	for _, token := range []string{"", o.secret} {
		if _, code, _ := o.query(token); code != "" {
			t.Fatalf("query failed with %s while the database is up", code)
		}
	}
}

// outageBound is how long a refusal may take: the connect timeout (1 s) plus the
// pool's retries, well below the request timeout (10 s) a hang would hit.
const outageBound = 4 * time.Second

func (o *outage) down(t *testing.T) {
	t.Helper()
	if s := o.ready(); s != http.StatusServiceUnavailable {
		t.Fatalf("/readyz %d, want 503 while the database is down", s)
	}
	for _, tc := range []struct {
		name, token string
		status      int
	}{{"Anonymous", "", http.StatusOK}, {"Token", o.secret, http.StatusServiceUnavailable}} {
		status, code, took := o.query(tc.token)
		if code != "UNAVAILABLE" || status != tc.status {
			t.Fatalf("%s: status %d code %q, want %d UNAVAILABLE", tc.name, status, code, tc.status)
		}
		if took > outageBound {
			t.Fatalf("%s: refusal took %s, want under %s", tc.name, took, outageBound)
		}
	}
}

// recovered polls, with a deadline, until the service answers again.
func (o *outage) recovered(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for o.ready() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the service did not recover within 15 s of the database returning")
		}
	}
	o.healthy(t)
}
