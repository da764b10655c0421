package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/testkit"
)

func httptestRequest(query string) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// An SQL error must reach the client only as "internal error", with the detail in
// the server's log.
func TestErrorPresenterHidesInternalErrors(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	env.Partner("leeds-gp", "GB", "GB-ENG")
	if _, err := env.App.DB.Exec(`ALTER TABLE partners RENAME COLUMN region TO region_secret_detail`); err != nil {
		t.Fatal(err)
	}
	r := env.Do("", `{ partners { totalCount } }`, nil)
	if r.Code() != "INTERNAL" || r.Errors[0].Message != "internal error" {
		t.Fatalf("want INTERNAL 'internal error', got %+v", r.Errors)
	}
	raw, _ := json.Marshal(r.Errors)
	for _, leak := range []string{"region", "column", "pq:", "SELECT", "region_secret"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("client error %s leaks %q", raw, leak)
		}
	}
	if !strings.Contains(env.Logs.String(), "region") {
		t.Errorf("the server log lacks the SQL error's detail: %s", env.Logs.String())
	}
}

func TestErrorPresenterParseAndValidation(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	for _, tc := range []struct{ name, query string }{
		{"ErrParse", `{ partners { `},
		{"ErrUnknownField", `{ partners { nope } }`},
		{"ErrBadEnum", `{ partners(filter: {country: FR}) { totalCount } }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do("", tc.query, nil)
			if r.Code() != "INVALID" {
				t.Fatalf("want INVALID, got %+v", r.Errors)
			}
		})
	}
}
