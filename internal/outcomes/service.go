package outcomes

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel/trace"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/harmonise"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/telemetry"
)

// Governance is what the outcome query needs from the access rules: whether the
// caller may query the project, every partner's decision for it, and (for a
// federated query, whose nodes decide on them) the project's own facts.
type Governance interface {
	RequireOutcomeAccess(ctx context.Context, p *hjx.Principal, projectID string) error
	DecisionsForProject(ctx context.Context, p *hjx.Principal, projectID string) ([]governance.PartnerDecision, error)
	Project(ctx context.Context, p *hjx.Principal, id string) (*governance.Project, error)
}

// Service answers outcome queries.
type Service struct {
	DB         *sqlx.DB
	Governance Governance
	Audit      *audit.Log
	Disclosure disclosure.Config
	Cache      *Cache
	Now        func() time.Time
	Tracer     trace.Tracer // spans outcomes.aggregate and disclosure.protect; nil records nothing
	// Secret gives each partner its unit keys (its multipliers) for a metric; the
	// record keys are summed in SQL. A service without it publishes nothing.
	Secret disclosure.Secret
	// Federation, when set, answers every query across the national nodes instead
	// of from this database alone (internal/federation: the coordinator).
	Federation Federation
}

// Federation pools a query across national nodes: each decides for and aggregates
// its own partners, the pooled cells are protected once. The table it returns has
// k and the partners excluded by decisions set; its Partial flag and NodesMissing
// say which nodes did not answer. It is called only once p's access to the
// project pr has been checked.
type Federation interface {
	Query(ctx context.Context, p *hjx.Principal, pr *governance.Project, q Query, kind hjx.MetricKind) (*Table, error)
}

// Row is one published cell of an outcome table.
type Row struct {
	Country, Region, PartnerID, HealthSetting, WelfareDomain, IhelpCategory, AgeBand, Sex, Period string
	// Quintile is the deprivation quintile as text ("1".."5"), "" when not grouped.
	Quintile   string
	Value      *float64
	N          *int
	SD, Rate   *float64
	Partners   int
	Suppressed bool
	Reason     disclosure.Reason
	// Ratio is Value over the denominator's Value for the same cell (Query.RatioTo)
	// or over N (Query.PerPerson), from published figures only; nil when either is
	// suppressed or the divisor is 0.
	Ratio *float64
	// PartialPeriod marks a QUARTER or YEAR row whose figures do not reach from the
	// first to the last day of its bucket (a year with data for three quarters).
	PartialPeriod bool
}

// Excluded is a partner left out of a table, and why.
type Excluded struct {
	PartnerID string
	Reasons   []access.Reason
	// Node is the national node holding the partner (federated tables only).
	Node string `json:",omitempty"`
}

// Table is a protected outcome table with its coverage and disclosure summary.
type Table struct {
	Metric           string
	Kind             hjx.MetricKind
	Currency         string // AMOUNT only
	Rows             []Row
	Included         []string // partners contributing to at least one cell
	PartnersExcluded []Excluded
	ObservationsExcl []ExclusionCount
	// K is the largest min cell of any partner the project may read (never below
	// the floor), the same for every query of the project: a k that followed the
	// query's filters would tell a one-partner query that partner's policy.
	K, RoundingBase    int
	SuppressedCells    int
	SuppressedByReason []ReasonCount
	// Denominator is the RatioTo metric's table (nil without one).
	Denominator *Table
	// PartialPeriods lists the periods of rows marked PartialPeriod, in row order.
	PartialPeriods []string
	// Nodes are the national nodes that answered a federated query; NodesMissing
	// those that did not in time (or whose answer could not be checked), and then
	// Partial is set: the table is smaller than the federation's, and says so.
	Nodes        []string
	NodesMissing []string
	Partial      bool
}

// ExclusionCount is how many observations a reason left out.
type ExclusionCount struct {
	Reason string
	Count  int
}

// ReasonCount is how many cells a suppression reason hid.
type ReasonCount struct {
	Reason disclosure.Reason
	Count  int
}

