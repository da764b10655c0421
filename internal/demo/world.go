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
	HealthSettings   []hjx.HealthSetting
	AdviceDomains    []hjx.WelfareDomain
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
	AllowedCountries      []hjx.Country
	AllowedInstitutions   []string
	CollaborationRequired bool
	EthicsRequired        bool
	PublicationRequired   bool
	Identifiable          bool
	MinCell               int // 0: the country's default
}

var ukDomains = []hjx.WelfareDomain{"WELFARE_BENEFITS", "DEBT", "HOUSING", "UTILITIES", "EMPLOYMENT", "IMMIGRATION", "COMMUNITY_CARE", "FAMILY"}
var usDomains = []hjx.WelfareDomain{"WELFARE_BENEFITS", "HEALTH_INSURANCE", "HOUSING", "UTILITIES", "EDUCATION", "IMMIGRATION", "LEGAL_STATUS_OTHER", "FAMILY"}

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
		uk("leeds-gp-welfare-rights", "Leeds GP Welfare Rights (demo)", "GB-ENG", "PRIMARY_CARE", 1.4, &PolicySpec{Permission: "GRU", Identifiable: true}),
		uk("tower-hamlets-gp-advice", "Tower Hamlets GP Advice (demo)", "GB-ENG", "PRIMARY_CARE", 1.6, gru),
		withDomains(uk("manchester-maternity-advice", "Manchester Maternity Advice (demo)", "GB-ENG", "MATERNITY", 0.6, &PolicySpec{Permission: "HMB"}),
			"WELFARE_BENEFITS", "HOUSING", "DEBT", "IMMIGRATION"),
		uk("bristol-mental-health-advice", "Bristol Mental Health Advice (demo)", "GB-ENG", "MENTAL_HEALTH", 0.9,
			&PolicySpec{Permission: "GRU", NonCommercialOnly: true, NotForProfitOnly: true}),
		uk("newcastle-hospital-welfare", "Newcastle Hospital Welfare Service (demo)", "GB-ENG", "HOSPITAL", 1.1, gru),
		withDomains(uk("cardiff-hospice-advice", "Cardiff Hospice Advice (demo)", "GB-WLS", "HOSPICE", 0.3, &PolicySpec{Permission: "GRU", CollaborationRequired: true}),
			"WELFARE_BENEFITS", "DEBT", "COMMUNITY_CARE"),
		uk("swansea-gp-advice", "Swansea GP Advice (demo)", "GB-WLS", "PRIMARY_CARE", 0.8, gru),
		uk("glasgow-deep-end-advice", "Glasgow Deep End Advice (demo)", "GB-SCT", "PRIMARY_CARE", 1.2, gru),
		uk("birmingham-gp-advice", "Birmingham GP Advice (demo)", "GB-ENG", "PRIMARY_CARE", 1.3, gru),
		uk("liverpool-hospital-welfare", "Liverpool Hospital Welfare Rights (demo)", "GB-ENG", "HOSPITAL", 1.0, gru),
		uk("sheffield-mental-health-advice", "Sheffield Mental Health Advice (demo)", "GB-ENG", "MENTAL_HEALTH", 0.8, gru),
		uk("hull-gp-advice", "Hull GP Advice (demo)", "GB-ENG", "PRIMARY_CARE", 0.9, gru),
		uk("edinburgh-infirmary-welfare", "Edinburgh Infirmary Welfare Rights (demo)", "GB-SCT", "HOSPITAL", 0.7,
			&PolicySpec{Permission: "GRU", AllowedInstitutions: []string{"University of Edinburgh", "University of Glasgow"}}),

		us("boston-childrens-mlp", "Boston Children's MLP (demo)", "US-MA", "PAEDIATRIC", 1.3, gru),
		ihelpOnly(us("bronx-chc-mlp", "Bronx Community Health Center MLP (demo)", "US-NY", "COMMUNITY_HEALTH_CENTRE", 1.5, gru)),
		us("chicago-chc-legal", "Chicago CHC Legal Partnership (demo)", "US-IL", "COMMUNITY_HEALTH_CENTRE", 1.0, gru),
		us("cincinnati-childrens-mlp", "Cincinnati Children's MLP (demo)", "US-OH", "PAEDIATRIC", 1.1, &PolicySpec{Permission: "HMB", EthicsRequired: true}),
		us("houston-hospital-mlp", "Houston Hospital MLP (demo)", "US-TX", "HOSPITAL", 0.9, &PolicySpec{Permission: "GRU", AllowedCountries: []hjx.Country{"US"}}),
		ihelpOnly(us("oakland-chc-mlp", "Oakland CHC MLP (demo)", "US-CA", "COMMUNITY_HEALTH_CENTRE", 0.8, gru)),
		us("seattle-behavioral-mlp", "Seattle Behavioral Health MLP (demo)", "US-WA", "MENTAL_HEALTH", 0.5, &PolicySpec{Permission: "GRU", PublicationRequired: true}),
		us("atlanta-primary-care-mlp", "Atlanta Primary Care MLP (demo)", "US-GA", "PRIMARY_CARE", 0.7, gru),
		withDomains(us("philadelphia-maternity-mlp", "Philadelphia Maternity MLP (demo)", "US-PA", "MATERNITY", 0.4, &PolicySpec{Permission: "GRU", MinCell: 15}),
			"WELFARE_BENEFITS", "HEALTH_INSURANCE", "HOUSING", "FAMILY"),
		us("detroit-chc-mlp", "Detroit CHC MLP (demo)", "US-MI", "COMMUNITY_HEALTH_CENTRE", 1.0, gru),
		us("denver-hospital-mlp", "Denver Hospital MLP (demo)", "US-CO", "HOSPITAL", 0.9, gru),
		us("baltimore-primary-care-mlp", "Baltimore Primary Care MLP (demo)", "US-MD", "PRIMARY_CARE", 0.8, gru),
	}
}

// uk is a UK health justice partnership in one health setting, advising on the
// usual UK domains.
func uk(id, name, region string, setting hjx.HealthSetting, size float64, policy *PolicySpec) PartnerSpec {
	return PartnerSpec{ID: id, Name: name, Country: "GB", Region: region, Model: "HJP",
		HealthSettings: []hjx.HealthSetting{setting}, AdviceDomains: ukDomains, Size: size, Policy: policy}
}

// us is a US medical-legal partnership in one health setting, advising on the usual
// US domains.
func us(id, name, region string, setting hjx.HealthSetting, size float64, policy *PolicySpec) PartnerSpec {
	return PartnerSpec{ID: id, Name: name, Country: "US", Region: region, Model: "MLP",
		HealthSettings: []hjx.HealthSetting{setting}, AdviceDomains: usDomains, Size: size, Policy: policy}
}

// withDomains is a partner advising on fewer domains than its country's usual.
func withDomains(p PartnerSpec, domains ...hjx.WelfareDomain) PartnerSpec {
	p.AdviceDomains = domains
	return p
}

func ihelpOnly(p PartnerSpec) PartnerSpec {
	p.IhelpOnly = true
	return p
}
