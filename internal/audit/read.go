package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/hjx"
)

type entryRow struct {
	Seq              int64          `db:"seq"`
	ID               string         `db:"id"`
	At               time.Time      `db:"at"`
	PrincipalID      *string        `db:"principal_id"`
	PrincipalName    *string        `db:"principal_name"`
	Role             *string        `db:"role"`
	Action           string         `db:"action"`
	Subject          string         `db:"subject"`
	ProjectID        *string        `db:"project_id"`
	PartnersIncluded pq.StringArray `db:"partners_included"`
	PartnersExcluded []byte         `db:"partners_excluded"`
	CellsSuppressed  int            `db:"cells_suppressed"`
	RequestHash      *string        `db:"request_hash"`
	Detail           []byte         `db:"detail"`
	PrevHash         string         `db:"prev_hash"`
	Hash             string         `db:"hash"`
	HashVersion      int            `db:"hash_version"`
}

// entryColumns is the select list matching entryRow.
const entryColumns = `seq, id::text AS id, at, principal_id::text AS principal_id, principal_name, role, action,
	subject, project_id::text AS project_id, partners_included, partners_excluded, cells_suppressed,
	request_hash, detail, prev_hash, hash, hash_version`

func (r entryRow) entry() (Entry, error) {
	e := Entry{Seq: r.Seq, ID: r.ID, At: r.At, PrincipalID: hjx.Deref(r.PrincipalID), PrincipalName: hjx.Deref(r.PrincipalName),
		Role: hjx.Deref(r.Role), Action: r.Action, Subject: r.Subject, ProjectID: hjx.Deref(r.ProjectID),
		PartnersIncluded: []string(r.PartnersIncluded), CellsSuppressed: r.CellsSuppressed,
		RequestHash: hjx.Deref(r.RequestHash), PrevHash: r.PrevHash, Hash: r.Hash, HashVersion: r.HashVersion}
	if err := strictUnmarshal(r.PartnersExcluded, &e.PartnersExcluded); err != nil {
		return e, fmt.Errorf("partners_excluded: %w", err)
	}
	if err := strictUnmarshal(r.Detail, &e.Detail); err != nil {
		return e, fmt.Errorf("detail: %w", err)
	}
	return e, nil
}

// strictUnmarshal refuses keys the entry types do not have: the hash covers only
// the decoded fields, so a key added to the stored JSON by hand would otherwise go
// unnoticed by Verify.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// hashMatches recomputes an entry's hash by its version: HashV2 from the stored
// row itself, HashV1 from the decoded entry.
func hashMatches(r entryRow, e Entry) bool {
	switch r.HashVersion {
	case HashV1:
		return computeHash(e) == r.Hash
	case HashV2:
		h, err := hashV2(r)
		return err == nil && h == r.Hash
	}
	return false
}

// Problem is where the chain breaks.
type Problem struct {
	Seq    int64
	ID     string
	Reason string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit entry seq %d (id %s): %s", p.Seq, p.ID, p.Reason)
}

// Verify walks the whole log in order and returns the first entry where the chain
// breaks (nil if it holds), with the count of entries checked and the head hash. The
// head hash can be published or kept elsewhere: an insider deleting the newest
// entries leaves a valid but shorter chain, which only a kept head reveals.
func Verify(ctx context.Context, db sqlx.QueryerContext) (checked int64, head string, problem *Problem, err error) {
	rows, err := db.QueryxContext(ctx, `SELECT `+entryColumns+` FROM audit_entries ORDER BY seq`)
	if err != nil {
		return 0, "", nil, hjx.Internal(err, "read audit log")
	}
	defer rows.Close()
	prev, wantSeq, version := GenesisHash, int64(1), HashV1
	for rows.Next() {
		var r entryRow
		if err := rows.StructScan(&r); err != nil {
			return checked, prev, nil, hjx.Internal(err, "scan audit entry")
		}
		e, err := r.entry()
		if err != nil {
			return checked, prev, &Problem{Seq: r.Seq, ID: r.ID, Reason: "unreadable: " + err.Error()}, nil
		}
		switch {
		case e.Seq != wantSeq:
			return checked, prev, &Problem{Seq: e.Seq, ID: e.ID,
				Reason: fmt.Sprintf("sequence gap: expected seq %d (an entry was deleted)", wantSeq)}, nil
		case e.PrevHash != prev:
			return checked, prev, &Problem{Seq: e.Seq, ID: e.ID,
				Reason: "prev_hash does not match the previous entry (entries deleted or reordered)"}, nil
		case e.HashVersion < version:
			return checked, prev, &Problem{Seq: e.Seq, ID: e.ID, Reason: fmt.Sprintf(
				"hash version %d after an entry of version %d (entry edited)", e.HashVersion, version)}, nil
		case !hashMatches(r, e):
			return checked, prev, &Problem{Seq: e.Seq, ID: e.ID, Reason: "content does not match its hash (entry edited)"}, nil
		}
		prev, wantSeq, version = e.Hash, wantSeq+1, e.HashVersion
		checked++
	}
	if err := rows.Err(); err != nil {
		return checked, prev, nil, hjx.Internal(err, "read audit log")
	}
	return checked, prev, nil, nil
}

// partnerMentionSQL matches entries naming partner $1 among the partners included
// in, or excluded from, what the entry records (” matches every entry). Both arms
// are served by GIN indexes.
const partnerMentionSQL = `($1 = '' OR partners_included @> ARRAY[$1]::text[]
	OR partners_excluded @> jsonb_build_array(jsonb_build_object('partnerId', $1::text)))`

// List returns one page of the log, newest first, keyset-paged by seq; partnerID
// (when not "") keeps the entries that mention that partner. It does no access
// check: callers decide who may read which entries.
func List(ctx context.Context, db sqlx.QueryerContext, partnerID string, page hjx.Page) (*hjx.Connection[Entry], error) {
	var before int64
	if page.AfterKey != "" {
		n, err := strconv.ParseInt(page.AfterKey, 10, 64)
		if err != nil || n < 1 {
			return nil, hjx.Invalid("after", "is not a cursor of this list")
		}
		before = n
	}
	var rows []entryRow
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+entryColumns+` FROM audit_entries
		WHERE `+partnerMentionSQL+` AND ($2 = 0 OR seq < $2)
		ORDER BY seq DESC LIMIT $3`, partnerID, before, page.First+1)
	if err != nil {
		return nil, hjx.Internal(err, "list audit entries")
	}
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT count(*) FROM audit_entries WHERE `+partnerMentionSQL, partnerID); err != nil {
		return nil, hjx.Internal(err, "count audit entries")
	}
	c := &hjx.Connection[Entry]{TotalCount: total, HasPrevious: before != 0, Items: []Entry{}}
	if len(rows) > page.First {
		rows, c.HasNext = rows[:page.First], true
	}
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return nil, hjx.Internal(err, "decode audit entry")
		}
		c.Items = append(c.Items, e)
		c.Keys = append(c.Keys, strconv.FormatInt(e.Seq, 10))
	}
	return c, nil
}
