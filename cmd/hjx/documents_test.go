package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
	"github.com/hjx-exchange/hjx/internal/web"
)

// `hjx documents register --project ID --restrict` registers the dashboard's
// documents through the API with the lead's token and restricts the project;
// another researcher's token is refused.
func TestDocumentsCommand(t *testing.T) {
	t.Parallel()
	env := testkit.New(t)
	lead, _ := env.Token(hjx.RoleResearcher, "", "")
	other, _ := env.Token(hjx.RoleResearcher, "", "")
	var proj struct{ ProposeProject struct{ ID string } }
	env.Do(lead, `mutation { proposeProject(input: {title: "Dash", institution: "Leeds", institutionCountry: GB,
		forProfit: false, purpose: GENERAL_RESEARCH, commercialUse: false, publicationCommitted: true,
		startsOn: "2022-01-01", endsOn: "2023-12-31"}) { id } }`, nil).Decode(t, &proj)
	pid := proj.ProposeProject.ID
	url := serveHTTP(t, env)
	register := func(token string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"hjx", "documents", "register", "--project", pid, "--restrict"},
			clientEnv(url, token), &out, &errOut)
		return out.String(), err
	}

	t.Run("ErrNotLead", func(t *testing.T) {
		if _, err := register(other); err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
			t.Fatalf("another researcher: %v, want NOT_FOUND", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		out, err := register(lead)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range web.DashboardDocuments() {
			if !strings.Contains(out, "sha256:"+d.SHA256+"\t"+d.Name) {
				t.Errorf("output lacks %s %s:\n%s", d.SHA256, d.Name, out)
			}
		}
		var p struct {
			Project struct{ DashboardsTrustedDocumentsOnly bool }
		}
		env.Do(lead, `query($p: ID!) { project(id: $p) { dashboardsTrustedDocumentsOnly } }`, map[string]any{"p": pid}).Decode(t, &p)
		if !p.Project.DashboardsTrustedDocumentsOnly {
			t.Error("--restrict did not restrict the project")
		}
	})
}
