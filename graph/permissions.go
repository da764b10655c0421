package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// fieldRule says who may call one root field. It is the outer gate only: services
// still scope every read and write by the principal (an uploader of partner A asking
// for partner B's submission passes this gate and gets NOT_FOUND from the service).
type fieldRule struct {
	public bool       // anyone, with or without a token
	roles  []hjx.Role // otherwise: an authenticated principal with one of these roles
}

func public() fieldRule              { return fieldRule{public: true} }
func roles(rs ...hjx.Role) fieldRule { return fieldRule{roles: rs} }
func authenticated() fieldRule       { return fieldRule{roles: hjx.Roles} }

// fieldRules is the single place that declares access to every Query and Mutation
// field. A root field missing here is refused (default deny), and
// TestEveryRootFieldHasARule fails until it is declared.
func fieldRules() map[string]fieldRule {
	const (
		steward    = hjx.RoleSteward
		admin      = hjx.RolePartnerAdmin
		uploader   = hjx.RolePartnerUploader
		researcher = hjx.RoleResearcher
		dashboard  = hjx.RoleDashboard
	)
	return map[string]fieldRule{
		"Query.me":              authenticated(),
		"Query.partners":        public(),
		"Query.partner":         public(),
		"Query.metrics":         public(),
		"Query.submissions":     roles(steward, admin, uploader),
		"Query.submission":      roles(steward, admin, uploader),
		"Query.projects":        roles(steward, researcher, admin),
		"Query.project":         roles(steward, researcher, admin, dashboard),
		"Query.accessDecisions": roles(steward, researcher, admin),
		"Query.sharingPolicy":   roles(steward, admin),
		"Query.outcomes":        roles(researcher, dashboard),
		"Query.availability":    roles(researcher, dashboard),
		"Query.dataUsage":       roles(steward, admin),
		"Query.auditLog":        roles(steward),
		"Query.exchangeRates":   public(),
		// The service scopes further: members and dashboards of that project only.
		"Query.trustedDocuments": roles(steward, researcher, dashboard),

		"Mutation.registerPartner":     roles(steward),
		"Mutation.loadExchangeRates":   roles(steward),
		"Mutation.uploadSubmission":    roles(admin, uploader),
		"Mutation.submitObservations":  roles(admin, uploader),
		"Mutation.retractSubmission":   roles(admin),
		"Mutation.setSharingPolicy":    roles(steward, admin),
		"Mutation.proposeProject":      roles(researcher),
		"Mutation.addProjectMember":    roles(steward, researcher),
		"Mutation.approveProject":      roles(steward),
		"Mutation.revokeProject":       roles(steward),
		"Mutation.decideProjectAccess": roles(admin),
		"Mutation.issueToken":          roles(steward, admin, researcher),
		"Mutation.revokeToken":         roles(steward, admin, researcher),
		// The steward or the project's lead (checked by the service).
		"Mutation.registerTrustedDocuments":             roles(steward, researcher),
		"Mutation.restrictDashboardsToTrustedDocuments": roles(steward, researcher),
	}
}

// introspectionFields are answered by gqlgen itself; whether anonymous callers may
// use them is the handler's introspection setting.
var introspectionFields = []string{"__schema", "__type", "__typename"}

// gate is the field middleware enforcing fieldRules on root fields.
func gate(rules map[string]fieldRule) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || (fc.Object != "Query" && fc.Object != "Mutation") {
			return next(ctx)
		}
		if slices.Contains(introspectionFields, fc.Field.Name) {
			return next(ctx)
		}
		if err := allowed(ctx, rules, fc.Object+"."+fc.Field.Name); err != nil {
			return nil, err
		}
		return next(ctx)
	}
}

func allowed(ctx context.Context, rules map[string]fieldRule, field string) error {
	rule, ok := rules[field]
	if !ok {
		return hjx.Forbidden("%s has no access rule", field)
	}
	if rule.public {
		return nil
	}
	p, err := hjx.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(rule.roles, p.Role) {
		return hjx.Forbidden("role %s may not use %s", p.Role, field)
	}
	return nil
}
