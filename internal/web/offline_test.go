package web

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// The pages must load nothing from the internet (docs/ARCHITECTURE.md#pages-portal-dashboard-playground).
// Bundled libraries carry URL strings that are never fetched: XML namespaces,
// links a person may click, and words in error messages or schema descriptions.
// The scan below tells them apart from references a browser would fetch:
//   - HTML and CSS may hold no absolute URL at all;
//   - in JavaScript, an absolute or protocol-relative URL right after a fetching
//     construct (src=, url(, import, fetch(, new Worker(, ...) always fails;
//   - any other absolute URL must be an XML namespace or on the reviewed list
//     below: a library upgrade that adds a URL fails here until someone has
//     looked at what it is for.
// The browser tests check the same at run time: no request leaves localhost.

// inertURLs are the absolute URLs in the bundles that no code fetches, with why.
var inertURLs = map[string]string{
	"https://github.com/graphql/graphiql":                                                  "GraphiQL's default logo link; hjx replaces the logo",
	"https://github.com/graphql/graphiql/blob/master/examples/graphiql-cdn/index.html#L49": "text of a GraphiQL console warning",
	"https://codemirror.net/5/doc/manual.html#keymaps":                                     "link in GraphiQL's keyboard-shortcuts dialog, opened only by a click",
	"https://reactjs.org/docs/error-decoder.html?invariant=":                               "text of React's minified error messages",
	"https://yarnpkg.com/en/docs/selective-version-resolutions":                            "text of graphql-js's duplicate-module error",
	"https://commonmark.org/":                                                              "description of graphql-js's built-in @deprecated directive",
	"https://en.wikipedia.org/wiki/IEEE_floating_point":                                    "description of graphql-js's built-in Float type",
	"http://":         "markdown-it's linkify: prefix added to a link's text",
	"http://${t.url}": "markdown-it's linkify: prefix added to a link's text",
}

// xmlNamespaces are identifiers, not addresses: DOM APIs never fetch them.
var xmlNamespaces = regexp.MustCompile(`^http://www\.w3\.org/(1998/Math/MathML|1999/xhtml|1999/xlink|2000/svg|XML/1998/namespace)$`)

var (
	absoluteURL = regexp.MustCompile("(?i)\\b(?:https?|wss?|ftp)://[^\\s\"'`<>)\\\\]*")
	// fetching is what, right before a URL, makes a browser fetch it.
	fetching         = regexp.MustCompile("(?i)(?:\\bsrc(?:set)?\\s*[=:]\\s*|\\bhref\\s*=\\s*|\\bposter\\s*[=:]\\s*|\\bdata\\s*=\\s*|url\\(\\s*|@import\\s+|\\bimport\\s*\\(\\s*|\\bimport\\s+|\\bfrom\\s*|\\bfetch\\s*\\(\\s*|importScripts\\s*\\(\\s*|Worker\\s*\\(\\s*|WebSocket\\s*\\(\\s*|EventSource\\s*\\(\\s*|sendBeacon\\s*\\(\\s*|\\.open\\s*\\(\\s*[\"'][a-z]+[\"']\\s*,\\s*|new\\s+URL\\s*\\(\\s*|\\baction\\s*=\\s*|\\.src\\s*=\\s*)[\"'`]?$")
	protocolRelative = regexp.MustCompile("(?i)(?:\\bsrc(?:set)?\\s*[=:]|\\bhref\\s*=|url\\(|@import|\\bimport\\s*\\(|\\bfetch\\s*\\(|Worker\\s*\\(|new\\s+URL\\s*\\()\\s*[\"'`]?//[a-z0-9]")
)

// externalReferences returns what in one file would, or might, reach outside
// the server.
func externalReferences(name string, text string) []string {
	var found []string
	ext := path.Ext(name)
	for _, loc := range absoluteURL.FindAllStringIndex(text, -1) {
		u := text[loc[0]:loc[1]]
		before := text[max(0, loc[0]-40):loc[0]]
		switch {
		case ext == ".html" || ext == ".css":
			found = append(found, "absolute URL "+u)
		case fetching.MatchString(before):
			found = append(found, "fetched URL "+u+" (after "+strings.TrimSpace(before)+")")
		case xmlNamespaces.MatchString(u):
		case inertURLs[u] != "":
		default:
			found = append(found, "unreviewed URL "+u+" (context: "+strings.TrimSpace(before)+"): add it to inertURLs only if nothing fetches it")
		}
	}
	for _, m := range protocolRelative.FindAllString(text, -1) {
		found = append(found, "protocol-relative reference "+m)
	}
	return found
}

func TestAssetsReferenceNothingExternal(t *testing.T) {
	t.Parallel()
	requireBuilt(t)
	scanned := 0
	err := fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch path.Ext(name) {
		case ".html", ".js", ".css":
		default:
			return nil
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		scanned++
		for _, f := range externalReferences(name, string(b)) {
			t.Errorf("%s: %s", name, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 6 { // two pages, two scripts, two style sheets
		t.Fatalf("scanned %d files, want the pages and every bundle", scanned)
	}
}

// TestExternalReferencesScanner shows the scanner catches what a library (or a
// careless edit) could add, so that the test above cannot pass by blindness.
func TestExternalReferencesScanner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, text string
		want             string // a substring of the finding; "" means none
	}{
		{"ErrScriptSrc", "a.html", `<script src="https://cdn.example.org/x.js"></script>`, "absolute URL"},
		{"ErrStylesheet", "a.html", `<link rel="stylesheet" href="//cdn.example.org/x.css">`, "protocol-relative"},
		{"ErrCSSFont", "a.css", `@font-face{src:url(https://fonts.example.org/f.woff2)}`, "absolute URL"},
		{"ErrCSSImport", "a.css", `@import "//fonts.example.org/f.css";`, "protocol-relative"},
		{"ErrFetch", "a.js", `fetch("https://api.example.org/x")`, "fetched URL"},
		{"ErrDynamicImport", "a.js", `import("https://esm.example.org/m.js")`, "fetched URL"},
		{"ErrWorker", "a.js", `new Worker("https://cdn.example.org/w.js")`, "fetched URL"},
		{"ErrScriptProperty", "a.js", `e.src="https://cdn.example.org/x.js"`, "fetched URL"},
		{"ErrJSXSrc", "a.js", `jsx("img",{src:"https://cdn.example.org/i.png"})`, "fetched URL"},
		{"ErrUnreviewed", "a.js", `const docs="https://new.example.org/"`, "unreviewed URL"},
		{"ErrReviewedButFetched", "a.js", `fetch("https://commonmark.org/")`, "fetched URL"},
		{"OK/Namespace", "a.js", `createElementNS("http://www.w3.org/2000/svg","svg")`, ""},
		{"OK/ReviewedLink", "a.js", `jsx("a",{href:"https://codemirror.net/5/doc/manual.html#keymaps"})`, ""},
		{"OK/DataURL", "a.css", `.x{background:url(data:image/png;base64,AAAA)}`, ""},
		{"OK/RelativeAsset", "a.html", `<script defer src="/assets/dashboard.js"></script>`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(externalReferences(tc.file, tc.text), "; ")
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("findings %q, want %q", got, tc.want)
			}
		})
	}
}
