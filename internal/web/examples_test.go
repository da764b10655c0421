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

// TestPlaygroundExamplesRunOnDemo runs every example the playground opens with
// against the real API loaded with the demo world, each with the token of the
// role its first line names (ids filled in from the demo): an example that no
// longer matches the schema or the rules fails here rather than in front of a
// researcher.
func TestPlaygroundExamplesRunOnDemo(t *testing.T) {
	src, err := os.ReadFile("frontend/src/examples.js")
	if err != nil {
		t.Fatal(err)
	}
	found := exampleRe.FindAllStringSubmatch(string(src), -1)
	if len(found) < 7 {
		t.Fatalf("found %d examples in examples.js, want one per role (7)", len(found))
	}
	d := newDemoDashboard(t)
	tokens := map[string]string{}
	var partnerID string
	for _, tok := range d.tokens {
		tokens[tok.Role] = tok.Secret
		if tok.Role == "PARTNER_ADMIN" {
			partnerID = tok.For
		}
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
				vars = strings.NewReplacer("PROJECT_ID", d.projectID, "PARTNER_ID", partnerID).Replace(vars)
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
				if len(rows) == 0 {
					t.Errorf("the example's outcomes have no rows on the demo world: %v", data["outcomes"])
				}
			}
		})
	}
}
