package federation_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/graph"
	"github.com/hjx-exchange/hjx/internal/app"
	"github.com/hjx-exchange/hjx/internal/auth"
	"github.com/hjx-exchange/hjx/internal/demo"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/federation"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/postgres/pgtest"
	"github.com/hjx-exchange/hjx/internal/server"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// world is the demo world four ways, all on one clock: single holds every
// partner; gb and us are national nodes holding their country's partners (their
// exchange served on loopback listeners); hub is the coordinator, holding the
// project and no partner. The four databases are clones of one seeded database,
// so they share the disclosure secret and every row's record keys: the federated
// answer must then equal the single node's exactly.
type world struct {
	clock             *testkit.Clock
	single, hub       *app.App
	gb, us            *app.App
	gbSrv, usSrv      *httptest.Server
	hubKey            ed25519.PrivateKey
	gbKey, usKey      ed25519.PrivateKey
	projectID         string
	tokens            map[string]string
	researcher, admin *hjx.Principal
}

func newKey(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{clock: testkit.NewClock(testkit.Start), hubKey: newKey(t), gbKey: newKey(t), usKey: newKey(t)}
	log := slog.New(slog.DiscardHandler)

	// Seed once, then clone.
	seedURL := pgtest.NewDatabaseURL(t)
	seedDB, err := postgres.Open(ctx, seedURL, postgres.PoolConfig{MaxOpen: 4})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := postgres.LoadDisclosureSecret(ctx, seedDB)
	if err != nil {
		t.Fatal(err)
	}
	seeder := app.New(seedDB, log, app.Config{Now: w.clock.Now, Secret: secret})
	res, err := demo.Seed(ctx, seeder, "fed-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = seedDB.Close()
	w.projectID = res.ProjectID
	w.tokens = map[string]string{}
	for _, tok := range res.Tokens {
		w.tokens[tok.Role] = tok.Secret
	}

	cfg := func(f app.Federation) app.Config {
		return app.Config{Server: server.DefaultConfig(), GraphQL: graph.DefaultHandlerConfig(), Now: w.clock.Now,
			Secret: secret, Federation: f}
	}
	w.single = app.New(clone(t, seedURL, nil), log, cfg(app.Federation{}))
	coordinators := map[string]ed25519.PublicKey{"hub": pub(w.hubKey)}
	w.gb = app.New(clone(t, seedURL, []string{"GB"}), log, cfg(app.Federation{NodeID: "gb", NodeCountry: "GB",
		Key: w.gbKey, Coordinators: coordinators}))
	w.us = app.New(clone(t, seedURL, []string{"US"}), log, cfg(app.Federation{NodeID: "us", NodeCountry: "US",
		Key: w.usKey, Coordinators: coordinators}))
	w.gbSrv = httptest.NewServer(w.gb.FederationHandler())
	t.Cleanup(w.gbSrv.Close)
	w.usSrv = httptest.NewServer(w.us.FederationHandler())
	t.Cleanup(w.usSrv.Close)
	w.hub = app.New(clone(t, seedURL, []string{}), log, cfg(app.Federation{NodeID: "hub", Key: w.hubKey,
		Peers:   []federation.Peer{{ID: "gb", URL: w.gbSrv.URL, Key: pub(w.gbKey)}, {ID: "us", URL: w.usSrv.URL, Key: pub(w.usKey)}},
		Timeout: 5 * time.Second}))
	if w.researcher, err = w.hub.Auth.Authenticate(ctx, w.tokens["RESEARCHER"]); err != nil {
		t.Fatal(err)
	}
	if w.admin, err = w.gb.Auth.Authenticate(ctx, w.tokens["PARTNER_ADMIN"]); err != nil {
		t.Fatal(err)
	}
	return w
}

// clone copies the seeded database and keeps the partners of the given countries
// only (nil: all of them, an empty list: none), with everything that belongs to
// the others: their figures, submissions, policies, COL answers and principals.
func clone(t testing.TB, srcURL string, keep []string) *sqlx.DB {
	t.Helper()
	ctx := context.Background()
	src, _ := url.Parse(srcURL)
	admin := *src
	admin.Path = "/postgres"
	adb, err := sqlx.Open("postgres", admin.String())
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	name := fmt.Sprintf("%s_c%d", src.Path[1:], time.Now().UnixNano()%1e9)
	if _, err := adb.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, src.Path[1:])); err != nil {
		t.Fatalf("clone: %v", err)
	}
	t.Cleanup(func() {
		adb, err := sqlx.Open("postgres", admin.String())
		if err == nil {
			_, _ = adb.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
			_ = adb.Close()
		}
	})
	dst := *src
	dst.Path = "/" + name
	db, err := postgres.Open(ctx, dst.String(), postgres.PoolConfig{MaxOpen: 8, MaxIdle: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if keep == nil {
		return db
	}
	gone := `(SELECT id FROM partners WHERE NOT (country = ANY($1)))`
	for _, stmt := range []string{
		`DELETE FROM observations WHERE partner_id IN ` + gone,
		`DELETE FROM submission_supersedes WHERE submission_id IN (SELECT id FROM submissions WHERE partner_id IN ` + gone + `)
			OR superseded_id IN (SELECT id FROM submissions WHERE partner_id IN ` + gone + `)`,
		`DELETE FROM submissions WHERE partner_id IN ` + gone,
		`DELETE FROM sharing_policies WHERE partner_id IN ` + gone,
		`DELETE FROM project_access_approvals WHERE partner_id IN ` + gone,
		`DELETE FROM tokens WHERE principal_id IN (SELECT id FROM principals WHERE partner_id IN ` + gone + `)`,
		`DELETE FROM principals WHERE partner_id IN ` + gone,
		`DELETE FROM partners WHERE id IN ` + gone,
	} {
		if _, err := db.ExecContext(ctx, stmt, pq.Array(keep)); err != nil {
			t.Fatalf("split the world: %v\n%s", err, stmt)
		}
	}
	// As an operator would after moving partners out: the planner's statistics
	// and the visibility map describe the node's own rows again.
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return db
}

var queries = []outcomes.Query{
	{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimCountry}},
	{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimCountry, outcomes.DimYear}},
	{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimPartner}},
	{Metric: "FINANCIAL_GAIN", GroupBy: []outcomes.Dimension{outcomes.DimCountry, outcomes.DimQuarter}},
	{Metric: "FINANCIAL_GAIN", GroupBy: []outcomes.Dimension{outcomes.DimYear}, Currency: "GBP"},
	{Metric: "FINANCIAL_GAIN", GroupBy: []outcomes.Dimension{outcomes.DimYear}, Countries: []hjx.Country{"GB"}},
	{Metric: "WEMWBS_CHANGE", GroupBy: []outcomes.Dimension{outcomes.DimCountry}},
	{Metric: "GP_CONSULTATIONS_3M", GroupBy: []outcomes.Dimension{outcomes.DimYear}},
	{Metric: "REFERRALS_WITH_INTAKE", GroupBy: []outcomes.Dimension{outcomes.DimHealthSetting}},
	{Metric: "ISSUES_BY_DOMAIN", GroupBy: []outcomes.Dimension{outcomes.DimWelfareDomain}},
	{Metric: "ISSUES_BY_DOMAIN", GroupBy: []outcomes.Dimension{outcomes.DimIhelpCategory, outcomes.DimCountry}},
	{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimCountry, outcomes.DimDeprivationQuintile}},
}

