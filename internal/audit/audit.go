// Package audit appends to and verifies the hash-chained audit log. Entries are
// written in the same transaction as what they record, so an action without its
// entry (or an entry without its action) cannot be committed. Each entry's hash
// covers its content and the previous entry's hash: editing, deleting or reordering
// rows breaks the chain, and Verify names the first entry where it breaks.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"go.opentelemetry.io/otel/trace"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/telemetry"
)

// GenesisHash is the prev_hash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// lockID serialises appends so the chain is a single line; it is taken just before
// the insert, at the end of the recorded work, so it is held only until commit.
const lockID = 0x686a785f617564 // "hjx_aud"

// Excluded is a partner left out of an output and why.
type Excluded struct {
	PartnerID string   `json:"partnerId"`
	Reasons   []string `json:"reasons"`
}

// Entry is one audit record. Detail holds action-specific facts as strings, so that
// it survives a JSON round trip through jsonb byte for byte.
type Entry struct {
	Seq              int64             `json:"seq" db:"seq"`
	ID               string            `json:"id" db:"id"`
	At               time.Time         `json:"at" db:"at"`
	PrincipalID      string            `json:"principalId" db:"principal_id"`
	PrincipalName    string            `json:"principalName" db:"principal_name"`
	Role             string            `json:"role" db:"role"`
	Action           string            `json:"action" db:"action"`
	Subject          string            `json:"subject" db:"subject"`
	ProjectID        string            `json:"projectId" db:"project_id"`
	PartnersIncluded []string          `json:"partnersIncluded" db:"-"`
	PartnersExcluded []Excluded        `json:"partnersExcluded" db:"-"`
	CellsSuppressed  int               `json:"cellsSuppressed" db:"cells_suppressed"`
	RequestHash      string            `json:"requestHash" db:"request_hash"`
	Detail           map[string]string `json:"detail" db:"-"`
	PrevHash         string            `json:"prevHash" db:"prev_hash"`
	Hash             string            `json:"-" db:"hash"`
	// ChangesData marks an action that changes what outcome queries return (an
	// accepted upload, a retraction, new rates). Append then records a new data
	// version with the entry's seq; cached outcome tables are keyed by the newest.
	// Because seqs are handed out under the audit lock held until commit, data
	// versions become visible in the order they were committed. Not hashed.
	ChangesData bool `json:"-" db:"-"`
	// Request is the content of the request the entry records (an outcome query in
	// canonical form), when it has one. It is not stored: Append keeps only its
	// keyed hash in RequestHash.
	Request string `json:"-" db:"-"`
	// HashVersion is how Hash was computed (HashV1 or HashV2). Not hashed by V1.
	HashVersion int `json:"-" db:"hash_version"`
}

// Log appends to and reads the audit log.
type Log struct {
	Now func() time.Time
	// Tracer traces each append (span audit.append); nil records nothing.
	Tracer trace.Tracer

	mu     sync.Mutex
	secret []byte // the audit secret, once read
}

// computeHash is the HashV1 hash: SHA-256 over the JSON of the decoded entry (Hash
// excluded). The time is fixed to microseconds, PostgreSQL's precision, so a stored
// entry hashes the same when read back. Only Verify uses it, for entries written
// before migration 00080.
func computeHash(e Entry) string {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.PartnersIncluded == nil {
		e.PartnersIncluded = []string{}
	}
	if e.PartnersExcluded == nil {
		e.PartnersExcluded = []Excluded{}
	}
	for i := range e.PartnersExcluded {
		if e.PartnersExcluded[i].Reasons == nil {
			e.PartnersExcluded[i].Reasons = []string{}
		}
	}
	if e.Detail == nil {
		e.Detail = map[string]string{}
	}
	b, _ := json.Marshal(e) // a struct of strings, ints and maps of strings cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Append records e with the principal p, within tx. It must be the last write of
// the transaction it records.
func (l *Log) Append(ctx context.Context, tx sqlx.ExtContext, p *hjx.Principal, e Entry) (*Entry, error) {
	ctx, span := telemetry.Start(ctx, l.Tracer, "audit.append")
	out, err := l.append(ctx, tx, p, e)
	telemetry.End(span, err)
	return out, err
}

func (l *Log) append(ctx context.Context, tx sqlx.ExtContext, p *hjx.Principal, e Entry) (*Entry, error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID); err != nil {
		return nil, hjx.Internal(err, "lock audit log")
	}
	var last struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	err := sqlx.GetContext(ctx, tx, &last, `SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`)
	switch {
	case err == nil:
	case errors.Is(err, sql.ErrNoRows):
		last.Seq, last.Hash = 0, GenesisHash
	default:
		return nil, hjx.Internal(err, "read audit head")
	}
	e.Seq = last.Seq + 1
	e.PrevHash = last.Hash
	e.ID = uuid.NewString()
	e.At = l.Now().UTC().Truncate(time.Microsecond)
	if p != nil {
		e.PrincipalID, e.PrincipalName, e.Role = p.ID, p.Name, string(p.Role)
	}
	if e.Request != "" {
		secret, err := l.requestSecret(ctx, tx)
		if err != nil {
			return nil, err
		}
		e.RequestHash = keyedRequestHash(secret, e.Request)
	}
	excluded, _ := json.Marshal(hjx.NonNil(e.PartnersExcluded))
	detail, _ := json.Marshal(nonNilMap(e.Detail))
	e.HashVersion = HashV2
	if e.Hash, err = hashV2(storedRow(e, excluded, detail)); err != nil {
		return nil, hjx.Internal(err, "hash audit entry")
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO audit_entries (seq, id, at, principal_id, principal_name, role, action, subject, project_id,
			partners_included, partners_excluded, cells_suppressed, request_hash, detail, prev_hash, hash, hash_version)
		VALUES ($1, $2, $3, NULLIF($4, '')::uuid, NULLIF($5, ''), NULLIF($6, ''), $7, $8, NULLIF($9, '')::uuid,
			$10, $11, $12, NULLIF($13, ''), $14, $15, $16, $17)`,
		e.Seq, e.ID, e.At, e.PrincipalID, e.PrincipalName, e.Role, e.Action, e.Subject, e.ProjectID,
		pq.Array(hjx.NonNil(e.PartnersIncluded)), excluded, e.CellsSuppressed, e.RequestHash, detail, e.PrevHash, e.Hash,
		e.HashVersion)
	if err != nil {
		return nil, hjx.Internal(err, "append audit entry")
	}
	if e.ChangesData {
		if _, err := tx.ExecContext(ctx, `INSERT INTO data_versions (seq) VALUES ($1)`, e.Seq); err != nil {
			return nil, hjx.Internal(err, "record data version")
		}
	}
	return &e, nil
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
