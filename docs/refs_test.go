package docs_test

import (
	"bufio"
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// outsideDoc is the name of a design file kept outside the repository: the
// code once pointed to it, and a reader of the repository cannot open it. It is
// spelt in two parts so that this file does not mention it.
const outsideDoc = "DESIGN" + ".md"

// outsideDocRe is any way of citing it: by file name, or by its name followed
// by "section" and a number, or by a number alone.
var outsideDocRe = regexp.MustCompile(`\b` + "DESIGN" + `(\.md\b|\s+(section|§)|\s+[0-9])`)

var (
	// mdLinkRe is the target of a Markdown link or image: ](target).
	mdLinkRe = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// repoPathRe is a repository path named in prose or a comment, such as
	// docs/OUTCOMES.md#coverage or internal/reference/SOURCES.md: one of the
	// top-level folders, then a file name with an extension.
	repoPathRe = regexp.MustCompile(`(?:^|[^\w./-])((?:docs|internal|migrations|schema|graph|cmd|test|bench)/[\w./-]*\w\.(?:md|go|sql|graphqls|graphql|csv|json|png|txt|mjs|cjs))(#[\w-]+)?`)
	// headingRe is a Markdown heading.
	headingRe = regexp.MustCompile(`^#{1,6}\s+(.+?)\s*#*\s*$`)
	// slugDropRe is what GitHub drops from a heading to make its anchor.
	slugDropRe = regexp.MustCompile(`[^\p{L}\p{N}\s_-]`)
)

// TestRepoReferences keeps every pointer from code, SQL, schema and docs to
// another file of the repository true: a newcomer following a pointer to a doc
// and one of its headings must land on a file and a heading that exist, and
// nothing may send them to a design file that is not in the repository.
func TestRepoReferences(t *testing.T) {
	tracked, dirs := trackedFiles(t)
	anchors := map[string]map[string]bool{} // Markdown file -> its heading anchors
	anchorsOf := func(file string) map[string]bool {
		if a, ok := anchors[file]; ok {
			return a
		}
		src, err := os.ReadFile("../" + file)
		if err != nil {
			t.Fatal(err)
		}
		anchors[file] = headingAnchors(src)
		return anchors[file]
	}
	// check reports ref (as written in file at line n) unless target, a
	// repository path, names a tracked file or folder and, for a Markdown
	// file, a heading with the given anchor.
	check := func(file string, n int, ref, target, anchor string) {
		t.Helper()
		target = strings.TrimSuffix(target, "/")
		if target != "" && !tracked[target] && !dirs[target] {
			t.Errorf("%s:%d: %q points to %s, which is not a file of the repository", file, n, ref, target)
			return
		}
		if target == "" {
			target = file
		}
		if anchor != "" && strings.HasSuffix(target, ".md") && !anchorsOf(target)[anchor] {
			t.Errorf("%s:%d: %q points to #%s, which is not a heading of %s", file, n, ref, anchor, target)
		}
	}
	files := slices.Sorted(maps.Keys(tracked))
	scanned := 0
	for _, file := range files {
		if !scannedFile(file) {
			continue
		}
		scanned++
		src, err := os.ReadFile("../" + file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(src))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if outsideDocRe.MatchString(line) {
				t.Errorf("%s:%d: cites %s, which is not in the repository: point to docs/ARCHITECTURE.md or another doc", file, n, outsideDoc)
			}
			if strings.HasSuffix(file, ".md") {
				for _, m := range mdLinkRe.FindAllStringSubmatch(line, -1) {
					ref := m[1]
					if strings.Contains(ref, "://") || strings.HasPrefix(ref, "mailto:") {
						continue
					}
					target, anchor, _ := strings.Cut(ref, "#")
					if target != "" {
						target = path.Join(path.Dir(file), target)
					}
					check(file, n, ref, target, anchor)
				}
			}
			for _, m := range repoPathRe.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if !tracked[target] && strings.HasSuffix(file, ".md") && tracked[path.Join(path.Dir(file), target)] {
					target = path.Join(path.Dir(file), target) // a link text relative to the document
				}
				check(file, n, m[1]+m[2], target, strings.TrimPrefix(m[2], "#"))
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if scanned < 100 {
		t.Fatalf("scanned %d files: the repository's files were not found", scanned)
	}
}

// scannedFile says whether file is one a reader follows references from:
// code, SQL, schema and docs written by hand or generated from them.
func scannedFile(file string) bool {
	if strings.HasPrefix(file, "internal/reference/") && !strings.HasSuffix(file, ".md") {
		return false // reference data copied from its sources
	}
	for _, ext := range []string{".go", ".sql", ".graphqls", ".graphql", ".md", ".js", ".jsx", ".mjs", ".cjs", ".html", ".css", ".yml"} {
		if strings.HasSuffix(file, ext) {
			return true
		}
	}
	return path.Base(file) == "Makefile"
}

// trackedFiles returns the files git tracks (relative to the repository root)
// and every folder that holds one.
func trackedFiles(t *testing.T) (files, dirs map[string]bool) {
	t.Helper()
	out, err := exec.Command("git", "-C", "..", "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files, dirs = map[string]bool{}, map[string]bool{}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		files[f] = true
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	return files, dirs
}

// headingAnchors returns the anchors GitHub gives the headings of a Markdown
// document (lower case, punctuation dropped, spaces to hyphens, repeats
// numbered), skipping fenced code.
func headingAnchors(src []byte) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		m := headingRe.FindStringSubmatch(line)
		if fenced || m == nil {
			continue
		}
		slug := strings.ReplaceAll(slugDropRe.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if k := seen[slug]; k > 0 {
			out[slug+"-"+strconv.Itoa(k)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}
