package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// rateLimited builds an app whose limiter runs on the test clock: buckets refill
// only when the test moves the clock.
func rateLimited(t *testing.T, rc server.RateConfig) *testkit.Env {
	return testkit.New(t, func(c *app.Config) { c.Server.Rate = rc })
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	runParallel(t, []namedTest{
		{"ErrTokenBucketSpent", rateErrTokenBucketSpent},
		{"ErrTokensOfOnePrincipalShareABucket", rateErrTokensOfOnePrincipalShareABucket},
		{"ErrDashboardTokensOfOneProjectShareABucket", rateErrDashboardTokensOfOneProjectShareABucket},
		{"ErrAnonymousPerIP", rateErrAnonymousPerIP},
		{"ErrForwardedForIgnoredFromUntrustedPeer", rateErrForwardedForIgnoredFromUntrustedPeer},
		{"OKForwardedForFromTrustedProxy", rateOKForwardedForFromTrustedProxy},
		{"ErrTokenGuessingThrottled", rateErrTokenGuessingThrottled},
		{"OKValidTokenAfterBadTokensFromTheSameAddress", rateOKValidTokenAfterBadTokensFromTheSameAddress},
		{"OKTokensUnaffectedByAnonymousTrafficFromTheirAddress", rateOKTokensUnaffectedByAnonymousTrafficFromTheirAddress},
		{"OKOffWhenZero", rateOKOffWhenZero},
	})
}

func rateErrTokenBucketSpent(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 1, TokenBurst: 3, PerIP: 100, IPBurst: 100})
	token, _ := env.Token(hjx.RoleResearcher, "", "")
	for i := range 3 {
		if r := env.Do(token, `{ metrics { code } }`, nil); r.Code() != "" {
			t.Fatalf("request %d within the burst refused: %+v", i+1, r.Errors)
		}
	}
	r, rec := doRaw(env, token, "192.0.2.1:1234", nil)
	if rec.Code != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" {
		t.Fatalf("status %d code %q, want 429 RATE_LIMITED", rec.Code, r.Code())
	}
	if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra != 1 {
		t.Fatalf("Retry-After %q, want 1 (one request per second)", rec.Header().Get("Retry-After"))
	}
	// Another token is not affected.
	other, _ := env.Token(hjx.RoleSteward, "", "")
	if r := env.Do(other, `{ metrics { code } }`, nil); r.Code() != "" {
		t.Fatalf("another token refused: %+v", r.Errors)
	}
	// A second later the bucket has one request again.
	env.Clock.Add(time.Second)
	if r := env.Do(token, `{ metrics { code } }`, nil); r.Code() != "" {
		t.Fatalf("refill after a second refused: %+v", r.Errors)
	}
}

func rateErrTokensOfOnePrincipalShareABucket(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 1, TokenBurst: 3, PerIP: 100, IPBurst: 100})
	first, p := env.Token(hjx.RoleResearcher, "", "")
	second, err := env.App.Auth.AddToken(context.Background(), env.App.DB, p, "second", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if r := env.Do(first, `{ metrics { code } }`, nil); r.Code() != "" {
			t.Fatalf("request %d within the burst refused: %+v", i+1, r.Errors)
		}
	}
	if r := env.Do(second.Secret, `{ metrics { code } }`, nil); r.Code() != "RATE_LIMITED" {
		t.Fatalf("a second token of the same principal: code %q, want RATE_LIMITED", r.Code())
	}
}

func rateErrDashboardTokensOfOneProjectShareABucket(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 1, TokenBurst: 3, PerIP: 100, IPBurst: 100})
	_, researcher := env.Token(hjx.RoleResearcher, "", "")
	project, err := env.App.Governance.ProposeProject(context.Background(), researcher, access.ProjectInput{
		Title: "Rate limit project", Institution: "University of Leeds", InstitutionCountry: "GB",
		Purpose: access.Purpose("GENERAL_RESEARCH"), EthicsApprovalRef: "REC 22/YH/0001", PublicationCommitted: true,
		StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var dashboards []string
	for range 5 {
		tok, _ := env.Token(hjx.RoleDashboard, "", project.ID)
		dashboards = append(dashboards, tok)
	}
	for i := range 3 {
		if r := env.Do(dashboards[i], `{ metrics { code } }`, nil); r.Code() != "" {
			t.Fatalf("request %d within the burst refused: %+v", i+1, r.Errors)
		}
	}
	// Five dashboard tokens of one project get one project's rate, not five.
	for _, tok := range dashboards {
		if r := env.Do(tok, `{ metrics { code } }`, nil); r.Code() != "RATE_LIMITED" {
			t.Fatalf("another dashboard token of the project: code %q, want RATE_LIMITED", r.Code())
		}
	}
}

func rateErrAnonymousPerIP(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 100, TokenBurst: 100, PerIP: 0.5, IPBurst: 2})
	for i := range 2 {
		if r, _ := doRaw(env, "", "198.51.100.7:5555", nil); r.Code() != "" {
			t.Fatalf("request %d refused: %+v", i+1, r.Errors)
		}
	}
	r, rec := doRaw(env, "", "198.51.100.7:6666", nil)
	if r.Code() != "RATE_LIMITED" || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("code %q Retry-After %q, want RATE_LIMITED and 2", r.Code(), rec.Header().Get("Retry-After"))
	}
	if r, _ := doRaw(env, "", "198.51.100.8:5555", nil); r.Code() != "" {
		t.Fatalf("another address refused: %+v", r.Errors)
	}
}

