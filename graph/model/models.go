package model

import (
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// The types below are written by hand rather than generated because they carry the
// ids of related objects; their resolvers load those objects (through dataloaders),
// so a list of rows never costs one query per row.

// Project is a research project and its governance state.
type Project struct {
	ID                   string         `json:"id"`
	Title                string         `json:"title"`
	Institution          string         `json:"institution"`
	InstitutionCountry   hjx.Country    `json:"institutionCountry"`
	ForProfit            bool           `json:"forProfit"`
	Purpose              access.Purpose `json:"purpose"`
	CommercialUse        bool           `json:"commercialUse"`
	EthicsApprovalRef    *string        `json:"ethicsApprovalRef,omitempty"`
	PublicationCommitted bool           `json:"publicationCommitted"`
	StartsOn             time.Time      `json:"startsOn"`
	EndsOn               time.Time      `json:"endsOn"`
	Status               access.Status  `json:"status"`
	MemberIDs            []string       `json:"-"`
}

// IsEntity makes Project a member of the federation's _Entity union: a gateway
// may fetch it by id (schema/federation.graphqls).
func (Project) IsEntity() {}

// SharingPolicy is one version of a partner's DUO-coded sharing policy.
type SharingPolicy struct {
	PartnerID              string            `json:"-"`
	Version                int               `json:"version"`
	Permission             access.Permission `json:"permission"`
	NonCommercialOnly      bool              `json:"nonCommercialOnly"`
	NotForProfitOnly       bool              `json:"notForProfitOnly"`
	AllowedCountries       []hjx.Country     `json:"allowedCountries,omitempty"`
	AllowedInstitutions    []string          `json:"allowedInstitutions,omitempty"`
	AllowedProjects        []string          `json:"allowedProjects,omitempty"`
	ExpiresAt              *time.Time        `json:"expiresAt,omitempty"`
	EthicsApprovalRequired bool              `json:"ethicsApprovalRequired"`
	CollaborationRequired  bool              `json:"collaborationRequired"`
	PublicationRequired    bool              `json:"publicationRequired"`
	MoratoriumUntil        *time.Time        `json:"moratoriumUntil,omitempty"`
	MinCell                int               `json:"minCell"`
	Identifiable           bool              `json:"identifiable"`
	CreatedAt              time.Time         `json:"createdAt"`
}

// AccessDecision says whether a project may use a partner's data, and why not.
type AccessDecision struct {
	ProjectID       string            `json:"-"`
	PartnerID       string            `json:"-"`
	Decision        access.Outcome    `json:"decision"`
	Reasons         []*DecisionReason `json:"reasons"`
	MoratoriumUntil *time.Time        `json:"moratoriumUntil,omitempty"`
}

// ExcludedPartner is a partner left out of an outcome table, with its reasons.
type ExcludedPartner struct {
	PartnerID string            `json:"-"`
	Reasons   []*DecisionReason `json:"reasons"`
	// Node is the national node holding the partner (federated answers only).
	Node *string `json:"node,omitempty"`
}

// OutcomeRow is one protected cell of an outcome table.
type OutcomeRow struct {
	Country             *hjx.Country       `json:"country,omitempty"`
	Region              *string            `json:"region,omitempty"`
	PartnerID           string             `json:"-"`
	HealthSetting       *hjx.HealthSetting `json:"healthSetting,omitempty"`
	WelfareDomain       *hjx.WelfareDomain `json:"welfareDomain,omitempty"`
	IhelpCategory       *hjx.IhelpCategory `json:"ihelpCategory,omitempty"`
	AgeBand             *hjx.AgeBand       `json:"ageBand,omitempty"`
	Sex                 *hjx.Sex           `json:"sex,omitempty"`
	DeprivationQuintile *int               `json:"deprivationQuintile,omitempty"`
	Period              *string            `json:"period,omitempty"`
	Value               *float64           `json:"value,omitempty"`
	N                   *int               `json:"n,omitempty"`
	Sd                  *float64           `json:"sd,omitempty"`
	Rate                *float64           `json:"rate,omitempty"`
	Partners            *int               `json:"partners,omitempty"`
	Suppressed          bool               `json:"suppressed"`
	Suppression         *disclosure.Reason `json:"suppression,omitempty"`
	Ratio               *float64           `json:"ratio,omitempty"`
	PartialPeriod       bool               `json:"partialPeriod"`
}
