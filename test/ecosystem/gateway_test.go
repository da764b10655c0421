package ecosystem_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestGatewayComposesHJX runs a real Apollo Federation v2 gateway (gateway.mjs:
// Apollo Gateway, pinned by package-lock.json) composing hjx, served on
// loopback with the demo world and production's introspection rule, with a
// dashboard team's subgraph (dashboard-subgraph.mjs) that extends Partner.
// Through the gateway, hjx's fields answer exactly what hjx answers directly,
// the caller's token forwarded; entity queries join both subgraphs both ways.
func TestGatewayComposesHJX(t *testing.T) {
	nodeDeps(t)
	env := testkit.New(t, func(c *app.Config) {
		c.GraphQL.IntrospectionAnonymous = false
		c.Server.Rate = server.RateConfig{PerToken: 1000, TokenBurst: 1000, PerIP: 1000, IPBurst: 1000, MaxKeys: 100}
	})
	// The demo's figures end in 2023; its clock must be past them.
	env.Clock.Set(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	world := env.Demo("gateway-test")
	researcher := testkit.DemoToken(t, world, "RESEARCHER")
	hjxURL := listen(t, env) + "/graphql"
	dashboardURL := startNode(t, nil, "dashboard subgraph at ", "dashboard-subgraph.mjs", "0")
	config := supergraphConfig(t, hjxURL, dashboardURL)

	t.Run("ErrCompositionWithoutToken", func(t *testing.T) { gatewayErrCompositionWithoutToken(t, config) })

	gatewayURL := startNode(t, []string{"HJX_GATEWAY_TOKEN=" + researcher}, "gateway at ", "gateway.mjs", config, "0")
	project := map[string]any{"p": world.ProjectID}

	t.Run("SameAnswers", func(t *testing.T) { gatewaySameAnswers(t, hjxURL, gatewayURL, researcher, project) })
	t.Run("ErrUnauthenticatedWithoutToken", func(t *testing.T) { gatewayErrUnauthenticatedWithoutToken(t, gatewayURL, project) })
	t.Run("JoinDashboardPartnersWithHJX", func(t *testing.T) { gatewayJoinDashboardPartnersWithHJX(t, hjxURL, gatewayURL) })
	t.Run("JoinHJXPartnersWithDashboard", func(t *testing.T) { gatewayJoinHJXPartnersWithDashboard(t, hjxURL, gatewayURL) })
}

func gatewayErrCompositionWithoutToken(t *testing.T, config string) {
	// Production: the gateway may not read hjx's SDL without a token that may introspect.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", "gateway.mjs", config, "0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `Couldn't load service definitions for "hjx"`) ||
		!strings.Contains(string(out), "a valid bearer token is required") {
		t.Fatalf("the gateway without a token for hjx's SDL: %v\n%s", err, out)
	}
}

func gatewaySameAnswers(t *testing.T, hjxURL string, gatewayURL string, researcher string, project map[string]any) {
	tests := []struct {
		name, token, query string
	}{
		{"Partners", "", `{ partners(first: 50) { totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id name country region model healthSettings adviceDomains activeFrom activeTo } } } }`},
		{"Metrics", "", `{ metrics { code kind unit instrument rangeMin rangeMax title source } }`},
		{"ProjectForResearcher", researcher, `query($p: ID!) { project(id: $p) { id title institution status startsOn endsOn members { id } } }`},
		{"Outcomes", researcher, `query($p: ID!) { outcomes(projectId: $p, query: {metric: "PATIENTS_SCREENED", groupBy: [COUNTRY, PARTNER]}) {
			metric { code title } rows { country partner { id name } period value n partners suppressed suppression }
			coverage { partnersIncluded partnersExcluded { partner { id } reasons { code } } }
			disclosure { k roundingBase suppressedCells byReason { reason count } } } }`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			direct := post(t, hjxURL, tc.token, tc.query, project)
			via := post(t, gatewayURL, tc.token, tc.query, project)
			if len(direct.Errors) > 0 || !strings.Contains(string(direct.Data), ":[{") {
				t.Fatalf("hjx directly: %s", direct.raw)
			}
			if got, want := canonical(t, via.Data), canonical(t, direct.Data); got != want || len(via.Errors) > 0 {
				t.Fatalf("through the gateway:\n%s\nhjx directly:\n%s", via.raw, direct.raw)
			}
		})
	}
}

func gatewayErrUnauthenticatedWithoutToken(t *testing.T, gatewayURL string, project map[string]any) {
	via := post(t, gatewayURL, "", `query($p: ID!) { project(id: $p) { id title } }`, project)
	if len(via.Errors) == 0 || via.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("a project through the gateway without a token: %s, want UNAUTHENTICATED", via.raw)
	}
}

