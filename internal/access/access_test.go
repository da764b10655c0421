package access

import (
	"slices"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

var today = time.Date(2022, 6, 15, 0, 0, 0, 0, time.UTC)

func date(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// ukProject satisfies every condition any policy below can set, so each case changes
// exactly the one fact it is about.
func ukProject() Project {
	return Project{ID: "6f1c2a9e-0000-4000-8000-000000000001", Institution: "University of Leeds",
		InstitutionCountry: "GB", Purpose: PurposeHMB, EthicsApprovalRef: "REC 22/YH/0001", PublicationCommitted: true}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	allowRef := &Approval{Allow: true}
	refuse := &Approval{Allow: false}
	cases := []struct {
		name     string
		policy   *Policy
		project  func(*Project)
		approval *Approval
		want     Outcome
		codes    []string
	}{
		{name: "DenyPolicyMissing", policy: nil, want: Deny, codes: []string{"POLICY_MISSING"}},
		{name: "AllowNRES", policy: &Policy{Permission: PermissionNRES}, want: Allow},
		{name: "AllowGRUForHMBPurpose", policy: &Policy{Permission: PermissionGRU}, want: Allow},
		{name: "AllowGRUForGeneralResearch", policy: &Policy{Permission: PermissionGRU},
			project: func(p *Project) { p.Purpose = PurposeGeneral }, want: Allow},
		{name: "DenyHMBForGeneralResearch", policy: &Policy{Permission: PermissionHMB},
			project: func(p *Project) { p.Purpose = PurposeGeneral }, want: Deny, codes: []string{"HMB"}},
		{name: "AllowHMBForHMB", policy: &Policy{Permission: PermissionHMB}, want: Allow},
		{name: "DenyNCUCommercialUse", policy: &Policy{Permission: PermissionGRU, NonCommercialOnly: true},
			project: func(p *Project) { p.CommercialUse = true }, want: Deny, codes: []string{"NCU"}},
		{name: "AllowNCUNonCommercial", policy: &Policy{Permission: PermissionGRU, NonCommercialOnly: true}, want: Allow},
		{name: "DenyNPUForProfit", policy: &Policy{Permission: PermissionGRU, NotForProfitOnly: true},
			project: func(p *Project) { p.ForProfit = true }, want: Deny, codes: []string{"NPU"}},
		{name: "DenyGSUSInstitution", policy: &Policy{Permission: PermissionGRU, AllowedCountries: []hjx.Country{"GB"}},
			project: func(p *Project) { p.InstitutionCountry = "US" }, want: Deny, codes: []string{"GS"}},
		{name: "AllowGSListed", policy: &Policy{Permission: PermissionGRU, AllowedCountries: []hjx.Country{"US", "GB"}}, want: Allow},
		{name: "DenyISNotListed", policy: &Policy{Permission: PermissionGRU, AllowedInstitutions: []string{"University of York"}},
			want: Deny, codes: []string{"IS"}},
		{name: "AllowISSameNameDifferentCase", policy: &Policy{Permission: PermissionGRU,
			AllowedInstitutions: []string{"university of  LEEDS"}}, want: Allow},
		{name: "DenyPSNotListed", policy: &Policy{Permission: PermissionGRU,
			AllowedProjects: []string{"6f1c2a9e-0000-4000-8000-000000000002"}}, want: Deny, codes: []string{"PS"}},
		{name: "AllowPSListed", policy: &Policy{Permission: PermissionGRU,
			AllowedProjects: []string{"6f1c2a9e-0000-4000-8000-000000000001"}}, want: Allow},
		{name: "DenyTSPast", policy: &Policy{Permission: PermissionGRU, ExpiresAt: date("2022-06-14")}, want: Deny, codes: []string{"TS"}},
		{name: "AllowTSOnLastDay", policy: &Policy{Permission: PermissionGRU, ExpiresAt: date("2022-06-15")}, want: Allow},
		{name: "DenyIRBWithoutReference", policy: &Policy{Permission: PermissionGRU, EthicsApprovalRequired: true},
			project: func(p *Project) { p.EthicsApprovalRef = " " }, want: Deny, codes: []string{"IRB"}},
		{name: "AllowIRBWithReference", policy: &Policy{Permission: PermissionGRU, EthicsApprovalRequired: true}, want: Allow},
		{name: "DenyPUBNotCommitted", policy: &Policy{Permission: PermissionGRU, PublicationRequired: true},
			project: func(p *Project) { p.PublicationCommitted = false }, want: Deny, codes: []string{"PUB"}},
		{name: "PendingCOLUndecided", policy: &Policy{Permission: PermissionGRU, CollaborationRequired: true},
			want: PendingApproval, codes: []string{"COL"}},
		{name: "AllowCOLApproved", policy: &Policy{Permission: PermissionGRU, CollaborationRequired: true},
			approval: allowRef, want: Allow},
		{name: "DenyCOLRefused", policy: &Policy{Permission: PermissionGRU, CollaborationRequired: true},
			approval: refuse, want: Deny, codes: []string{"COL"}},
		{name: "AllowApprovalIgnoredWithoutCOL", policy: &Policy{Permission: PermissionGRU}, approval: refuse, want: Allow},
		{name: "DenyEveryFailedConditionListed", policy: &Policy{Permission: PermissionHMB, NonCommercialOnly: true,
			NotForProfitOnly: true, AllowedCountries: []hjx.Country{"GB"}, EthicsApprovalRequired: true,
			PublicationRequired: true, CollaborationRequired: true},
			project: func(p *Project) {
				*p = Project{ID: p.ID, Institution: "Acme Analytics Inc", InstitutionCountry: "US", ForProfit: true,
					Purpose: PurposeGeneral, CommercialUse: true}
			},
			want: Deny, codes: []string{"HMB", "NCU", "NPU", "GS", "IRB", "PUB", "COL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			project := ukProject()
			if c.project != nil {
				c.project(&project)
			}
			d := Decide(c.policy, project, c.approval, today)
			if d.Outcome != c.want {
				t.Fatalf("outcome = %s, want %s (reasons %+v)", d.Outcome, c.want, d.Reasons)
			}
			if got := d.ReasonCodes(); !slices.Equal(got, c.codes) && !(len(got) == 0 && len(c.codes) == 0) {
				t.Fatalf("reasons = %v, want %v", got, c.codes)
			}
			for _, r := range d.Reasons {
				if r.Message == "" {
					t.Fatalf("reason %s has no message", r.Code)
				}
			}
		})
	}
}

func TestDecideMoratoriumShownNotBlocking(t *testing.T) {
	t.Parallel()
	d := Decide(&Policy{Permission: PermissionGRU, MoratoriumUntil: date("2023-01-01")}, ukProject(), nil, today)
	if d.Outcome != Allow || d.MoratoriumUntil == nil || !d.MoratoriumUntil.Equal(*date("2023-01-01")) {
		t.Fatalf("decision = %+v, want ALLOW with moratorium 2023-01-01", d)
	}
}

func TestStatusOn(t *testing.T) {
	t.Parallel()
	end := *date("2022-06-30")
	cases := []struct {
		name   string
		stored Status
		today  time.Time
		want   Status
	}{
		{"ApprovedOnLastDay", StatusApproved, *date("2022-06-30"), StatusApproved},
		{"ApprovedExpiresNextDay", StatusApproved, *date("2022-07-01"), StatusExpired},
		{"ProposedExpires", StatusProposed, *date("2023-01-01"), StatusExpired},
		{"RevokedStaysRevoked", StatusRevoked, *date("2023-01-01"), StatusRevoked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := StatusOn(c.stored, end, c.today); got != c.want {
				t.Fatalf("StatusOn = %s, want %s", got, c.want)
			}
		})
	}
}

func intp(n int) *int { return &n }

func TestPolicyInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      PolicyInput
		country hjx.Country
		floor   int
		wantMin int
		field   string // "" = valid
	}{
		{name: "OKDefaultGB", in: PolicyInput{Permission: PermissionGRU}, country: "GB", floor: 8, wantMin: 8},
		{name: "OKDefaultUS", in: PolicyInput{Permission: PermissionGRU}, country: "US", floor: 8, wantMin: 11},
		{name: "OKDefaultRaisedToFloor", in: PolicyInput{Permission: PermissionGRU}, country: "GB", floor: 10, wantMin: 10},
		{name: "OKExplicit", in: PolicyInput{Permission: PermissionGRU, MinCell: intp(20)}, country: "GB", floor: 8, wantMin: 20},
		{name: "OKExplicitBelowCountryDefaultAboveFloor", in: PolicyInput{Permission: PermissionGRU, MinCell: intp(9)},
			country: "US", floor: 8, wantMin: 9},
		{name: "ErrInvalidBelowFloor", in: PolicyInput{Permission: PermissionGRU, MinCell: intp(5)}, country: "GB", floor: 8, field: "minCell"},
		{name: "ErrInvalidTooLarge", in: PolicyInput{Permission: PermissionGRU, MinCell: intp(5000)}, country: "GB", floor: 8, field: "minCell"},
		{name: "ErrInvalidPermission", in: PolicyInput{Permission: "DS"}, country: "GB", floor: 8, field: "permission"},
		{name: "ErrInvalidEmptyCountries", in: PolicyInput{Permission: PermissionGRU, AllowedCountries: []hjx.Country{}},
			country: "GB", floor: 8, field: "allowedCountries"},
		{name: "ErrInvalidCountry", in: PolicyInput{Permission: PermissionGRU, AllowedCountries: []hjx.Country{"FR"}},
			country: "GB", floor: 8, field: "allowedCountries"},
		{name: "ErrInvalidProjectID", in: PolicyInput{Permission: PermissionGRU, AllowedProjects: []string{"p1"}},
			country: "GB", floor: 8, field: "allowedProjects"},
		{name: "ErrInvalidExpiredAlready", in: PolicyInput{Permission: PermissionGRU, ExpiresAt: date("2022-06-14")},
			country: "GB", floor: 8, field: "expiresAt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.in.Policy("leeds", c.country, c.floor, today)
			if c.field != "" {
				var he *hjx.Error
				if err == nil || hjx.ErrorCode(err) != hjx.CodeInvalid {
					t.Fatalf("err = %v, want INVALID on %s", err, c.field)
				}
				if he = err.(*hjx.Error); he.Field != c.field {
					t.Fatalf("field = %q, want %q", he.Field, c.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if p.MinCell != c.wantMin {
				t.Fatalf("minCell = %d, want %d", p.MinCell, c.wantMin)
			}
		})
	}
}

func TestProjectInputValidate(t *testing.T) {
	t.Parallel()
	valid := func() ProjectInput {
		return ProjectInput{Title: " Advice  and health ", Institution: "UCL", InstitutionCountry: "GB",
			Purpose: PurposeGeneral, StartsOn: *date("2022-01-01"), EndsOn: *date("2023-12-31")}
	}
	cases := []struct {
		name   string
		change func(*ProjectInput)
		field  string
	}{
		{name: "OK"},
		{name: "ErrInvalidTitle", change: func(p *ProjectInput) { p.Title = "  " }, field: "title"},
		{name: "ErrInvalidCountry", change: func(p *ProjectInput) { p.InstitutionCountry = "FR" }, field: "institutionCountry"},
		{name: "ErrInvalidPurpose", change: func(p *ProjectInput) { p.Purpose = "POA" }, field: "purpose"},
		{name: "ErrInvalidEndsBeforeStart", change: func(p *ProjectInput) { p.EndsOn = *date("2021-12-31") }, field: "endsOn"},
		{name: "ErrInvalidEnded", change: func(p *ProjectInput) { p.EndsOn = *date("2022-06-14") }, field: "endsOn"},
		{name: "ErrInvalidTooLong", change: func(p *ProjectInput) { p.EndsOn = *date("2040-01-01") }, field: "endsOn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := valid()
			if c.change != nil {
				c.change(&in)
			}
			err := in.Validate(today)
			if c.field == "" {
				if err != nil || in.Title != "Advice and health" {
					t.Fatalf("err = %v, title %q", err, in.Title)
				}
				return
			}
			if he, ok := err.(*hjx.Error); !ok || he.Code != hjx.CodeInvalid || he.Field != c.field {
				t.Fatalf("err = %v, want INVALID on %s", err, c.field)
			}
		})
	}
}
