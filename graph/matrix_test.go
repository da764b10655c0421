package graph_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/server"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// fixture is two partners (leeds GB, boston US) and two approved projects (p1 led
// by researcher r1, p2 led by r2), with a token per role, all through the real
// GraphQL handler.
type fixture struct {
	env     *testkit.Env
	tokens  map[string]string // caller -> bearer ("" for anonymous)
	ids     map[string]string // named object ids
	r1, r2  *hjx.Principal
	extraR  []*hjx.Principal
	adminB  string
	uploadB string
}

const (
	anon       = "anonymous"
	steward    = "steward"
	admin      = "admin"
	uploader   = "uploader"
	researcher = "researcher"
	dashboard  = "dashboard"
)

var callers = []string{anon, steward, admin, uploader, researcher, dashboard}

func (f *fixture) do(t *testing.T, caller, query string, vars map[string]any) *testkit.Response {
	t.Helper()
	return f.env.Do(f.tokens[caller], query, vars)
}

func (f *fixture) must(t *testing.T, caller, query string, vars map[string]any, v any) {
	t.Helper()
	f.do(t, caller, query, vars).Decode(t, v)
}

func projectInput(title string) map[string]any {
	return map[string]any{"title": title, "institution": "University of Leeds", "institutionCountry": "GB",
		"forProfit": false, "purpose": "HEALTH_MEDICAL_BIOMEDICAL", "commercialUse": false,
		"ethicsApprovalRef": "REC 22/YH/0001", "publicationCommitted": true, "startsOn": "2022-01-01", "endsOn": "2023-12-31"}
}

func newFixture(t *testing.T) *fixture {
	env := testkit.New(t)
	env.Partner("leeds", "GB", "GB-ENG")
	env.Partner("boston", "US", "US-MA")
	f := &fixture{env: env, tokens: map[string]string{anon: ""}, ids: map[string]string{}}
	f.tokens[steward], _ = env.Token(hjx.RoleSteward, "", "")
	f.tokens[admin], _ = env.Token(hjx.RolePartnerAdmin, "leeds", "")
	f.tokens[uploader], _ = env.Token(hjx.RolePartnerUploader, "leeds", "")
	f.tokens[researcher], f.r1 = env.Token(hjx.RoleResearcher, "", "")
	var r2tok string
	r2tok, f.r2 = env.Token(hjx.RoleResearcher, "", "")
	f.tokens["r2"] = r2tok
	f.adminB, _ = env.Token(hjx.RolePartnerAdmin, "boston", "")
	f.uploadB, _ = env.Token(hjx.RolePartnerUploader, "boston", "")
	for range 2 {
		_, r := env.Token(hjx.RoleResearcher, "", "")
		f.extraR = append(f.extraR, r)
	}
	propose := func(caller, title string) string {
		var out struct{ ProposeProject struct{ ID string } }
		f.must(t, caller, `mutation($in: ProjectInput!) { proposeProject(input: $in) { id } }`,
			map[string]any{"in": projectInput(title)}, &out)
		return out.ProposeProject.ID
	}
	approve := func(id string) {
		var out struct{ ApproveProject struct{ Status string } }
		f.must(t, steward, `mutation($id: ID!) { approveProject(id: $id) { status } }`, map[string]any{"id": id}, &out)
	}
	f.ids["p1"] = propose(researcher, "Project one")
	f.ids["p2"] = propose("r2", "Project two")
	approve(f.ids["p1"])
	approve(f.ids["p2"])
	f.ids["toApprove"] = propose(researcher, "To approve")
	f.ids["toRevoke"] = propose(researcher, "To revoke")
	f.tokens[dashboard], _ = env.Token(hjx.RoleDashboard, "", f.ids["p1"])
	var pol struct{ SetSharingPolicy struct{ Version int } }
	f.must(t, admin, `mutation { setSharingPolicy(partnerId: "leeds", input: {permission: GRU, collaborationRequired: true}) { version } }`, nil, &pol)
	// Tokens each caller may revoke, issued through the API itself.
	issue := func(caller string, input map[string]any) string {
		var out struct{ IssueToken struct{ ID string } }
		f.must(t, caller, `mutation($in: TokenInput!) { issueToken(input: $in) { id } }`, map[string]any{"in": input}, &out)
		return out.IssueToken.ID
	}
	f.ids["stewardRevokes"] = issue(steward, map[string]any{"role": "RESEARCHER", "name": "to revoke"})
	f.ids["adminRevokes"] = issue(admin, map[string]any{"role": "PARTNER_UPLOADER", "name": "to revoke"})
	f.ids["researcherRevokes"] = issue(researcher, map[string]any{"role": "DASHBOARD", "name": "to revoke", "projectId": f.ids["p1"]})
	f.ids["bostonUploaderToken"] = issue(f.adminBCaller(), map[string]any{"role": "PARTNER_UPLOADER", "name": "boston's"})
	return f
}

