package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/documents"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// sendHashed posts a document by hash (documentId, or the APQ extension when
// apq is set), with the text too when query is not "".
func sendHashed(env *testkit.Env, token, hash, query string, apq bool, vars map[string]any) *testkit.Response {
	body := map[string]any{"variables": vars}
	if apq {
		body["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	} else {
		body["documentId"] = "sha256:" + hash
	}
	if query != "" {
		body["query"] = query
	}
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return env.Send(req)
}

// A project's lead registers its dashboard's documents and restricts its
// DASHBOARD tokens to them: an ad-hoc outcomes query is then refused
// (FORBIDDEN, 403 with application/graphql-response+json), a registered document
// is served by documentId, by the APQ hash and by its exact text; a researcher of the
// project is not restricted. Only the steward and the lead manage documents, and
// each change is audited.
func TestTrustedDocuments(t *testing.T) {
	t.Parallel()
	w := newTrustedDocsWorld(t)
	w.unrestricted(t)
	w.registerAndRestrict(t)
	w.restricted(t)
}

// trustedDocsWhoQuery is the one document the lead registers.
const trustedDocsWhoQuery = "query DashboardWho { me { name role } }"

// trustedDocsWorld is TestTrustedDocuments' project, its lead, its dashboard and
// an outsider.
type trustedDocsWorld struct {
	env                     *testkit.Env
	stew, lead, other, dash string
	pid, who, whoHash       string
}

func newTrustedDocsWorld(t *testing.T) *trustedDocsWorld {
	env := testkit.New(t)
	stew, _ := env.Token(hjx.RoleSteward, "", "")
	lead, _ := env.Token(hjx.RoleResearcher, "", "")
	other, _ := env.Token(hjx.RoleResearcher, "", "")
	var proj struct{ ProposeProject struct{ ID string } }
	env.Do(lead, `mutation($in: ProjectInput!) { proposeProject(input: $in) { id } }`,
		map[string]any{"in": projectInput("Dashboards")}).Decode(t, &proj)
	pid := proj.ProposeProject.ID
	dash, _ := env.Token(hjx.RoleDashboard, "", pid)
	return &trustedDocsWorld{env: env, stew: stew, lead: lead, other: other, dash: dash, pid: pid,
		who: trustedDocsWhoQuery, whoHash: documents.Hash(trustedDocsWhoQuery)}
}

// unrestricted: who may register and what, before the project is restricted.
func (w *trustedDocsWorld) unrestricted(t *testing.T) {
	env, lead, other, dash, pid, who := w.env, w.lead, w.other, w.dash, w.pid, w.who
	t.Run("ErrNotLead", func(t *testing.T) {
		r := env.Do(other, `mutation($p: ID!, $d: [String!]!) { registerTrustedDocuments(projectId: $p, documents: $d) { id } }`,
			map[string]any{"p": pid, "d": []string{who}})
		if r.Code() != "NOT_FOUND" {
			t.Fatalf("a researcher off the project: code %q, want NOT_FOUND", r.Code())
		}
		if r := env.Do(dash, `mutation($p: ID!) { restrictDashboardsToTrustedDocuments(projectId: $p, restrict: false) { id } }`,
			map[string]any{"p": pid}); r.Code() != "FORBIDDEN" {
			t.Fatalf("a dashboard restricting itself: code %q, want FORBIDDEN", r.Code())
		}
	})
	t.Run("ErrDoesNotParse", func(t *testing.T) {
		r := env.Do(lead, `mutation($p: ID!, $d: [String!]!) { registerTrustedDocuments(projectId: $p, documents: $d) { id } }`,
			map[string]any{"p": pid, "d": []string{"query {"}})
		if r.Code() != "INVALID" {
			t.Fatalf("code %q, want INVALID", r.Code())
		}
	})
}

func (w *trustedDocsWorld) registerAndRestrict(t *testing.T) {
	env, lead, stew, pid, who, whoHash := w.env, w.lead, w.stew, w.pid, w.who, w.whoHash
	var reg struct {
		RegisterTrustedDocuments []struct{ ID, Sha256Hash, OperationName string }
	}
	env.Do(lead, `mutation($p: ID!, $d: [String!]!) { registerTrustedDocuments(projectId: $p, documents: $d) { id sha256Hash operationName } }`,
		map[string]any{"p": pid, "d": []string{who}}).Decode(t, &reg)
	if got := reg.RegisterTrustedDocuments; len(got) != 1 || got[0].ID != "sha256:"+whoHash || got[0].OperationName != "DashboardWho" {
		t.Fatalf("registered %+v, want sha256:%s DashboardWho", got, whoHash)
	}
	var restr struct {
		RestrictDashboardsToTrustedDocuments struct{ DashboardsTrustedDocumentsOnly bool }
	}
	env.Do(stew, `mutation($p: ID!) { restrictDashboardsToTrustedDocuments(projectId: $p, restrict: true) { dashboardsTrustedDocumentsOnly } }`,
		map[string]any{"p": pid}).Decode(t, &restr)
	if !restr.RestrictDashboardsToTrustedDocuments.DashboardsTrustedDocumentsOnly {
		t.Fatal("the project is not restricted after restrictDashboardsToTrustedDocuments(restrict: true)")
	}
}

// restricted: what the dashboard and the lead may do once the project is restricted.
func (w *trustedDocsWorld) restricted(t *testing.T) {
	env, lead, stew, dash, pid, who, whoHash := w.env, w.lead, w.stew, w.dash, w.pid, w.who, w.whoHash
	const adhoc = `query { outcomes(projectId: "` + "00000000-0000-0000-0000-000000000000" + `", query: {metric: "CLIENTS_ADVISED"}) { rows { value } } }`
	t.Run("ErrAdHocOutcomesRefused", func(t *testing.T) {
		r := env.Do(dash, adhoc, nil)
		if r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "trusted documents") || r.Data != nil {
			t.Fatalf("ad-hoc outcomes from a restricted dashboard: %d %+v data %s", r.Status, r.Errors, r.Data)
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { name } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/graphql-response+json")
		req.Header.Set("Authorization", "Bearer "+dash)
		if r := env.Send(req); r.Status != http.StatusForbidden || r.Code() != "FORBIDDEN" {
			t.Fatalf("with application/graphql-response+json: status %d code %q, want 403 FORBIDDEN", r.Status, r.Code())
		}
	})
	t.Run("ErrUnknownHash", func(t *testing.T) {
		if r := sendHashed(env, dash, documents.Hash("query { me { id } }"), "", false, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("code %q, want FORBIDDEN", r.Code())
		}
	})
	for _, tt := range []struct {
		name string
		do   func() *testkit.Response
	}{
		{"OKByDocumentID", func() *testkit.Response { return sendHashed(env, dash, whoHash, "", false, nil) }},
		{"OKByAPQHash", func() *testkit.Response { return sendHashed(env, dash, whoHash, "", true, nil) }},
		{"OKByText", func() *testkit.Response { return env.Do(dash, who, nil) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var me struct{ Me struct{ Role string } }
			tt.do().Decode(t, &me)
			if me.Me.Role != "DASHBOARD" {
				t.Fatalf("me = %+v", me)
			}
		})
	}
	t.Run("OKResearcherNotRestricted", func(t *testing.T) {
		var me struct{ Me struct{ Role string } }
		env.Do(lead, "{ me { role } }", nil).Decode(t, &me)
	})
	t.Run("OKListedAndAudited", func(t *testing.T) {
		var list struct{ TrustedDocuments []struct{ Document string } }
		env.Do(lead, `query($p: ID!) { trustedDocuments(projectId: $p) { document } }`, map[string]any{"p": pid}).Decode(t, &list)
		if len(list.TrustedDocuments) != 1 || list.TrustedDocuments[0].Document != who {
			t.Fatalf("listed %+v", list)
		}
		var log struct {
			AuditLog struct {
				Edges []struct{ Node struct{ Action string } }
			}
		}
		env.Do(stew, `{ auditLog(first: 10) { edges { node { action } } } }`, nil).Decode(t, &log)
		var actions []string
		for _, e := range log.AuditLog.Edges {
			actions = append(actions, e.Node.Action)
		}
		for _, want := range []string{"documents.register", "documents.restrict"} {
			if !strings.Contains(strings.Join(actions, " "), want) {
				t.Errorf("audit log %v lacks %s", actions, want)
			}
		}
	})
}

// Automatic persisted queries, for any caller: an unknown hash answers
// PERSISTED_QUERY_NOT_FOUND, the text with its hash is run and kept, the hash
// alone then works; a hash that is not the text's is refused; the cache is
// bounded (size 1: the older hash is forgotten); size 0 turns APQ off.
func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	env := testkit.New(t, func(c *app.Config) { c.GraphQL.APQCacheSize = 1 })
	const q1, q2 = "{ metrics { code } }", "{ partners { totalCount } }"
	h1, h2 := documents.Hash(q1), documents.Hash(q2)

	if r := sendHashed(env, "", h1, "", true, nil); r.Code() != "PERSISTED_QUERY_NOT_FOUND" || r.Errors[0].Message != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash: %+v", r.Errors)
	}
	if r := sendHashed(env, "", h2, q1, true, nil); r.Code() != "INVALID" {
		t.Fatalf("hash mismatch: code %q, want INVALID", r.Code())
	}
	var m struct{ Metrics []struct{ Code string } }
	sendHashed(env, "", h1, q1, true, nil).Decode(t, &m)
	sendHashed(env, "", h1, "", true, nil).Decode(t, &m)
	if len(m.Metrics) == 0 {
		t.Fatal("no metrics by hash")
	}
	var p struct{ Partners struct{ TotalCount int } }
	sendHashed(env, "", h2, q2, true, nil).Decode(t, &p)
	if r := sendHashed(env, "", h1, "", true, nil); r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("evicted hash: code %q, want PERSISTED_QUERY_NOT_FOUND (cache of 1)", r.Code())
	}

	off := testkit.New(t, func(c *app.Config) { c.GraphQL.APQCacheSize = 0 })
	if r := sendHashed(off, "", h1, q1, true, nil); r.Code() != "PERSISTED_QUERY_NOT_SUPPORTED" {
		t.Fatalf("APQ off: code %q, want PERSISTED_QUERY_NOT_SUPPORTED", r.Code())
	}
}

// Whoever may see a project sees whether its dashboards are restricted: a
// partner admin listing projects gets the flag, not an error.
func TestTrustedDocumentsFlagVisibleWithProject(t *testing.T) {
	t.Parallel()
	env, admin := testkit.NewWithPartner(t, "leeds", hjx.RolePartnerAdmin)
	lead, _ := env.Token(hjx.RoleResearcher, "", "")
	env.Do(lead, `mutation($in: ProjectInput!) { proposeProject(input: $in) { id } }`,
		map[string]any{"in": projectInput("Flag")}).Decode(t, &struct{}{})
	var out struct {
		Projects struct {
			Edges []struct {
				Node struct{ DashboardsTrustedDocumentsOnly bool }
			}
		}
	}
	env.Do(admin, `{ projects { edges { node { dashboardsTrustedDocumentsOnly } } } }`, nil).Decode(t, &out)
	if len(out.Projects.Edges) != 1 || out.Projects.Edges[0].Node.DashboardsTrustedDocumentsOnly {
		t.Fatalf("projects = %+v", out.Projects)
	}
}
