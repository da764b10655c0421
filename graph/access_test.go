package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestObjectScoping: past the gate, every object is scoped by the principal across
// the fixture's two partners and two projects.
func TestObjectScoping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.tokens["adminB"] = f.adminB
	p1, p2 := f.ids["p1"], f.ids["p2"]
	cases := []struct {
		name   string
		caller string
		query  string
		vars   map[string]any
		want   string // extensions.code
	}{
		{"ResearcherOtherProject", researcher, `query($id: ID!) { project(id: $id) { id } }`, map[string]any{"id": p2}, "NOT_FOUND"},
		{"ResearcherOtherProjectDecisions", researcher, `query($id: ID!) { accessDecisions(projectId: $id) { decision } }`,
			map[string]any{"id": p2}, "NOT_FOUND"},
		{"ResearcherAddToOtherProject", researcher, `mutation($p: ID!, $m: ID!) { addProjectMember(projectId: $p, principalId: $m) { id } }`,
			map[string]any{"p": p2, "m": f.extraR[0].ID}, "NOT_FOUND"},
		{"SecondResearcherFirstProject", "r2", `query($id: ID!) { project(id: $id) { id } }`, map[string]any{"id": p1}, "NOT_FOUND"},
		{"DashboardOtherProject", dashboard, `query($id: ID!) { project(id: $id) { id } }`, map[string]any{"id": p2}, "NOT_FOUND"},
		{"MalformedProjectID", steward, `{ project(id: "p1") { id } }`, nil, "NOT_FOUND"},
		{"AdminOtherPartnerPolicy", admin, `{ sharingPolicy(partnerId: "boston") { version } }`, nil, "NOT_FOUND"},
		{"AdminBOtherPartnerPolicy", "adminB", `{ sharingPolicy(partnerId: "leeds") { version } }`, nil, "NOT_FOUND"},
		{"AdminSetOtherPartnerPolicy", admin, `mutation { setSharingPolicy(partnerId: "boston", input: {permission: NRES}) { version } }`,
			nil, "FORBIDDEN"},
		{"AdminOtherPartnerUsage", admin, `{ dataUsage(partnerId: "boston") { totalCount } }`, nil, "FORBIDDEN"},
		{"AdminDecideForOtherPartner", admin, `mutation($id: ID!) { decideProjectAccess(projectId: $id, partnerId: "boston", allow: true) { decision } }`,
			map[string]any{"id": p1}, "FORBIDDEN"},
		{"AdminRevokeOtherPartnersToken", admin, `mutation($id: ID!) { revokeToken(id: $id) }`,
			map[string]any{"id": f.ids["bostonUploaderToken"]}, "NOT_FOUND"},
		{"AdminIssueOtherPartnersToken", admin, `mutation { issueToken(input: {role: PARTNER_UPLOADER, name: "x", partnerId: "boston"}) { id } }`,
			nil, "FORBIDDEN"},
		{"ResearcherDashboardOfOtherProject", researcher, `mutation($id: ID) { issueToken(input: {role: DASHBOARD, name: "x", projectId: $id}) { id } }`,
			map[string]any{"id": p2}, "NOT_FOUND"},
	}
	for _, c := range cases {
		t.Run("Err"+c.name, func(t *testing.T) {
			r := f.do(t, c.caller, c.query, c.vars)
			if r.Code() != c.want {
				t.Fatalf("code = %q, want %s (errors %+v)", r.Code(), c.want, r.Errors)
			}
		})
	}
	t.Run("OKListsScoped", func(t *testing.T) {
		var mine struct {
			Projects struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		f.must(t, researcher, `{ projects { totalCount edges { node { id } } } }`, nil, &mine)
		for _, e := range mine.Projects.Edges {
			if e.Node.ID == p2 {
				t.Fatal("researcher lists a project it is not on")
			}
		}
		var all struct{ Projects struct{ TotalCount int } }
		f.must(t, steward, `{ projects { totalCount } }`, nil, &all)
		if all.Projects.TotalCount != mine.Projects.TotalCount+1 {
			t.Fatalf("steward sees %d, researcher %d: want exactly p2 more", all.Projects.TotalCount, mine.Projects.TotalCount)
		}
		var ds struct {
			AccessDecisions []struct{ Partner struct{ ID string } }
		}
		f.must(t, admin, `query($id: ID!) { accessDecisions(projectId: $id) { partner { id } } }`, map[string]any{"id": p1}, &ds)
		if len(ds.AccessDecisions) != 1 || ds.AccessDecisions[0].Partner.ID != "leeds" {
			t.Fatalf("partner admin sees decisions %+v, want its own row only", ds.AccessDecisions)
		}
		var me struct {
			Me struct{ Project struct{ ID, Status string } }
		}
		f.must(t, dashboard, `{ me { project { id status } } }`, nil, &me)
		if me.Me.Project.ID != p1 || me.Me.Project.Status != "APPROVED" {
			t.Fatalf("dashboard's project = %+v", me.Me.Project)
		}
	})
}

