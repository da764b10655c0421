package graph

import (
	"context"
	"errors"
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
	// schema: the field is schema information, readable by whoever may
	// introspect this operation (introspectionFor), and otherwise by roles.
	schema bool
}

func public() fieldRule              { return fieldRule{public: true} }
func roles(rs ...hjx.Role) fieldRule { return fieldRule{roles: rs} }
func authenticated() fieldRule       { return fieldRule{roles: hjx.AllRoles()} }
func schemaInformation() fieldRule   { return fieldRule{schema: true, roles: introspectionRoles} }

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
		"Query.tokens":          roles(steward),
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
		// The portal's aggregates and previews, scoped further by the services.
		"Query.dataUsageSummary":     roles(steward, admin),
		"Query.auditChainStatus":     roles(steward),
		"Query.previewSharingPolicy": roles(steward, admin),
		"Query.exchangeRates":        public(),
		// The service scopes further: members and dashboards of that project only.
		"Query.trustedDocuments": roles(steward, researcher, dashboard),

		// Apollo Federation (schema/federation.graphqls). The subgraph SDL is the
		// schema, so it follows the introspection rule; _entities passes this
		// gate and each representation then passes its entity's rule
		// (entityRules).
		"Query._service":  schemaInformation(),
		"Query._entities": public(),

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

// entityRule says how a gateway may fetch one federation entity by its key
// (Query._entities): under the rule of the root field that reads it, so an
// entity is never easier to reach through a gateway than through hjx's own
// query.
type entityRule struct {
	field string // the root field whose rule applies
	key   string // the key field (@key in schema/federation.graphqls); a string
}

// entityRules declares every entity. An entity missing here is refused, and
// TestEveryEntityHasARule fails until it is declared.
func entityRules() map[string]entityRule {
	return map[string]entityRule{
		"Partner":          {field: "Query.partner", key: "id"},
		"MetricDefinition": {field: "Query.metrics", key: "code"},
		"Project":          {field: "Query.project", key: "id"},
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
		field := fc.Object + "." + fc.Field.Name
		if err := allowed(ctx, rules, field); err != nil {
			return nil, err
		}
		if field == "Query._entities" {
			if err := entitiesAllowed(ctx, rules, fc.Args["representations"]); err != nil {
				return nil, err
			}
		}
		return next(ctx)
	}
}

// entitiesAllowed applies each representation's entity rule before any is
// fetched, so that one _entities call either passes as a whole or is refused
// as a whole, like a root field. A representation of a type that is not an
// entity, or without its key, is INVALID.
func entitiesAllowed(ctx context.Context, rules map[string]fieldRule, arg any) error {
	reps, _ := arg.([]map[string]any)
	entities := entityRules()
	checked := map[string]bool{}
	for _, rep := range reps {
		typename, _ := rep["__typename"].(string)
		entity, ok := entities[typename]
		if !ok {
			return hjx.Invalid("representations", "a representation must name an entity type in __typename")
		}
		if _, ok := rep[entity.key].(string); !ok {
			return hjx.Invalid("representations", "a representation must carry its entity's key as a string")
		}
		if checked[typename] {
			continue
		}
		if err := allowedEntity(ctx, rules, entity.field, typename); err != nil {
			return err
		}
		checked[typename] = true
	}
	return nil
}

// allowedEntity is allowed for one entity type, saying which in a refusal.
func allowedEntity(ctx context.Context, rules map[string]fieldRule, field, typename string) error {
	err := allowed(ctx, rules, field)
	var e *hjx.Error
	if errors.As(err, &e) && e.Code == hjx.CodeForbidden {
		return hjx.Forbidden("%s, nor %s entities", e.Message, typename)
	}
	return err
}

func allowed(ctx context.Context, rules map[string]fieldRule, field string) error {
	rule, ok := rules[field]
	if !ok {
		return hjx.Forbidden("%s has no access rule", field)
	}
	if rule.public {
		return nil
	}
	if rule.schema {
		if graphql.HasOperationContext(ctx) && !graphql.GetOperationContext(ctx).DisableIntrospection {
			return nil
		}
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
