package web_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// exampleRe finds each example's query and variables in examples.js: plain
// template literals, without substitutions.
var exampleRe = regexp.MustCompile("(?s)query: `([^`]*)`,(?:\\s*variables: `([^`]*)`,)?")

// TestPlaygroundExamplesRunOnDemo runs every example the playground opens with,
// as shipped (the demo world's ids written in, nothing to paste), against the real
// API loaded with the demo world, each with the token of the role its first line
// names: an example that no longer matches the schema or the rules, or whose
// outcomes are all suppressed, fails here rather than in front of a researcher.
func TestPlaygroundExamplesRunOnDemo(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("frontend/src/examples.js")
	if err != nil {
		t.Fatal(err)
	}
	found := exampleRe.FindAllStringSubmatch(string(src), -1)
	if len(found) < 7 {
		t.Fatalf("found %d examples in examples.js, want one per role (7)", len(found))
	}
	if placeholder := regexp.MustCompile(`[A-Z]+_ID`).FindString(string(src)); placeholder != "" {
		t.Errorf("examples.js holds the placeholder %s: the examples must run as shipped", placeholder)
	}
	d := newDemoDashboard(t)
	tokens := map[string]string{}
	for _, tok := range d.tokens {
		tokens[tok.Role] = tok.Secret
		if tok.Role == "PARTNER_ADMIN" && !strings.Contains(string(src), `"`+tok.For+`"`) {
			t.Errorf("the examples do not name the demo PARTNER_ADMIN's partner %s", tok.For)
		}
	}
	if !strings.Contains(string(src), `"`+d.projectID+`"`) {
		t.Errorf("the examples do not name the demo project %s", d.projectID)
	}
	for _, m := range found {
		query, vars := m[1], m[2]
		first, _, _ := strings.Cut(query, "\n")
		role, _, _ := strings.Cut(strings.TrimPrefix(first, "# "), ":")
		token := tokens[role]
		switch {
		case strings.HasPrefix(first, "# Anyone"):
			token = ""
		case strings.HasPrefix(first, "# Any token"):
			token = tokens["RESEARCHER"]
		case token == "":
			t.Fatalf("example %q names no role with a demo token", first)
		}
		name := regexp.MustCompile(`(?m)^(?:query|mutation) (\w+)`).FindStringSubmatch(query)
		if name == nil {
			t.Fatalf("example %q has no named operation", first)
		}
		t.Run(name[1], func(t *testing.T) {
			var variables map[string]any
			if vars != "" {
				if err := json.Unmarshal([]byte(vars), &variables); err != nil {
					t.Fatalf("variables %s: %v", vars, err)
				}
			}
			var data map[string]any
			d.env.Do(token, query, variables).Decode(t, &data)
			if len(data) == 0 {
				t.Fatal("no data")
			}
			if strings.Contains(query, "outcomes(") {
				rows, _ := data["outcomes"].(map[string]any)["rows"].([]any)
				published := 0
				for _, r := range rows {
					if r.(map[string]any)["suppressed"] == false {
						published++
					}
				}
				if published*2 < len(rows) || len(rows) == 0 {
					t.Errorf("the example's outcomes publish %d of %d rows on the demo world: want most", published, len(rows))
				}
			}
			if strings.Contains(query, "availability(") {
				metrics, _ := data["availability"].(map[string]any)["metrics"].([]any)
				if len(metrics) == 0 {
					t.Errorf("the example's availability lists no metrics on the demo world")
				}
			}
		})
	}
}
