package ingest_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// storedKeys returns each stored row's cell (by source row and submission) with
// its record keys, and the keys the secret gives the cell's identity.
type keyedRow struct {
	Submission string `db:"submission_id"`
	Row        int    `db:"source_row"`
	Start      string `db:"period_start"`
	End        string `db:"period_end"`
	Sex        string `db:"sex"`
	Domain     string `db:"welfare_domain"`
	Value      int16  `db:"key_value"`
	N          int16  `db:"key_n"`
}

func (w *world) keyedRows(t *testing.T) []keyedRow {
	t.Helper()
	var rows []keyedRow
	if err := w.env.App.DB.Select(&rows, `SELECT submission_id::text, source_row, to_char(period_start, 'YYYY-MM-DD') AS period_start,
		to_char(period_end, 'YYYY-MM-DD') AS period_end, coalesce(sex, '') AS sex, coalesce(welfare_domain, '') AS welfare_domain,
		key_value, key_n FROM observations ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return rows
}

// Every stored row carries the record keys of its cell (partner, metric, period and
// breakdown), under the server's secret: a correction or re-upload of the same cell,
// in another file, keeps them; other cells get others; the values play no part.
func TestRecordKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	secret, err := postgres.LoadDisclosureSecret(context.Background(), w.env.App.DB)
	if err != nil {
		t.Fatal(err)
	}
	first := w.mustAccept(t, w.uploaderA, csvOf(row(), row("sex", "MALE"), row("welfare_domain", "DEBT"),
		row("period_start", "2022-02-01", "period_end", "2022-02-28"))).Submission
	// A correction of two of the cells, in another order, with another value.
	second := w.mustAccept(t, w.uploaderA, csvOf(row("sex", "MALE", "value", "7"), row("value", "121"))).Submission
	rows := w.keyedRows(t)
	if len(rows) != 6 {
		t.Fatalf("%d rows stored, want 6", len(rows))
	}
	checkCellKeys(t, secret, rows)
	// Another partner's same cell is another cell.
	w.mustAccept(t, w.uploaderB, csvOf(row()))
	var other keyedRow
	if err := w.env.App.DB.Get(&other, `SELECT submission_id::text, source_row, to_char(period_start, 'YYYY-MM-DD') AS period_start,
		to_char(period_end, 'YYYY-MM-DD') AS period_end, '' AS sex, '' AS welfare_domain, key_value, key_n
		FROM observations WHERE partner_id = 'boston-mlp'`); err != nil {
		t.Fatal(err)
	}
	ov, on := secret.RecordKeys(disclosure.RecordIdentity{PartnerID: "boston-mlp", Metric: "PATIENTS_SCREENED",
		PeriodStart: other.Start, PeriodEnd: other.End})
	if other.Value != ov || other.N != on {
		t.Errorf("boston-mlp's cell has keys (%d, %d), want its own identity's (%d, %d)", other.Value, other.N, ov, on)
	}
	checkKeysNotReadBack(t, w, first.ID, second.ID)
}

// checkCellKeys asserts every leeds-gp row carries its cell's keys, the same for
// every version of a cell, and that the four cells do not all share them.
func checkCellKeys(t *testing.T, secret disclosure.Secret, rows []keyedRow) {
	t.Helper()
	byCell := map[string][2]int16{}
	for _, r := range rows {
		v, n := secret.RecordKeys(disclosure.RecordIdentity{PartnerID: "leeds-gp", Metric: "PATIENTS_SCREENED",
			PeriodStart: r.Start, PeriodEnd: r.End, Sex: r.Sex, WelfareDomain: r.Domain})
		if r.Value != v || r.N != n {
			t.Errorf("row %d of %s: keys (%d, %d), want the cell's (%d, %d)", r.Row, r.Submission, r.Value, r.N, v, n)
		}
		cell := r.Start + r.Sex + r.Domain
		if k, seen := byCell[cell]; seen && k != [2]int16{r.Value, r.N} {
			t.Errorf("cell %s: a correction changed its keys %v -> (%d, %d)", cell, k, r.Value, r.N)
		}
		byCell[cell] = [2]int16{r.Value, r.N}
	}
	if len(byCell) != 4 {
		t.Fatalf("%d cells, want 4", len(byCell))
	}
	distinct := map[[2]int16]bool{}
	for _, k := range byCell {
		distinct[k] = true
	}
	// Keys are 16 random bits a cell: two cells may share them by chance (1 in
	// 65,536), four cannot all share them but through a bug.
	if len(distinct) < 2 {
		t.Errorf("different cells share keys: %v", byCell)
	}
}

// checkKeysNotReadBack asserts neither the submissions a partner reads back nor
// the audit log carry record keys.
func checkKeysNotReadBack(t *testing.T, w *world, ids ...string) {
	t.Helper()
	// Nothing a partner reads back carries them.
	for _, id := range ids {
		resp := w.env.Do(w.adminA, `query($id: ID!) { submission(id: $id) { id status rowCount sha256 } }`, map[string]any{"id": id})
		if len(resp.Errors) > 0 || strings.Contains(strings.ToLower(string(resp.Data)), "key") {
			t.Errorf("submission %s reads back %s %+v", id, resp.Data, resp.Errors)
		}
	}
	var details []string
	if err := w.env.App.DB.Select(&details, `SELECT detail::text FROM audit_entries`); err != nil {
		t.Fatal(err)
	}
	for _, d := range details {
		if strings.Contains(strings.ToLower(d), "key") {
			t.Errorf("an audit entry's detail mentions keys: %s", d)
		}
	}
}

// A cell may be stored at most three times in 30 days (the first upload and two
// corrections), counting superseded and retracted versions; the upload that would
// store a fourth is rejected whole, and audited. After the window it is accepted.
func TestRevisionLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	version := func(v int, extra ...string) string {
		return csvOf(append([]string{row("value", strconv.Itoa(v))}, extra...)...)
	}
	w.mustAccept(t, w.uploaderA, version(10))
	w.env.Clock.Add(time.Hour)
	w.mustAccept(t, w.uploaderA, version(11))
	w.env.Clock.Add(time.Hour)
	third := w.mustAccept(t, w.uploaderA, version(12)).Submission
	// Retracting the third version does not give the cell a fresh count.
	var retracted struct{ RetractSubmission struct{ Status string } }
	w.env.Do(w.adminA, retractMutation, map[string]any{"id": third.ID, "reason": "wrong month"}).Decode(t, &retracted)
	stored := w.count(t, `SELECT count(*) FROM observations`)

	t.Run("ErrInvalid", func(t *testing.T) {
		w.env.Clock.Add(24 * time.Hour)
		r := w.upload(t, w.uploaderA, version(13, row("sex", "FEMALE")), false)
		if r.Accepted || !r.has("REVISION_LIMIT") || len(r.Issues) != 1 || *r.Issues[0].Row != 2 {
			t.Fatalf("a fourth version in 30 days:%s", describe(r))
		}
		if !strings.Contains(r.Issues[0].Message, "version 4") || strings.Contains(r.Issues[0].Message, "13") {
			t.Errorf("message %q: want the version counted and no cell repeated", r.Issues[0].Message)
		}
		if n := w.count(t, `SELECT count(*) FROM observations`); n != stored {
			t.Errorf("%d rows after a rejected upload, want %d (the new cell is not stored either)", n, stored)
		}
		if n := w.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'submission.reject'
			AND detail->>'code' = 'REVISION_LIMIT' AND partners_included = '{leeds-gp}'`); n != 1 {
			t.Errorf("%d audit entries for the refused revision, want 1", n)
		}
		// A dry run says so too.
		if r := w.upload(t, w.uploaderA, version(14), true); r.Accepted || !r.has("REVISION_LIMIT") {
			t.Errorf("dry run of a fourth version:%s", describe(r))
		}
	})
	t.Run("OKOtherCellsAndPartners", func(t *testing.T) {
		w.mustAccept(t, w.uploaderA, csvOf(row("sex", "FEMALE", "value", "3")))
		w.mustAccept(t, w.uploaderB, version(10))
		w.mustAccept(t, w.uploaderB, version(11))
	})
	t.Run("OKAfterTheWindow", func(t *testing.T) {
		w.env.Clock.Add(30 * 24 * time.Hour)
		w.mustAccept(t, w.uploaderA, version(15))
	})
}