// comparable is a table without what only a federated answer has.
func comparable(t *outcomes.Table) *outcomes.Table {
	out := *t
	out.Nodes, out.NodesMissing, out.Partial = nil, nil, false
	out.PartnersExcluded = slices.Clone(t.PartnersExcluded)
	for i := range out.PartnersExcluded {
		out.PartnersExcluded[i].Node = ""
	}
	return &out
}

// TestFederation runs its cases in order on one world (seeding it is most of the
// time): a retraction changes the GB node's data, and the audit case reads the
// newest entries, so they are not parallel to each other.
func TestFederation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *world)
	}{
		{"OKSameTablesAsOneNode", testOKSameTablesAsOneNode},
		{"OKGraphQLSameAsOneNode", testOKGraphQLSameAsOneNode},
		{"OKCoverageNamesNodes", testOKCoverageNamesNodes},
		{"OKHomeNodeAuditsTheExchange", testOKHomeNodeAuditsTheExchange},
		{"OKRetractionSeenByNextQuery", testOKRetractionSeenByNextQuery},
		{"OKNodeSendsNothingUnaudited", testOKNodeSendsNothingUnaudited},
		{"OKStoppedNodePartial", testOKStoppedNodePartial},
		{"OKPartialInGraphQL", testOKPartialInGraphQL},
		{"ErrForbiddenUnknownCoordinatorKey", testErrForbiddenUnknownCoordinatorKey},
		{"ErrForbiddenReplayedOrExpired", testErrForbiddenReplayedOrExpired},
		{"ErrForbiddenUnsignedAnswer", testErrForbiddenUnsignedAnswer},
		{"ErrInvalidPartnerOfAnotherCountry", testErrInvalidPartnerOfAnotherCountry},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, w) })
	}
}