func gatewayJoinDashboardPartnersWithHJX(t *testing.T, hjxURL string, gatewayURL string) {
	// The dashboard subgraph names the partners; hjx answers their fields (_entities).
	var via struct{ FeaturedPartners []partner }
	post(t, gatewayURL, "", `{ featuredPartners { id name country dashboardNote } }`, nil).decode(t, &via)
	if len(via.FeaturedPartners) != 2 {
		t.Fatalf("featuredPartners: %+v, want the dashboard's two", via.FeaturedPartners)
	}
	for _, p := range via.FeaturedPartners {
		var direct struct{ Partner partner }
		post(t, hjxURL, "", `query($id: ID!) { partner(id: $id) { id name country } }`, map[string]any{"id": p.ID}).decode(t, &direct)
		want := direct.Partner
		want.DashboardNote = note(p.ID)
		if p != want || p.Name == "" {
			t.Errorf("through the gateway %+v, want %+v", p, want)
		}
	}
}

func gatewayJoinHJXPartnersWithDashboard(t *testing.T, hjxURL string, gatewayURL string) {
	// hjx lists the partners; the dashboard subgraph adds its note to each.
	const query = `{ partners(first: 5) { edges { node { id name country %s } } } }`
	type page struct {
		Partners struct{ Edges []struct{ Node partner } }
	}
	var via, direct page
	post(t, gatewayURL, "", strings.Replace(query, "%s", "dashboardNote", 1), nil).decode(t, &via)
	post(t, hjxURL, "", strings.Replace(query, "%s", "", 1), nil).decode(t, &direct)
	if len(via.Partners.Edges) != 5 || len(direct.Partners.Edges) != 5 {
		t.Fatalf("%d partners through the gateway, %d directly, want 5", len(via.Partners.Edges), len(direct.Partners.Edges))
	}
	for i, e := range direct.Partners.Edges {
		want := e.Node
		want.DashboardNote = note(want.ID)
		if got := via.Partners.Edges[i].Node; got != want {
			t.Errorf("partner %d: %+v, want %+v", i, got, want)
		}
	}
}

// supergraphConfig writes supergraph.json, the config docs/FEDERATION.md
// shows, with the subgraphs' routing URLs replaced by the test's, and returns
// its path.
// partner is a partner as the gateway answers it, with the dashboard team's note.
type partner struct {
	ID, Name, Country string
	DashboardNote     string `json:"dashboardNote"`
}

// note is the note the dashboard subgraph adds to a partner.
func note(id string) string { return "the dashboard team's note on " + id }

func supergraphConfig(t *testing.T, hjxURL, dashboardURL string) string {
	t.Helper()
	b, err := os.ReadFile("supergraph.json")
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		Subgraphs map[string]map[string]any `json:"subgraphs"`
	}
	if err := json.Unmarshal(b, &config); err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{"hjx": hjxURL, "dashboard": dashboardURL} {
		if config.Subgraphs[name] == nil {
			t.Fatalf("supergraph.json has no subgraph %q", name)
		}
		config.Subgraphs[name]["routing_url"] = url
	}
	if b, err = json.Marshal(config); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "supergraph.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startNode starts a long-running script of this directory and returns the URL
// it prints after ready (on the line starting with ready). The process is
// stopped when the test ends; its stderr is logged.
func startNode(t *testing.T, env []string, ready string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		defer close(urls)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), ready); ok {
				urls <- url
				break
			}
		}
		_, _ = bufio.NewReader(stdout).WriteTo(new(bytes.Buffer)) // keep draining until exit
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if s := strings.TrimSpace(stderr.String()); s != "" {
			t.Logf("node %s: stderr:\n%s", strings.Join(args, " "), s)
		}
	})
	select {
	case url, ok := <-urls:
		if !ok {
			t.Fatalf("node %s exited before it was ready", strings.Join(args, " "))
		}
		return url
	case <-time.After(2 * time.Minute):
		t.Fatalf("node %s: not ready after 2 minutes", strings.Join(args, " "))
	}
	return ""
}

// gqlResponse is a response as received over HTTP, with its body as sent.
type gqlResponse struct {
	testkit.Response
	raw string
}

func (r gqlResponse) decode(t *testing.T, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.raw)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("%s: %v", r.raw, err)
	}
}

// post sends one GraphQL operation over HTTP, as any client would.
func post(t *testing.T, url, token, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	out := gqlResponse{raw: buf.String()}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("%s answered %d %q: %v", url, res.StatusCode, buf.String(), err)
	}
	return out
}

// canonical re-encodes JSON with sorted object keys.
func canonical(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