func (f *fixture) adminBCaller() string {
	f.tokens["adminB"] = f.adminB
	return "adminB"
}

// call is how the matrix exercises one root field: the operation and, per caller,
// variables a caller with the right could legitimately send (so a call the gate
// lets through is not refused for a reason the matrix is not about).
type call struct {
	query string
	vars  func(f *fixture, caller string) map[string]any
	// mine: resolved by this area, so an allowed call must succeed outright. For
	// fields other areas resolve, passing the gate is what counts (it may then fail
	// with INVALID, NOT_FOUND or an INTERNAL "not implemented").
	mine bool
	// upload: sent as a GraphQL multipart request with one small CSV file.
	upload bool
}

func noVars(*fixture, string) map[string]any { return nil }

// entitiesCall fetches one entity as a gateway does, by its key.
func entitiesCall(typename, key string, value func(*fixture) string) call {
	return call{query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`,
		vars: func(f *fixture, _ string) map[string]any {
			return map[string]any{"r": []any{map[string]any{"__typename": typename, key: value(f)}}}
		}, mine: true}
}

func idVar(name string) func(*fixture, string) map[string]any {
	return func(f *fixture, _ string) map[string]any { return map[string]any{"id": f.ids[name]} }
}

var calls = map[string]call{
	"Query.me":              {query: `{ me { id role } }`, vars: noVars, mine: true},
	"Query.tokens":          {query: `{ tokens(first: 5) { id name principal { role } } }`, vars: noVars, mine: true},
	"Query.partners":        {query: `{ partners { totalCount } }`, vars: noVars, mine: true},
	"Query.partner":         {query: `{ partner(id: "leeds") { id } }`, vars: noVars, mine: true},
	"Query.metrics":         {query: `{ metrics { code } }`, vars: noVars, mine: true},
	"Query.submissions":     {query: `{ submissions(partnerId: "leeds") { totalCount } }`, vars: noVars},
	"Query.submission":      {query: `{ submission(id: "00000000-0000-4000-8000-000000000000") { id } }`, vars: noVars},
	"Query.projects":        {query: `{ projects { totalCount } }`, vars: noVars, mine: true},
	"Query.project":         {query: `query($id: ID!) { project(id: $id) { id status } }`, vars: idVar("p1"), mine: true},
	"Query.accessDecisions": {query: `query($id: ID!) { accessDecisions(projectId: $id) { decision } }`, vars: idVar("p1"), mine: true},
	"Query.sharingPolicy":   {query: `{ sharingPolicy(partnerId: "leeds") { version } }`, vars: noVars, mine: true},
	"Query.outcomes": {query: `query($id: ID!) { outcomes(projectId: $id, query: {metric: "PATIENTS_SCREENED"}) { rows { value } } }`,
		vars: idVar("p1")},
	"Query.availability": {query: `query($id: ID!) { availability(projectId: $id) { projectId metrics { metric { code } } } }`,
		vars: idVar("p1"), mine: true},
	"Query.dataUsage":        {query: `{ dataUsage(partnerId: "leeds") { totalCount } }`, vars: noVars, mine: true},
	"Query.auditLog":         {query: `{ auditLog(first: 5) { totalCount } }`, vars: noVars, mine: true},
	"Query.dataUsageSummary": {query: `{ dataUsageSummary(partnerId: "leeds") { month queries } }`, vars: noVars, mine: true},
	"Query.auditChainStatus": {query: `{ auditChainStatus { ok entries } }`, vars: noVars, mine: true},
	"Query.previewSharingPolicy": {query: `{ previewSharingPolicy(partnerId: "leeds", input: {permission: HMB}) { before after } }`,
		vars: noVars, mine: true},
	"Query.exchangeRates": {query: `{ exchangeRates { year version gbpPerUsd source } }`, vars: noVars, mine: true},
	"Mutation.loadExchangeRates": {query: `mutation { loadExchangeRates(csv: "year,gbp_per_usd,ppp_gbp_per_intl_dollar,ppp_usd_per_intl_dollar\n2020,0.780,0.689,1.0\n", source: "World Bank") { added unchanged } }`,
		vars: noVars, mine: true},

	"Mutation.registerPartner": {query: `mutation { registerPartner(input: {id: "cardiff", name: "Cardiff", country: GB,
		region: "GB-WLS", model: HJP, healthSettings: [PRIMARY_CARE], adviceDomains: [DEBT]}) { id } }`, vars: noVars, mine: true},
	"Mutation.uploadSubmission": {query: `mutation($f: Upload!) { uploadSubmission(file: $f, consentBasis: UK_GDPR_PUBLIC_TASK_RESEARCH) { accepted } }`,
		vars: noVars, upload: true},
	"Mutation.submitObservations": {query: `mutation { submitObservations(input: {consentBasis: UK_GDPR_PUBLIC_TASK_RESEARCH, rows: [], dryRun: true}) { accepted } }`,
		vars: noVars},
	"Mutation.retractSubmission": {query: `mutation { retractSubmission(id: "00000000-0000-4000-8000-000000000000", reason: "wrong") { id } }`,
		vars: noVars},
	"Mutation.setSharingPolicy": {query: `mutation { setSharingPolicy(partnerId: "leeds", input: {permission: GRU, collaborationRequired: true}) { version } }`,
		vars: noVars, mine: true},
	"Mutation.proposeProject": {query: `mutation($in: ProjectInput!) { proposeProject(input: $in) { id } }`,
		vars: func(*fixture, string) map[string]any { return map[string]any{"in": projectInput("Matrix")} }, mine: true},
	"Mutation.addProjectMember": {query: `mutation($p: ID!, $m: ID!) { addProjectMember(projectId: $p, principalId: $m) { id } }`,
		vars: func(f *fixture, caller string) map[string]any {
			m := f.extraR[0].ID
			if caller == researcher {
				m = f.extraR[1].ID
			}
			return map[string]any{"p": f.ids["p1"], "m": m}
		}, mine: true},
	"Mutation.approveProject": {query: `mutation($id: ID!) { approveProject(id: $id) { status } }`, vars: idVar("toApprove"), mine: true},
	"Mutation.revokeProject":  {query: `mutation($id: ID!) { revokeProject(id: $id, reason: "matrix") { status } }`, vars: idVar("toRevoke"), mine: true},
	"Mutation.decideProjectAccess": {query: `mutation($id: ID!) { decideProjectAccess(projectId: $id, partnerId: "leeds", allow: true) { decision } }`,
		vars: idVar("p1"), mine: true},
	"Mutation.issueToken": {query: `mutation($in: TokenInput!) { issueToken(input: $in) { id secret } }`,
		vars: func(f *fixture, caller string) map[string]any {
			in := map[string]any{"role": "RESEARCHER", "name": "matrix"}
			switch caller {
			case admin:
				in = map[string]any{"role": "PARTNER_UPLOADER", "name": "matrix"}
			case researcher:
				in = map[string]any{"role": "DASHBOARD", "name": "matrix", "projectId": f.ids["p1"]}
			}
			return map[string]any{"in": in}
		}, mine: true},
	"Query.trustedDocuments": {query: `query($id: ID!) { trustedDocuments(projectId: $id) { id } }`, vars: idVar("p1"), mine: true},
	"Mutation.registerTrustedDocuments": {query: `mutation($id: ID!) { registerTrustedDocuments(projectId: $id, documents: ["{ me { id } }"]) { id } }`,
		vars: idVar("p1"), mine: true},
	// restrict: false, so that the dashboard's later calls in the matrix still run.
	"Mutation.restrictDashboardsToTrustedDocuments": {query: `mutation($id: ID!) { restrictDashboardsToTrustedDocuments(projectId: $id, restrict: false) { id } }`,
		vars: idVar("p1"), mine: true},
	// Apollo Federation: a gateway reads the subgraph SDL, and fetches entities by
	// key (one row per entity type: each follows its root field's rule).
	"Query._service":                   {query: `{ _service { sdl } }`, vars: noVars, mine: true},
	"Query._entities:Partner":          entitiesCall("Partner", "id", func(*fixture) string { return "leeds" }),
	"Query._entities:MetricDefinition": entitiesCall("MetricDefinition", "code", func(*fixture) string { return "PATIENTS_SCREENED" }),
	"Query._entities:Project":          entitiesCall("Project", "id", func(f *fixture) string { return f.ids["p1"] }),
	"Mutation.revokeToken": {query: `mutation($id: ID!) { revokeToken(id: $id) }`,
		vars: func(f *fixture, caller string) map[string]any {
			return map[string]any{"id": f.ids[caller+"Revokes"]}
		}, mine: true},
}

// matrix is the permission table, one row per root field, one column per caller:
// A = allowed by the gate, F = FORBIDDEN by the gate, U = UNAUTHENTICATED.
// It is written out by hand from the issue, not derived from fieldRules, so a
// change to graph/permissions.go that breaks the contract fails here.
var matrix = []struct {
	field                           string
	anon, stew, adm, upl, res, dash string
}{
	//                                          anon stew adm  upl  res  dash
	{"Query.me" /*                         */, "U", "A", "A", "A", "A", "A"},
	{"Query.tokens" /*                     */, "U", "A", "F", "F", "F", "F"},
	{"Query.partners" /*                   */, "A", "A", "A", "A", "A", "A"},
	{"Query.partner" /*                    */, "A", "A", "A", "A", "A", "A"},
	{"Query.metrics" /*                    */, "A", "A", "A", "A", "A", "A"},
	{"Query.submissions" /*                */, "U", "A", "A", "A", "F", "F"},
	{"Query.submission" /*                 */, "U", "A", "A", "A", "F", "F"},
	{"Query.projects" /*                   */, "U", "A", "A", "F", "A", "F"},
	{"Query.project" /*                    */, "U", "A", "A", "F", "A", "A"},
	{"Query.accessDecisions" /*            */, "U", "A", "A", "F", "A", "F"},
	{"Query.sharingPolicy" /*              */, "U", "A", "A", "F", "F", "F"},
	{"Query.outcomes" /*                   */, "U", "F", "F", "F", "A", "A"},
	{"Query.availability" /*               */, "U", "F", "F", "F", "A", "A"},
	{"Query.dataUsage" /*                  */, "U", "A", "A", "F", "F", "F"},
	{"Query.auditLog" /*                   */, "U", "A", "F", "F", "F", "F"},
	{"Query.dataUsageSummary" /*           */, "U", "A", "A", "F", "F", "F"},
	{"Query.auditChainStatus" /*           */, "U", "A", "F", "F", "F", "F"},
	{"Query.previewSharingPolicy" /*       */, "U", "A", "A", "F", "F", "F"},
	{"Mutation.registerPartner" /*         */, "U", "A", "F", "F", "F", "F"},
	{"Query.exchangeRates" /*              */, "A", "A", "A", "A", "A", "A"},
	{"Mutation.loadExchangeRates" /*       */, "U", "A", "F", "F", "F", "F"},
	{"Mutation.uploadSubmission" /*        */, "U", "F", "A", "A", "F", "F"},
	{"Mutation.submitObservations" /*      */, "U", "F", "A", "A", "F", "F"},
	{"Mutation.retractSubmission" /*       */, "U", "F", "A", "F", "F", "F"},
	{"Mutation.setSharingPolicy" /*        */, "U", "A", "A", "F", "F", "F"},
	{"Mutation.proposeProject" /*          */, "U", "F", "F", "F", "A", "F"},
	{"Mutation.addProjectMember" /*        */, "U", "A", "F", "F", "A", "F"},
	{"Mutation.approveProject" /*          */, "U", "A", "F", "F", "F", "F"},
	{"Mutation.revokeProject" /*           */, "U", "A", "F", "F", "F", "F"},
	{"Mutation.decideProjectAccess" /*     */, "U", "F", "A", "F", "F", "F"},
	{"Mutation.issueToken" /*              */, "U", "A", "A", "F", "A", "F"},
	{"Mutation.revokeToken" /*             */, "U", "A", "A", "F", "A", "F"},
	{"Query.trustedDocuments" /*           */, "U", "A", "F", "F", "A", "A"},
	{"Mutation.registerTrustedDocuments", "U", "A", "F", "F", "A", "F"},
	{"Mutation.restrictDashboardsToTrustedDocuments", "U", "A", "F", "F", "A", "F"},
	// Schema information: as introspection, open to all in this (development)
	// configuration; production is TestIntrospection's.
	{"Query._service" /*                   */, "A", "A", "A", "A", "A", "A"},
	{"Query._entities:Partner" /*          */, "A", "A", "A", "A", "A", "A"},
	{"Query._entities:MetricDefinition" /* */, "A", "A", "A", "A", "A", "A"},
	{"Query._entities:Project" /*          */, "U", "A", "A", "F", "A", "A"},
}

func (f *fixture) send(t *testing.T, caller string, c call) *testkit.Response {
	t.Helper()
	vars := c.vars(f, caller)
	if !c.upload {
		return f.do(t, caller, c.query, vars)
	}
	ops, _ := json.Marshal(map[string]any{"query": c.query, "variables": map[string]any{"f": nil}})
	body, contentType := testkit.MultipartUpload(string(ops), `{"0": ["variables.f"]}`, "q1.csv",
		"metric,period_start,period_end,value,n\nPATIENTS_SCREENED,2022-01-01,2022-03-31,40,\n")
	req := httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(server.PreflightHeader, "true")
	if tok := f.tokens[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return f.env.Send(req)
}

// gateResult classifies a response as the gate sees it: U and F only for the
// gate's own refusals (recognised by their messages), A for anything that got past
// it, whatever happened next.
func gateResult(r *testkit.Response, field string) string {
	if len(r.Errors) == 0 {
		return "A"
	}
	msg := r.Errors[0].Message
	switch r.Code() {
	case string(hjx.CodeUnauthenticated):
		return "U"
	case string(hjx.CodeForbidden):
		if strings.Contains(msg, "may not use "+field) {
			return "F"
		}
		// An entity fetch refused by its entity's rule names the entity.
		if _, typename, ok := strings.Cut(field, ":"); ok && strings.Contains(msg, "nor "+typename+" entities") {
			return "F"
		}
		// A multipart upload is refused by the HTTP layer before its body is read.
		if field == "Mutation.uploadSubmission" && strings.Contains(msg, "may not use file uploads") {
			return "F"
		}
	}
	return "A"
}

// fieldData returns the JSON the response holds for the root field ("null" when the
// whole data is null or the field is).
func fieldData(r *testkit.Response, field string) string {
	var data map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &data); err != nil || data == nil {
		return "null"
	}
	_, name, _ := strings.Cut(field, ".")
	name, _, _ = strings.Cut(name, ":")
	if v, ok := data[name]; ok {
		return string(v)
	}
	return "null"
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	covered := map[string]bool{}
	for _, row := range matrix {
		field, _, _ := strings.Cut(row.field, ":") // Query._entities:Project is a row of Query._entities
		covered[field] = true
		c, ok := calls[row.field]
		if !ok {
			t.Fatalf("no call for %s", row.field)
		}
		want := map[string]string{anon: row.anon, steward: row.stew, admin: row.adm, uploader: row.upl,
			researcher: row.res, dashboard: row.dash}
		for _, caller := range callers {
			t.Run(row.field+"/"+caller, func(t *testing.T) {
				r := f.send(t, caller, c)
				got := gateResult(r, row.field)
				if got != want[caller] {
					t.Fatalf("gate = %s, want %s (errors %+v)", got, want[caller], r.Errors)
				}
				if got == "A" && c.mine && len(r.Errors) > 0 {
					t.Fatalf("allowed call failed: %+v", r.Errors)
				}
				if got != "A" && fieldData(r, row.field) != "null" {
					t.Fatalf("refused call returned data %s", r.Data)
				}
			})
		}
	}
	// Every field of the schema is in the matrix (the schema walk itself is
	// TestEveryRootFieldHasARule; here: nothing escaped the table).
	var schema struct {
		Schema struct {
			QueryType, MutationType struct {
				Fields []struct{ Name string }
			}
		} `json:"__schema"`
	}
	f.must(t, steward, `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`, nil, &schema)
	for prefix, fields := range map[string][]struct{ Name string }{"Query.": schema.Schema.QueryType.Fields,
		"Mutation.": schema.Schema.MutationType.Fields} {
		for _, fl := range fields {
			if !covered[prefix+fl.Name] {
				t.Errorf("%s%s is not in the permission matrix", prefix, fl.Name)
			}
		}
	}
}