// query asks a of the world's project, failing the test on an error.
func (w *world) query(t *testing.T, a *app.App, q outcomes.Query) *outcomes.Table {
	t.Helper()
	tbl, err := a.Outcomes.Query(context.Background(), w.researcher, w.projectID, q)
	if err != nil {
		t.Fatalf("%s: %v", q.Metric, err)
	}
	return tbl
}

func testOKSameTablesAsOneNode(t *testing.T, w *world) {
	for _, q := range queries {
		single, fed := w.query(t, w.single, q), w.query(t, w.hub, q)
		if fed.Partial || !slices.Equal(fed.Nodes, []string{"gb", "us"}) {
			t.Errorf("%s %v: nodes %v missing %v partial %v, want both nodes", q.Metric, q.GroupBy, fed.Nodes, fed.NodesMissing, fed.Partial)
		}
		a, _ := json.Marshal(comparable(single))
		b, _ := json.Marshal(comparable(fed))
		if !bytes.Equal(a, b) {
			t.Errorf("%s %v: federated table differs from the single node's\nsingle %s\nfed    %s", q.Metric, q.GroupBy, a, b)
		}
		if len(single.Rows) == 0 {
			t.Errorf("%s %v: no rows: the comparison proves nothing", q.Metric, q.GroupBy)
		}
	}
}

func testOKGraphQLSameAsOneNode(t *testing.T, w *world) {
	// Through the real handler: partners held by the nodes resolve on the
	// coordinator from the directory entries the nodes sent.
	const doc = `query($p: ID!) { outcomes(projectId: $p, query: {metric: "PATIENTS_SCREENED", groupBy: [PARTNER, YEAR]}) {
		currency partial rows { partner { id name country } period value n partners suppressed suppression }
		coverage { partnersIncluded partnersExcluded { partner { id name region } reasons { code message } }
			observationsExcluded { reason count } }
		disclosure { k roundingBase suppressedCells byReason { reason count } } } }`
	ask := func(a *app.App) string {
		env := &testkit.Env{T: t, App: a, Clock: w.clock, Handler: a.Handler()}
		r := env.Do(w.tokens["RESEARCHER"], doc, map[string]any{"p": w.projectID})
		if len(r.Errors) > 0 {
			t.Fatalf("GraphQL errors: %+v", r.Errors)
		}
		return string(r.Data)
	}
	if single, fed := ask(w.single), ask(w.hub); single != fed {
		t.Errorf("federated GraphQL answer differs from the single node's\nsingle %s\nfed    %s", single, fed)
	}
}

func testOKCoverageNamesNodes(t *testing.T, w *world) {
	fed := w.query(t, w.hub, outcomes.Query{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimCountry}})
	if len(fed.PartnersExcluded) == 0 {
		t.Fatal("the demo world excludes partners by policy; none reported")
	}
	for _, x := range fed.PartnersExcluded {
		want := map[string]string{"GB": "gb", "US": "us"}[countryOf(t, w.single, x.PartnerID)]
		if x.Node != want {
			t.Errorf("excluded %s: node %q, want %q", x.PartnerID, x.Node, want)
		}
	}
}

