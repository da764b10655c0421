package federation

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/errgroup"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/harmonise"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// Node is a national node's side of the exchange: it answers a coordinator's
// signed request for its own partners only.
type Node struct {
	ID string
	// Country is the node's country: its partners are all of it (the directory and
	// uploads refuse others), and only they are ever decided on here.
	Country string
	// Key signs the node's responses, so the coordinator knows who answered.
	Key ed25519.PrivateKey
	// Coordinators are the public keys of the coordinators the node answers, by id.
	Coordinators map[string]ed25519.PublicKey
	DB           *sqlx.DB
	Directory    *directory.Service
	Governance   *governance.Service
	Outcomes     *outcomes.Service
	Audit        *audit.Log
	Now          func() time.Time
	Log          *slog.Logger
	// Floor is the platform's smallest k (HJX_MIN_CELL_FLOOR).
	Floor int
}

// Handler serves the exchange (POST CellsPath). Every refusal is 403 with a short
// reason and logged; the coordinator treats it as a node that did not answer.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+CellsPath, func(w http.ResponseWriter, r *http.Request) {
		env, err := receive(r.Header, r.Body, MaxRequestBytes)
		if err != nil {
			http.Error(w, "malformed request", http.StatusBadRequest)
			return
		}
		out, err := n.Answer(r.Context(), env)
		if err != nil {
			code := http.StatusInternalServerError
			msg := "internal error"
			switch hjx.ErrorCode(err) {
			case hjx.CodeForbidden, hjx.CodeUnauthenticated:
				code, msg = http.StatusForbidden, err.Error()
			case hjx.CodeInvalid:
				code, msg = http.StatusBadRequest, err.Error()
			}
			n.Log.Warn("federation request refused", "status", code, "error", err.Error())
			http.Error(w, msg, code)
			return
		}
		out.header(w.Header())
		_, _ = w.Write(out.Payload)
	})
	return mux
}

// Answer checks a signed request and returns the node's signed answer.
func (n *Node) Answer(ctx context.Context, env Envelope) (Envelope, error) {
	var head struct {
		Coordinator string `json:"coordinator"`
	}
	if err := json.Unmarshal(env.Payload, &head); err != nil {
		return Envelope{}, hjx.Invalid("payload", "is not a cells request")
	}
	pub, ok := n.Coordinators[head.Coordinator]
	if !ok {
		return Envelope{}, hjx.Forbidden("unknown coordinator")
	}
	var req CellsRequest
	if err := open(pub, env, &req); err != nil {
		return Envelope{}, hjx.Forbidden("the request's signature does not verify against the coordinator's key")
	}
	resp, err := n.Cells(ctx, req)
	if err != nil {
		return Envelope{}, err
	}
	out, err := seal(n.Key, resp)
	if err != nil {
		return Envelope{}, hjx.Internal(err, "sign cells response")
	}
	return out, nil
}

// Cells answers a request whose signature has been checked: it refuses a request
// addressed elsewhere, stale or replayed, decides for the node's partners on the
// claims, audits the exchange and aggregates the allowed partners.
func (n *Node) Cells(ctx context.Context, req CellsRequest) (*CellsResponse, error) {
	now := n.Now()
	if err := n.check(req, now); err != nil {
		return nil, err
	}
	// The nonce is stored in the transaction that appends the exchange's audit
	// entry, so the two are one commit: a replay is refused by the unique nonce
	// (a concurrent one waits for this commit, then is refused), and an answer
	// whose audit entry did not commit leaves no nonce behind either. Nothing
	// leaves before that commit.
	x := n.begin(ctx, req.Coordinator, req.Nonce, now)
	d, err := n.decide(ctx, x, req)
	if err != nil {
		x.append(nil)
		_ = x.wait()
		return nil, err
	}
	// The entry names what the decisions fix: the partners whose rows the SQL step
	// reads (the allowed ones) and those excluded with their reasons. It is appended
	// and committed, and the directory entries of every partner the answer may name
	// are read, while the SQL step runs: the audit lock is held for the append and
	// its commit only, never across the SQL step.
	x.append(n.entry(req, d))
	type dirResult struct {
		entries map[string]*directory.Partner
		err     error
	}
	dir := make(chan dirResult, 1)
	go func() {
		ids := slices.Clone(d.sel.Allowed)
		for _, e := range d.sel.ByDecision {
			ids = append(ids, e.PartnerID)
		}
		entries, err := n.Directory.GetMany(ctx, ids)
		dir <- dirResult{entries, err}
	}()
	resp, sqlErr := n.aggregate(ctx, req, d)
	auditErr, dr := x.wait(), <-dir
	for _, err := range []error{auditErr, sqlErr, dr.err} {
		if err != nil {
			return nil, err
		}
	}
	for _, id := range named(resp) {
		if p, ok := dr.entries[id]; ok {
			resp.Directory = append(resp.Directory, *p)
		}
	}
	return resp, nil
}

