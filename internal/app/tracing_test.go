package app_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// An outcome query is traced through its four steps (the root field's
// resolver, the aggregation statement, disclosure control, the audit write)
// under the request's span, and no span attribute or event carries the token,
// a figure of the answer or a query variable.
func TestOutcomeQueryTrace(t *testing.T) {
	t.Parallel()
	rec, env, world, token := tracedDemo(t)
	before := len(rec.Ended())
	out := tracedQuery(t, env, world, token)
	spans := rec.Ended()[before:]
	checkSpanParents(t, spans)
	checkSpansLeakNothing(t, spans, token, world, out)
	t.Logf("spans: %v", names(spans))
}

// tracedAnswer is the answer's rows TestOutcomeQueryTrace looks for in the spans.
type tracedAnswer struct {
	Outcomes struct {
		Rows []struct {
			Value    *float64
			N        *int
			Partners int
		}
	}
}

// tracedDemo seeds the demo world on an app recording its spans, and returns a
// researcher's token.
func tracedDemo(t *testing.T) (*tracetest.SpanRecorder, *testkit.Env, *demo.Result, string) {
	rec := tracetest.NewSpanRecorder()
	env := testkit.New(t, func(c *app.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	})
	env.Clock.Set(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)) // past the demo's figures
	world := env.Demo("trace-test")
	return rec, env, world, testkit.DemoToken(t, world, "RESEARCHER")
}

func tracedQuery(t *testing.T, env *testkit.Env, world *demo.Result, token string) tracedAnswer {
	t.Helper()
	vars := map[string]any{"p": world.ProjectID, "q": map[string]any{"metric": "FINANCIAL_GAIN", "groupBy": []string{"COUNTRY", "YEAR"}, "currency": "USD"}}
	resp := env.Do(token, `query Traced($p: ID!, $q: OutcomeQuery!) { outcomes(projectId: $p, query: $q) { rows { value n partners } } }`, vars)
	var out tracedAnswer
	resp.Decode(t, &out)
	if len(out.Outcomes.Rows) == 0 {
		t.Fatal("the outcome query answered no rows: nothing to look for in the spans")
	}
	return out
}

func checkSpanParents(t *testing.T, spans []sdktrace.ReadOnlySpan) {
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = s
	}
	parentOf := map[string]string{
		"Query.outcomes":     "graphql.request",
		"outcomes.aggregate": "Query.outcomes",
		"disclosure.protect": "Query.outcomes",
		"audit.append":       "Query.outcomes",
	}
	for child, parent := range parentOf {
		c, p := byName[child], byName[parent]
		if c == nil || p == nil {
			t.Fatalf("spans %v: want %s under %s", names(spans), child, parent)
		}
		if c.Parent().SpanID() != p.SpanContext().SpanID() || c.SpanContext().TraceID() != p.SpanContext().TraceID() {
			t.Errorf("%s is not a child of %s", child, parent)
		}
	}
}

// checkSpansLeakNothing: no span carries the token, a variable or a figure of the answer.
func checkSpansLeakNothing(t *testing.T, spans []sdktrace.ReadOnlySpan, token string, world *demo.Result, out tracedAnswer) {
	// What must not leak: the token, every variable, every figure of the answer.
	secrets := []string{token, world.ProjectID, "FINANCIAL_GAIN", "USD"}
	for _, r := range out.Outcomes.Rows {
		if r.Value != nil && *r.Value >= 10 {
			secrets = append(secrets, fmt.Sprint(*r.Value))
		}
		if r.N != nil && *r.N >= 10 {
			secrets = append(secrets, fmt.Sprint(*r.N))
		}
	}
	for _, s := range spans {
		var texts []string
		for _, a := range s.Attributes() {
			texts = append(texts, string(a.Key)+"="+a.Value.String())
		}
		for _, e := range s.Events() {
			b, _ := json.Marshal(e)
			texts = append(texts, string(b))
		}
		texts = append(texts, s.Name(), s.Status().Description)
		for _, text := range texts {
			for _, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("span %s carries %q in %q", s.Name(), secret, text)
				}
			}
		}
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	slices.Sort(out)
	return out
}
