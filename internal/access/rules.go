package access

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
)

// Status is a project's place in its lifecycle.
type Status string

// The project statuses. PROPOSED, APPROVED and REVOKED are stored; EXPIRED is never
// stored but follows from the end date and the clock (StatusOn), so it cannot be stale.
const (
	StatusProposed Status = "PROPOSED"
	StatusApproved Status = "APPROVED"
	StatusExpired  Status = "EXPIRED"
	StatusRevoked  Status = "REVOKED"
)

// Statuses lists the statuses, in the schema's order.
func Statuses() []Status {
	return []Status{StatusProposed, StatusApproved, StatusExpired, StatusRevoked}
}

// StatusOn returns the status a project with stored status and end date has on the
// calendar date today: a project past its end date is EXPIRED, whether it was
// approved or still waiting; a revoked one stays REVOKED.
func StatusOn(stored Status, endsOn, today time.Time) Status {
	if stored == StatusRevoked {
		return StatusRevoked
	}
	if hjx.DateOf(today).After(hjx.DateOf(endsOn)) {
		return StatusExpired
	}
	return stored
}

// CountryDefaultMinCell is the smallest count shown by default for a partner's
// country: GB 8 (NHS Digital and OpenSAFELY suppress 1-7), US 11 (CMS and PCORnet
// suppress 1-10). See reference/SOURCES.md.
func CountryDefaultMinCell(country hjx.Country) int {
	if country == hjx.CountryUS {
		return 11
	}
	return 8
}

// DefaultMinCellFloor is the platform floor when none is configured
// (HJX_MIN_CELL_FLOOR): no partner may ask for smaller cells than this.
const DefaultMinCellFloor = 8

// MaxMinCell bounds min_cell (as the database does): beyond it every cell would be
// suppressed and the policy would be a mistake.
const MaxMinCell = 1000

// Limits on what a partner admin or researcher sends, so no input is unbounded.
const (
	MaxListEntries   = 100
	MaxTextLength    = 300
	MaxEthicsRef     = 200
	MaxProjectYears  = 10
	MaxRevokeReason  = 1000
	MaxInstitutionCh = 300
)

// PolicyInput is a requested policy change before validation. Nil pointers and nil
// lists are "not given": flags default to false, lists to "no restriction".
type PolicyInput struct {
	Permission             Permission
	NonCommercialOnly      *bool
	NotForProfitOnly       *bool
	AllowedCountries       []hjx.Country
	AllowedInstitutions    []string
	AllowedProjects        []string
	ExpiresAt              *time.Time
	EthicsApprovalRequired *bool
	CollaborationRequired  *bool
	PublicationRequired    *bool
	MoratoriumUntil        *time.Time
	MinCell                *int
	Identifiable           *bool
}

// Policy validates in for a partner in country, with the platform's min-cell floor,
// on the calendar date today, and returns the policy to store (without version and
// creation facts, which storage adds). The first field at fault is named.
func (in PolicyInput) Policy(partnerID string, country hjx.Country, floor int, today time.Time) (Policy, error) {
	p := Policy{PartnerID: partnerID, Permission: in.Permission,
		NonCommercialOnly: hjx.Deref(in.NonCommercialOnly), NotForProfitOnly: hjx.Deref(in.NotForProfitOnly),
		EthicsApprovalRequired: hjx.Deref(in.EthicsApprovalRequired), CollaborationRequired: hjx.Deref(in.CollaborationRequired),
		PublicationRequired: hjx.Deref(in.PublicationRequired), Identifiable: hjx.Deref(in.Identifiable)}
	if !slices.Contains(Permissions(), in.Permission) {
		return p, hjx.Invalid("permission", "must be %s", hjx.Alternatives(Permissions()))
	}
	var err error
	if p.AllowedCountries, err = cleanList("allowedCountries", in.AllowedCountries, func(s hjx.Country) (hjx.Country, error) {
		if !hjx.In(hjx.AllCountries(), s) {
			return "", hjx.Invalid("allowedCountries", "holds a country hjx does not know (%s)", hjx.Alternatives(hjx.AllCountries()))
		}
		return s, nil
	}); err != nil {
		return p, err
	}
	if p.AllowedInstitutions, err = cleanList("allowedInstitutions", in.AllowedInstitutions, func(s string) (string, error) {
		if err := PlainText("allowedInstitutions", s); err != nil {
			return "", err
		}
		s = strings.Join(strings.Fields(s), " ")
		if s == "" || len([]rune(s)) > MaxInstitutionCh {
			return "", hjx.Invalid("allowedInstitutions", "each institution must be 1 to %d characters", MaxInstitutionCh)
		}
		return s, nil
	}); err != nil {
		return p, err
	}
	if p.AllowedProjects, err = cleanList("allowedProjects", in.AllowedProjects, func(s string) (string, error) {
		id, err := uuid.Parse(s)
		if err != nil {
			return "", hjx.Invalid("allowedProjects", "holds a value that is not a project id")
		}
		return id.String(), nil
	}); err != nil {
		return p, err
	}
	if in.ExpiresAt != nil {
		d := hjx.DateOf(*in.ExpiresAt)
		if d.Before(hjx.DateOf(today)) {
			return p, hjx.Invalid("expiresAt", "must be today or later (a policy that has already ended would share with no one)")
		}
		p.ExpiresAt = &d
	}
	if in.MoratoriumUntil != nil {
		d := hjx.DateOf(*in.MoratoriumUntil)
		p.MoratoriumUntil = &d
	}
	if floor < 1 {
		floor = DefaultMinCellFloor
	}
	p.MinCell = max(CountryDefaultMinCell(country), floor)
	if in.MinCell != nil {
		if *in.MinCell < floor {
			return p, hjx.Invalid("minCell", "must be at least the platform floor of %d", floor)
		}
		if *in.MinCell > MaxMinCell {
			return p, hjx.Invalid("minCell", "must be at most %d", MaxMinCell)
		}
		p.MinCell = *in.MinCell
	}
	return p, nil
}

