package graph_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// Token secrets never reach the logs (debug level included), the audit log or
// any response but the one that issues them: every way a token travels is
// exercised, then everything the server wrote is scanned for the secrets.
func TestNoSecretInLogsOrErrors(t *testing.T) {
	t.Parallel()
	env, admin := testkit.NewWithPartner(t, "p-a", hjx.RolePartnerAdmin)
	steward, _ := env.Token(hjx.RoleSteward, "", "")

	// A token issued through the API: its secret is in that response only.
	var issued struct {
		IssueToken struct{ ID, Secret string }
	}
	env.Do(admin, `mutation { issueToken(input: {role: PARTNER_UPLOADER, name: "uploader", partnerId: "p-a"}) {
		id secret } }`, nil).Decode(t, &issued)
	fresh := issued.IssueToken.Secret
	if !strings.HasPrefix(fresh, auth.SecretPrefix) {
		t.Fatalf("issued secret %q lacks the prefix", fresh[:min(len(fresh), 6)])
	}
	secrets := []string{steward, admin, fresh}
	var bodies []string
	keep := func(r *testkit.Response, raw string) { bodies = append(bodies, raw); _ = r }

	// Use it; fail with it; revoke it; use it revoked.
	for _, q := range []string{`{ me { id role } }`, `{ auditLog { totalCount } }`, `{ nope }`, `{ partner(id: "missing") { id } }`} {
		r := env.Do(fresh, q, nil)
		keep(r, string(r.Data)+errorsText(r))
	}
	env.Do(steward, `mutation($id: ID!) { revokeToken(id: $id) }`, map[string]any{"id": issued.IssueToken.ID}).Decode(t, &struct{}{})
	if r := env.Do(fresh, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked token: %+v", r.Errors)
	} else {
		keep(r, errorsText(r))
	}
	// Guessed and malformed tokens, and a token placed in the URL (GET transport).
	guess := auth.SecretPrefix + strings.Repeat("q", 52)
	secrets = append(secrets, guess)
	for _, h := range []string{"Bearer " + guess, "Bearer " + guess + "x", "Basic " + guess, guess} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", h)
		r := env.Send(req)
		keep(r, errorsText(r))
	}
	req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`{ me { id } }`)+"&token="+steward, nil)
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	bodies = append(bodies, rec.Body.String())

	var audit string
	if err := env.App.DB.Get(&audit, `SELECT coalesce(string_agg(a::text, ' '), '') FROM audit_entries a`); err != nil {
		t.Fatal(err)
	}
	if audit == "" {
		t.Fatal("no audit entries were written: the scan would prove nothing")
	}
	logs := env.Logs.String()
	if !strings.Contains(logs, `"path":"/graphql"`) {
		t.Fatal("no request was logged: the scan would prove nothing")
	}
	for _, s := range secrets {
		body := s[len(auth.SecretPrefix):]
		for where, text := range map[string]string{"logs": logs, "audit log": audit, "responses": strings.Join(bodies, "\n")} {
			if strings.Contains(text, body) {
				t.Errorf("a token secret (%s...) appears in the %s", s[:9], where)
			}
		}
	}
}

func errorsText(r *testkit.Response) string {
	var b strings.Builder
	for _, e := range r.Errors {
		b.WriteString(e.Message + " ")
	}
	return b.String()
}
