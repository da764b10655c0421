package web_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser tests drive the machine's Chromium (Debian's chromium package; `make
// test` installs it when missing and run as root). They skip only when no
// Chromium can be found.

// chromiumPath finds a Chromium: HJX_CHROMIUM, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("HJX_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is one folder per test process, kept after the tests so that a
// person can look at the pages (its path is logged).
var screenshotDir = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "hjx-browser-") })

// browser is one headless Chromium tab that records every request the page
// makes and every error it reports.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	requests []string // URLs the page asked for, in order
	problems []string // uncaught exceptions, error log entries (CSP violations, failed loads)
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		t.Skip("no Chromium found: install Debian's chromium package (`make chromium` as root) or set HJX_CHROMIUM to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	b := &browser{}
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithListener(b.record))
	t.Cleanup(cancelTab)
	b.ctx = ctx
	// Report CSP violations from inside the page too (not every one reaches the log).
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__hjxProblems = [];
addEventListener("securitypolicyviolation", (e) => window.__hjxProblems.push("CSP violation: " + e.violatedDirective + " " + e.blockedURI));`,
	})
	if err != nil {
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}
	return b
}

// record runs in the tab's event loop: it must return fast and send no command.
func (b *browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.problems = append(b.problems, "exception: "+text)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			b.problems = append(b.problems, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func poll[T any](t *testing.T, b *browser, what, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return v
}

// screenshot saves the whole page as name.png in the screenshot folder.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir, err := screenshotDir()
	if err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// isLocal says whether a request stays on this machine: the test server on
// loopback, or no network at all (data:, blob:, about:).
func isLocal(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return true
	case "http", "https", "ws", "wss":
		h := u.Hostname()
		return h == "127.0.0.1" || h == "localhost" || h == "::1"
	}
	return false
}

func TestIsLocal(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"http://127.0.0.1:41234/assets/playground.js": true,
		"http://localhost:8080/graphql":               true,
		"http://[::1]:8080/dashboard":                 true,
		"data:image/png;base64,AAAA":                  true,
		"blob:http://127.0.0.1:41234/6c1e":            true,
		"https://cdn.jsdelivr.net/npm/graphiql":       false,
		"https://fonts.googleapis.com/css":            false,
		"http://127.0.0.1.example.org/x":              false,
		"ws://hjx.example.org/graphql":                false,
		"chrome-extension://abc/x.js":                 false,
	} {
		if got := isLocal(raw); got != want {
			t.Errorf("isLocal(%q) = %v, want %v", raw, got, want)
		}
	}
}

// checkClean fails the test for any request that left localhost and for any
// error the page reported.
func (b *browser) checkClean(t *testing.T) {
	t.Helper()
	inPage := eval[[]string](t, b, `window.__hjxProblems || []`)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.requests) == 0 {
		t.Fatal("no request was recorded: the network listener is not working")
	}
	for _, r := range b.requests {
		if !isLocal(r) {
			t.Errorf("request left localhost: %s", r)
		}
	}
	for _, p := range append(b.problems, inPage...) {
		t.Errorf("page reported: %s", p)
	}
}

// screenshotOf saves one element (a chart, the controls) as name.png: at 360 px
// a whole-page image is too tall to look at.
func (b *browser) screenshotOf(t *testing.T, name, selector string) {
	t.Helper()
	dir, err := screenshotDir()
	if err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", selector, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