func testOKHomeNodeAuditsTheExchange(t *testing.T, w *world) {
	ctx := context.Background()
	w.query(t, w.hub, outcomes.Query{Metric: "CLIENTS_ADVISED", GroupBy: []outcomes.Dimension{outcomes.DimCountry}})
	usage, err := w.gb.Governance.DataUsage(ctx, w.admin, w.admin.PartnerID, hjx.Page{First: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(usage.Items) != 1 {
		t.Fatalf("dataUsage of %s on gb: %d entries", w.admin.PartnerID, len(usage.Items))
	}
	e := usage.Items[0]
	if e.Action != "federation.cells" || e.ProjectID != w.projectID || !slices.Contains(e.PartnersIncluded, w.admin.PartnerID) ||
		e.PrincipalName != "federation coordinator hub" {
		t.Errorf("newest dataUsage entry on the home node: %+v, want the federated query", e)
	}
	hubLog, err := w.hub.Governance.AuditLog(ctx, steward(), hjx.Page{First: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := hubLog.Items[0]; got.Action != "outcomes.query" || !slices.Contains(got.PartnersIncluded, w.admin.PartnerID) ||
		got.Detail["nodes"] != "gb,us" {
		t.Errorf("coordinator's newest entry %+v, want the outcome query including %s", got, w.admin.PartnerID)
	}
}

func testOKRetractionSeenByNextQuery(t *testing.T, w *world) {
	ctx := context.Background()
	q := outcomes.Query{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimPartner}}
	before := w.query(t, w.hub, q)
	if !slices.Contains(before.Included, w.admin.PartnerID) {
		t.Fatalf("%s not included before the retraction: %v", w.admin.PartnerID, before.Included)
	}
	var ids []string
	if err := w.gb.DB.Select(&ids, `SELECT id::text FROM submissions WHERE partner_id = $1 AND status <> 'RETRACTED'`, w.admin.PartnerID); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := w.gb.Ingest.Retract(ctx, w.admin, id, "federation test: withdrawn"); err != nil {
			t.Fatal(err)
		}
	}
	after := w.query(t, w.hub, q)
	if slices.Contains(after.Included, w.admin.PartnerID) {
		t.Errorf("%s still included after its retraction on its node: %v", w.admin.PartnerID, after.Included)
	}
}

// testOKNodeSendsNothingUnaudited: a node whose audit entry cannot be stored sends
// no cells (its answer waits for that commit), so the coordinator marks it missing
// and no GB row is published.
func testOKNodeSendsNothingUnaudited(t *testing.T, w *world) {
	ctx := context.Background()
	for _, stmt := range []string{
		`CREATE FUNCTION refuse_exchange_audit() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`,
		`CREATE TRIGGER refuse_exchange_audit BEFORE INSERT ON audit_entries FOR EACH ROW
			WHEN (NEW.action = 'federation.cells') EXECUTE FUNCTION refuse_exchange_audit()`,
	} {
		if _, err := w.gb.DB.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if _, err := w.gb.DB.ExecContext(ctx, `DROP TRIGGER refuse_exchange_audit ON audit_entries;
			DROP FUNCTION refuse_exchange_audit()`); err != nil {
			t.Error(err)
		}
	})
	tbl := w.query(t, w.hub, outcomes.Query{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimCountry}})
	if !tbl.Partial || !slices.Equal(tbl.NodesMissing, []string{"gb"}) || !slices.Equal(tbl.Nodes, []string{"us"}) {
		t.Errorf("partial %v nodes %v missing %v, want partial with gb missing", tbl.Partial, tbl.Nodes, tbl.NodesMissing)
	}
	for _, r := range tbl.Rows {
		if r.Country == "GB" {
			t.Errorf("a GB row from a node that could not audit the exchange: %+v", r)
		}
	}
}

func testOKStoppedNodePartial(t *testing.T, w *world) {
	ctx := context.Background()
	stopped := httptest.NewServer(http.NotFoundHandler())
	stopped.Close()
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { close(release) })
	for _, tt := range []struct{ name, url string }{{"Stopped", stopped.URL}, {"Hung", hung.URL}} {
		hub := w.hubWith(t, tt.url, pub(w.usKey), 300*time.Millisecond)
		start := time.Now()
		tbl, err := hub.Outcomes.Query(ctx, w.researcher, w.projectID,
			outcomes.Query{Metric: "PATIENTS_SCREENED", GroupBy: []outcomes.Dimension{outcomes.DimCountry}})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: answered after %v, want within the node timeout", tt.name, took)
		}
		if !tbl.Partial || !slices.Equal(tbl.NodesMissing, []string{"us"}) || !slices.Equal(tbl.Nodes, []string{"gb"}) {
			t.Errorf("%s: partial %v nodes %v missing %v, want partial with us missing", tt.name, tbl.Partial, tbl.Nodes, tbl.NodesMissing)
		}
		for _, r := range tbl.Rows {
			if r.Country == "US" {
				t.Errorf("%s: a US row from a missing node: %+v", tt.name, r)
			}
		}
	}
}

