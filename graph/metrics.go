package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/metrics"
)

// operationMetrics records each executed operation's type, first root field,
// outcome and latency. The root field name is validated against the schema, so
// the label has a bounded set of values, unlike the client-chosen operation name.
type operationMetrics struct{ m *metrics.Metrics }

var _ interface {
	graphql.ResponseInterceptor
	graphql.HandlerExtension
} = operationMetrics{}

func (operationMetrics) ExtensionName() string                   { return "hjx-operation-metrics" }
func (operationMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (o operationMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if o.m == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return resp
	}
	field := "(fragment)"
	if len(oc.Operation.SelectionSet) > 0 {
		if f, ok := oc.Operation.SelectionSet[0].(*ast.Field); ok {
			field = f.Name
		}
	}
	outcome := "OK"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "ERROR"
		if c, ok := resp.Errors[0].Extensions["code"].(string); ok {
			outcome = c
		}
	}
	start := oc.Stats.OperationStart
	if start.IsZero() {
		start = time.Now()
	}
	o.m.Operation(string(oc.Operation.Operation), field, outcome, time.Since(start))
	return resp
}

// resultMetrics reads the results of the root fields whose figures an operator
// watches: uploads (rows accepted and rejected) and outcome tables (cells
// suppressed, by reason).
func resultMetrics(m *metrics.Metrics) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		if m == nil || err != nil {
			return res, err
		}
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || (fc.Object != "Query" && fc.Object != "Mutation") {
			return res, err
		}
		switch v := res.(type) {
		case *model.SubmissionResult:
			recordUpload(m, v)
		case *model.OutcomeTable:
			if v != nil && v.Disclosure != nil {
				for _, rc := range v.Disclosure.ByReason {
					m.Suppressed(string(rc.Reason), rc.Count)
				}
			}
		}
		return res, err
	}
}

func recordUpload(m *metrics.Metrics, r *model.SubmissionResult) {
	switch {
	case r == nil:
	case r.Accepted && r.Submission != nil:
		m.Upload("accepted", r.Submission.RowCount, 0)
	case r.Accepted:
		m.Upload("dry_run", 0, 0)
	default:
		rows := map[int]bool{}
		for _, is := range r.Issues {
			if is != nil && is.Row != nil {
				rows[*is.Row] = true
			}
		}
		m.Upload("rejected", 0, len(rows))
	}
}
