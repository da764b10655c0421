package server_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/server"
)

// TestSlowBodies: a client that trickles its request body cannot hold a
// connection for the server's whole ReadTimeout (10 minutes): a non-upload
// body must arrive within BodyReadTimeout, an upload keep up UploadMinRate.
// The server here has a 300 ms body timeout; the client gives up after 5 s,
// so a server that waits for the body fails the test.
func TestSlowBodies(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.BodyReadTimeout = 300 * time.Millisecond
	cfg.UploadMinRate = 1000
	uploader := &hjx.Principal{ID: "p1", Role: hjx.RolePartnerUploader}
	srv := bareServer(cfg, server.Deps{GraphQL: readsBody(3 * cfg.BodyReadTimeout),
		Authenticate: func(context.Context, string) (*hjx.Principal, error) { return uploader, nil },
		UploadRoles:  []hjx.Role{hjx.RolePartnerUploader}})
	ln := serveOnLoopback(t, srv)
	post := func(t *testing.T, contentType string, n int, first string, tick time.Duration, extra string) string {
		t.Helper()
		return trickle(t, ln.Addr().String(), contentType, n, first, tick, extra)
	}
	t.Run("ErrJSONBodyStalls", func(t *testing.T) {
		if line := post(t, "application/json", 100, `{"query":`, 0, ""); !strings.Contains(line, " 408 ") {
			t.Fatalf("answer %q, want 408", line)
		}
	})
	t.Run("ErrJSONBodyTrickles", func(t *testing.T) {
		if line := post(t, "application/json", 10_000, `{"query":`, 20*time.Millisecond, ""); !strings.Contains(line, " 408 ") {
			t.Fatalf("answer %q, want 408", line)
		}
	})
	t.Run("ErrUploadBelowMinimumRate", func(t *testing.T) {
		first := "--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" + strings.Repeat(" ", 200)
		if line := post(t, "multipart/form-data; boundary=b", 100_000, first, 20*time.Millisecond, ""); !strings.Contains(line, " 408 ") {
			t.Fatalf("answer %q, want 408", line)
		}
	})
	t.Run("OKPromptBodyThenSlowWork", func(t *testing.T) {
		body := `{"query":"{ metrics { code } }"}`
		if line := post(t, "application/json", len(body), body, 0, "X-Work: slow\r\n"); !strings.Contains(line, " 200 ") {
			t.Fatalf("answer %q, want 200: work after the body arrived was cut short", line)
		}
	})
	t.Run("OKPromptUploadThenSlowWork", func(t *testing.T) {
		body := "--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n--b--\r\n"
		if line := post(t, "multipart/form-data; boundary=b", len(body), body, 0, "X-Work: slow\r\n"); !strings.Contains(line, " 200 ") {
			t.Fatalf("answer %q, want 200: work after the upload arrived was cut short", line)
		}
	})
}

// readsBody stands for the GraphQL handler: it reads the whole body (408 when it
// came too slowly) and, asked with X-Work: slow, works for slowWork before answering.
func readsBody(slowWork time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			if server.BodyTooSlow(err) {
				w.WriteHeader(http.StatusRequestTimeout)
				return
			}
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.Header.Get("X-Work") == "slow" {
			// Work past the body timeout: the request must not be cancelled.
			select {
			case <-r.Context().Done():
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			case <-time.After(slowWork):
			}
		}
		_, _ = w.Write([]byte("ok"))
	})
}

// trickle sends the request head and the first bytes of a body of length n,
// then trickles the rest a byte per tick (no tick: it stalls), and returns
// the status line of the answer.
func trickle(t *testing.T, addr, contentType string, n int, first string, tick time.Duration, extra string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /graphql HTTP/1.1\r\nHost: hjx\r\nAuthorization: Bearer t\r\nApollo-Require-Preflight: true\r\n" +
		"Content-Type: " + contentType + "\r\nContent-Length: " + strconv.Itoa(n) + "\r\n" + extra + "\r\n"
	if _, err := conn.Write([]byte(head + first)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	if tick > 0 {
		go func() {
			ticker := time.NewTicker(tick)
			defer ticker.Stop()
			for {
				select {
				case <-stop:
					return
				case <-ticker.C:
					if _, err := conn.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer while the body trickled (%v): the server held the connection", err)
	}
	return strings.TrimSpace(line)
}
