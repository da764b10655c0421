// Package access is the consent engine: it decides, for one research project and one
// partner's sharing policy, whether the project may use that partner's data, and
// says why not in GA4GH Data Use Ontology (DUO) terms. It is pure: no SQL, no clock,
// no I/O, so the rules can be read and tested on their own, and every caller (the
// GraphQL decisions list, the outcome queries) applies exactly the same ones.
//
// Matching follows the DUOS consent-ontology algorithm (reference/SOURCES.md): the
// dataset must satisfy every condition of the purpose. Conditions DUOS leaves to
// human review (COL, IRB, PUB, GS) are made machine-checkable here by the project's
// declared facts and by the partner admin's recorded COL decision.
package access

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Permission is a policy's DUO data use permission: at most one per dataset.
type Permission string

// The permissions a partner may choose (DUO ids in docs/ACCESS.md).
const (
	PermissionGRU  Permission = "GRU"  // general research use
	PermissionHMB  Permission = "HMB"  // health, medical or biomedical research only
	PermissionNRES Permission = "NRES" // no restriction
)

// Permissions lists the valid permissions.
func Permissions() []Permission { return []Permission{PermissionGRU, PermissionHMB, PermissionNRES} }

// Purpose is what a research project declares it will use the data for.
type Purpose string

// The research purposes a project may declare.
const (
	PurposeGeneral Purpose = "GENERAL_RESEARCH"
	PurposeHMB     Purpose = "HEALTH_MEDICAL_BIOMEDICAL"
)

// Purposes lists the valid purposes.
func Purposes() []Purpose { return []Purpose{PurposeGeneral, PurposeHMB} }

// Policy is one version of a partner's sharing policy. A nil list (AllowedCountries,
// AllowedInstitutions, AllowedProjects) means "no restriction"; a set list restricts
// to its members (never empty: validation refuses an empty list as ambiguous).
type Policy struct {
	PartnerID              string
	Version                int
	Permission             Permission
	NonCommercialOnly      bool // NCU
	NotForProfitOnly       bool // NPU
	AllowedCountries       []hjx.Country
	AllowedInstitutions    []string
	AllowedProjects        []string
	ExpiresAt              *time.Time // TS: usable up to and including this date
	EthicsApprovalRequired bool       // IRB
	CollaborationRequired  bool       // COL
	PublicationRequired    bool       // PUB
	MoratoriumUntil        *time.Time // MOR
	MinCell                int
	Identifiable           bool
	CreatedAt              time.Time
	CreatedBy              string
}

// Project is what the engine needs to know about a research project: the facts it
// declared when proposed.
type Project struct {
	ID                   string
	Institution          string
	InstitutionCountry   hjx.Country
	ForProfit            bool
	Purpose              Purpose
	CommercialUse        bool
	EthicsApprovalRef    string
	PublicationCommitted bool
}

// Approval is a partner admin's recorded answer to a project under COL.
type Approval struct {
	Allow     bool
	DecidedBy string
	DecidedAt time.Time
}

// Outcome is the result of a decision.
type Outcome string

// The outcomes of a decision.
const (
	Allow           Outcome = "ALLOW"
	Deny            Outcome = "DENY"
	PendingApproval Outcome = "PENDING_APPROVAL"
)

// Outcomes lists the outcomes, in the schema's order.
func Outcomes() []Outcome { return []Outcome{Allow, Deny, PendingApproval} }

// CodePolicyMissing is the reason code of a partner that has set no policy: such a
// partner shares with no one.
const CodePolicyMissing = "POLICY_MISSING"

// Reason is one failed condition: Code is the DUO code of the condition (or
// POLICY_MISSING), Message says it in plain English for the project team.
type Reason struct {
	Code    string
	Message string
}

// Decision is whether a project may use a partner's data. Reasons is empty for
// ALLOW and holds one entry per failed condition otherwise. MoratoriumUntil carries
// the policy's MOR date, which does not block use but binds publication.
type Decision struct {
	Outcome         Outcome
	Reasons         []Reason
	MoratoriumUntil *time.Time
}

// ReasonCodes returns the codes of d's reasons, in order (for audit entries).
func (d Decision) ReasonCodes() []string {
	out := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		out[i] = r.Code
	}
	return out
}

