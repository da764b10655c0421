package graph

import (
	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Conversions between domain values and GraphQL models. GraphQL enums and domain
// codes share their spelling, so converting is a type change, never a lookup.

func enumSlice[T ~string](xs []string) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = T(x)
	}
	return out
}

func stringSlice[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func strOrEmpty[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func toPartner(p *directory.Partner) *model.Partner {
	out := &model.Partner{ID: p.ID, Name: p.Name, Country: model.Country(p.Country), Region: p.Region,
		Model: model.PartnershipModel(p.Model), HealthSettings: enumSlice[model.HealthSetting](p.HealthSettings),
		AdviceDomains: enumSlice[model.WelfareDomain](p.AdviceDomains), ActiveFrom: p.ActiveFrom, ActiveTo: p.ActiveTo}
	return out
}

func toPrincipal(p *hjx.Principal) *model.Principal {
	return &model.Principal{ID: p.ID, Name: p.Name, Role: model.Role(p.Role), PartnerID: p.PartnerID, ProjectID: p.ProjectID}
}

func toMetric(m directory.Metric) *model.MetricDefinition {
	return &model.MetricDefinition{Code: m.Code, Kind: model.MetricKind(m.Kind), Unit: m.Unit,
		Instrument: m.Instrument, RangeMin: m.RangeMin, RangeMax: m.RangeMax, Title: m.Title, Source: m.Source}
}

func toPageInfo[T any](c *hjx.Connection[T]) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: c.HasNext, HasPreviousPage: c.HasPrevious}
	if n := len(c.Keys); n > 0 {
		start, end := hjx.EncodeCursor(c.Keys[0]), hjx.EncodeCursor(c.Keys[n-1])
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}
