package ecosystem_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// auditReport is what audit.mjs prints.
type auditReport struct {
	Must, Other struct{ OK, Total int }
	Retries     int
	Results     []struct {
		ID, Name, Status, Reason string
		ResponseStatus           int
		ResponseBody             string
	}
}

// Audit counts of the pinned graphql-http (package-lock.json): every MUST and
// every SHOULD/MAY must pass. A new version with more audits changes these.
const (
	auditMust  = 13
	auditOther = 48
)

// TestGraphQLOverHTTPAudit runs graphql-http's server audit against the real
// server, its default limits on: the rate limit at its defaults for the token
// the audit sends (audit.mjs waits out a 429's Retry-After, as a client should),
// the body, depth, alias, complexity and token limits as configured by default.
// The limiter runs on the wall clock here: the audit is a real client in
// another process, and the test's fixed clock would never refill its bucket.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	nodeDeps(t)
	env := testkit.New(t, func(c *app.Config) {
		c.Server.Rate = server.DefaultRateConfig()
		c.Now = time.Now
	})
	token, _ := env.Token(hjx.RoleSteward, "", "")
	url := listen(t, env) + "/graphql"

	out, err := node(t, []string{"HJX_TOKEN=" + token}, "audit.mjs", url)
	if err != nil {
		t.Fatalf("audit.mjs: %v\n%s", err, out)
	}
	var rep auditReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("audit.mjs printed no report: %v\n%s", err, out)
	}
	for _, r := range rep.Results {
		if r.Status != "ok" {
			t.Errorf("%s %s: %s (status %d, body %s)", r.ID, r.Name, r.Reason, r.ResponseStatus, r.ResponseBody)
		}
	}
	t.Logf("graphql-http audit: MUST %d/%d, SHOULD/MAY %d/%d (%d requests waited for the rate limit)",
		rep.Must.OK, rep.Must.Total, rep.Other.OK, rep.Other.Total, rep.Retries)
	if rep.Must.Total != auditMust || rep.Other.Total != auditOther {
		t.Errorf("the pinned audit has %d MUST and %d SHOULD/MAY audits; the test expects %d and %d",
			rep.Must.Total, rep.Other.Total, auditMust, auditOther)
	}
	if rep.Must.OK != rep.Must.Total || rep.Other.OK != rep.Other.Total {
		t.Errorf("graphql-http audit: MUST %d/%d, SHOULD/MAY %d/%d; want all",
			rep.Must.OK, rep.Must.Total, rep.Other.OK, rep.Other.Total)
	}
}