// Query checks access, pools, harmonises and protects, and audits the query. The
// cache is keyed by the data epoch (every committed upload, retraction, policy or
// project change moves it) and the date, so a change is seen by the very next query;
// the partners excluded by their access decisions come from this request's
// decisions, cached table or not (a partner registered or a COL refusal since the
// table was cached changes no key).
//
// A ratio (RatioTo) is two protected tables, each answered and audited as a query of
// its own, joined cell by cell: the ratio of two published figures reveals nothing
// the two tables do not.
func (s *Service) Query(ctx context.Context, p *hjx.Principal, projectID string, q Query) (*Table, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	ratioTo, perPerson := q.RatioTo, q.PerPerson
	q.RatioTo, q.PerPerson = "", false
	if ratioTo != "" {
		// The denominator's metric is checked before anything is computed or audited.
		if err := s.Governance.RequireOutcomeAccess(ctx, p, projectID); err != nil {
			return nil, err
		}
		if _, err := s.metricKind(ctx, ratioTo); err != nil {
			if hjx.ErrorCode(err) == hjx.CodeInvalid {
				return nil, hjx.Invalid("query.ratioTo", "is not a codebook metric (see the metrics query)")
			}
			return nil, err
		}
	}
	t, err := s.table(ctx, p, projectID, q)
	if err != nil {
		return nil, err
	}
	switch {
	case ratioTo != "":
		dq := q
		dq.Metric = ratioTo
		if t.Currency != "" && dq.Currency == "" {
			dq.Currency = t.Currency // money over money in one currency
		}
		d, err := s.table(ctx, p, projectID, dq)
		if err != nil {
			return nil, err
		}
		t = withRatios(t, d, q.GroupBy)
	case perPerson:
		t = withPerPerson(t)
	}
	return t, nil
}

// table answers one metric's query: access, pooling, protection, audit.
func (s *Service) table(ctx context.Context, p *hjx.Principal, projectID string, q Query) (*Table, error) {
	if len(s.Secret) == 0 {
		return nil, hjx.Internal(errors.New("outcomes: no disclosure secret"), "query outcomes")
	}
	kind, pr, err := s.access(ctx, p, projectID, q.Metric)
	if err != nil {
		return nil, err
	}
	if s.Federation != nil {
		return s.federated(ctx, p, pr, q, kind)
	}
	return s.local(ctx, p, projectID, q, kind)
}

// access checks p's access to the project and returns the metric's kind and
// (federated) the project the nodes' requests carry. They are independent reads,
// taken at once; the access check's refusal wins, so a caller without access
// learns nothing of the metric, and nothing is computed or asked of a node before
// it has passed.
func (s *Service) access(ctx context.Context, p *hjx.Principal, projectID, metric string) (hjx.MetricKind, *governance.Project, error) {
	type kindResult struct {
		kind hjx.MetricKind
		err  error
	}
	type projectResult struct {
		pr  *governance.Project
		err error
	}
	kindc, prc := make(chan kindResult, 1), make(chan projectResult, 1)
	go func() {
		kind, err := s.metricKind(ctx, metric)
		kindc <- kindResult{kind, err}
	}()
	go func() {
		var r projectResult
		if s.Federation != nil {
			r.pr, r.err = s.Governance.Project(ctx, p, projectID)
		}
		prc <- r
	}()
	accessErr := s.Governance.RequireOutcomeAccess(ctx, p, projectID)
	kr, pr := <-kindc, <-prc
	switch {
	case accessErr != nil:
		return "", nil, accessErr
	case kr.err != nil:
		return "", nil, kr.err
	case pr.err != nil:
		return "", nil, pr.err
	}
	return kr.kind, pr.pr, nil
}

// errNoTable rolls back the audit transaction of a query that has no answer.
var errNoTable = errors.New("outcomes: no table to audit")