// A partner may retract at most three submissions in 30 days; the fourth is refused
// with RATE_LIMITED, changes nothing, and is audited.
func TestRetractionLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var ids []string
	for m := 1; m <= 4; m++ {
		start := "2022-0" + strconv.Itoa(m) + "-01"
		end := map[int]string{1: "2022-01-31", 2: "2022-02-28", 3: "2022-03-31", 4: "2022-04-30"}[m]
		ids = append(ids, w.mustAccept(t, w.uploaderA, csvOf(row("period_start", start, "period_end", end))).Submission.ID)
	}
	retract := func(id string) string {
		return w.env.Do(w.adminA, retractMutation, map[string]any{"id": id, "reason": "figures withdrawn"}).Code()
	}
	t.Run("OK", func(t *testing.T) {
		for _, id := range ids[:3] {
			if code := retract(id); code != "" {
				t.Fatalf("retraction refused: %s", code)
			}
			w.env.Clock.Add(time.Hour)
		}
	})
	t.Run("ErrRateLimited", func(t *testing.T) {
		resp := w.env.Do(w.adminA, retractMutation, map[string]any{"id": ids[3], "reason": "figures withdrawn"})
		if resp.Code() != "RATE_LIMITED" || !strings.Contains(resp.Errors[0].Message, "nothing was changed") {
			t.Fatalf("a fourth retraction in 30 days: %+v", resp.Errors)
		}
		if n := w.count(t, `SELECT count(*) FROM observations WHERE submission_id = $1 AND current`, ids[3]); n != 1 {
			t.Errorf("the refused retraction withdrew figures")
		}
		if n := w.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'submission.retract.refused' AND subject = $1`,
			"submission:"+ids[3]); n != 1 {
			t.Errorf("%d audit entries for the refused retraction, want 1", n)
		}
	})
	t.Run("OKAfterTheWindow", func(t *testing.T) {
		w.env.Clock.Add(30 * 24 * time.Hour)
		if code := retract(ids[3]); code != "" {
			t.Fatalf("retraction after the window refused: %s", code)
		}
	})
}
