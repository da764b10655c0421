package graph_test

import (
	"context"
	"testing"

	"github.com/hjx-exchange/hjx/internal/audit"
)

// TestPreviewSharingPolicy: the preview lists the current projects whose
// decision would change, with the reasons after the change, and saves nothing.
func TestPreviewSharingPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // leeds: GRU + COL, no COL answer yet: every project PENDING_APPROVAL
	type change struct {
		Project       struct{ ID, Title string }
		Before, After string
		Reasons       []struct{ Code string }
	}
	preview := func(t *testing.T, input string) []change {
		var out struct{ PreviewSharingPolicy []change }
		f.must(t, admin, `{ previewSharingPolicy(partnerId: "leeds", input: `+input+`) {
			project { id title } before after reasons { code } } }`, nil, &out)
		return out.PreviewSharingPolicy
	}
	t.Run("OKDroppingCOLAllowsEveryCurrentProject", func(t *testing.T) {
		got := preview(t, `{permission: GRU}`)
		if len(got) != 4 { // p1, p2 approved; toApprove, toRevoke proposed
			t.Fatalf("%d changes, want 4: %+v", len(got), got)
		}
		for _, c := range got {
			if c.Before != "PENDING_APPROVAL" || c.After != "ALLOW" || len(c.Reasons) != 0 {
				t.Errorf("%s: %s -> %s %v, want PENDING_APPROVAL -> ALLOW", c.Project.Title, c.Before, c.After, c.Reasons)
			}
		}
	})
	t.Run("OKSamePolicyChangesNothing", func(t *testing.T) {
		if got := preview(t, `{permission: GRU, collaborationRequired: true}`); len(got) != 0 {
			t.Fatalf("the current policy previews %d changes: %+v", len(got), got)
		}
	})
	t.Run("OKReasonsAfter", func(t *testing.T) {
		got := preview(t, `{permission: GRU, collaborationRequired: true, allowedCountries: [US]}`)
		if len(got) != 4 || got[0].After != "DENY" || len(got[0].Reasons) == 0 || got[0].Reasons[0].Code != "GS" {
			t.Fatalf("US only: %+v, want 4 projects DENY for GS", got)
		}
	})
	t.Run("OKNothingSaved", func(t *testing.T) {
		var out struct{ SharingPolicy struct{ Version int } }
		f.must(t, admin, `{ sharingPolicy(partnerId: "leeds") { version } }`, nil, &out)
		if out.SharingPolicy.Version != 1 {
			t.Fatalf("version %d after previews, want 1", out.SharingPolicy.Version)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if r := f.do(t, admin, `{ previewSharingPolicy(partnerId: "leeds", input: {permission: GRU, minCell: 0}) { before } }`, nil); r.Code() != "INVALID" {
			t.Fatalf("minCell 0: code %q, want INVALID", r.Code())
		}
	})
	t.Run("ErrForbiddenOtherPartner", func(t *testing.T) {
		if r := f.do(t, admin, `{ previewSharingPolicy(partnerId: "boston", input: {permission: GRU}) { before } }`, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("code %q, want FORBIDDEN", r.Code())
		}
	})
}

// TestDataUsageSummary counts the outcome queries that included the partner,
// by project and month, and nothing else from the audit log.
func TestDataUsageSummary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	app := f.env.App
	for i, partners := range [][]string{{"leeds", "boston"}, {"leeds"}, {"boston"}} {
		_, err := app.Audit.Append(ctx, app.DB, nil, audit.Entry{Action: "outcomes.query", Subject: "project:" + f.ids["p1"],
			ProjectID: f.ids["p1"], PartnersIncluded: partners})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	var out struct {
		DataUsageSummary []struct {
			ProjectID, ProjectTitle, Month string
			Queries                        int
		}
	}
	f.must(t, admin, `{ dataUsageSummary(partnerId: "leeds") { projectId projectTitle month queries } }`, nil, &out)
	got := out.DataUsageSummary
	if len(got) != 1 || got[0].ProjectID != f.ids["p1"] || got[0].ProjectTitle != "Project one" || got[0].Queries != 2 || got[0].Month != "2022-06" {
		t.Fatalf("summary %+v, want one row: Project one, 2022-06, 2 queries", got)
	}
	if r := f.do(t, admin, `{ dataUsageSummary(partnerId: "boston") { queries } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("another partner's summary: code %q, want FORBIDDEN", r.Code())
	}
}

// TestAuditChainStatus reports a sound chain, then the first edited entry.
func TestAuditChainStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type status struct {
		Ok          bool
		Entries     int
		HeadHash    string
		FirstBadSeq *int
	}
	get := func(t *testing.T) status {
		var out struct{ AuditChainStatus status }
		f.must(t, steward, `{ auditChainStatus { ok entries headHash firstBadSeq } }`, nil, &out)
		return out.AuditChainStatus
	}
	t.Run("OK", func(t *testing.T) {
		s := get(t)
		if !s.Ok || s.Entries < 5 || s.HeadHash == "" || s.FirstBadSeq != nil {
			t.Fatalf("status %+v, want ok over the fixture's entries", s)
		}
	})
	t.Run("OKBroken", func(t *testing.T) {
		db := f.env.App.DB
		for _, q := range []string{`ALTER TABLE audit_entries DISABLE TRIGGER USER`,
			`UPDATE audit_entries SET subject = 'edited' WHERE seq = 3`, `ALTER TABLE audit_entries ENABLE TRIGGER USER`} {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		s := get(t)
		if s.Ok || s.FirstBadSeq == nil || *s.FirstBadSeq != 3 || s.Entries != 2 {
			t.Fatalf("status %+v, want broken at seq 3 after 2 good entries", s)
		}
	})
}

// TestTokensList: the steward lists tokens without secrets; a revoked one says so.
func TestTokensList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var out struct {
		Tokens []struct {
			ID, Name  string
			RevokedAt *string
			Principal struct{ Role string }
		}
	}
	f.must(t, steward, `{ tokens(first: 500) { id name revokedAt principal { role } } }`, nil, &out)
	revoked := map[string]bool{}
	for _, tok := range out.Tokens {
		revoked[tok.ID] = tok.RevokedAt != nil
	}
	id := f.ids["stewardRevokes"]
	if v, ok := revoked[id]; !ok || v {
		t.Fatalf("token %s listed %v, revoked %v; want listed, not revoked", id, ok, v)
	}
	f.must(t, steward, `mutation($id: ID!) { revokeToken(id: $id) }`, map[string]any{"id": id}, &struct{}{})
	f.must(t, steward, `{ tokens(first: 500) { id name revokedAt principal { role } } }`, nil, &out)
	for _, tok := range out.Tokens {
		if tok.ID == id && tok.RevokedAt == nil {
			t.Fatal("a revoked token is listed as live")
		}
	}
	if r := f.do(t, steward, `{ tokens(first: 0) { id } }`, nil); r.Code() != "INVALID" {
		t.Fatalf("first: 0: code %q, want INVALID", r.Code())
	}
}
