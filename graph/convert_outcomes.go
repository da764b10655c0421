package graph

import (
	"strconv"

	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/outcomes"
	"github.com/hjx-exchange/hjx/internal/rates"
)

func fromOutcomeQuery(q model.OutcomeQuery) outcomes.Query {
	out := outcomes.Query{Metric: q.Metric, Countries: q.Countries, From: q.From, To: q.To,
		HealthSettings: q.HealthSettings, WelfareDomains: q.WelfareDomains,
		GroupBy: q.GroupBy}
	if q.Currency != nil {
		out.Currency = string(*q.Currency)
	}
	if q.RatioTo != nil {
		out.RatioTo = *q.RatioTo
	}
	out.PerPerson = q.PerPerson != nil && *q.PerPerson
	return out
}

func toOutcomeTable(t *outcomes.Table, metric *model.MetricDefinition) *model.OutcomeTable {
	out := &model.OutcomeTable{Metric: metric, Rows: []*model.OutcomeRow{},
		Coverage: &model.Coverage{PartnersIncluded: len(t.Included), PartnersExcluded: []*model.ExcludedPartner{},
			ObservationsExcluded: []*model.ExclusionCount{}, Nodes: hjx.NonNil(t.Nodes),
			NodesMissing: hjx.NonNil(t.NodesMissing)},
		Partial: t.Partial,
		Disclosure: &model.DisclosureSummary{K: t.K, RoundingBase: t.RoundingBase, SuppressedCells: t.SuppressedCells,
			ByReason: []*model.ReasonCount{}}, PartialPeriods: append([]string{}, t.PartialPeriods...)}
	out.Currency = nonZero(hjx.ReportingCurrency(t.Currency))
	for _, r := range t.Rows {
		row := &model.OutcomeRow{Country: nonZero(hjx.Country(r.Country)), PartnerID: r.PartnerID,
			HealthSetting: nonZero(hjx.HealthSetting(r.HealthSetting)), WelfareDomain: nonZero(hjx.WelfareDomain(r.WelfareDomain)),
			IhelpCategory: nonZero(hjx.IhelpCategory(r.IhelpCategory)), AgeBand: nonZero(hjx.AgeBand(r.AgeBand)),
			Sex: nonZero(hjx.Sex(r.Sex)), Value: r.Value, N: r.N, Sd: r.SD, Rate: r.Rate,
			Suppressed: r.Suppressed, Suppression: nonZero(r.Reason), Ratio: r.Ratio,
			PartialPeriod: r.PartialPeriod, Region: nonZero(r.Region), Period: nonZero(r.Period)}
		if q := r.DeprivationQuintile(); q != 0 {
			row.DeprivationQuintile = &q
		}
		partners := r.Partners
		row.Partners = &partners
		out.Rows = append(out.Rows, row)
	}
	for _, x := range t.PartnersExcluded {
		ep := &model.ExcludedPartner{PartnerID: x.PartnerID, Reasons: []*model.DecisionReason{}, Node: nonZero(x.Node)}
		for _, reason := range x.Reasons {
			ep.Reasons = append(ep.Reasons, &model.DecisionReason{Code: reason.Code, Message: reason.Message})
		}
		out.Coverage.PartnersExcluded = append(out.Coverage.PartnersExcluded, ep)
	}
	for _, e := range t.ObservationsExcl {
		out.Coverage.ObservationsExcluded = append(out.Coverage.ObservationsExcluded, &model.ExclusionCount{Reason: e.Reason, Count: e.Count})
	}
	for _, rc := range t.SuppressedByReason {
		out.Disclosure.ByReason = append(out.Disclosure.ByReason, &model.ReasonCount{Reason: rc.Reason, Count: rc.Count})
	}
	return out
}

func toExchangeRate(r rates.Rate) *model.ExchangeRate {
	f := func(s string) float64 {
		v, _ := strconv.ParseFloat(s, 64) // numeric text from PostgreSQL
		return v
	}
	return &model.ExchangeRate{Year: r.Year, Version: r.Version, GbpPerUsd: f(r.GBPPerUSD),
		PppGbpPerIntlDollar: f(r.PPPGBPPerIntl), PppUsdPerIntlDollar: f(r.PPPUSDPerIntl), Source: r.Source, LoadedAt: r.LoadedAt}
}

// toAvailability converts the catalogue; metrics gives the codebook's definitions
// (a metric the codebook lacks cannot have observations: they reference it).
func toAvailability(a *outcomes.Availability, metrics []directory.Metric) *model.Availability {
	defs := make(map[string]*model.MetricDefinition, len(metrics))
	for _, m := range metrics {
		defs[m.Code] = toMetric(m)
	}
	out := &model.Availability{ProjectID: a.ProjectID, Metrics: []*model.MetricAvailability{}}
	for _, m := range a.Metrics {
		def, ok := defs[m.Metric]
		if !ok {
			continue
		}
		ma := &model.MetricAvailability{Metric: def, Breakdowns: []*model.BreakdownAvailability{}}
		for _, b := range m.Breakdowns {
			ba := &model.BreakdownAvailability{Dimensions: append([]outcomes.Dimension{}, b.Dimensions...),
				Granularities: append([]outcomes.Granularity{}, b.Granularities...), Years: append([]int{}, b.Years...),
				Partners: b.Partners, Countries: []*model.CountryAvailability{}}
			for _, c := range b.Countries {
				ba.Countries = append(ba.Countries, &model.CountryAvailability{Country: c.Country, Partners: c.Partners})
			}
			ma.Breakdowns = append(ma.Breakdowns, ba)
		}
		out.Metrics = append(out.Metrics, ma)
	}
	return out
}
