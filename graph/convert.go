package graph

import (
	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
)

// Conversions between domain values and GraphQL models. The GraphQL enums are bound
// to the domain's vocabulary types (gqlgen.yml), so enum values pass straight
// through. Only an outcome row's breakdown values are text (outcomes.Row fills
// each grouped dimension from the cell's key), so toOutcomeTable converts them.

func strOrEmpty[T ~string](p *T) string { return string(valueOr(p)) }

// valueOr returns *p, or the zero value (an empty code: no filter) for nil.
func valueOr[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func toPartner(p *directory.Partner) *model.Partner {
	out := &model.Partner{ID: p.ID, Name: p.Name, Country: p.Country, Region: p.Region, Model: p.Model,
		HealthSettings: hjx.NonNil(p.HealthSettings),
		AdviceDomains:  hjx.NonNil(p.AdviceDomains), ActiveFrom: p.ActiveFrom, ActiveTo: p.ActiveTo}
	return out
}

func toMetric(m directory.Metric) *model.MetricDefinition {
	return &model.MetricDefinition{Code: m.Code, Kind: m.Kind, Unit: m.Unit,
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

func toSubmissionResult(r *ingest.Result) *model.SubmissionResult {
	out := &model.SubmissionResult{Accepted: r.Accepted, IssueCount: r.IssueCount,
		Issues: make([]*model.ValidationIssue, len(r.Issues)), AlreadyStored: r.Existing, Summary: r.Summary()}
	if pv := r.Preview; pv != nil {
		out.WouldStore = &model.SubmissionPreview{Rows: pv.Rows, Periods: pv.Periods, From: pv.From, To: pv.To,
			Metrics: append([]string{}, pv.Metrics...), Supersedes: pv.Supersedes}
	}
	if r.Submission != nil {
		out.Submission = r.Submission
	}
	for i, is := range r.Issues {
		out.Issues[i] = &model.ValidationIssue{Code: is.Code, Message: is.Message, Row: nonZero(is.Row),
			Column: nonZero(is.Column)}
	}
	return out
}

func toIngestRow(o *model.ObservationInput) ingest.Row {
	return ingest.Row{Metric: o.Metric, PeriodStart: o.PeriodStart, PeriodEnd: o.PeriodEnd, Value: o.Value,
		N: o.N, SD: o.Sd, Currency: strOrEmpty(o.Currency), WelfareDomain: strOrEmpty(o.WelfareDomain),
		IhelpCategory: strOrEmpty(o.IhelpCategory), HealthSetting: strOrEmpty(o.HealthSetting),
		AgeBand: strOrEmpty(o.AgeBand), Sex: strOrEmpty(o.Sex), DeprivationScheme: strOrEmpty(o.DeprivationScheme),
		DeprivationValue: o.DeprivationValue}
}

// nonZero returns &v, or nil for the zero value: a nullable field the domain keeps
// as "" when absent.
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