// cleanList normalises a restriction list: nil stays nil (no restriction), entries
// are checked and de-duplicated, and an empty list is refused because it would mean
// "nobody" while looking like "anybody".
func cleanList[T ~string](field string, xs []T, check func(T) (T, error)) ([]T, error) {
	if xs == nil {
		return nil, nil
	}
	if len(xs) == 0 {
		return nil, hjx.Invalid(field, "must list at least one entry, or be null for no restriction")
	}
	if len(xs) > MaxListEntries {
		return nil, hjx.Invalid(field, "must list at most %d entries", MaxListEntries)
	}
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		v, err := check(x)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(o T) bool { return SameInstitution(string(o), string(v)) }) {
			out = append(out, v)
		}
	}
	return out, nil
}

// ProjectInput is a proposed research project before validation.
type ProjectInput struct {
	Title                string
	Institution          string
	InstitutionCountry   hjx.Country
	ForProfit            bool
	Purpose              Purpose
	CommercialUse        bool
	EthicsApprovalRef    string
	PublicationCommitted bool
	StartsOn             time.Time
	EndsOn               time.Time
}

// Validate checks and normalises a proposal on the calendar date today.
func (in *ProjectInput) Validate(today time.Time) error {
	for _, f := range []struct{ name, value string }{{"title", in.Title}, {"institution", in.Institution},
		{"ethicsApprovalRef", in.EthicsApprovalRef}} {
		if err := PlainText(f.name, f.value); err != nil {
			return err
		}
	}
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	if in.Title == "" || len([]rune(in.Title)) > MaxTextLength {
		return hjx.Invalid("title", "must be 1 to %d characters", MaxTextLength)
	}
	in.Institution = strings.Join(strings.Fields(in.Institution), " ")
	if in.Institution == "" || len([]rune(in.Institution)) > MaxInstitutionCh {
		return hjx.Invalid("institution", "must be 1 to %d characters", MaxInstitutionCh)
	}
	if !hjx.In(hjx.AllCountries(), in.InstitutionCountry) {
		return hjx.Invalid("institutionCountry", "must be %s", hjx.Alternatives(hjx.AllCountries()))
	}
	if !slices.Contains(Purposes(), in.Purpose) {
		return hjx.Invalid("purpose", "must be GENERAL_RESEARCH or HEALTH_MEDICAL_BIOMEDICAL")
	}
	in.EthicsApprovalRef = strings.TrimSpace(in.EthicsApprovalRef)
	if len([]rune(in.EthicsApprovalRef)) > MaxEthicsRef {
		return hjx.Invalid("ethicsApprovalRef", "must be at most %d characters", MaxEthicsRef)
	}
	in.StartsOn, in.EndsOn = hjx.DateOf(in.StartsOn), hjx.DateOf(in.EndsOn)
	if in.EndsOn.Before(in.StartsOn) {
		return hjx.Invalid("endsOn", "must not be before startsOn")
	}
	if in.EndsOn.Before(hjx.DateOf(today)) {
		return hjx.Invalid("endsOn", "must be today or later: a project that has ended cannot be proposed")
	}
	if in.EndsOn.After(in.StartsOn.AddDate(MaxProjectYears, 0, 0)) {
		return hjx.Invalid("endsOn", "a project may run for at most %d years; propose a renewal later", MaxProjectYears)
	}
	return nil
}

// PlainText checks free text a project or policy stores: plain text on one line
// with no personal identifier in it (identifiers.CheckText), so that such input is
// INVALID naming the field rather than stored (or, for NUL, an internal error).
func PlainText(field, s string) error { return identifiers.CheckText(field, s) }
