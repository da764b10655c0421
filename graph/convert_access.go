package graph

import (
	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Conversions for the consent and audit areas (policies, projects, decisions,
// audit entries), kept apart from convert.go so that area owns its file.

func toPolicyInput(in model.SharingPolicyInput) access.PolicyInput {
	out := access.PolicyInput{Permission: in.Permission,
		NonCommercialOnly: in.NonCommercialOnly, NotForProfitOnly: in.NotForProfitOnly,
		AllowedInstitutions: in.AllowedInstitutions, AllowedProjects: in.AllowedProjects,
		ExpiresAt: in.ExpiresAt, EthicsApprovalRequired: in.EthicsApprovalRequired,
		CollaborationRequired: in.CollaborationRequired, PublicationRequired: in.PublicationRequired,
		MoratoriumUntil: in.MoratoriumUntil, MinCell: in.MinCell, Identifiable: in.Identifiable}
	out.AllowedCountries = in.AllowedCountries
	return out
}

func toSharingPolicy(p *access.Policy) *model.SharingPolicy {
	return &model.SharingPolicy{PartnerID: p.PartnerID, Version: p.Version, Permission: p.Permission,
		NonCommercialOnly: p.NonCommercialOnly, NotForProfitOnly: p.NotForProfitOnly,
		AllowedInstitutions: p.AllowedInstitutions, AllowedProjects: p.AllowedProjects, ExpiresAt: p.ExpiresAt,
		EthicsApprovalRequired: p.EthicsApprovalRequired, CollaborationRequired: p.CollaborationRequired,
		PublicationRequired: p.PublicationRequired, MoratoriumUntil: p.MoratoriumUntil, MinCell: p.MinCell,
		Identifiable: p.Identifiable, CreatedAt: p.CreatedAt, AllowedCountries: p.AllowedCountries}
}

func toProjectInput(in model.ProjectInput) access.ProjectInput {
	return access.ProjectInput{Title: in.Title, Institution: in.Institution, InstitutionCountry: in.InstitutionCountry,
		ForProfit: in.ForProfit, Purpose: in.Purpose, CommercialUse: in.CommercialUse,
		EthicsApprovalRef: strOrEmpty(in.EthicsApprovalRef), PublicationCommitted: in.PublicationCommitted,
		StartsOn: in.StartsOn, EndsOn: in.EndsOn}
}

func toProject(p *governance.Project) *model.Project {
	return &model.Project{ID: p.ID, Title: p.Title, Institution: p.Institution,
		InstitutionCountry: p.InstitutionCountry, ForProfit: p.ForProfit,
		Purpose: p.Purpose, CommercialUse: p.CommercialUse,
		PublicationCommitted: p.PublicationCommitted, StartsOn: p.StartsOn, EndsOn: p.EndsOn,
		Status: p.Status, MemberIDs: p.MemberIDs, EthicsApprovalRef: nonZero(p.EthicsApprovalRef)}
}

func toAccessDecision(d governance.PartnerDecision) *model.AccessDecision {
	out := &model.AccessDecision{ProjectID: d.ProjectID, PartnerID: d.PartnerID, Decision: d.Decision.Outcome,
		Reasons: make([]*model.DecisionReason, len(d.Decision.Reasons)), MoratoriumUntil: d.Decision.MoratoriumUntil}
	for i, r := range d.Decision.Reasons {
		out.Reasons[i] = &model.DecisionReason{Code: r.Code, Message: r.Message}
	}
	return out
}

func toDecisionChange(c governance.DecisionChange) *model.AccessDecisionChange {
	out := &model.AccessDecisionChange{Project: toProject(c.Project), Before: c.Before.Outcome,
		After: c.After.Outcome, Reasons: make([]*model.DecisionReason, len(c.After.Reasons))}
	for i, r := range c.After.Reasons {
		out.Reasons[i] = &model.DecisionReason{Code: r.Code, Message: r.Message}
	}
	return out
}

func toAuditEntry(e audit.Entry) *model.AuditEntry {
	out := &model.AuditEntry{ID: e.ID, Seq: int(e.Seq), At: e.At, PrincipalID: nonZero(e.PrincipalID),
		PrincipalName: nonZero(e.PrincipalName), Action: e.Action, Subject: e.Subject, ProjectID: nonZero(e.ProjectID),
		PartnersIncluded: e.PartnersIncluded, CellsSuppressed: e.CellsSuppressed, RequestHash: nonZero(e.RequestHash),
		PrevHash: e.PrevHash, Hash: e.Hash, PartnersExcluded: make([]*model.ExcludedPartnerRef, len(e.PartnersExcluded))}
	if out.PartnersIncluded == nil {
		out.PartnersIncluded = []string{}
	}
	if e.Role != "" {
		role := hjx.Role(e.Role)
		out.Role = &role
	}
	for i, x := range e.PartnersExcluded {
		reasons := x.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		out.PartnersExcluded[i] = &model.ExcludedPartnerRef{PartnerID: x.PartnerID, Reasons: reasons}
	}
	return out
}

func toAuditConnection(c *hjx.Connection[audit.Entry]) *model.AuditEntryConnection {
	out := &model.AuditEntryConnection{PageInfo: toPageInfo(c), TotalCount: c.TotalCount, Edges: []*model.AuditEntryEdge{}}
	for i, e := range c.Items {
		out.Edges = append(out.Edges, &model.AuditEntryEdge{Node: toAuditEntry(e), Cursor: hjx.EncodeCursor(c.Keys[i])})
	}
	return out
}

func toProjectConnection(c *hjx.Connection[*governance.Project]) *model.ProjectConnection {
	out := &model.ProjectConnection{PageInfo: toPageInfo(c), TotalCount: c.TotalCount, Edges: []*model.ProjectEdge{}}
	for i, p := range c.Items {
		out.Edges = append(out.Edges, &model.ProjectEdge{Node: toProject(p), Cursor: hjx.EncodeCursor(c.Keys[i])})
	}
	return out
}