// Decide applies policy to project on the calendar date today. policy nil means the
// partner has no policy (DENY, POLICY_MISSING); approval nil means the partner admin
// has not yet answered a COL request. Every failed condition is reported, not just
// the first, so a project team sees at once everything it would have to change.
func Decide(policy *Policy, project Project, approval *Approval, today time.Time) Decision {
	if policy == nil {
		return Decision{Outcome: Deny, Reasons: []Reason{{Code: CodePolicyMissing,
			Message: "This partner has not set a sharing policy, so it shares its data with no project."}}}
	}
	var deny []Reason
	fail := func(code, format string, args ...any) {
		deny = append(deny, Reason{Code: code, Message: fmt.Sprintf(format, args...)})
	}
	switch policy.Permission {
	case PermissionNRES, PermissionGRU:
		// GRU covers every research purpose, health research included; NRES anything.
	case PermissionHMB:
		if project.Purpose != PurposeHMB {
			fail(string(PermissionHMB), "The partner allows health, medical or biomedical research only; this project's purpose is general research.")
		}
	default:
		fail(CodePolicyMissing, "The partner's policy has no recognised data use permission.")
	}
	if policy.NonCommercialOnly && project.CommercialUse {
		fail("NCU", "The partner allows non-commercial use only; this project declares commercial use.")
	}
	if policy.NotForProfitOnly && project.ForProfit {
		fail("NPU", "The partner allows use by not-for-profit organisations only; %s is for-profit.", project.Institution)
	}
	if policy.AllowedCountries != nil && !slices.Contains(policy.AllowedCountries, project.InstitutionCountry) {
		fail("GS", "The partner allows use by institutions in %s only; %s is in %s.",
			strings.Join(hjx.Strings(policy.AllowedCountries), ", "), project.Institution, project.InstitutionCountry)
	}
	if policy.AllowedInstitutions != nil && !slices.ContainsFunc(policy.AllowedInstitutions, func(s string) bool {
		return SameInstitution(s, project.Institution)
	}) {
		fail("IS", "The partner allows use by named institutions only; %s is not one of them.", project.Institution)
	}
	if policy.AllowedProjects != nil && !slices.Contains(policy.AllowedProjects, project.ID) {
		fail("PS", "The partner allows use by named projects only; this project is not one of them.")
	}
	if policy.ExpiresAt != nil && hjx.DateOf(today).After(hjx.DateOf(*policy.ExpiresAt)) {
		fail("TS", "The partner's permission to use its data ended on %s.", policy.ExpiresAt.Format(time.DateOnly))
	}
	if policy.EthicsApprovalRequired && strings.TrimSpace(project.EthicsApprovalRef) == "" {
		fail("IRB", "The partner requires ethics approval; this project has given no ethics approval reference.")
	}
	if policy.PublicationRequired && !project.PublicationCommitted {
		fail("PUB", "The partner requires results to be published; this project has not committed to publish.")
	}
	var pending []Reason
	if policy.CollaborationRequired {
		switch {
		case approval == nil:
			pending = append(pending, Reason{Code: "COL",
				Message: "The partner approves each project itself (collaboration required) and has not yet decided on this one."})
		case !approval.Allow:
			fail("COL", "The partner approves each project itself (collaboration required) and has refused this one.")
		}
	}
	d := Decision{Outcome: Allow, Reasons: []Reason{}, MoratoriumUntil: policy.MoratoriumUntil}
	switch {
	case len(deny) > 0:
		// A pending COL is still reported: approval alone would not be enough.
		d.Outcome, d.Reasons = Deny, append(deny, pending...)
	case len(pending) > 0:
		d.Outcome, d.Reasons = PendingApproval, pending
	}
	return d
}

// SameInstitution compares institution names as people write them: case, spacing
// and surrounding blanks do not matter ("University of Leeds" = "university of  leeds").
func SameInstitution(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// Codes lists the DUO codes a policy sets, permission first: the policy as a data
// use ontology annotation, for audit entries and for people reading it.
func (p Policy) Codes() []string {
	codes := []string{string(p.Permission)}
	add := func(on bool, code string) {
		if on {
			codes = append(codes, code)
		}
	}
	add(p.NonCommercialOnly, "NCU")
	add(p.NotForProfitOnly, "NPU")
	add(p.AllowedCountries != nil, "GS")
	add(p.AllowedInstitutions != nil, "IS")
	add(p.AllowedProjects != nil, "PS")
	add(p.ExpiresAt != nil, "TS")
	add(p.EthicsApprovalRequired, "IRB")
	add(p.CollaborationRequired, "COL")
	add(p.PublicationRequired, "PUB")
	add(p.MoratoriumUntil != nil, "MOR")
	return codes
}