// federated answers across the national nodes. Not cached: each node reads its
// own data afresh, so an upload or a retraction on a node is in the coordinator's
// very next answer. The audit transaction is begun while the nodes work; the
// entry is appended (the audit lock taken) and committed once the pooled table is
// known, before it is returned, so no query waits on another's nodes.
func (s *Service) federated(ctx context.Context, p *hjx.Principal, pr *governance.Project, q Query, kind hjx.MetricKind) (*Table, error) {
	entry, done := make(chan *audit.Entry, 1), make(chan error, 1)
	go func() {
		done <- postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
			e := <-entry
			if e == nil {
				return errNoTable
			}
			_, err := s.Audit.Append(ctx, tx, p, *e)
			return err
		})
	}()
	table, err := s.Federation.Query(ctx, p, pr, q, kind)
	if err != nil {
		entry <- nil
		<-done
		return nil, err
	}
	entry <- s.entry(pr.ID, q, table.Currency, table)
	if err := <-done; err != nil {
		return nil, err
	}
	return table, nil
}

// local answers from this database's partners, through the cache.
func (s *Service) local(ctx context.Context, p *hjx.Principal, projectID string, q Query, kind hjx.MetricKind) (*Table, error) {
	decisions, err := s.Governance.DecisionsForProject(ctx, p, projectID)
	if err != nil {
		return nil, err
	}
	sel := Select(decisions, q, s.floor())
	allowed, identifiable, excluded, byPartner, countries, k := sel.Allowed, sel.Identifiable, sel.ByDecision,
		sel.ByPartner, sel.Countries, sel.K
	currency := ""
	if hjx.MetricKind(kind) == hjx.KindAmount {
		currency = q.Currency
		if currency == "" {
			currency = harmonise.DefaultCurrency(countries)
		}
	}

	var table *Table
	key := ""
	if s.Cache != nil {
		epoch, err := s.epoch(ctx)
		if err != nil {
			return nil, err
		}
		key = cacheKey(projectID, q, currency, thresholds(allowed, byPartner), identifiable, epoch, s.Now())
		table = s.Cache.Get(key)
	}
	if table == nil {
		// Computed without the partners excluded by decision: the table keeps only
		// what depends on data, so that a cached copy never carries stale decisions.
		table, err = s.compute(ctx, q, kind, currency, allowed, identifiable, byPartner)
		if err != nil {
			return nil, err
		}
		if s.Cache != nil {
			s.Cache.Add(key, table)
		}
	}
	table = withDecisionExclusions(table, excluded)
	if err := s.audit(ctx, p, projectID, q, currency, table); err != nil {
		return nil, err
	}
	// k is the project's, not the table's: the largest min cell of any partner the
	// project may read, whatever the filters, so that a query narrowed to one
	// partner does not reveal that partner's policy.
	out := *table
	out.K = k
	return &out, nil
}

// floor is the platform's smallest k, as disclosure resolves it (a zero Floor is
// the default).
func (s *Service) floor() int {
	if s.Disclosure.Floor > 0 {
		return s.Disclosure.Floor
	}
	return disclosure.DefaultFloor
}

// thresholds lists each allowed partner with its min cell, for the cache key: the
// same partners under other thresholds are another table.
func thresholds(allowed []string, byPartner map[string]governance.PartnerDecision) []string {
	out := make([]string, len(allowed))
	for i, id := range allowed {
		out[i] = id + ":" + itoa(byPartner[id].MinCell)
	}
	return out
}

func (s *Service) metricKind(ctx context.Context, code string) (hjx.MetricKind, error) {
	var kind hjx.MetricKind
	err := sqlx.GetContext(ctx, s.DB, &kind, `SELECT kind FROM metric_definitions WHERE code = $1`, code)
	if postgres.IsNoRows(err) {
		return "", hjx.Invalid("query.metric", "is not a codebook metric (see the metrics query)")
	}
	if err != nil {
		return "", hjx.Internal(err, "look up metric")
	}
	return kind, nil
}

