package web_test

import (
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/documents"
	"github.com/hjx-exchange/hjx/internal/web"
)

// The page's documents carry the SHA-256 of their exact text (what the page
// sends as documentId) and are named after their operation.
func TestDashboardDocuments(t *testing.T) {
	docs := web.DashboardDocuments()
	if len(docs) != 4 {
		t.Fatalf("%d dashboard documents, want 4", len(docs))
	}
	for _, d := range docs {
		if got := documents.Hash(d.Document); got != d.SHA256 {
			t.Errorf("%s: sha256 %s, but the text hashes to %s", d.Name, d.SHA256, got)
		}
		if !strings.HasPrefix(d.Document, "query "+d.Name) {
			t.Errorf("%s: the document's operation is not named %s: %.40s", d.Name, d.Name, d.Document)
		}
	}
}