func testOKPartialInGraphQL(t *testing.T, w *world) {
	stopped := httptest.NewServer(http.NotFoundHandler())
	stopped.Close()
	hub := w.hubWith(t, stopped.URL, pub(w.usKey), time.Second)
	env := &testkit.Env{T: t, App: hub, Clock: w.clock, Handler: hub.Handler()}
	var out struct {
		Outcomes struct {
			Partial  bool
			Coverage struct{ Nodes, NodesMissing []string }
		}
	}
	env.Do(w.tokens["RESEARCHER"], `query($p: ID!) { outcomes(projectId: $p, query: {metric: "PATIENTS_SCREENED", groupBy: [COUNTRY]}) {
		partial coverage { nodes nodesMissing } } }`, map[string]any{"p": w.projectID}).Decode(t, &out)
	if !out.Outcomes.Partial || !slices.Equal(out.Outcomes.Coverage.NodesMissing, []string{"us"}) {
		t.Errorf("GraphQL: %+v, want partial with us missing", out.Outcomes)
	}
}

func testErrForbiddenUnknownCoordinatorKey(t *testing.T, w *world) {
	ctx := context.Background()
	// A coordinator signing with a key the node does not hold: the node
	// refuses, and the coordinator's answer is partial, never silently smaller.
	impostor := newKey(t)
	hub := app.New(w.hub.DB, slog.New(slog.DiscardHandler), app.Config{Now: w.clock.Now, Secret: w.hub.Config.Secret,
		Federation: app.Federation{NodeID: "hub", Key: impostor, Timeout: 5 * time.Second,
			Peers: []federation.Peer{{ID: "gb", URL: w.gbSrv.URL, Key: pub(w.gbKey)}}}})
	tbl, err := hub.Outcomes.Query(ctx, w.researcher, w.projectID, outcomes.Query{Metric: "PATIENTS_SCREENED"})
	if err != nil {
		t.Fatal(err)
	}
	if !tbl.Partial || !slices.Equal(tbl.NodesMissing, []string{"gb"}) || len(tbl.Included) != 0 {
		t.Errorf("impostor coordinator: partial %v missing %v included %v, want gb missing and nothing pooled",
			tbl.Partial, tbl.NodesMissing, tbl.Included)
	}
	status, body := post(t, w.gbSrv.URL, impostor, w.request("gb", w.clock.Now()))
	if status != http.StatusForbidden {
		t.Errorf("impostor's request: %d %s, want 403", status, body)
	}
}

func testErrForbiddenReplayedOrExpired(t *testing.T, w *world) {
	req := w.request("gb", w.clock.Now())
	if status, body := post(t, w.gbSrv.URL, w.hubKey, req); status != http.StatusOK {
		t.Fatalf("first request: %d %s", status, body)
	}
	if status, body := post(t, w.gbSrv.URL, w.hubKey, req); status != http.StatusForbidden {
		t.Errorf("replayed request: %d %s, want 403", status, body)
	}
	if status, body := post(t, w.gbSrv.URL, w.hubKey, w.request("gb", w.clock.Now().Add(-5*time.Minute))); status != http.StatusForbidden {
		t.Errorf("expired request: %d %s, want 403", status, body)
	}
	if status, body := post(t, w.gbSrv.URL, w.hubKey, w.request("us", w.clock.Now())); status != http.StatusForbidden {
		t.Errorf("request addressed to another node: %d %s, want 403", status, body)
	}
}

func testErrForbiddenUnsignedAnswer(t *testing.T, w *world) {
	ctx := context.Background()
	// The coordinator checks the node's signature too: an answer signed by
	// another key (a node impersonated) is no answer.
	hub := w.hubWith(t, w.usSrv.URL, pub(newKey(t)), 5*time.Second)
	tbl, err := hub.Outcomes.Query(ctx, w.researcher, w.projectID, outcomes.Query{Metric: "PATIENTS_SCREENED"})
	if err != nil {
		t.Fatal(err)
	}
	if !tbl.Partial || !slices.Equal(tbl.NodesMissing, []string{"us"}) {
		t.Errorf("answer with a wrong signature: partial %v missing %v, want us missing", tbl.Partial, tbl.NodesMissing)
	}
}

