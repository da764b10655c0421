package federation

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/harmonise"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/outcomes"
)

// Peer is a national node the coordinator asks.
type Peer struct {
	ID  string
	URL string // base URL of the node's federation listener
	// Key is the node's public key: an answer it did not sign is no answer.
	Key ed25519.PublicKey
}

// Coordinator pools outcome queries across national nodes (outcomes.Federation).
type Coordinator struct {
	ID string
	// Key signs the coordinator's requests (the nodes hold its public key).
	Key   ed25519.PrivateKey
	Peers []Peer
	// Local is this process's own national node, asked in-process, nil when the
	// coordinator holds no partners.
	Local *Node
	// Client makes the calls (its transport carries the mutual TLS settings).
	Client *http.Client
	// Timeout bounds each node's answer: a node that has not answered by then is
	// reported missing and the table marked partial.
	Timeout    time.Duration
	DB         *sqlx.DB // the coordinator's database: projects and exchange rates
	Disclosure disclosure.Config
	Now        func() time.Time
	Log        *slog.Logger

	// mu guards directory: the public entries of the nodes' partners, from their
	// answers (a federation's directory: a few hundred partners at most).
	mu        sync.Mutex
	directory map[string]*directory.Partner
}

// RemotePartners returns the directory entries the nodes have sent of the given
// partners (directory.Remote).
func (c *Coordinator) RemotePartners(ids []string) map[string]*directory.Partner {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]*directory.Partner{}
	for _, id := range ids {
		if p, ok := c.directory[id]; ok {
			out[id] = p
		}
	}
	return out
}

func (c *Coordinator) learn(ps []directory.Partner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.directory == nil {
		c.directory = map[string]*directory.Partner{}
	}
	for _, p := range ps {
		c.directory[p.ID] = &p
	}
}

// answer is one node's outcome: a verified response or why there is none.
type answer struct {
	node string
	resp *CellsResponse
	err  error
}

// Query asks every node for its cells of the project's query, checks and merges
// their answers and protects the pooled cells once. The caller has checked p's
// access to pr (outcomes.Service, which reads pr alongside that check).
func (c *Coordinator) Query(ctx context.Context, p *hjx.Principal, pr *governance.Project, q outcomes.Query, kind hjx.MetricKind) (*outcomes.Table, error) {
	claims := Claims{ProjectID: pr.ID, Institution: pr.Institution, InstitutionCountry: pr.InstitutionCountry,
		ForProfit: pr.ForProfit, Purpose: string(pr.Purpose), CommercialUse: pr.CommercialUse,
		EthicsApprovalRef: pr.EthicsApprovalRef, PublicationCommitted: pr.PublicationCommitted,
		Status: string(pr.Status), StartsOn: pr.StartsOn, EndsOn: pr.EndsOn}
	base := CellsRequest{Coordinator: c.ID, Requester: p.ID, Claims: claims, Query: q, Kind: kind}
	if kind == hjx.KindAmount {
		base.Currency = q.Currency
	}
	// The coordinator's own rates version, read while the nodes work.
	var rates string
	ratesErr := make(chan error, 1)
	go func() {
		var err error
		if kind == hjx.KindAmount {
			rates, err = RatesVersion(ctx, c.DB)
		}
		ratesErr <- err
	}()
	answers := c.ask(ctx, base, c.nodes())
	if err := <-ratesErr; err != nil {
		return nil, err
	}
	if kind == hjx.KindAmount && q.Currency == "" {
		// The default reporting currency depends on the countries of every node's
		// allowed partners: nodes that converted to another ask again.
		var countries []hjx.Country
		for _, a := range answers {
			if a.err == nil {
				countries = append(countries, a.resp.Countries...)
			}
		}
		currency := harmonise.DefaultCurrency(dedupe(countries))
		var again []string
		for _, a := range answers {
			if a.err == nil && a.resp.Currency != currency {
				again = append(again, a.node)
			}
		}
		if len(again) > 0 {
			base.Currency = currency
			for _, a := range c.ask(ctx, base, again) {
				answers[slices.IndexFunc(answers, func(x answer) bool { return x.node == a.node })] = a
			}
		}
	}
	return c.pool(q, kind, rates, answers)
}

// nodes lists every node id, the local one first.
func (c *Coordinator) nodes() []string {
	var ids []string
	if c.Local != nil {
		ids = append(ids, c.Local.ID)
	}
	for _, p := range c.Peers {
		ids = append(ids, p.ID)
	}
	return ids
}

