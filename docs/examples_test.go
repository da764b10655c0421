// Package docs_test runs the examples of README.md and docs/*.md against a real
// hjx loaded with the demo world, so that an example that no longer works fails
// here rather than in front of a reader who copied it.
package docs_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/testkit"
)

// example is one fenced code block of a document.
type example struct {
	doc, lang, code string
	line            int    // of the opening fence
	notRun          string // the reason given in <!-- not run: reason -->, if any
	runAs           string // the role of <!-- run as ROLE --> above a graphql block
}

var (
	notRunRe = regexp.MustCompile(`^<!-- not run: (.+) -->$`)
	runAsRe  = regexp.MustCompile(`^<!-- run as ([A-Z_]+) -->$`)
	// exportRe is a line that sets a variable the later examples of the same
	// document read: `export NAME=VALUE  # comment`.
	exportRe = regexp.MustCompile(`^export ([A-Z_]+)=(\S*)\s*(?:#\s*(.*))?$`)
	roleRe   = regexp.MustCompile(`\b(STEWARD|PARTNER_ADMIN|PARTNER_UPLOADER|RESEARCHER|DASHBOARD)\b`)
)

// examples returns the fenced blocks of a Markdown file with what the HTML
// comment on the line just above says about running them.
func examples(t *testing.T, path string) []example {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	var cur *example
	prev := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &example{doc: filepath.Base(path), lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n}
			if m := notRunRe.FindStringSubmatch(prev); m != nil {
				cur.notRun = m[1]
			}
			if m := runAsRe.FindStringSubmatch(prev); m != nil {
				cur.runAs = m[1]
			}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
		if strings.TrimSpace(line) != "" {
			prev = strings.TrimSpace(line)
		}
	}
	if cur != nil {
		t.Fatalf("%s: the code block opened at line %d is never closed", path, cur.line)
	}
	return out
}

// world is hjx serving the demo world on a real listener, with the values the
// docs tell readers to copy from `make run`'s output.
type world struct {
	baseURL   string
	projectID string
	tokens    map[string]string // by role
}

func newWorld(t *testing.T) *world {
	t.Helper()
	env := testkit.New(t)
	srv, res := env.ServeDemo()
	w := &world{baseURL: srv.URL, projectID: res.ProjectID, tokens: map[string]string{}}
	for _, tok := range res.Tokens {
		w.tokens[tok.Role] = tok.Secret
	}
	return w
}

// substitute turns an example as written into the one this test runs: the
// server's address for http://localhost:8080, and for each `export` of a token
// the demo token of the role its comment names (as `make run` prints them), for
// `export HJX_PROJECT=...` the demo project's id. Everything else runs as
// written. vars collects the exported values for the document's later blocks.
func (w *world) substitute(t *testing.T, ex example, vars map[string]string) string {
	t.Helper()
	code := strings.ReplaceAll(ex.code, "http://localhost:8080", w.baseURL)
	code = strings.ReplaceAll(code, "localhost:8080", strings.TrimPrefix(w.baseURL, "http://"))
	lines := strings.Split(code, "\n")
	for i, line := range lines {
		m := exportRe.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		name, value := m[1], m[2]
		switch {
		case strings.HasSuffix(name, "TOKEN"):
			role := roleRe.FindString(m[3])
			if role == "" || w.tokens[role] == "" {
				t.Fatalf("%s:%d: `export %s` must say in its comment whose token it is (a role that make run prints a token for)",
					ex.doc, ex.line, name)
			}
			value = w.tokens[role]
		case name == "HJX_PROJECT":
			value = w.projectID
		}
		lines[i] = "export " + name + "=" + value
		vars[name] = value
	}
	return strings.Join(lines, "\n")
}