// check refuses a request addressed to another node, stale, for a project that
// is not running, or with an invalid query.
func (n *Node) check(req CellsRequest, now time.Time) error {
	switch {
	case req.Node != n.ID:
		return hjx.Forbidden("the request is addressed to another node")
	case req.IssuedAt.Before(now.Add(-MaxSkew)) || req.IssuedAt.After(now.Add(MaxSkew)):
		return hjx.Forbidden("the request has expired (or its clock is off by more than %s)", MaxSkew)
	case uuid.Validate(req.Claims.ProjectID) != nil:
		return hjx.Invalid("claims.projectId", "is not a project id")
	case req.Claims.Status != string(access.StatusApproved):
		return hjx.Forbidden("the project is %s: outcomes are open to APPROVED projects only", req.Claims.Status)
	case now.Before(req.Claims.StartsOn) || now.After(req.Claims.EndsOn.AddDate(0, 0, 1)):
		return hjx.Forbidden("the project is not running today")
	}
	return req.Query.Validate()
}

// exchange is the transaction of one answer on its own goroutine: begun and its
// nonce stored while the decisions are read, the audit entry appended once the
// answer is known, committed before the answer leaves (or rolled back, nonce and
// all, when there is no answer).
type exchange struct {
	stored chan error        // the nonce's outcome
	entry  chan *audit.Entry // the entry to append; nil rolls back
	done   chan error        // the transaction's outcome
	ended  bool
	err    error
}

// errAbandoned rolls back the transaction of an answer that failed.
var errAbandoned = errors.New("federation: answer abandoned")

func (n *Node) begin(ctx context.Context, coordinator, nonce string, now time.Time) *exchange {
	x := &exchange{stored: make(chan error, 1), entry: make(chan *audit.Entry, 1), done: make(chan error, 1)}
	go func() {
		x.done <- postgres.WithTx(ctx, n.DB, func(tx *sqlx.Tx) error {
			err := n.remember(ctx, tx, coordinator, nonce, now)
			x.stored <- err
			if err != nil {
				return err
			}
			e := <-x.entry
			if e == nil {
				return errAbandoned
			}
			_, err = n.Audit.Append(ctx, tx, CoordinatorPrincipal(coordinator), *e)
			return err
		})
	}()
	return x
}

// nonceStored waits until the nonce is stored: an error if it was seen before
// (or the transaction did not begin).
func (x *exchange) nonceStored() error {
	select {
	case err := <-x.stored:
		return err
	case err := <-x.done:
		x.ended, x.err = true, err
		return err
	}
}

// append hands the transaction its audit entry (nil: roll back); called once.
func (x *exchange) append(e *audit.Entry) { x.entry <- e }

// wait returns once the transaction has ended: nil when it committed.
func (x *exchange) wait() error {
	if !x.ended {
		x.ended, x.err = true, <-x.done
	}
	return x.err
}

// decided is what a node knows of an answer before its SQL step.
type decided struct {
	sel      outcomes.Selection
	currency string // the reporting currency (AMOUNT only)
	version  int64  // the node's data version
	rates    string // its exchange rates version
}

// decide reads the decisions and the versions while x stores the nonce.
func (n *Node) decide(ctx context.Context, x *exchange, req CellsRequest) (decided, error) {
	// The nonce (in x), the decisions and the versions are independent round
	// trips: taken at once, on three connections.
	var (
		d         decided
		decisions []governance.PartnerDecision
		g, gctx   = errgroup.WithContext(ctx)
	)
	g.Go(x.nonceStored)
	g.Go(func() (err error) {
		decisions, err = n.Governance.DecisionsForClaims(gctx, req.Claims.project())
		return err
	})
	g.Go(func() (err error) {
		d.version, d.rates, err = versions(gctx, n.DB)
		return err
	})
	if err := g.Wait(); err != nil {
		return decided{}, err
	}
	d.sel = outcomes.Select(decisions, req.Query, n.Floor)
	if req.Kind == hjx.KindAmount {
		d.currency = req.Currency
		if d.currency == "" {
			d.currency = harmonise.DefaultCurrency(d.sel.Countries)
		}
	}
	return d, nil
}

// aggregate runs the SQL step for the allowed partners and returns the answer
// without its directory entries.
func (n *Node) aggregate(ctx context.Context, req CellsRequest, d decided) (*CellsResponse, error) {
	agg, err := n.Outcomes.Contributions(ctx, req.Query, req.Kind, d.currency, d.sel.Allowed, d.sel.Identifiable,
		d.sel.ByPartner)
	if err != nil {
		return nil, err
	}
	resp := &CellsResponse{Node: n.ID, Nonce: req.Nonce, DataVersion: d.version, RatesVersion: d.rates,
		Currency: d.currency, Countries: d.sel.Countries, K: d.sel.K, Cells: agg.Cells, Excluded: agg.Excluded,
		ExcludedPartners: map[string][]string{}, ByDecision: d.sel.ByDecision}
	if resp.Cells == nil {
		resp.Cells = Cells{}
	}
	for reason, ps := range agg.ExcludedPartner {
		for p := range ps {
			resp.ExcludedPartners[reason] = append(resp.ExcludedPartners[reason], p)
		}
		sort.Strings(resp.ExcludedPartners[reason])
	}
	return resp, nil
}

