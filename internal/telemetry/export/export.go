// Package export builds hjx's OpenTelemetry tracer provider from the standard
// OTEL_* environment variables (docs/OBSERVABILITY.md). Tracing is off unless an
// OTLP endpoint or OTEL_TRACES_EXPORTER=otlp is set; then spans go to the
// collector over OTLP/HTTP. It is the only package that knows the exporter; the
// rest of hjx sees the API's trace.Tracer (package telemetry).
package export

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Provider is a tracer provider and how to flush and stop it.
type Provider struct {
	trace.TracerProvider
	// Shutdown flushes spans not yet exported and stops the exporter.
	Shutdown func(context.Context) error
	// Enabled reports whether spans are exported.
	Enabled bool
}

// FromEnv returns the provider the environment asks for: a no-op provider
// (nothing recorded) unless OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER=otlp is set;
// OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off whatever
// else is set. The exporter itself reads the other OTEL_EXPORTER_OTLP_*
// variables (headers, timeout, TLS), the SDK OTEL_TRACES_SAMPLER and
// OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, as the specification says.
// Only OTLP over HTTP (http/protobuf) is built in.
func FromEnv(ctx context.Context, getenv func(string) string, version string) (*Provider, error) {
	off := &Provider{TracerProvider: noop.NewTracerProvider(), Shutdown: func(context.Context) error { return nil }}
	exporter := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")))
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || exporter == "none" {
		return off, nil
	}
	endpoint := getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	switch exporter {
	case "":
		if !endpoint {
			return off, nil
		}
	case "otlp":
	default:
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: hjx exports traces with otlp (or none)", exporter)
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if protocol != "" && protocol != "http/protobuf" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: hjx sends OTLP over HTTP (http/protobuf); use the collector's HTTP port (4318)", protocol)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (WithFromEnv) override the defaults before them.
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "hjx"),
		attribute.String("service.version", version)), resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("OpenTelemetry resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Provider{TracerProvider: tp, Shutdown: tp.Shutdown, Enabled: true}, nil
}
