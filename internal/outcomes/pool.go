package outcomes

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/telemetry"
)

// The outcome pipeline has two steps that may run on different machines: the SQL
// step (Contributions) reads one database's rows and returns each partner's share
// of each cell with what protection needs of it (min cell, identifiable, its unit
// keys), and the protect step (Protect) pools the shares and applies disclosure
// control. A single node runs both; in a federation each national node runs the
// first for its own partners and the coordinator merges their aggregations
// (Merge) and runs the second once, so both give the same table for the same rows.

// Contributions runs the SQL step for the allowed partners and annotates every
// contribution with its partner's disclosure settings (from byPartner) and unit
// keys (from the service's secret): the figures leave the database only as cells'
// per-partner shares, ready for Protect wherever it runs.
func (s *Service) Contributions(ctx context.Context, q Query, kind hjx.MetricKind, currency string, allowed, identifiable []string,
	byPartner map[string]governance.PartnerDecision) (*Aggregation, error) {
	actx, span := telemetry.Start(ctx, s.Tracer, "outcomes.aggregate")
	agg, err := aggregate(actx, s.DB, aggregateInput{Query: q, Kind: kind, Allowed: allowed,
		Identifiable: identifiable, Currency: currency})
	telemetry.End(span, err)
	if err != nil {
		return nil, err
	}
	units := map[string][2]uint64{}
	for i := range agg.Cells {
		for j := range agg.Cells[i].Contributions {
			c := &agg.Cells[i].Contributions[j]
			u, ok := units[c.PartnerID]
			if !ok {
				u = [2]uint64{s.Secret.UnitKey(c.PartnerID, q.Metric, disclosure.RoleValue),
					s.Secret.UnitKey(c.PartnerID, q.Metric, disclosure.RoleN)}
				units[c.PartnerID] = u
			}
			d := byPartner[c.PartnerID]
			c.MinCell, c.Identifiable, c.ValueUnit, c.NUnit = d.MinCell, d.Identifiable, u[0], u[1]
		}
	}
	return agg, nil
}

// Merge adds aggregations of disjoint sets of partners (one per national node)
// into one: cells with the same key pool their contributions, exclusion counts add
// up. The inputs are not changed.
func Merge(aggs ...*Aggregation) *Aggregation {
	out := &Aggregation{Excluded: map[string]int{}, ExcludedPartner: map[string]map[string]bool{}}
	index := map[string]int{}
	for _, a := range aggs {
		if a == nil {
			continue
		}
		for _, c := range a.Cells {
			id := strings.Join(c.Key, "\x00")
			i, ok := index[id]
			if !ok {
				i = len(out.Cells)
				index[id] = i
				out.Cells = append(out.Cells, RawCell{Key: slices.Clone(c.Key)})
			}
			out.Cells[i].Contributions = append(out.Cells[i].Contributions, c.Contributions...)
		}
		for reason, n := range a.Excluded {
			out.Excluded[reason] += n
		}
		for reason, partners := range a.ExcludedPartner {
			if out.ExcludedPartner[reason] == nil {
				out.ExcludedPartner[reason] = map[string]bool{}
			}
			for p := range partners {
				out.ExcludedPartner[reason][p] = true
			}
		}
	}
	return out
}

// Protect pools an aggregation's cells and applies disclosure control: the protect
// step, pure, the same on a single node and on a federation's coordinator. Cells
// are ordered by key and contributions by partner before pooling, so the result
// does not depend on the order rows came back from PostgreSQL or nodes answered.
// The table's coverage holds the data-derived exclusions only; the caller adds the
// partners excluded by their access decisions.
func Protect(cfg disclosure.Config, q Query, kind hjx.MetricKind, currency string, agg *Aggregation) (*Table, error) {
	raw := slices.Clone(agg.Cells)
	sort.Slice(raw, func(i, j int) bool { return slices.Compare(raw[i].Key, raw[j].Key) < 0 })
	cells := make([]disclosure.Cell, len(raw))
	contributing := map[string]bool{}
	for i, rc := range raw {
		rc.Contributions = slices.Clone(rc.Contributions)
		sort.SliceStable(rc.Contributions, func(a, b int) bool {
			return rc.Contributions[a].PartnerID < rc.Contributions[b].PartnerID
		})
		cells[i] = toDisclosureCell(rc, hjx.MetricKind(kind))
		for _, c := range rc.Contributions {
			contributing[c.PartnerID] = true
		}
	}
	protected, summary, err := disclosure.Protect(cfg, cells)
	if err != nil {
		return nil, hjx.Internal(err, "protect outcome cells")
	}
	t := &Table{Metric: q.Metric, Kind: kind, Currency: currency, Included: sortedKeys(contributing),
		RoundingBase: summary.RoundingBase, SuppressedCells: summary.Suppressed}
	if t.RoundingBase == 0 {
		t.RoundingBase = disclosure.RoundingBase
	}
	for _, r := range disclosure.Reasons() {
		if n := summary.ByReason[r]; n > 0 {
			t.SuppressedByReason = append(t.SuppressedByReason, ReasonCount{Reason: r, Count: n})
		}
	}
	periodDim := slices.IndexFunc(q.GroupBy, func(d Dimension) bool { return d == DimQuarter || d == DimYear })
	months := map[string]int64{}
	if periodDim >= 0 {
		for _, rc := range raw {
			var m int64
			for _, c := range rc.Contributions {
				m |= c.Months
			}
			months[strings.Join(rc.Key, "\x00")] = m
		}
	}
	for _, pc := range protected {
		r := toRow(q.GroupBy, pc)
		if periodDim >= 0 {
			want, bucket := bucketMonths(pc.Key[periodDim])
			r.PartialPeriod = bucket && months[strings.Join(pc.Key, "\x00")]&want != want
		}
		t.Rows = append(t.Rows, r)
	}
	sortRows(q.GroupBy, t.Rows)
	for _, r := range t.Rows {
		if r.PartialPeriod && !slices.Contains(t.PartialPeriods, r.Period) {
			t.PartialPeriods = append(t.PartialPeriods, r.Period)
		}
	}

	// Coverage: allowed partners that had figures for the metric but none at this
	// breakdown, period or currency.
	for _, reason := range []string{NotAtThisBreakdown, CoarserThanGrouping, PeriodNotInBucket, NoExchangeRate} {
		if n := agg.Excluded[reason]; n > 0 {
			t.ObservationsExcl = append(t.ObservationsExcl, ExclusionCount{Reason: reason, Count: n})
		}
	}
	leftOut := map[string][]access.Reason{}
	for _, reason := range []string{NotAtThisBreakdown, CoarserThanGrouping, PeriodNotInBucket, NoExchangeRate} {
		for partner := range agg.ExcludedPartner[reason] {
			if !contributing[partner] {
				leftOut[partner] = append(leftOut[partner], access.Reason{Code: reason, Message: coverageMessage[reason]})
			}
		}
	}
	ids := make([]string, 0, len(leftOut))
	for id := range leftOut {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.PartnersExcluded = append(t.PartnersExcluded, Excluded{PartnerID: id, Reasons: leftOut[id]})
	}
	return t, nil
}