// named lists the partners an answer names, in order: those whose shares it
// carries and those it excludes.
func named(resp *CellsResponse) []string {
	out := map[string]bool{}
	for _, c := range resp.Cells {
		for _, x := range c.Contributions {
			out[x.PartnerID] = true
		}
	}
	for _, x := range resp.ByDecision {
		out[x.PartnerID] = true
	}
	for _, ps := range resp.ExcludedPartners {
		for _, p := range ps {
			out[p] = true
		}
	}
	return slices.Sorted(maps.Keys(out))
}

// remember stores the request's nonce, refusing one seen before; nonces older
// than the request window are deleted on the way (they could only come with a
// stale timestamp, which is refused anyway).
func (n *Node) remember(ctx context.Context, tx sqlx.QueryerContext, coordinator, nonce string, now time.Time) error {
	if len(nonce) < 16 || len(nonce) > 128 {
		return hjx.Invalid("nonce", "must be 16 to 128 characters")
	}
	// One statement: expire old nonces and store this one; no row stored means
	// the nonce was there. The expired rows another answer's transaction is
	// deleting are skipped, not waited for: answers in flight never queue behind
	// each other here.
	var stored int
	err := sqlx.GetContext(ctx, tx, &stored, `WITH expired AS (DELETE FROM federation_nonces WHERE nonce IN (
			SELECT nonce FROM federation_nonces WHERE seen_at < $4 FOR UPDATE SKIP LOCKED)),
		stored AS (INSERT INTO federation_nonces (nonce, coordinator, seen_at) VALUES ($1, $2, $3)
			ON CONFLICT (nonce) DO NOTHING RETURNING 1)
		SELECT count(*) FROM stored`, nonce, coordinator, now, now.Add(-2*MaxSkew))
	if err != nil {
		return hjx.Internal(err, "store federation nonce")
	}
	if stored == 0 {
		return hjx.Forbidden("the request was replayed (its nonce has been seen)")
	}
	return nil
}

// entry is the exchange's audit entry on the node: the coordinator as the actor
// (set by the append), the project, the partners whose rows the answer reads (its
// shares of them, where they have figures in the query's cells, are what leave)
// and those excluded with their reasons, so each partner's dataUsage on its home
// node shows every federated query that read it.
func (n *Node) entry(req CellsRequest, d decided) *audit.Entry {
	canonical, _ := json.Marshal(struct {
		Q        outcomes.Query
		Currency string
	}{req.Query, d.currency})
	e := audit.Entry{Action: "federation.cells", Subject: "project:" + req.Claims.ProjectID + " metric:" + req.Query.Metric,
		ProjectID: req.Claims.ProjectID, Request: string(canonical), PartnersIncluded: slices.Sorted(slices.Values(d.sel.Allowed)),
		Detail: map[string]string{"coordinator": req.Coordinator, "requester": req.Requester, "metric": req.Query.Metric,
			"dataVersion": strconv.FormatInt(d.version, 10)}}
	for _, x := range d.sel.ByDecision {
		var codes []string
		for _, r := range x.Reasons {
			codes = append(codes, r.Code)
		}
		e.PartnersExcluded = append(e.PartnersExcluded, audit.Excluded{PartnerID: x.PartnerID, Reasons: codes})
	}
	return &e
}

// CoordinatorPrincipal is how a coordinator appears in a node's audit log: a
// stable id derived from its name (it has no token on the node) and no role (it
// is none of the roles a token can have); the entry's action,
// federation.cells, says what it did.
func CoordinatorPrincipal(id string) *hjx.Principal {
	return &hjx.Principal{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("hjx-coordinator:"+id)).String(),
		Name: "federation coordinator " + id}
}

// ratesVersionSQL identifies a database's exchange rates: a digest of every
// year's every version. Nodes and coordinator compare it before pooling money.
const ratesVersionSQL = `SELECT md5(COALESCE(string_agg(concat_ws(':', year, version, gbp_per_usd,
	ppp_gbp_per_intl_dollar, ppp_usd_per_intl_dollar), ',' ORDER BY year, version), '')) FROM exchange_rates`

// RatesVersion returns the database's exchange rates version.
func RatesVersion(ctx context.Context, db sqlx.QueryerContext) (string, error) {
	var v string
	if err := sqlx.GetContext(ctx, db, &v, ratesVersionSQL); err != nil {
		return "", hjx.Internal(err, "read exchange rates version")
	}
	return v, nil
}

// versions reads the node's data epoch (outcomes' cache key: every upload,
// retraction or policy change moves it) and its rates version in one round trip.
func versions(ctx context.Context, db sqlx.QueryerContext) (data int64, rates string, err error) {
	var v struct {
		Data  int64  `db:"data"`
		Rates string `db:"rates"`
	}
	err = sqlx.GetContext(ctx, db, &v, `SELECT (SELECT COALESCE(max(seq), 0) FROM data_versions) AS data, (`+
		ratesVersionSQL+`) AS rates`)
	if err != nil {
		return 0, "", hjx.Internal(err, "read data and rates versions")
	}
	return v.Data, v.Rates, nil
}
