package demo

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/web"
)

// namespace makes the demo principals' ids deterministic (UUID v5 of a label).
var namespace = uuid.MustParse("6f1d3b52-7a3c-4a5e-9d0e-8b7c2f1a0c11")

// ProjectTitle names the demo research project; the seed finds it by title.
const ProjectTitle = "Does welfare advice in health settings improve health? (demo)"

// ProjectID is the demo project's id, the same in every demo world, so that the
// playground's examples and the docs can name it and run as written. (A database
// seeded before it was fixed keeps its project's earlier, random id: the seed finds
// the project by title.)
const ProjectID = "d3e0d3e0-0000-4000-8000-000000000001"

// Token is one printed demo token.
type Token struct {
	Role, Secret, For string
}

// Result is what the seed did and the tokens it prints.
type Result struct {
	ProjectID          string
	PartnersAdded      int
	PoliciesSet        int
	SubmissionsStored  int
	SubmissionsExisted int
	Tokens             []Token
}

// Seed loads the demo world through the domain services (the same validation and
// storage path as every upload, the same policy and project rules), so demo data can
// never be something a real partner could not upload. Running it again changes
// nothing: partners, policies and the project are looked up first, principals have
// fixed ids, and re-uploading the same bytes returns the earlier submission.
// progress gets one line per step.
func Seed(ctx context.Context, a *app.App, tokenSeed string, progress func(string)) (*Result, error) {
	say := func(format string, args ...any) {
		if progress != nil {
			progress(fmt.Sprintf(format, args...))
		}
	}
	s := &seeder{ctx: ctx, a: a, tokenSeed: tokenSeed, res: &Result{}}
	steward, err := s.principal("steward", auth.NewPrincipal{Name: "Demo steward", Role: hjx.RoleSteward}, "STEWARD", "")
	if err != nil {
		return nil, err
	}
	partners := partnersOf(a.Directory.Country)
	uploaders := map[string]*hjx.Principal{}
	for _, ps := range partners {
		if uploaders[ps.ID], err = s.partner(steward, ps, ps.ID == partners[0].ID); err != nil {
			return nil, err
		}
	}
	say("partners: %d in the directory (%d added), %d policies set", len(partners), s.res.PartnersAdded, s.res.PoliciesSet)
	if err := s.project(steward); err != nil {
		return nil, err
	}
	for i, ps := range partners {
		if err := s.figures(uploaders[ps.ID], ps); err != nil {
			return nil, err
		}
		say("figures: %d/%d partners (%s)", i+1, len(partners), ps.ID)
	}
	return s.res, nil
}

// partnersOf lists the demo partners a database takes: a national node
// (HJX_NODE_COUNTRY) holds its own country's only, and would refuse the others
// (docs/FEDERATION.md); any other database, all of them.
func partnersOf(country string) []PartnerSpec {
	var out []PartnerSpec
	for _, ps := range Partners() {
		if country == "" || string(ps.Country) == country {
			out = append(out, ps)
		}
	}
	return out
}

// seeder is one run of Seed: what it needs at every step and what it has done.
type seeder struct {
	ctx       context.Context
	a         *app.App
	tokenSeed string
	res       *Result
}

// principal ensures a demo principal and, when role is not empty, prints its token.
func (s *seeder) principal(label string, np auth.NewPrincipal, role, forID string) (*hjx.Principal, error) {
	p, secret, err := ensure(s.ctx, s.a, s.tokenSeed, label, np)
	if err != nil {
		return nil, err
	}
	if role != "" {
		s.res.Tokens = append(s.res.Tokens, Token{Role: role, Secret: secret, For: forID})
	}
	return p, nil
}

