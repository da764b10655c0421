package graph

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/hjx-exchange/hjx/graph/model"
	"github.com/hjx-exchange/hjx/internal/documents"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// toNewDocuments reads each document to register as GraphQL: it must parse
// (one that cannot would never run), and its first operation's name is kept
// for listings and the audit log.
func toNewDocuments(texts []string) ([]documents.New, error) {
	out := make([]documents.New, len(texts))
	for i, text := range texts {
		doc, err := parser.ParseQuery(&ast.Source{Input: text})
		if err != nil {
			return nil, hjx.Invalid("documents", "document %d does not parse: %s", i+1, err)
		}
		if len(doc.Operations) == 0 {
			return nil, hjx.Invalid("documents", "document %d has no operation", i+1)
		}
		out[i] = documents.New{Body: text, OperationName: doc.Operations[0].Name}
	}
	return out, nil
}

func toTrustedDocuments(docs []*documents.Document) []*model.TrustedDocument {
	out := make([]*model.TrustedDocument, len(docs))
	for i, d := range docs {
		out[i] = &model.TrustedDocument{ID: fmt.Sprintf("sha256:%s", d.SHA256), Sha256Hash: d.SHA256,
			OperationName: nonZero(d.OperationName), Document: d.Body, RegisteredAt: d.RegisteredAt}
	}
	return out
}
