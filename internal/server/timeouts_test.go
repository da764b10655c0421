package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/server"
)

// A client that sends its headers slowly (slowloris) is disconnected after
// HJX_READ_HEADER_TIMEOUT, and every server phase has the configured timeout.
func TestServerTimeouts(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.ReadHeaderTimeout = 200 * time.Millisecond
	cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout = 3*time.Second, 4*time.Second, 5*time.Second
	srv := bareServer(cfg, server.Deps{GraphQL: http.NotFoundHandler()})
	if srv.ReadHeaderTimeout != cfg.ReadHeaderTimeout || srv.ReadTimeout != cfg.ReadTimeout ||
		srv.WriteTimeout != cfg.WriteTimeout || srv.IdleTimeout != cfg.IdleTimeout {
		t.Fatalf("server timeouts %v %v %v %v differ from the configuration", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	ln := serveOnLoopback(t, srv)

	t.Run("ErrSlowHeaders", func(t *testing.T) {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: hjx\r\nX-Slow: ")); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = io.ReadAll(conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the server kept a connection with unfinished headers open for 5 s")
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("the connection was closed after %s, want about 200 ms", took)
		}
	})
	t.Run("OKPromptClient", func(t *testing.T) {
		resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// bareServer is the server of the configuration with deps, its logs discarded
// and always ready.
func bareServer(cfg server.Config, deps server.Deps) *http.Server {
	deps.Log = slog.New(slog.DiscardHandler)
	deps.Ready = func(context.Context) error { return nil }
	return server.New(cfg, deps)
}

// serveOnLoopback serves srv on a loopback port until the test ends, as the
// binary does (server.Serve, shutting down within a second).
func serveOnLoopback(t *testing.T, srv *http.Server) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, srv, ln, time.Second, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln
}