func (s *Service) compute(ctx context.Context, q Query, kind hjx.MetricKind, currency string, allowed, identifiable []string,
	byPartner map[string]governance.PartnerDecision) (*Table, error) {
	agg, err := s.Contributions(ctx, q, kind, currency, allowed, identifiable, byPartner)
	if err != nil {
		return nil, err
	}
	_, span := telemetry.Start(ctx, s.Tracer, "disclosure.protect")
	t, err := Protect(s.Disclosure, q, kind, currency, agg)
	telemetry.End(span, err)
	return t, err
}

func toRow(groupBy []Dimension, pc disclosure.Protected) Row {
	r := Row{Value: pc.Value, N: pc.N, SD: pc.SD, Rate: pc.Rate, Partners: pc.Partners, Suppressed: pc.Suppressed,
		Reason: pc.Reason}
	for i, d := range groupBy {
		*r.field(d) = pc.Key[i]
	}
	return r
}

// field is where a row keeps its value of grouped dimension d; quintiles are kept
// as text here and converted once, in DeprivationQuintile.
func (r *Row) field(d Dimension) *string {
	switch d {
	case DimCountry:
		return &r.Country
	case DimRegion:
		return &r.Region
	case DimPartner:
		return &r.PartnerID
	case DimHealthSetting:
		return &r.HealthSetting
	case DimWelfareDomain:
		return &r.WelfareDomain
	case DimIhelpCategory:
		return &r.IhelpCategory
	case DimAgeBand:
		return &r.AgeBand
	case DimSex:
		return &r.Sex
	case DimDeprivationQuintile:
		return &r.Quintile
	case DimQuarter, DimYear:
		return &r.Period
	}
	panic("outcomes: unknown dimension " + string(d)) // Query.Validate rejects these first
}

// DeprivationQuintile is the row's quintile (1 = most deprived), 0 when not grouped.
func (r Row) DeprivationQuintile() int { return atoi(r.Quintile) }

// sortRows orders rows by their keys in the order of the grouping, so tables read
// the same on every run.
func sortRows(groupBy []Dimension, rows []Row) {
	key := func(r Row) string {
		var b strings.Builder
		for _, d := range groupBy {
			b.WriteString(*r.field(d))
			b.WriteByte(0)
		}
		return b.String()
	}
	sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
}

// audit records the query in a transaction of its own.
func (s *Service) audit(ctx context.Context, p *hjx.Principal, projectID string, q Query, currency string, t *Table) error {
	e := s.entry(projectID, q, currency, t)
	return postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		_, err := s.Audit.Append(ctx, tx, p, *e)
		return err
	})
}

// entry is the query's audit entry: who, which project, partners included and
// excluded with reasons, cells suppressed, and a keyed hash of the query (not the
// query itself).
func (s *Service) entry(projectID string, q Query, currency string, t *Table) *audit.Entry {
	canonical, _ := json.Marshal(struct {
		Q        Query
		Currency string
	}{q, currency})
	e := audit.Entry{Action: "outcomes.query", Subject: "project:" + projectID + " metric:" + q.Metric,
		ProjectID: projectID, CellsSuppressed: t.SuppressedCells, Request: string(canonical),
		Detail: map[string]string{"metric": q.Metric, "groupBy": joinDims(q.GroupBy), "cells": itoa(len(t.Rows))}}
	if len(t.Nodes) > 0 || t.Partial {
		// A federated answer: which national nodes it pooled, and which were missing.
		e.Detail["nodes"] = strings.Join(t.Nodes, ",")
		e.Detail["nodesMissing"] = strings.Join(t.NodesMissing, ",")
	}
	seen := map[string]bool{}
	e.PartnersIncluded = t.Included
	for _, x := range t.PartnersExcluded {
		if seen[x.PartnerID] {
			continue
		}
		seen[x.PartnerID] = true
		var codes []string
		for _, r := range x.Reasons {
			codes = append(codes, r.Code)
		}
		e.PartnersExcluded = append(e.PartnersExcluded, audit.Excluded{PartnerID: x.PartnerID, Reasons: codes})
	}
	return &e
}
