package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// colPartner finds a demo partner whose policy requires collaboration (COL),
// asking the API (not the demo's figures), and issues a partner admin token
// for it through the API, as a steward would.
func (p *demoPortal) colPartner(t *testing.T) (partnerID, adminSecret string) {
	t.Helper()
	steward := p.token["STEWARD"].Secret
	var list struct {
		Partners struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	p.env.Do(steward, `{ partners(first: 100) { edges { node { id } } } }`, nil).Decode(t, &list)
	for _, e := range list.Partners.Edges {
		var out struct {
			SharingPolicy *struct{ CollaborationRequired bool }
		}
		p.env.Do(steward, `query($p: ID!) { sharingPolicy(partnerId: $p) { collaborationRequired } }`,
			map[string]any{"p": e.Node.ID}).Decode(t, &out)
		if out.SharingPolicy != nil && out.SharingPolicy.CollaborationRequired {
			var issued struct{ IssueToken struct{ Secret string } }
			p.env.Do(steward, `mutation($p: ID!) { issueToken(input: {role: PARTNER_ADMIN, name: "COL admin", partnerId: $p}) { secret } }`,
				map[string]any{"p": e.Node.ID}).Decode(t, &issued)
			return e.Node.ID, issued.IssueToken.Secret
		}
	}
	t.Fatal("no demo partner requires collaboration (COL)")
	return "", ""
}

// excludedFor returns the reason codes for which the researcher's outcome
// query leaves partnerID out ("" when it is included or has no figures).
func (p *demoPortal) excludedFor(t *testing.T, partnerID string) []string {
	t.Helper()
	var out struct {
		Outcomes struct {
			Coverage struct {
				PartnersExcluded []struct {
					Partner struct{ ID string }
					Reasons []struct{ Code string }
				}
			}
		}
	}
	p.env.Do(p.token["RESEARCHER"].Secret, `query($id: ID!) { outcomes(projectId: $id, query: {metric: "CLIENTS_ADVISED", groupBy: [COUNTRY]}) {
		coverage { partnersExcluded { partner { id } reasons { code } } } } }`, map[string]any{"id": p.projectID}).Decode(t, &out)
	for _, x := range out.Outcomes.Coverage.PartnersExcluded {
		if x.Partner.ID == partnerID {
			var codes []string
			for _, r := range x.Reasons {
				codes = append(codes, r.Code)
			}
			return codes
		}
	}
	return nil
}

// TestPortalAdminJourney: a partner admin whose policy requires collaboration
// previews dropping COL (the demo project would be allowed), then approves the
// project's request; the researcher's coverage then includes the partner.
func TestPortalAdminJourney(t *testing.T) {
	b := newBrowser(t)
	p := newDemoPortal(t)
	partnerID, admin := p.colPartner(t)
	if codes := p.excludedFor(t, partnerID); !contains(codes, "COL") {
		t.Fatalf("before approval the researcher's query leaves %s out for %v, want COL", partnerID, codes)
	}
	p.signInWith(t, b, admin)

	t.Run("PolicyPreview", func(t *testing.T) {
		goTo(t, b, "policy", `!!document.getElementById("pol-collaborationRequired")`)
		if checked := eval[bool](t, b, `document.getElementById("pol-collaborationRequired").checked`); !checked {
			t.Fatal("the editor does not show the current COL condition")
		}
		if text := eval[string](t, b, `document.getElementById("policy-form").textContent`); !strings.Contains(text, "needs your own approval") {
			t.Error("COL is not explained in plain words")
		}
		b.do(t, chromedp.Click(chromedp.ID("pol-collaborationRequired")), chromedp.Click(chromedp.ID("preview-btn")))
		rows := poll[[]string](t, b, "the preview", `(() => { const r = [...document.querySelectorAll("#preview tbody tr")].map((tr) => tr.textContent); return r.length && r; })()`)
		found := false
		for _, r := range rows {
			if strings.Contains(r, "PENDING_APPROVAL") && strings.Contains(r, "ALLOW") {
				found = true
			}
		}
		if !found {
			t.Errorf("preview rows %q: want a project going from PENDING_APPROVAL to ALLOW", rows)
		}
		b.screenshot(t, "portal-policy-preview")
		var out struct {
			SharingPolicy struct{ CollaborationRequired bool }
		}
		p.env.Do(p.token["STEWARD"].Secret, `query($p: ID!) { sharingPolicy(partnerId: $p) { collaborationRequired } }`,
			map[string]any{"p": partnerID}).Decode(t, &out)
		if !out.SharingPolicy.CollaborationRequired {
			t.Fatal("the preview saved the policy")
		}
	})

	t.Run("ApproveCOLRequest", func(t *testing.T) {
		goTo(t, b, "requests", `document.querySelectorAll("#page tbody tr button").length > 0`)
		row := eval[string](t, b, `document.querySelector("#page tbody tr").textContent`)
		if !strings.Contains(row, "waiting for your answer") {
			t.Fatalf("request row %q", row)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`#page tbody tr button`)))
		poll[bool](t, b, "the approved state", `document.querySelector("#page tbody tr").textContent.includes("approved")`)
		if codes := p.excludedFor(t, partnerID); contains(codes, "COL") {
			t.Fatalf("after approval the researcher's query still leaves %s out for COL", partnerID)
		}
	})

	t.Run("Usage", func(t *testing.T) {
		goTo(t, b, "usage", `document.querySelectorAll("#page tbody tr").length > 0`)
		text := eval[string](t, b, `document.querySelector("#page tbody").textContent`)
		if !strings.Contains(text, "2022-06") {
			t.Errorf("usage table %q lacks this month's queries (the test's own)", text)
		}
		if n := eval[float64](t, b, `document.querySelectorAll("#usage-chart").length`); n != 1 {
			t.Error("no usage chart")
		}
	})
	b.checkClean(t)
}