// TestAccessFlow walks the issue's story through GraphQL: a partner sets a DUO
// policy, a researcher proposes a project and the steward approves it, decisions
// show reasons and the moratorium, the partner approves under COL, the project
// expires by date, and every step is in the audit log, paged newest first.
func TestAccessFlow(t *testing.T) {
	t.Parallel()
	s := newAccessStory(t)
	s.setPolicies()
	s.proposeAndApprove()
	s.checkDecisions()
	s.dashboardToken()
	s.expireByDate()
	s.checkAuditLog()
	s.checkDataUsage()
}

// accessStory carries TestAccessFlow's state from one step to the next.
type accessStory struct {
	t                             *testing.T
	env                           *testkit.Env
	stew, leedsAdmin, bostonAdmin string
	res                           string
	resID                         string
	pid                           string
}

type accessDecision struct {
	Partner         struct{ ID string }
	Project         struct{ ID string }
	Decision        string
	Reasons         []struct{ Code, Message string }
	MoratoriumUntil *string
}

func newAccessStory(t *testing.T) *accessStory {
	env := testkit.New(t)
	env.Partner("leeds", "GB", "GB-ENG")
	env.Partner("boston", "US", "US-MA")
	s := &accessStory{t: t, env: env}
	s.stew, _ = env.Token("STEWARD", "", "")
	s.leedsAdmin, _ = env.Token("PARTNER_ADMIN", "leeds", "")
	s.bostonAdmin, _ = env.Token("PARTNER_ADMIN", "boston", "")
	var resP *hjx.Principal
	s.res, resP = env.Token("RESEARCHER", "", "")
	s.resID = resP.ID
	return s
}

func (s *accessStory) mustDo(tok, q string, vars map[string]any, v any) {
	s.t.Helper()
	s.env.Do(tok, q, vars).Decode(s.t, v)
}

func (s *accessStory) setPolicies() {
	t := s.t
	var pol struct {
		SetSharingPolicy struct {
			Version          int
			MinCell          int
			AllowedCountries []string
			Partner          struct{ ID string }
		}
	}
	s.mustDo(s.leedsAdmin, `mutation { setSharingPolicy(partnerId: "leeds", input: {permission: HMB, allowedCountries: [GB],
		ethicsApprovalRequired: true, moratoriumUntil: "2023-01-31"}) { version minCell allowedCountries partner { id } } }`, nil, &pol)
	if pol.SetSharingPolicy.Version != 1 || pol.SetSharingPolicy.MinCell != 8 || pol.SetSharingPolicy.Partner.ID != "leeds" {
		t.Fatalf("policy = %+v", pol.SetSharingPolicy)
	}
	s.mustDo(s.bostonAdmin, `mutation { setSharingPolicy(partnerId: "boston", input: {permission: GRU, collaborationRequired: true}) { version } }`, nil, &pol)
	if r := s.env.Do(s.bostonAdmin, `mutation { setSharingPolicy(partnerId: "boston", input: {permission: GRU, minCell: 5}) { version } }`, nil); r.Code() != "INVALID" {
		t.Fatalf("minCell 5 below floor: code %q, want INVALID", r.Code())
	}
}

func (s *accessStory) proposeAndApprove() {
	var proj struct {
		ProposeProject struct {
			ID      string
			Status  string
			Members []struct{ ID, Role string }
		}
	}
	in := projectInput("Welfare advice in GP practices")
	in["ethicsApprovalRef"] = nil
	in["endsOn"] = "2022-12-31"
	s.mustDo(s.res, `mutation($in: ProjectInput!) { proposeProject(input: $in) { id status members { id role } } }`, map[string]any{"in": in}, &proj)
	s.pid = proj.ProposeProject.ID
	if proj.ProposeProject.Status != "PROPOSED" || len(proj.ProposeProject.Members) != 1 || proj.ProposeProject.Members[0].ID != s.resID {
		s.t.Fatalf("proposed = %+v", proj.ProposeProject)
	}
	var appr struct{ ApproveProject struct{ Status string } }
	s.mustDo(s.stew, `mutation($id: ID!) { approveProject(id: $id) { status } }`, map[string]any{"id": s.pid}, &appr)
}

func (s *accessStory) decisions() map[string]accessDecision {
	var out struct{ AccessDecisions []accessDecision }
	s.mustDo(s.res, `query($id: ID!) { accessDecisions(projectId: $id) { partner { id } project { id } decision
			reasons { code message } moratoriumUntil } }`, map[string]any{"id": s.pid}, &out)
	m := map[string]accessDecision{}
	for _, d := range out.AccessDecisions {
		m[d.Partner.ID] = d
	}
	return m
}

func reasonCodes(d accessDecision) []string {
	var c []string
	for _, r := range d.Reasons {
		c = append(c, r.Code)
	}
	return c
}

