// Package telemetry is how hjx's packages trace their steps with the
// OpenTelemetry API, nil-safe: a service whose Tracer is nil records nothing.
// Spans name steps (GraphQL operation, root field, aggregation statement,
// disclosure control, audit write) and carry no figure, token, identifier or
// query variable: an error is recorded by its hjx code only, never its message.
// Exporting is configured by package telemetry/export.
package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// InstrumentationName names hjx's tracer.
const InstrumentationName = "github.com/hjx-exchange/hjx"

// Tracer returns hjx's tracer from tp; a nil tp gives one that records nothing.
func Tracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return tp.Tracer(InstrumentationName)
}

// Start starts a span named name on t, or a span that records nothing when t is nil.
func Start(ctx context.Context, t trace.Tracer, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if t == nil {
		t = noop.NewTracerProvider().Tracer(InstrumentationName)
	}
	return t.Start(ctx, name, opts...)
}

// End ends span, marking it failed with err's hjx code (INVALID, INTERNAL...)
// when err is not nil. The message is left out: it may quote what a client sent.
func End(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, string(hjx.ErrorCode(err)))
	}
	span.End()
}
