package main

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// limitCase: setting name to value gives want, as got reads it from the config.
type limitCase struct {
	name, value string
	got         func(c config) any
	want        any
}

// limitCases: one value of each limit the README's configuration table lists.
func limitCases() []limitCase {
	return []limitCase{
		{"HJX_MAX_BODY_BYTES", "2048", func(c config) any { return c.Server.MaxBodyBytes }, int64(2048)},
		{"HJX_SESSION_IDLE", "10m", func(c config) any { return c.SessionIdle }, 10 * time.Minute},
		{"HJX_SESSION_MAX_AGE", "8h", func(c config) any { return c.SessionMaxAge }, 8 * time.Hour},
		{"HJX_COOKIE_SECURE", "true", func(c config) any { return c.Server.CookieSecure }, true},
		{"HJX_MAX_UPLOAD_BYTES", "4096", func(c config) any {
			return []int64{c.Server.MaxUploadBytes, c.GraphQL.MaxUploadBytes, c.Ingest.MaxBytes}
		}, []int64{4096, 4096, 4096}},
		{"HJX_MAX_UPLOAD_ROWS", "10", func(c config) any { return c.Ingest.MaxRows }, 10},
		{"HJX_COMPLEXITY_LIMIT", "300", func(c config) any { return c.GraphQL.ComplexityLimit }, 300},
		{"HJX_PARSER_TOKEN_LIMIT", "900", func(c config) any { return c.GraphQL.ParserTokenLimit }, 900},
		{"HJX_MAX_QUERY_DEPTH", "7", func(c config) any { return c.GraphQL.MaxDepth }, 7},
		{"HJX_MAX_ALIASES", "4", func(c config) any { return c.GraphQL.MaxAliases }, 4},
		{"HJX_MAX_FIELDS", "250", func(c config) any { return c.GraphQL.MaxFields }, 250},
		{"HJX_MAX_OUTCOMES_PER_REQUEST", "2", func(c config) any { return c.GraphQL.MaxOutcomes }, 2},
		{"HJX_MAX_PAGE_SIZE", "90", func(c config) any { return c.GraphQL.MaxPageSize }, 90},
		{"HJX_DB_MAX_CONNS", "3", func(c config) any { return []int{c.Pool.MaxOpen, c.Pool.MaxIdle} }, []int{3, 3}},
		{"HJX_DB_CONNECT_TIMEOUT", "2s", func(c config) any { return c.Pool.ConnectTimeout }, 2 * time.Second},
		{"HJX_STATEMENT_TIMEOUT", "45s", func(c config) any { return c.Pool.StatementTimeout }, 45 * time.Second},
		{"HJX_REQUEST_TIMEOUT", "12s", func(c config) any { return c.Server.RequestTimeout }, 12 * time.Second},
		{"HJX_UPLOAD_TIMEOUT", "3m", func(c config) any { return c.Server.UploadTimeout }, 3 * time.Minute},
		{"HJX_BODY_READ_TIMEOUT", "4s", func(c config) any { return c.Server.BodyReadTimeout }, 4 * time.Second},
		{"HJX_UPLOAD_MIN_RATE", "2048", func(c config) any { return c.Server.UploadMinRate }, int64(2048)},
		{"HJX_READ_HEADER_TIMEOUT", "1s", func(c config) any { return c.Server.ReadHeaderTimeout }, time.Second},
		{"HJX_READ_TIMEOUT", "2m", func(c config) any { return c.Server.ReadTimeout }, 2 * time.Minute},
		{"HJX_WRITE_TIMEOUT", "3m", func(c config) any { return c.Server.WriteTimeout }, 3 * time.Minute},
		{"HJX_IDLE_TIMEOUT", "4m", func(c config) any { return c.Server.IdleTimeout }, 4 * time.Minute},
		{"HJX_RATE_LIMIT", "2.5", func(c config) any { return c.Server.Rate.PerToken }, 2.5},
		{"HJX_RATE_BURST", "5", func(c config) any { return c.Server.Rate.TokenBurst }, 5},
		{"HJX_RATE_LIMIT_ANONYMOUS", "0", func(c config) any { return c.Server.Rate.PerIP }, 0.0},
		{"HJX_RATE_BURST_ANONYMOUS", "6", func(c config) any { return c.Server.Rate.IPBurst }, 6},
		{"HJX_RATE_LIMIT_KEYS", "50", func(c config) any { return c.Server.Rate.MaxKeys }, 50},
		{"HJX_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7", func(c config) any { return fmt.Sprint(c.Server.Rate.TrustedProxies) },
			fmt.Sprint([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")})},
		{"HJX_PRODUCTION", "true", func(c config) any { return []bool{c.GraphQL.IntrospectionAnonymous, c.GraphQL.Suggestions} },
			[]bool{false, false}},
		{"HJX_REVISION_LIMIT", "5", func(c config) any { return c.Ingest.RevisionLimit }, 5},
		{"HJX_REVISION_WINDOW", "168h", func(c config) any { return c.Ingest.RevisionWindow }, 7 * 24 * time.Hour},
		{"HJX_RETRACTION_LIMIT", "2", func(c config) any { return c.Ingest.RetractionLimit }, 2},
		{"HJX_RETRACTION_WINDOW", "24h", func(c config) any { return c.Ingest.RetractionWindow }, 24 * time.Hour},
		{"HJX_METRICS_ADDR", "127.0.0.1:9464", func(c config) any { return c.MetricsAddr }, "127.0.0.1:9464"},
		{"HJX_OUTCOME_CACHE_BYTES", "1048576", func(c config) any { return c.OutcomeCacheBytes }, int64(1 << 20)},
	}
}

// Every limit the README's configuration table lists is read from its variable,
// and a value that makes no sense is a usage error naming the variable.
func TestLimitsConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range limitCases() {
		t.Run("OK/"+tc.name, func(t *testing.T) {
			c, err := loadConfig(func(k string) string {
				if k == tc.name {
					return tc.value
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.got(c); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("%s=%s gave %v, want %v", tc.name, tc.value, got, tc.want)
			}
		})
	}
	testLimitsInvalid(t)
	t.Run("OKDefaults", testLimitsDefaults)
}

// testLimitsInvalid: a value that makes no sense is a usage error.
func testLimitsInvalid(t *testing.T) {
	for _, bad := range []struct{ name, value string }{
		{"HJX_MAX_QUERY_DEPTH", "0"}, {"HJX_MAX_PAGE_SIZE", "-1"}, {"HJX_MAX_ALIASES", "many"},
		{"HJX_REQUEST_TIMEOUT", "30"}, {"HJX_STATEMENT_TIMEOUT", "-1s"}, {"HJX_RATE_LIMIT", "-2"},
		{"HJX_RATE_LIMIT", "NaN"}, {"HJX_MAX_FIELDS", "0"}, {"HJX_BODY_READ_TIMEOUT", "0s"}, {"HJX_UPLOAD_MIN_RATE", "-1"}, {"HJX_MAX_OUTCOMES_PER_REQUEST", "0"}, {"HJX_RATE_BURST", "0"}, {"HJX_TRUSTED_PROXIES", "10.0.0.0/33"},
		{"HJX_REVISION_LIMIT", "0"}, {"HJX_RETRACTION_WINDOW", "30d"},
	} {
		t.Run("ErrInvalid/"+bad.name+"="+bad.value, func(t *testing.T) {
			_, err := loadConfig(func(k string) string {
				if k == bad.name {
					return bad.value
				}
				return ""
			})
			if err == nil || exitCode(err) != 2 {
				t.Fatalf("err = %v, want a usage error", err)
			}
		})
	}
}

// testLimitsDefaults: no limit is off by default.
func testLimitsDefaults(t *testing.T) {
	c, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Rate.PerToken <= 0 || c.Server.Rate.PerIP <= 0 || c.GraphQL.MaxDepth <= 0 || c.GraphQL.MaxAliases <= 0 ||
		c.GraphQL.MaxFields <= 0 || c.GraphQL.MaxOutcomes <= 0 ||
		c.Pool.StatementTimeout <= 0 || c.Pool.ConnectTimeout <= 0 || c.Server.RequestTimeout <= 0 || c.MetricsAddr != "" ||
		c.Server.BodyReadTimeout <= 0 || c.Server.UploadMinRate <= 0 ||
		c.Ingest.RevisionLimit != 3 || c.Ingest.RetractionLimit != 3 || c.Ingest.RevisionWindow != 30*24*time.Hour ||
		c.Ingest.RetractionWindow != 30*24*time.Hour {
		t.Fatalf("a limit is off by default: %+v", c)
	}
}
