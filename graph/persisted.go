package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/go-viper/mapstructure/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/hjx-exchange/hjx/internal/documents"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

// DefaultAPQCacheSize is how many automatic persisted queries are kept when
// nothing is configured (HJX_APQ_CACHE_SIZE).
const DefaultAPQCacheSize = 1000

// persistedDocuments resolves a document sent by hash (documentId, or the APQ
// extension extensions.persistedQuery.sha256Hash) before it is parsed:
//
//   - a DASHBOARD token gets its project's trusted document with that hash
//     (or, when the text is sent, the text's hash); when the project restricts
//     its dashboards to trusted documents, any other document is refused,
//     FORBIDDEN, whatever it asks for;
//   - everyone else, and dashboards of unrestricted projects, get automatic
//     persisted queries (gqlgen's extension, the Apollo protocol): a hash the
//     server has not seen answers PERSISTED_QUERY_NOT_FOUND and the client
//     sends the text with its hash once. The cache is a bounded LRU, so a
//     client cannot grow the server's memory; 0 turns APQ off
//     (PERSISTED_QUERY_NOT_SUPPORTED).
type persistedDocuments struct {
	trusted *documents.Service
	apq     *extension.AutomaticPersistedQuery
}

var _ interface {
	graphql.OperationParameterMutator
	graphql.HandlerExtension
} = persistedDocuments{}

func newPersistedDocuments(trusted *documents.Service, apqCacheSize int) persistedDocuments {
	d := persistedDocuments{trusted: trusted}
	if apqCacheSize > 0 {
		d.apq = &extension.AutomaticPersistedQuery{Cache: lru.New[string](apqCacheSize)}
	}
	return d
}

func (persistedDocuments) ExtensionName() string                   { return "hjx-persisted-documents" }
func (persistedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

func (d persistedDocuments) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	hash, hashed, gerr := persistedHash(raw)
	if gerr != nil {
		return gerr
	}
	if hashed && raw.Query != "" && documents.Hash(raw.Query) != hash {
		return domainError(hjx.Invalid("extensions.persistedQuery.sha256Hash", "is not the SHA-256 of the query sent with it"))
	}
	if p := hjx.PrincipalFrom(ctx); p != nil && p.Role == hjx.RoleDashboard && d.trusted != nil {
		key := hash
		if !hashed {
			key = documents.Hash(raw.Query)
		}
		restricted, doc, err := d.trusted.ForDashboard(ctx, p, key)
		if err != nil {
			return domainError(err)
		}
		if doc != nil {
			raw.Query = doc.Body
			delete(raw.Extensions, "persistedQuery")
			return nil
		}
		if restricted {
			return domainError(hjx.Forbidden("this dashboard token may run only its project's trusted documents, "+
				"and sha256:%s is not one of them (register it: hjx documents register; see docs/CLIENTS.md)", key))
		}
	}
	if !hashed {
		return nil
	}
	if d.apq == nil {
		return domainError(hjx.Errorf(hjx.CodePersistedQueryNotSupported, "PersistedQueryNotSupported"))
	}
	if err := d.apq.MutateOperationParameters(ctx, raw); err != nil {
		if err.Message == "PersistedQueryNotFound" {
			return domainError(hjx.Errorf(hjx.CodePersistedQueryNotFound, "PersistedQueryNotFound"))
		}
		return domainError(hjx.Invalid("extensions.persistedQuery", "%s", err.Message))
	}
	return nil
}

// persistedHash reads extensions.persistedQuery: its sha256Hash, and whether
// there is one.
func persistedHash(raw *graphql.RawParams) (string, bool, *gqlerror.Error) {
	ext, ok := raw.Extensions["persistedQuery"]
	if !ok || ext == nil {
		return "", false, nil
	}
	var pq struct {
		Version    int64  `mapstructure:"version"`
		Sha256Hash string `mapstructure:"sha256Hash"`
	}
	if err := mapstructure.WeakDecode(ext, &pq); err != nil || pq.Version != 1 {
		return "", false, domainError(hjx.Invalid("extensions.persistedQuery", `must be {"version": 1, "sha256Hash": "<hex>"}`))
	}
	hash := strings.ToLower(pq.Sha256Hash)
	if !documents.ValidHash(hash) {
		return "", false, domainError(hjx.Invalid("extensions.persistedQuery.sha256Hash", "must be a SHA-256 in hex (64 digits)"))
	}
	return hash, true, nil
}

// domainError carries a domain error through gqlgen's operation-parameter
// step; presentError shows its code and message.
func domainError(err error) *gqlerror.Error {
	return &gqlerror.Error{Message: err.Error(), Err: err}
}
