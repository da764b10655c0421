package export_test

import (
	"context"
	"testing"

	"github.com/hjx-exchange/hjx/internal/telemetry/export"
)

// Tracing is off unless the standard variables ask for OTLP; OTEL_SDK_DISABLED
// and OTEL_TRACES_EXPORTER=none win; other exporters and the gRPC protocol are
// refused with a message rather than silently ignored.
func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		enabled bool
		err     bool
	}{
		{"OKOffByDefault", nil, false, false},
		{"OKEndpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true, false},
		{"OKTracesEndpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true, false},
		{"OKExporterOTLP", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, false},
		{"OKExporterNone", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, false, false},
		{"OKSDKDisabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false, false},
		{"ErrConsoleExporter", map[string]string{"OTEL_TRACES_EXPORTER": "console"}, false, true},
		{"ErrGRPC", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := export.FromEnv(context.Background(), func(k string) string { return tt.env[k] }, "test")
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if err != nil {
				return
			}
			defer func() { _ = p.Shutdown(context.Background()) }()
			if p.Enabled != tt.enabled {
				t.Fatalf("enabled %v, want %v", p.Enabled, tt.enabled)
			}
		})
	}
}