func (s *accessStory) checkDecisions() {
	t, pid := s.t, s.pid
	ds := s.decisions()
	leeds, boston := ds["leeds"], ds["boston"]
	if leeds.Decision != "DENY" || !slices.Equal(reasonCodes(leeds), []string{"IRB"}) || leeds.MoratoriumUntil == nil ||
		*leeds.MoratoriumUntil != "2023-01-31" || leeds.Project.ID != pid {
		t.Fatalf("leeds = %+v, want DENY IRB with moratorium", leeds)
	}
	if boston.Decision != "PENDING_APPROVAL" || !slices.Equal(reasonCodes(boston), []string{"COL"}) {
		t.Fatalf("boston = %+v, want PENDING_APPROVAL COL", boston)
	}
	var dec struct{ DecideProjectAccess accessDecision }
	s.mustDo(s.bostonAdmin, `mutation($id: ID!) { decideProjectAccess(projectId: $id, partnerId: "boston", allow: true) {
		partner { id } decision reasons { code } } }`, map[string]any{"id": pid}, &dec)
	if dec.DecideProjectAccess.Decision != "ALLOW" {
		t.Fatalf("after approval = %+v", dec.DecideProjectAccess)
	}
	if d := s.decisions()["boston"]; d.Decision != "ALLOW" {
		t.Fatalf("boston after approval = %+v", d)
	}
}

// dashboardToken: a lead's dashboard token reads its project, read-only.
func (s *accessStory) dashboardToken() {
	t, env, pid := s.t, s.env, s.pid
	var tok struct {
		IssueToken struct {
			ID, Secret string
			Principal  struct {
				Role    string
				Project struct{ ID string }
			}
		}
	}
	s.mustDo(s.res, `mutation($id: ID) { issueToken(input: {role: DASHBOARD, name: "dashboard", projectId: $id}) {
		id secret principal { role project { id } } } }`, map[string]any{"id": pid}, &tok)
	if tok.IssueToken.Principal.Project.ID != pid || tok.IssueToken.Secret == "" {
		t.Fatalf("issued = %+v", tok.IssueToken)
	}
	dash := tok.IssueToken.Secret
	var seen struct{ Project struct{ ID string } }
	s.mustDo(dash, `query($id: ID!) { project(id: $id) { id } }`, map[string]any{"id": pid}, &seen)
	if r := env.Do(dash, `mutation { proposeProject(input: {title: "x", institution: "x", institutionCountry: GB, forProfit: false,
		purpose: GENERAL_RESEARCH, commercialUse: false, publicationCommitted: true, startsOn: "2022-01-01", endsOn: "2022-12-31"}) { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("dashboard writing: code %q, want FORBIDDEN", r.Code())
	}
	var revoked struct{ RevokeToken bool }
	s.mustDo(s.res, `mutation($id: ID!) { revokeToken(id: $id) }`, map[string]any{"id": tok.IssueToken.ID}, &revoked)
	if r := env.Do(dash, `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked token: code %q, want UNAUTHENTICATED", r.Code())
	}
}

// expireByDate: the clock passes the end date, nothing is written.
func (s *accessStory) expireByDate() {
	s.env.Clock.Set(time.Date(2023, 1, 1, 0, 0, 1, 0, time.UTC))
	var after struct{ Project struct{ Status string } }
	s.mustDo(s.res, `query($id: ID!) { project(id: $id) { status } }`, map[string]any{"id": s.pid}, &after)
	if after.Project.Status != "EXPIRED" {
		s.t.Fatalf("status after end = %s, want EXPIRED", after.Project.Status)
	}
}

// checkAuditLog reads the audit log, newest first, two at a time.
func (s *accessStory) checkAuditLog() {
	t := s.t
	type page struct {
		AuditLog struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct {
				Node struct {
					Seq    int
					Action string
				}
			}
		}
	}
	var actions []string
	var seqs []int
	var after2 *string
	for range 20 {
		var p page
		s.mustDo(s.stew, `query($after: String) { auditLog(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
			edges { node { seq action } } } }`, map[string]any{"after": after2}, &p)
		for _, e := range p.AuditLog.Edges {
			actions = append(actions, e.Node.Action)
			seqs = append(seqs, e.Node.Seq)
		}
		if !p.AuditLog.PageInfo.HasNextPage {
			if len(actions) != p.AuditLog.TotalCount {
				t.Fatalf("paged %d entries, totalCount %d", len(actions), p.AuditLog.TotalCount)
			}
			break
		}
		after2 = p.AuditLog.PageInfo.EndCursor
	}
	want := []string{"token.revoke", "token.issue", "project.access.decide", "project.approve", "project.propose",
		"policy.set", "policy.set", "partner.register", "partner.register"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audit actions = %v, want %v", actions, want)
	}
	if !slices.IsSortedFunc(seqs, func(a, b int) int { return b - a }) {
		t.Fatalf("seqs %v not newest first", seqs)
	}
}

func (s *accessStory) checkDataUsage() {
	var usage struct {
		DataUsage struct {
			Edges []struct {
				Node struct {
					Action           string
					PartnersIncluded []string
				}
			}
		}
	}
	s.mustDo(s.bostonAdmin, `{ dataUsage(partnerId: "boston") { edges { node { action partnersIncluded } } } }`, nil, &usage)
	var got []string
	for _, e := range usage.DataUsage.Edges {
		got = append(got, e.Node.Action)
	}
	if !slices.Equal(got, []string{"project.access.decide", "policy.set", "partner.register"}) {
		s.t.Fatalf("boston's data usage = %v", got)
	}
}