func testErrInvalidPartnerOfAnotherCountry(t *testing.T, w *world) {
	ctx := context.Background()
	_, err := w.gb.Directory.Register(ctx, steward(), directory.Partner{ID: "seattle-mlp", Name: "Seattle MLP",
		Country: "US", Region: "US-WA", Model: "MLP", HealthSettings: []hjx.HealthSetting{"HOSPITAL"}, AdviceDomains: []hjx.WelfareDomain{"HOUSING"}})
	if hjx.ErrorCode(err) != hjx.CodeInvalid {
		t.Errorf("registering a US partner on the GB node: %v, want INVALID", err)
	}
}

// TestNodeRefusesOtherCountriesUploads: a database that still holds a partner of
// another country (moved out, or registered before the node was made national)
// takes no more uploads from it on a national node.
func TestNodeRefusesOtherCountriesUploads(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	node := app.New(w.single.DB, slog.New(slog.DiscardHandler), app.Config{Now: w.clock.Now, Secret: w.single.Config.Secret,
		Federation: app.Federation{NodeID: "gb", NodeCountry: "GB", Key: w.gbKey}})
	spec := demo.Partners()[len(demo.Partners())-1]
	if spec.Country != "US" {
		t.Fatalf("want a US demo partner, got %s", spec.ID)
	}
	issued, err := node.Auth.Create(ctx, auth.NewPrincipal{Name: "uploader", Role: hjx.RolePartnerUploader, PartnerID: spec.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = node.Ingest.Submit(ctx, issued.Principal, ingest.Request{Format: ingest.FormatCSV, ConsentBasis: "HIPAA_SAFE_HARBOR",
		CSV: bytes.NewReader(demo.CSV(demo.Figures(spec, 2019)))})
	if hjx.ErrorCode(err) != hjx.CodeForbidden {
		t.Errorf("upload by a US partner on the GB node: %v, want FORBIDDEN", err)
	}
}

func steward() *hjx.Principal { return &hjx.Principal{Role: hjx.RoleSteward} }

func countryOf(t *testing.T, a *app.App, partnerID string) string {
	t.Helper()
	p, err := a.Directory.Get(context.Background(), partnerID)
	if err != nil {
		t.Fatal(err)
	}
	return string(p.Country)
}

// hubWith is the coordinator with the us peer at another address or key.
func (w *world) hubWith(t *testing.T, usURL string, usKey ed25519.PublicKey, timeout time.Duration) *app.App {
	t.Helper()
	return app.New(w.hub.DB, slog.New(slog.DiscardHandler), app.Config{Server: server.DefaultConfig(),
		GraphQL: graph.DefaultHandlerConfig(), Now: w.clock.Now, Secret: w.hub.Config.Secret,
		Federation: app.Federation{NodeID: "hub", Key: w.hubKey, Timeout: timeout, Peers: []federation.Peer{
			{ID: "gb", URL: w.gbSrv.URL, Key: pub(w.gbKey)}, {ID: "us", URL: usURL, Key: usKey}}}})
}

func (w *world) request(node string, at time.Time) federation.CellsRequest {
	pr, err := w.hub.Governance.Project(context.Background(), w.researcher, w.projectID)
	if err != nil {
		panic(err)
	}
	return federation.CellsRequest{Coordinator: "hub", Node: node, Nonce: fmt.Sprintf("test-nonce-%d", at.UnixNano()),
		IssuedAt: at, Kind: "COUNT", Query: outcomes.Query{Metric: "PATIENTS_SCREENED"},
		Claims: federation.Claims{ProjectID: pr.ID, Institution: pr.Institution, InstitutionCountry: pr.InstitutionCountry,
			Purpose: string(pr.Purpose), EthicsApprovalRef: pr.EthicsApprovalRef, PublicationCommitted: pr.PublicationCommitted,
			Status: string(pr.Status), StartsOn: pr.StartsOn, EndsOn: pr.EndsOn}}
}

// post sends a request signed with key to a node's exchange.
func post(t *testing.T, base string, key ed25519.PrivateKey, req federation.CellsRequest) (int, string) {
	t.Helper()
	payload, _ := json.Marshal(req)
	hreq, err := http.NewRequest(http.MethodPost, base+federation.CellsPath, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header.Set(federation.SignatureHeader, base64.StdEncoding.EncodeToString(ed25519.Sign(key, payload)))
	res, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
