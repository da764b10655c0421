package ecosystem_test

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/testkit"
)

// nodeDeps fails the test, with what to do, when Node.js or this directory's
// pinned npm packages are missing: these checks are part of CI, so a machine
// without them must not pass silently.
func nodeDeps(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("these checks run pinned npm tools and need Node.js 20+ and npm " +
			"(Debian: apt-get install nodejs npm); `make test` then installs them")
	}
	if _, err := os.Stat("node_modules/.package-lock.json"); err != nil {
		t.Fatal("the npm packages of test/ecosystem are not installed: run `make test`, " +
			"or `npm ci --ignore-scripts` in test/ecosystem")
	}
}

// node runs a script of this directory with the environment env added and
// returns its stdout; stderr is logged. A non-zero exit is returned as err.
func node(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("node %s: stderr:\n%s", strings.Join(args, " "), s)
	}
	return stdout.String(), err
}

// listen serves env's app on a real loopback listener, with the binary's
// http.Server (timeouts included), for clients in another process.
func listen(t *testing.T, env *testkit.Env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Listener = ln
	ts.Config = env.App.HTTPServer()
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.URL
}