// ask sends the request to the nodes at once and waits for each up to the timeout.
func (c *Coordinator) ask(ctx context.Context, base CellsRequest, nodes []string) []answer {
	out := make([]answer, len(nodes))
	var wg sync.WaitGroup
	for i, id := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nctx, cancel := context.WithTimeout(ctx, c.Timeout)
			defer cancel()
			req := base
			req.Node, req.Nonce, req.IssuedAt = id, newNonce(), c.Now().UTC()
			resp, err := c.askOne(nctx, req)
			if err == nil && (resp.Node != id || resp.Nonce != req.Nonce) {
				err = fmt.Errorf("answer for node %s nonce %s, want %s %s", resp.Node, resp.Nonce, id, req.Nonce)
			}
			if err != nil {
				c.Log.Warn("federation node missing from an answer", "node", id, "error", err.Error())
			}
			out[i] = answer{node: id, resp: resp, err: err}
		}()
	}
	wg.Wait()
	return out
}

func (c *Coordinator) askOne(ctx context.Context, req CellsRequest) (*CellsResponse, error) {
	if c.Local != nil && req.Node == c.Local.ID {
		return c.Local.Cells(ctx, req)
	}
	i := slices.IndexFunc(c.Peers, func(p Peer) bool { return p.ID == req.Node })
	peer := c.Peers[i]
	env, err := seal(c.Key, req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(peer.URL, "/")+CellsPath,
		bytes.NewReader(env.Payload))
	if err != nil {
		return nil, err
	}
	env.header(hreq.Header)
	hres, err := c.Client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer hres.Body.Close()
	if hres.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(hres.Body, 512))
		return nil, fmt.Errorf("node %s: %s: %s", peer.ID, hres.Status, strings.TrimSpace(string(msg)))
	}
	// Read to the end (receive does), so the connection is reused.
	out, err := receive(hres.Header, hres.Body, MaxAnswerBytes)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", peer.ID, err)
	}
	var resp CellsResponse
	if err := open(peer.Key, out, &resp); err != nil {
		return nil, fmt.Errorf("node %s: %w", peer.ID, err)
	}
	return &resp, nil
}

// pool checks the answers agree on exchange rates, merges them and protects the
// pooled cells: the table a single node holding every node's rows would give.
func (c *Coordinator) pool(q outcomes.Query, kind hjx.MetricKind, rates string, answers []answer) (*outcomes.Table, error) {
	var (
		aggs       []*outcomes.Aggregation
		byDecision []outcomes.Excluded
		home       = map[string]string{}
		nodes      []string
		missing    []string
		currency   string
		k          = c.floor()
	)
	for _, a := range answers {
		if a.err != nil {
			missing = append(missing, a.node)
			continue
		}
		r := a.resp
		if kind == hjx.KindAmount && r.RatesVersion != rates {
			return nil, hjx.Errorf(hjx.CodeUnavailable, "node %s converts money with other exchange rates than the "+
				"coordinator's: load the same rates on every node (hjx rates load) before pooling money", a.node)
		}
		nodes = append(nodes, a.node)
		c.learn(r.Directory)
		currency = r.Currency
		k = max(k, r.K)
		agg := &outcomes.Aggregation{Cells: r.Cells, Excluded: r.Excluded, ExcludedPartner: map[string]map[string]bool{}}
		for reason, ps := range r.ExcludedPartners {
			agg.ExcludedPartner[reason] = map[string]bool{}
			for _, p := range ps {
				agg.ExcludedPartner[reason][p] = true
				home[p] = a.node
			}
		}
		for _, cell := range r.Cells {
			for _, x := range cell.Contributions {
				home[x.PartnerID] = a.node
			}
		}
		for _, x := range r.ByDecision {
			x.Node = a.node
			byDecision = append(byDecision, x)
		}
		aggs = append(aggs, agg)
	}
	if kind != hjx.KindAmount {
		currency = ""
	}
	t, err := outcomes.Protect(c.Disclosure, q, kind, currency, outcomes.Merge(aggs...))
	if err != nil {
		return nil, err
	}
	sort.SliceStable(byDecision, func(i, j int) bool { return byDecision[i].PartnerID < byDecision[j].PartnerID })
	for i := range t.PartnersExcluded {
		t.PartnersExcluded[i].Node = home[t.PartnersExcluded[i].PartnerID]
	}
	t.PartnersExcluded = append(byDecision, t.PartnersExcluded...)
	t.K = k
	sort.Strings(nodes)
	sort.Strings(missing)
	t.Nodes, t.NodesMissing, t.Partial = nodes, missing, len(missing) > 0
	if t.Nodes == nil {
		t.Nodes = []string{}
	}
	if t.NodesMissing == nil {
		t.NodesMissing = []string{}
	}
	return t, nil
}

func (c *Coordinator) floor() int {
	if c.Disclosure.Floor > 0 {
		return c.Disclosure.Floor
	}
	return disclosure.DefaultFloor
}

func dedupe(xs []hjx.Country) []hjx.Country {
	slices.Sort(xs)
	return slices.Compact(xs)
}
