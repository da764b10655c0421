package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/hjx-exchange/hjx/internal/telemetry"
)

// tracing gives each GraphQL request a span (graphql.request, continuing the
// caller's trace from a W3C traceparent header) and each root field a child
// span named by its schema coordinate (Query.outcomes), under which the
// services add theirs. Attributes are the operation's type and name and the
// field's coordinate: never a variable, an argument or a result.
type tracing struct {
	tracer trace.Tracer
}

var _ interface {
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
	graphql.HandlerExtension
} = tracing{}

func (tracing) ExtensionName() string                   { return "hjx-tracing" }
func (tracing) Validate(graphql.ExecutableSchema) error { return nil }

func (t tracing) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	var attrs []attribute.KeyValue
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(oc.Headers))
		if oc.Operation != nil {
			attrs = append(attrs, attribute.String("graphql.operation.type", string(oc.Operation.Operation)),
				attribute.String("graphql.operation.name", oc.Operation.Name))
		}
	}
	ctx, span := telemetry.Start(ctx, t.tracer, "graphql.request", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attrs...))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
	}
	return resp
}

func (t tracing) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || (fc.Object != "Query" && fc.Object != "Mutation") {
		return next(ctx)
	}
	ctx, span := telemetry.Start(ctx, t.tracer, fc.Object+"."+fc.Field.Name,
		trace.WithAttributes(attribute.String("graphql.field.coordinate", fc.Object+"."+fc.Field.Name)))
	res, err := next(ctx)
	telemetry.End(span, err)
	return res, err
}