// TestDocExamplesRun runs every curl, shell, Python and R example of README.md
// and docs/*.md (R only where Rscript is installed), and the GraphQL examples
// marked `<!-- run as ROLE -->`, each document on a demo world of its own, in
// the document's order, with the variables its earlier examples exported. An
// example passes when it exits with status 0, prints no GraphQL `errors` unless
// it shows them itself (a `# {"errors":...` line of expected output), and, when
// it asks for outcomes, prints at least one published (not suppressed) cell.
func TestDocExamplesRun(t *testing.T) {
	docs, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs = append([]string{"../README.md"}, docs...)
	bin := buildHJX(t)
	ran := 0
	for _, doc := range docs {
		exs := examples(t, doc)
		if !slices.ContainsFunc(exs, runnable) {
			continue
		}
		t.Run(filepath.Base(doc), func(t *testing.T) {
			w := newWorld(t)
			vars := map[string]string{"HJX_URL": w.baseURL}
			for _, ex := range exs {
				if !runnable(ex) {
					continue
				}
				ran++
				t.Run(fmt.Sprintf("line%d_%s", ex.line, ex.lang), func(t *testing.T) {
					w.run(t, ex, vars, bin)
				})
			}
		})
	}
	if ran < 10 {
		t.Errorf("ran %d examples; the docs have more than that: is the extraction broken?", ran)
	}
}

func runnable(ex example) bool {
	if ex.notRun != "" {
		return false
	}
	switch ex.lang {
	case "sh", "bash", "python", "r":
		return true
	case "graphql":
		return ex.runAs != ""
	}
	return false
}

func (w *world) run(t *testing.T, ex example, vars map[string]string, bin string) {
	code := w.substitute(t, ex, vars)
	// A minute is far more than any example needs; one that waits for ever (a
	// server started in the foreground) must be marked not run.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	switch ex.lang {
	case "sh", "bash":
		cmd = exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", code)
	case "python":
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 is not installed: the Python example is not run")
		}
		cmd = exec.CommandContext(ctx, "python3", "-c", code)
	case "r":
		if _, err := exec.LookPath("Rscript"); err != nil {
			t.Skip("Rscript is not installed: the R example is not run")
		}
		cmd = exec.CommandContext(ctx, "Rscript", "-e", code)
	case "graphql":
		w.runGraphQL(t, ex, code)
		return
	}
	cmd.Dir = ".." // the repository's root, as a reader of README.md would be
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s:%d: %v\n--- example as run:\n%s\n--- stdout:\n%s\n--- stderr:\n%s", ex.doc, ex.line, err, code, stdout.String(), stderr.String())
	}
	checkOutput(t, ex, stdout.String())
}

// runGraphQL sends a GraphQL example with the demo token of its role, PROJECT_ID
// standing for the demo project.
func (w *world) runGraphQL(t *testing.T, ex example, code string) {
	token := w.tokens[ex.runAs]
	if token == "" {
		t.Fatalf("%s:%d: no demo token for role %s", ex.doc, ex.line, ex.runAs)
	}
	body, _ := json.Marshal(map[string]any{"query": strings.ReplaceAll(code, "PROJECT_ID", w.projectID)})
	cmd := exec.Command("curl", "-sS", "--fail-with-body", w.baseURL+"/graphql", "-H", "Authorization: Bearer "+token,
		"-H", "Content-Type: application/json", "--data-binary", "@-")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s:%d: %v: %s", ex.doc, ex.line, err, out)
	}
	checkOutput(t, ex, string(out))
}

var publishedRe = regexp.MustCompile(`"suppressed":\s*(false|False)`)

func checkOutput(t *testing.T, ex example, out string) {
	t.Helper()
	if strings.Contains(out, `"errors"`) && !strings.Contains(ex.code, `{"errors":`) {
		t.Errorf("%s:%d: the example's answer has errors:\n%s", ex.doc, ex.line, out)
	}
	if strings.Contains(ex.code, "outcomes(") && !publishedRe.MatchString(out) {
		t.Errorf("%s:%d: the example asks for outcomes but no published cell came back on the demo world:\n%s", ex.doc, ex.line, out)
	}
}

// buildHJX builds the binary the examples call as `hjx` and returns its directory.
func buildHJX(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "hjx"), "github.com/hjx-exchange/hjx/cmd/hjx")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/hjx: %v\n%s", err, out)
	}
	return dir
}
