package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

// Hash versions of audit entries (column hash_version, migration 00080).
const (
	// HashV1 covers the entry as Go decodes it (computeHash). Entries written
	// before migration 00080 keep it and still verify; but decoding matches JSON
	// keys case-insensitively, so it misses edits of key case that SQL readers see.
	HashV1 = 1
	// HashV2 covers a canonical form of exactly the stored columns (hashV2): every
	// byte any reader uses, in SQL or in Go. Every new entry is written with it.
	HashV2 = 2
)

// storedRow is the entry as Append stores it: NULLs where the INSERT turns "" into
// NULL, UUIDs in PostgreSQL's text form, the time at PostgreSQL's precision, and the
// jsonb columns as the JSON written.
func storedRow(e Entry, excluded, detail []byte) entryRow {
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return entryRow{Seq: e.Seq, ID: canonicalUUID(e.ID), At: e.At, PrincipalID: null(canonicalUUID(e.PrincipalID)),
		PrincipalName: null(e.PrincipalName), Role: null(e.Role), Action: e.Action, Subject: e.Subject,
		ProjectID: null(canonicalUUID(e.ProjectID)), PartnersIncluded: hjx.NonNil(e.PartnersIncluded),
		PartnersExcluded: excluded, CellsSuppressed: e.CellsSuppressed, RequestHash: null(e.RequestHash),
		Detail: detail, PrevHash: e.PrevHash, HashVersion: HashV2}
}

// canonicalUUID is PostgreSQL's text form of a UUID (lower case, hyphenated), which
// is what reading the uuid column returns whatever form was written; text that is
// not a UUID is kept (the uuid column refuses it anyway).
func canonicalUUID(s string) string {
	if u, err := uuid.Parse(s); err == nil {
		return u.String()
	}
	return s
}

// hashV2 is SHA-256 over the canonical JSON of a stored row: fixed field order,
// NULL distinct from "", the time in UTC to the microsecond, and each jsonb column
// re-encoded from its own keys and values with object keys sorted, so that whatever
// PostgreSQL does to the JSON's formatting the hash holds, while any change to a key
// or value (its case included) breaks it.
func hashV2(r entryRow) (string, error) {
	excluded, err := canonicalJSON(r.PartnersExcluded)
	if err != nil {
		return "", err
	}
	detail, err := canonicalJSON(r.Detail)
	if err != nil {
		return "", err
	}
	included := []string(r.PartnersIncluded)
	if included == nil {
		included = []string{}
	}
	b, err := json.Marshal(struct {
		V                int             `json:"v"`
		Seq              int64           `json:"seq"`
		ID               string          `json:"id"`
		At               string          `json:"at"`
		PrincipalID      *string         `json:"principal_id"`
		PrincipalName    *string         `json:"principal_name"`
		Role             *string         `json:"role"`
		Action           string          `json:"action"`
		Subject          string          `json:"subject"`
		ProjectID        *string         `json:"project_id"`
		PartnersIncluded []string        `json:"partners_included"`
		PartnersExcluded json.RawMessage `json:"partners_excluded"`
		CellsSuppressed  int             `json:"cells_suppressed"`
		RequestHash      *string         `json:"request_hash"`
		Detail           json.RawMessage `json:"detail"`
		PrevHash         string          `json:"prev_hash"`
	}{HashV2, r.Seq, r.ID, r.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), r.PrincipalID, r.PrincipalName,
		r.Role, r.Action, r.Subject, r.ProjectID, included, excluded, r.CellsSuppressed, r.RequestHash, detail, r.PrevHash})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// canonicalJSON decodes a JSON document into plain values, keeping every key as
// written and numbers as their text, and encodes it again: object keys come out
// sorted and the spacing fixed, so two documents give the same bytes exactly when
// PostgreSQL's jsonb would hold the same keys and values.
func canonicalJSON(b []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