// partner registers a demo partner, its admin and uploader, and its policy, each
// unless it is there already, and returns the uploader. The first partner's tokens
// are printed.
func (s *seeder) partner(steward *hjx.Principal, ps PartnerSpec, printTokens bool) (*hjx.Principal, error) {
	ctx, a := s.ctx, s.a
	if _, err := a.Directory.Get(ctx, ps.ID); hjx.ErrorCode(err) == hjx.CodeNotFound {
		_, err = a.Directory.Register(ctx, steward, directory.Partner{ID: ps.ID, Name: ps.Name, Country: ps.Country,
			Region: ps.Region, Model: ps.Model, HealthSettings: ps.HealthSettings, AdviceDomains: ps.AdviceDomains,
			ActiveFrom: time.Date(2018, 4, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, fmt.Errorf("register %s: %w", ps.ID, err)
		}
		s.res.PartnersAdded++
	} else if err != nil {
		return nil, err
	}
	adminRole, uploaderRole := "", ""
	if printTokens {
		adminRole, uploaderRole = "PARTNER_ADMIN", "PARTNER_UPLOADER"
	}
	admin, err := s.principal("admin:"+ps.ID,
		auth.NewPrincipal{Name: "Demo admin, " + ps.Name, Role: hjx.RolePartnerAdmin, PartnerID: ps.ID}, adminRole, ps.ID)
	if err != nil {
		return nil, err
	}
	uploader, err := s.principal("uploader:"+ps.ID,
		auth.NewPrincipal{Name: "Demo uploader, " + ps.Name, Role: hjx.RolePartnerUploader, PartnerID: ps.ID}, uploaderRole, ps.ID)
	if err != nil {
		return nil, err
	}
	if _, err := a.Governance.CurrentPolicy(ctx, admin, ps.ID); hjx.ErrorCode(err) == hjx.CodeNotFound {
		if _, err := a.Governance.SetPolicy(ctx, admin, ps.ID, policyInput(*ps.Policy)); err != nil {
			return nil, fmt.Errorf("policy of %s: %w", ps.ID, err)
		}
		s.res.PoliciesSet++
	} else if err != nil {
		return nil, err
	}
	return uploader, nil
}

// project ensures the demo researcher, the approved demo project, its dashboard
// principal and the /dashboard page's trusted documents.
func (s *seeder) project(steward *hjx.Principal) error {
	researcher, err := s.principal("researcher",
		auth.NewPrincipal{Name: "Demo researcher", Role: hjx.RoleResearcher}, "RESEARCHER", "")
	if err != nil {
		return err
	}
	projectID, err := ensureProject(s.ctx, s.a, steward, researcher)
	if err != nil {
		return err
	}
	s.res.ProjectID = projectID
	_, err = s.principal("dashboard:"+projectID,
		auth.NewPrincipal{Name: "Demo dashboard", Role: hjx.RoleDashboard, ProjectID: projectID}, "DASHBOARD", projectID)
	if err != nil {
		return err
	}
	// The /dashboard page's own documents, so that the project can restrict its
	// dashboards to them (restrictDashboardsToTrustedDocuments) and the page still works.
	if _, err := s.a.Documents.Register(s.ctx, researcher, projectID, web.NewDocuments()); err != nil {
		return fmt.Errorf("register the dashboard's documents: %w", err)
	}
	return nil
}

// figures uploads a partner's figures for every demo year.
func (s *seeder) figures(uploader *hjx.Principal, ps PartnerSpec) error {
	basis := map[hjx.Country]hjx.ConsentBasis{hjx.CountryGB: hjx.ConsentPublicTaskResearch, hjx.CountryUS: hjx.ConsentHIPAASafeHarbor}[ps.Country]
	for _, year := range Years {
		r, err := s.a.Ingest.Submit(s.ctx, uploader, ingest.Request{Format: ingest.FormatCSV, ConsentBasis: basis,
			CSV: bytes.NewReader(CSV(Figures(ps, year)))})
		if err != nil {
			return fmt.Errorf("figures of %s for %d: %w", ps.ID, year, err)
		}
		if !r.Accepted {
			return fmt.Errorf("figures of %s for %d rejected: %d issues, first: %+v", ps.ID, year, r.IssueCount, r.Issues[0])
		}
		if r.Existing {
			s.res.SubmissionsExisted++
		} else {
			s.res.SubmissionsStored++
		}
	}
	return nil
}

// ensure creates a demo principal with a token derived from the seed, once.
func ensure(ctx context.Context, a *app.App, seed, label string, np auth.NewPrincipal) (*hjx.Principal, string, error) {
	id := uuid.NewSHA1(namespace, []byte(label)).String()
	secret := auth.DeriveSecret(seed, label)
	err := postgres.WithTx(ctx, a.DB, func(tx *sqlx.Tx) error {
		_, err := a.Auth.EnsurePrincipalWithSecret(ctx, tx, id, np, secret)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("demo principal %s: %w", label, err)
	}
	return &hjx.Principal{ID: id, Name: np.Name, Role: np.Role, PartnerID: np.PartnerID, ProjectID: np.ProjectID, TokenID: id}, secret, nil
}

// ensureProject finds the researcher's demo project by title or proposes it, and
// has the steward approve it.
func ensureProject(ctx context.Context, a *app.App, steward, researcher *hjx.Principal) (string, error) {
	page, err := hjx.NewPage(nil, nil, 0)
	if err != nil {
		return "", err
	}
	projects, err := a.Governance.Projects(ctx, researcher, page)
	if err != nil {
		return "", err
	}
	for _, p := range projects.Items {
		if p.Title == ProjectTitle {
			return p.ID, nil
		}
	}
	pr, err := a.Governance.ProposeProjectWithID(ctx, researcher, ProjectID, access.ProjectInput{Title: ProjectTitle,
		Institution: "University of Leeds", InstitutionCountry: hjx.CountryGB, Purpose: access.PurposeHMB,
		EthicsApprovalRef: "DEMO-REC-2022-014", PublicationCommitted: true,
		StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return "", fmt.Errorf("propose the demo project: %w", err)
	}
	if _, err := a.Governance.ApproveProject(ctx, steward, pr.ID); err != nil {
		return "", fmt.Errorf("approve the demo project: %w", err)
	}
	return pr.ID, nil
}

func policyInput(ps PolicySpec) access.PolicyInput {
	yes := func(b bool) *bool { return &b }
	in := access.PolicyInput{Permission: ps.Permission, NonCommercialOnly: yes(ps.NonCommercialOnly),
		NotForProfitOnly: yes(ps.NotForProfitOnly), AllowedCountries: ps.AllowedCountries,
		AllowedInstitutions:    ps.AllowedInstitutions,
		EthicsApprovalRequired: yes(ps.EthicsRequired), CollaborationRequired: yes(ps.CollaborationRequired),
		PublicationRequired: yes(ps.PublicationRequired), Identifiable: yes(ps.Identifiable)}
	if ps.MinCell > 0 {
		in.MinCell = &ps.MinCell
	}
	return in
}

// Print writes the demo tokens and example queries for a person starting out.
func (r *Result) Print(w interface{ Write([]byte) (int, error) }, baseURL string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Demo world loaded: %d submissions stored now, %d already there; demo project %s\n\n",
		r.SubmissionsStored, r.SubmissionsExisted, r.ProjectID)
	fmt.Fprintf(&b, "Demo tokens (DEMO ONLY: derived from HJX_DEMO_TOKEN_SEED, never use in production):\n")
	for _, t := range r.Tokens {
		line := fmt.Sprintf("  %-17s %s", t.Role, t.Secret)
		if t.For != "" {
			line += "  (" + t.For + ")"
		}
		b.WriteString(line + "\n")
	}
	researcher := ""
	for _, t := range r.Tokens {
		if t.Role == string(hjx.RoleResearcher) {
			researcher = t.Secret
		}
	}
	fmt.Fprintf(&b, `
Try:
  curl -s %[1]s/graphql -H 'Content-Type: application/json' -d '{"query":"{ partners { totalCount } metrics { code kind } }"}'
  curl -s %[1]s/graphql -H 'Authorization: Bearer %[2]s' -H 'Content-Type: application/json' \
    -d '{"query":"{ outcomes(projectId: \"%[3]s\", query: {metric: \"FINANCIAL_GAIN\", groupBy: [COUNTRY, YEAR], currency: USD}) { rows { country period value n suppressed suppression } coverage { partnersIncluded partnersExcluded { partner { id } reasons { code } } } disclosure { k suppressedCells } } }"}'
Playground: %[1]s/playground/   Dashboard: %[1]s/dashboard/
`, baseURL, researcher, r.ProjectID)
	_, _ = w.Write([]byte(b.String()))
}
