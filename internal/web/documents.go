package web

import (
	_ "embed"
	"encoding/json"
	"sort"

	"github.com/hjx-exchange/hjx/internal/documents"
)

//go:embed documents/dashboard.json
var dashboardDocuments []byte

// DashboardDocument is one operation the /dashboard page sends.
type DashboardDocument struct {
	Name     string
	SHA256   string `json:"sha256"`
	Document string `json:"document"`
}

// DashboardDocuments are the operations the /dashboard page sends, by name,
// as its script ships them (documents/dashboard.json): what a project
// registers as trusted documents so that its dashboards work when restricted
// to them (hjx documents register, hjx seed --demo).
func DashboardDocuments() []DashboardDocument {
	var byName map[string]DashboardDocument
	if err := json.Unmarshal(dashboardDocuments, &byName); err != nil {
		panic(err) // the embedded file is checked by TestDashboardDocuments
	}
	out := make([]DashboardDocument, 0, len(byName))
	for name, d := range byName {
		d.Name = name
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// NewDocuments are the dashboard's documents as documents.Register takes them.
func NewDocuments() []documents.New {
	var out []documents.New
	for _, d := range DashboardDocuments() {
		out = append(out, documents.New{Body: d.Document, OperationName: d.Name})
	}
	return out
}
