package hjx

import "context"

// Role is what a principal may do; see docs/ACCESS.md#4-who-may-do-what-default-deny.
type Role string

// The roles. Partner roles are bound to one partner, DASHBOARD to one project.
const (
	RoleSteward         Role = "STEWARD"
	RolePartnerAdmin    Role = "PARTNER_ADMIN"
	RolePartnerUploader Role = "PARTNER_UPLOADER"
	RoleResearcher      Role = "RESEARCHER"
	RoleDashboard       Role = "DASHBOARD"
)

// AllRoles lists every role, in the order the docs present them.
func AllRoles() []Role {
	return []Role{RoleSteward, RolePartnerAdmin, RolePartnerUploader, RoleResearcher, RoleDashboard}
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return In(AllRoles(), r) }

// Principal is who a request acts for, established from its bearer token. Services
// scope every read and write by it; it is never taken from client input.
type Principal struct {
	ID        string
	Name      string
	Role      Role
	PartnerID string // set for PARTNER_ADMIN and PARTNER_UPLOADER
	ProjectID string // set for DASHBOARD
	TokenID   string
	// Operator marks the operator running a command on the server itself (hjx rates
	// load): no token can yield it, because only OperatorPrincipal sets it. Services
	// that accept the operator say so explicitly; a nil principal is never one.
	Operator bool
}

// OperatorPrincipal is the principal of a command the operator runs with database
// access (named in the audit log as "operator: " + command): an explicit value, so
// that a nil principal, which means "anonymous", can never be mistaken for it.
func OperatorPrincipal(command string) *Principal {
	return &Principal{Name: "operator: " + command, Operator: true}
}

// IsPartner reports whether p acts for partner id (as its admin or uploader).
func (p *Principal) IsPartner(id string) bool {
	return p != nil && p.PartnerID != "" && p.PartnerID == id &&
		(p.Role == RolePartnerAdmin || p.Role == RolePartnerUploader)
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal, or nil for an anonymous caller.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// RequirePrincipal returns the request's principal or UNAUTHENTICATED.
func RequirePrincipal(ctx context.Context) (*Principal, error) {
	p := PrincipalFrom(ctx)
	if p == nil {
		return nil, Errorf(CodeUnauthenticated, "a valid bearer token is required")
	}
	return p, nil
}