// TestPortalStewardJourney: the steward approves a proposed project and issues
// its dashboard token, shown once, which then works against the API.
func TestPortalStewardJourney(t *testing.T) {
	b := newBrowser(t)
	p := newDemoPortal(t)
	var proposed struct{ ProposeProject struct{ ID string } }
	p.env.Do(p.token["RESEARCHER"].Secret, `mutation { proposeProject(input: {title: "Portal test project", institution: "University of York",
		institutionCountry: GB, forProfit: false, purpose: GENERAL_RESEARCH, commercialUse: false, publicationCommitted: true,
		startsOn: "2022-01-01", endsOn: "2023-12-31"}) { id } }`, nil).Decode(t, &proposed)
	id := proposed.ProposeProject.ID
	p.signIn(t, b, "STEWARD")

	t.Run("ApproveProject", func(t *testing.T) {
		goTo(t, b, "projects", `!!document.querySelector('tr[data-id="`+id+`"]')`)
		row := eval[string](t, b, `document.querySelector('tr[data-id="`+id+`"]').textContent`)
		if !strings.Contains(row, "PROPOSED") || !strings.Contains(row, "Demo researcher") {
			t.Fatalf("project row %q: want PROPOSED with its member", row)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`tr[data-id="`+id+`"] button`)))
		poll[bool](t, b, "APPROVED", `document.querySelector('tr[data-id="`+id+`"]').cells[2].textContent === "APPROVED"`)
	})

	t.Run("RegisterPartner", func(t *testing.T) {
		goTo(t, b, "partners", `!!document.getElementById("partner-form")`)
		b.do(t, chromedp.SetValue(chromedp.ID("p-id"), "york-advice"),
			chromedp.SetValue(chromedp.ID("p-name"), "York Advice"),
			chromedp.SetValue(chromedp.ID("p-region"), "GB-ENG"),
			chromedp.SetValue(chromedp.ID("p-settings"), "primary_care"),
			chromedp.SetValue(chromedp.ID("p-domains"), "WELFARE_BENEFITS, DEBT"),
			chromedp.Click(chromedp.CSS(`#partner-form button`)))
		poll[bool](t, b, "the new partner in the list", `[...document.querySelectorAll("#page tbody tr")].some((tr) => tr.cells[0].textContent === "york-advice")`)
		var out struct {
			Partner struct{ HealthSettings, AdviceDomains []string }
		}
		p.env.Do("", `{ partner(id: "york-advice") { healthSettings adviceDomains } }`, nil).Decode(t, &out)
		if len(out.Partner.HealthSettings) != 1 || len(out.Partner.AdviceDomains) != 2 {
			t.Fatalf("registered %+v", out.Partner)
		}
	})

	t.Run("IssueDashboardToken", func(t *testing.T) {
		goTo(t, b, "tokens", `!!document.getElementById("t-role")`)
		b.do(t, chromedp.SetValue(chromedp.ID("t-role"), "DASHBOARD"),
			chromedp.SetValue(chromedp.ID("t-name"), "York dashboard"),
			chromedp.SetValue(chromedp.ID("t-project"), id),
			chromedp.Click(chromedp.ID("issue")))
		secret := poll[string](t, b, "the new secret", `document.getElementById("new-secret")?.textContent`)
		var me struct{ Me struct{ Role string } }
		p.env.Do(secret, `{ me { role } }`, nil).Decode(t, &me)
		if me.Me.Role != "DASHBOARD" {
			t.Fatalf("the issued token is %q", me.Me.Role)
		}
	})

	t.Run("AuditChain", func(t *testing.T) {
		goTo(t, b, "audit", `!!document.getElementById("chain")`)
		if msg := eval[string](t, b, `document.getElementById("chain").textContent`); !strings.Contains(msg, "intact") {
			t.Errorf("chain status %q", msg)
		}
		b.do(t, chromedp.SetValue(chromedp.ID("audit-action"), "project.approve"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("audit-action").dispatchEvent(new Event("input"))`))
		rows := eval[[]string](t, b, `[...document.querySelectorAll("#audit tbody tr")].map((tr) => tr.cells[4].textContent)`)
		if len(rows) == 0 {
			t.Fatal("no project.approve entry after approving a project")
		}
		for _, r := range rows {
			if r != "project.approve" {
				t.Errorf("filtered to project.approve, shows %q", r)
			}
		}
	})
	b.checkClean(t)
}
