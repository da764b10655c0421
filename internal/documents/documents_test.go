package documents_test

import (
	"context"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/documents"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// Registering is idempotent and keeps the order given; ForDashboard finds a
// document only for a dashboard of the document's own project, and reports the
// restriction of that project; the steward and the lead manage, a member does
// not.
func TestRegisterAndForDashboard(t *testing.T) {
	ctx := context.Background()
	env := testkit.New(t)
	svc := env.App.Documents
	_, steward := env.Token(hjx.RoleSteward, "", "")
	_, lead := env.Token(hjx.RoleResearcher, "", "")
	_, member := env.Token(hjx.RoleResearcher, "", "")
	project := func(title string) string {
		p, err := env.App.Governance.ProposeProject(ctx, lead, access.ProjectInput{Title: title, Institution: "Leeds",
			InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"), PublicationCommitted: true,
			StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	p1, p2 := project("One"), project("Two")
	if _, err := env.App.Governance.AddProjectMember(ctx, lead, p1, member.ID); err != nil {
		t.Fatal(err)
	}
	_, dash1 := env.Token(hjx.RoleDashboard, "", p1)
	_, dash2 := env.Token(hjx.RoleDashboard, "", p2)
	a, b := documents.New{Body: "query A { me { id } }", OperationName: "A"}, documents.New{Body: "query B { me { name } }"}

	t.Run("OKIdempotent", func(t *testing.T) {
		first, err := svc.Register(ctx, lead, p1, []documents.New{a})
		if err != nil {
			t.Fatal(err)
		}
		again, err := svc.Register(ctx, steward, p1, []documents.New{b, a})
		if err != nil {
			t.Fatal(err)
		}
		if again[1].SHA256 != first[0].SHA256 || !again[1].RegisteredAt.Equal(first[0].RegisteredAt) || again[0].SHA256 != documents.Hash(b.Body) {
			t.Fatalf("registered again: %+v, first %+v", again, first)
		}
		list, err := svc.List(ctx, member, p1)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v %+v", err, list)
		}
	})
	t.Run("ErrMemberMayNotManage", func(t *testing.T) {
		if _, err := svc.Register(ctx, member, p1, []documents.New{a}); hjx.ErrorCode(err) != hjx.CodeForbidden {
			t.Fatalf("member: %v, want FORBIDDEN", err)
		}
		if err := svc.Restrict(ctx, member, p1, true); hjx.ErrorCode(err) != hjx.CodeForbidden {
			t.Fatalf("member restricting: %v, want FORBIDDEN", err)
		}
	})
	t.Run("OKForDashboard", func(t *testing.T) {
		if err := svc.Restrict(ctx, lead, p1, true); err != nil {
			t.Fatal(err)
		}
		restricted, doc, err := svc.ForDashboard(ctx, dash1, documents.Hash(a.Body))
		if err != nil || !restricted || doc == nil || doc.Body != a.Body || doc.OperationName != "A" {
			t.Fatalf("own project: %v %v %+v", restricted, err, doc)
		}
		restricted, doc, err = svc.ForDashboard(ctx, dash2, documents.Hash(a.Body))
		if err != nil || restricted || doc != nil {
			t.Fatalf("another project's dashboard: %v %v %+v", restricted, err, doc)
		}
		if _, doc, _ := svc.ForDashboard(ctx, lead, documents.Hash(a.Body)); doc != nil {
			t.Fatal("ForDashboard answered a researcher")
		}
	})
}
