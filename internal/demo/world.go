// Package demo builds the deterministic demo world of `hjx seed --demo`: UK and US
// partners, their sharing policies, a research project and 2019-2021 quarterly
// figures for every codebook metric. The figures are invented but plausible in
// magnitude (Beardon 2018, Woodhead 2018, NCMLP measures; see
// internal/reference/SOURCES.md), with some deliberately small cells so that
// disclosure control has something to do. Everything is derived from fixed seeds:
// the same binary always produces the same world.
package demo

import (
	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// PartnerSpec is one demo partner and how it shares.
type PartnerSpec struct {
	ID, Name, Region string
	Country          hjx.Country
	Model            hjx.PartnershipModel
	HealthSettings   []string
	AdviceDomains    []string
	// Size scales the partner's caseload: a small hospice sees fewer clients than an
	// inner-city GP network.
	Size float64
	// Policy is the sharing policy the partner sets. Every demo partner has one; the
	// variety (HMB only, GS, IS, COL, NCU+NPU, PUB, IRB, a higher min cell, one
	// identifiable partner) shows each kind of decision.
	Policy *PolicySpec
	// IhelpOnly partners record issues by I-HELP category, not by fine domain.
	IhelpOnly bool
}

// PolicySpec is a demo partner's sharing policy, in DUO terms.
type PolicySpec struct {
	Permission            access.Permission
	NonCommercialOnly     bool
	NotForProfitOnly      bool
	AllowedCountries      []string
	AllowedInstitutions   []string
	CollaborationRequired bool
	EthicsRequired        bool
	PublicationRequired   bool
	Identifiable          bool
	MinCell               int // 0: the country's default
}

var ukDomains = []string{"WELFARE_BENEFITS", "DEBT", "HOUSING", "UTILITIES", "EMPLOYMENT", "IMMIGRATION", "COMMUNITY_CARE", "FAMILY"}
var usDomains = []string{"WELFARE_BENEFITS", "HEALTH_INSURANCE", "HOUSING", "UTILITIES", "EDUCATION", "IMMIGRATION", "LEGAL_STATUS_OTHER", "FAMILY"}

// Partners is the demo directory: 13 UK partnerships (England, Wales, Scotland) and
// 12 US ones (several states), across the health settings advice is embedded in.
// A pooled cell of non-identifiable partners needs at least 4 of them (the
// remainder rule, docs/DISCLOSURE.md), so the demo project may read 8 English
// non-identifiable partners (the ones whose areas have IMD deciles) and 9 US ones
// with fine welfare domains: typical equity views (one country, by deprivation
// quintile or welfare domain, by year or quarter) are mostly published.
func Partners() []PartnerSpec {
	gru := &PolicySpec{Permission: access.PermissionGRU}
	return []PartnerSpec{
		{ID: "leeds-gp-welfare-rights", Name: "Leeds GP Welfare Rights (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: ukDomains, Size: 1.4, Policy: &PolicySpec{Permission: access.PermissionGRU, Identifiable: true}},
		{ID: "tower-hamlets-gp-advice", Name: "Tower Hamlets GP Advice (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: ukDomains, Size: 1.6, Policy: gru},
		{ID: "manchester-maternity-advice", Name: "Manchester Maternity Advice (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"MATERNITY"}, AdviceDomains: []string{"WELFARE_BENEFITS", "HOUSING", "DEBT", "IMMIGRATION"}, Size: 0.6,
			Policy: &PolicySpec{Permission: access.PermissionHMB}},
		{ID: "bristol-mental-health-advice", Name: "Bristol Mental Health Advice (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"MENTAL_HEALTH"}, AdviceDomains: ukDomains, Size: 0.9,
			Policy: &PolicySpec{Permission: access.PermissionGRU, NonCommercialOnly: true, NotForProfitOnly: true}},
		{ID: "newcastle-hospital-welfare", Name: "Newcastle Hospital Welfare Service (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"HOSPITAL"}, AdviceDomains: ukDomains, Size: 1.1, Policy: gru},
		{ID: "cardiff-hospice-advice", Name: "Cardiff Hospice Advice (demo)", Country: hjx.CountryGB, Region: "GB-WLS", Model: hjx.ModelHJP,
			HealthSettings: []string{"HOSPICE"}, AdviceDomains: []string{"WELFARE_BENEFITS", "DEBT", "COMMUNITY_CARE"}, Size: 0.3,
			Policy: &PolicySpec{Permission: access.PermissionGRU, CollaborationRequired: true}},
		{ID: "swansea-gp-advice", Name: "Swansea GP Advice (demo)", Country: hjx.CountryGB, Region: "GB-WLS", Model: hjx.ModelHJP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: ukDomains, Size: 0.8, Policy: gru},
		{ID: "glasgow-deep-end-advice", Name: "Glasgow Deep End Advice (demo)", Country: hjx.CountryGB, Region: "GB-SCT", Model: hjx.ModelHJP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: ukDomains, Size: 1.2, Policy: gru},
		{ID: "birmingham-gp-advice", Name: "Birmingham GP Advice (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: ukDomains, Size: 1.3, Policy: gru},
		{ID: "liverpool-hospital-welfare", Name: "Liverpool Hospital Welfare Rights (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"HOSPITAL"}, AdviceDomains: ukDomains, Size: 1.0, Policy: gru},
		{ID: "sheffield-mental-health-advice", Name: "Sheffield Mental Health Advice (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"MENTAL_HEALTH"}, AdviceDomains: ukDomains, Size: 0.8, Policy: gru},
		{ID: "hull-gp-advice", Name: "Hull GP Advice (demo)", Country: hjx.CountryGB, Region: "GB-ENG", Model: hjx.ModelHJP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: ukDomains, Size: 0.9, Policy: gru},
		{ID: "edinburgh-infirmary-welfare", Name: "Edinburgh Infirmary Welfare Rights (demo)", Country: hjx.CountryGB, Region: "GB-SCT", Model: hjx.ModelHJP,
			HealthSettings: []string{"HOSPITAL"}, AdviceDomains: ukDomains, Size: 0.7,
			Policy: &PolicySpec{Permission: access.PermissionGRU, AllowedInstitutions: []string{"University of Edinburgh", "University of Glasgow"}}},

		{ID: "boston-childrens-mlp", Name: "Boston Children's MLP (demo)", Country: hjx.CountryUS, Region: "US-MA", Model: hjx.ModelMLP,
			HealthSettings: []string{"PAEDIATRIC"}, AdviceDomains: usDomains, Size: 1.3, Policy: gru},
		{ID: "bronx-chc-mlp", Name: "Bronx Community Health Center MLP (demo)", Country: hjx.CountryUS, Region: "US-NY", Model: hjx.ModelMLP,
			HealthSettings: []string{"COMMUNITY_HEALTH_CENTRE"}, AdviceDomains: usDomains, Size: 1.5, Policy: gru, IhelpOnly: true},
		{ID: "chicago-chc-legal", Name: "Chicago CHC Legal Partnership (demo)", Country: hjx.CountryUS, Region: "US-IL", Model: hjx.ModelMLP,
			HealthSettings: []string{"COMMUNITY_HEALTH_CENTRE"}, AdviceDomains: usDomains, Size: 1.0, Policy: gru},
		{ID: "cincinnati-childrens-mlp", Name: "Cincinnati Children's MLP (demo)", Country: hjx.CountryUS, Region: "US-OH", Model: hjx.ModelMLP,
			HealthSettings: []string{"PAEDIATRIC"}, AdviceDomains: usDomains, Size: 1.1, Policy: &PolicySpec{Permission: access.PermissionHMB, EthicsRequired: true}},
		{ID: "houston-hospital-mlp", Name: "Houston Hospital MLP (demo)", Country: hjx.CountryUS, Region: "US-TX", Model: hjx.ModelMLP,
			HealthSettings: []string{"HOSPITAL"}, AdviceDomains: usDomains, Size: 0.9,
			Policy: &PolicySpec{Permission: access.PermissionGRU, AllowedCountries: []string{string(hjx.CountryUS)}}},
		{ID: "oakland-chc-mlp", Name: "Oakland CHC MLP (demo)", Country: hjx.CountryUS, Region: "US-CA", Model: hjx.ModelMLP,
			HealthSettings: []string{"COMMUNITY_HEALTH_CENTRE"}, AdviceDomains: usDomains, Size: 0.8, Policy: gru, IhelpOnly: true},
		{ID: "seattle-behavioral-mlp", Name: "Seattle Behavioral Health MLP (demo)", Country: hjx.CountryUS, Region: "US-WA", Model: hjx.ModelMLP,
			HealthSettings: []string{"MENTAL_HEALTH"}, AdviceDomains: usDomains, Size: 0.5, Policy: &PolicySpec{Permission: access.PermissionGRU, PublicationRequired: true}},
		{ID: "atlanta-primary-care-mlp", Name: "Atlanta Primary Care MLP (demo)", Country: hjx.CountryUS, Region: "US-GA", Model: hjx.ModelMLP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: usDomains, Size: 0.7, Policy: gru},
		{ID: "philadelphia-maternity-mlp", Name: "Philadelphia Maternity MLP (demo)", Country: hjx.CountryUS, Region: "US-PA", Model: hjx.ModelMLP,
			HealthSettings: []string{"MATERNITY"}, AdviceDomains: []string{"WELFARE_BENEFITS", "HEALTH_INSURANCE", "HOUSING", "FAMILY"}, Size: 0.4,
			Policy: &PolicySpec{Permission: access.PermissionGRU, MinCell: 15}},
		{ID: "detroit-chc-mlp", Name: "Detroit CHC MLP (demo)", Country: hjx.CountryUS, Region: "US-MI", Model: hjx.ModelMLP,
			HealthSettings: []string{"COMMUNITY_HEALTH_CENTRE"}, AdviceDomains: usDomains, Size: 1.0, Policy: gru},
		{ID: "denver-hospital-mlp", Name: "Denver Hospital MLP (demo)", Country: hjx.CountryUS, Region: "US-CO", Model: hjx.ModelMLP,
			HealthSettings: []string{"HOSPITAL"}, AdviceDomains: usDomains, Size: 0.9, Policy: gru},
		{ID: "baltimore-primary-care-mlp", Name: "Baltimore Primary Care MLP (demo)", Country: hjx.CountryUS, Region: "US-MD", Model: hjx.ModelMLP,
			HealthSettings: []string{"PRIMARY_CARE"}, AdviceDomains: usDomains, Size: 0.8, Policy: gru},
	}
}