func rateErrForwardedForIgnoredFromUntrustedPeer(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 100, TokenBurst: 100, PerIP: 0.1, IPBurst: 1})
	doRaw(env, "", "203.0.113.9:1", map[string]string{"X-Forwarded-For": "10.0.0.1"})
	// A client naming a fresh address each time does not escape its bucket.
	r, _ := doRaw(env, "", "203.0.113.9:2", map[string]string{"X-Forwarded-For": "10.0.0.2"})
	if r.Code() != "RATE_LIMITED" {
		t.Fatalf("code %q, want RATE_LIMITED: X-Forwarded-For from an untrusted peer must be ignored", r.Code())
	}
}

func rateOKForwardedForFromTrustedProxy(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 100, TokenBurst: 100, PerIP: 0.1, IPBurst: 1,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}})
	proxy := "10.1.2.3:4444"
	if r, _ := doRaw(env, "", proxy, map[string]string{"X-Forwarded-For": "192.0.2.10"}); r.Code() != "" {
		t.Fatalf("first client refused: %+v", r.Errors)
	}
	// A different client behind the same proxy has its own bucket...
	if r, _ := doRaw(env, "", proxy, map[string]string{"X-Forwarded-For": "192.0.2.11"}); r.Code() != "" {
		t.Fatalf("second client behind the proxy refused: %+v", r.Errors)
	}
	// ...and the first, whatever it puts left of its real address, does not escape.
	r, _ := doRaw(env, "", proxy, map[string]string{"X-Forwarded-For": "1.2.3.4, 192.0.2.10"})
	if r.Code() != "RATE_LIMITED" {
		t.Fatalf("code %q, want RATE_LIMITED for the forged left-most address", r.Code())
	}
}

func rateErrTokenGuessingThrottled(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 100, TokenBurst: 100, PerIP: 0.1, IPBurst: 2})
	bad := "hjx1_" + "a234567a234567a234567a234567a234567a234567a234567a2"
	for i := range 2 {
		if r, rec := doRaw(env, bad, "192.0.2.50:1", nil); rec.Code != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("guess %d: status %d code %q, want 401 UNAUTHENTICATED", i+1, rec.Code, r.Code())
		}
	}
	r, rec := doRaw(env, bad, "192.0.2.50:1", nil)
	if rec.Code != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" {
		t.Fatalf("third guess: status %d code %q, want 429 RATE_LIMITED", rec.Code, r.Code())
	}
}

func rateOKValidTokenAfterBadTokensFromTheSameAddress(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 100, TokenBurst: 100, PerIP: 0.1, IPBurst: 2})
	token, _ := env.Token(hjx.RoleResearcher, "", "")
	bad := "hjx1_" + "b234567b234567b234567b234567b234567b234567b234567b2"
	for range 5 {
		doRaw(env, bad, "192.0.2.80:1", nil)
	}
	if r, _ := doRaw(env, bad, "192.0.2.80:1", nil); r.Code() != "RATE_LIMITED" {
		t.Fatalf("bad token: code %q, want RATE_LIMITED", r.Code())
	}
	// A colleague behind the same address (one office NAT) with a valid token
	// is served, however many bad checks came from there.
	for i := range 3 {
		if r, rec := doRaw(env, token, "192.0.2.80:2", nil); rec.Code != http.StatusOK || r.Code() != "" {
			t.Fatalf("valid token %d from a throttled address: status %d %+v", i+1, rec.Code, r.Errors)
		}
	}
	// Bad tokens from there stay throttled.
	if r, _ := doRaw(env, bad, "192.0.2.80:1", nil); r.Code() != "RATE_LIMITED" {
		t.Fatalf("bad token after the valid ones: code %q, want RATE_LIMITED", r.Code())
	}
}

func rateOKTokensUnaffectedByAnonymousTrafficFromTheirAddress(t *testing.T) {
	env := rateLimited(t, server.RateConfig{PerToken: 100, TokenBurst: 100, PerIP: 0.1, IPBurst: 1})
	token, _ := env.Token(hjx.RoleResearcher, "", "")
	doRaw(env, "", "192.0.2.70:1", nil)
	if r, _ := doRaw(env, "", "192.0.2.70:1", nil); r.Code() != "RATE_LIMITED" {
		t.Fatalf("anonymous: code %q, want RATE_LIMITED", r.Code())
	}
	if r, _ := doRaw(env, token, "192.0.2.70:1", nil); r.Code() != "" {
		t.Fatalf("a valid token from an address whose anonymous bucket is spent was refused: %+v", r.Errors)
	}
}

func rateOKOffWhenZero(t *testing.T) {
	env := rateLimited(t, server.RateConfig{})
	for i := range 50 {
		if r, _ := doRaw(env, "", "192.0.2.60:1", nil); r.Code() != "" {
			t.Fatalf("request %d refused with limits off: %+v", i+1, r.Errors)
		}
	}
}

// namedTest is a subtest that builds its own app.
type namedTest struct {
	name string
	run  func(*testing.T)
}

// runParallel runs the subtests side by side: each has its own database.
func runParallel(t *testing.T, tests []namedTest) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

// doRaw sends an anonymous or bearer request from a given address and returns
// the decoded body and the recorder (for status and headers).
func doRaw(env *testkit.Env, token, remote string, headers map[string]string) (*testkit.Response, *httptest.ResponseRecorder) {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewBufferString(`{"query":"{ metrics { code } }"}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.RemoteAddr = remote
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return env.SendRecorded(req)
}