var coverageMessage = map[string]string{
	NotAtThisBreakdown:  "the partner has figures for this metric, but none broken down exactly by the query's dimensions",
	CoarserThanGrouping: "the partner records this metric only by I-HELP category, coarser than the welfare-domain grouping asked for",
	PeriodNotInBucket:   "the partner's periods do not lie wholly inside the query's period buckets or date range",
	NoExchangeRate:      "no exchange rate is loaded for the years of the partner's figures",
}

// toDisclosureCell pools a cell's contributions, each annotated by Contributions
// with its partner's disclosure settings and unit keys.
func toDisclosureCell(rc RawCell, kind hjx.MetricKind) disclosure.Cell {
	c := disclosure.Cell{Key: rc.Key, Kind: kind}
	var total, sumN, sumSquares float64
	sds, rows := 0, 0
	for _, x := range rc.Contributions {
		contrib := disclosure.Contribution{PartnerID: x.PartnerID, MinCell: x.MinCell, Identifiable: x.Identifiable,
			Value: x.Value, N: int(x.N), ValueKey: x.ValueKey, NKey: x.NKey, ValueUnit: x.ValueUnit, NUnit: x.NUnit}
		if kind == hjx.KindMean && x.N > 0 {
			contrib.Value = x.Value / float64(x.N)
		}
		c.Contributions = append(c.Contributions, contrib)
		total += x.Value
		sumN += float64(x.N)
		sumSquares += x.SumSquares
		sds += x.SDs
		rows += x.Rows
	}
	c.Value, c.N = total, int(sumN)
	if kind == hjx.KindMean && sumN > 0 {
		mean := total / sumN
		c.Value = mean
		// Pooled SD over every row's group: within-group and between-group variance
		// (harmonise.PoolMeans, computed from PostgreSQL's sums). Unknown when any
		// row lacked an SD.
		if sds == rows && sumN > 1 {
			v := (sumSquares - sumN*mean*mean) / (sumN - 1)
			if v < 0 {
				v = 0 // rounding noise on identical groups
			}
			sd := sqrt(v)
			c.SD = &sd
		}
	}
	return c
}

// Selection is what a query takes of the partners' access decisions: the allowed
// partners within the query's country filter, those of them that may be shown on
// their own, the partners excluded by their decisions, and k.
type Selection struct {
	Allowed, Identifiable []string
	ByDecision            []Excluded
	ByPartner             map[string]governance.PartnerDecision
	// Countries are the allowed partners' countries (the default reporting currency
	// depends on them).
	Countries []hjx.Country
	// K is the largest min cell of any partner the project may read, whatever the
	// filters, never below floor.
	K int
}

// Select applies decisions to a query: the same on a single node and on each
// national node of a federation.
func Select(decisions []governance.PartnerDecision, q Query, floor int) Selection {
	sel := Selection{ByPartner: map[string]governance.PartnerDecision{}, K: floor}
	for _, d := range decisions {
		if d.Decision.Outcome != access.Allow {
			sel.ByDecision = append(sel.ByDecision, Excluded{PartnerID: d.PartnerID, Reasons: d.Decision.Reasons})
			continue
		}
		sel.K = max(sel.K, d.MinCell)
		if len(q.Countries) > 0 && !slices.Contains(q.Countries, d.PartnerCountry) {
			continue
		}
		sel.Allowed = append(sel.Allowed, d.PartnerID)
		sel.ByPartner[d.PartnerID] = d
		if d.Identifiable {
			sel.Identifiable = append(sel.Identifiable, d.PartnerID)
		}
		if !slices.Contains(sel.Countries, d.PartnerCountry) {
			sel.Countries = append(sel.Countries, d.PartnerCountry)
		}
	}
	return sel
}
