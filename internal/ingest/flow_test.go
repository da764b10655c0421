package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
)

func TestUploadStoresRowsAndAudits(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.mustAccept(t, w.uploaderA, csvOf(
		row("health_setting", "PRIMARY_CARE"),
		row(amount...),
		row(mean...),
	))
	s := r.Submission
	if s.Status != "ACCEPTED" || s.RowCount != 3 || s.Partner.ID != "leeds-gp" || len(s.Sha256) != 64 {
		t.Errorf("submission = %+v", s)
	}
	if n := w.count(t, `SELECT count(*) FROM observations WHERE submission_id = $1 AND current AND partner_id = 'leeds-gp'`, s.ID); n != 3 {
		t.Errorf("%d current rows stored, want 3", n)
	}
	if n := w.count(t, `SELECT count(*) FROM observations WHERE submission_id = $1 AND metric = 'FINANCIAL_GAIN'
		AND value = 1200.50 AND currency = 'GBP' AND n = 10 AND source_row = 3`, s.ID); n != 1 {
		t.Errorf("the AMOUNT row was not stored exactly")
	}
	var action, subject string
	if err := w.env.App.DB.QueryRow(`SELECT action, subject FROM audit_entries ORDER BY seq DESC LIMIT 1`).Scan(&action, &subject); err != nil {
		t.Fatal(err)
	}
	if action != "submission.accept" || subject != "submission:"+s.ID {
		t.Errorf("last audit entry = %s %s", action, subject)
	}
	if _, _, problem, err := audit.Verify(context.Background(), w.env.App.DB); err != nil || problem != nil {
		t.Errorf("audit chain: %v %+v", err, problem)
	}
}

// A 10,000-row file with one bad row stores nothing at all.
func TestAllOrNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var rows []string
	for i := 0; i < 10_000; i++ {
		// Distinct breakdowns: 100 months x 100 combinations of setting, age and sex... kept simple:
		// one metric, month i%100, a deprivation decile and an age band per block.
		month := i % 100
		y, m := 2012+month/12, month%12+1
		combo := i / 100
		r := row("period_start", fmt.Sprintf("%d-%02d-01", y, m), "period_end", fmt.Sprintf("%d-%02d-%02d", y, m, daysIn(y, m)),
			"age_band", []string{"AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54"}[combo%5],
			"deprivation_scheme", "IMD_DECILE", "deprivation_value", fmt.Sprint(combo/5%10+1),
			"sex", []string{"FEMALE", "MALE"}[combo/50%2], "value", fmt.Sprint(i%500))
		rows = append(rows, r)
	}
	bad := append([]string{}, rows...)
	bad[6999] = strings.Replace(bad[6999], fmt.Sprintf(",%d,", 6999%500), ",9434765919,", 1)

	t.Run("ErrInvalid", func(t *testing.T) {
		r := w.upload(t, w.uploaderA, csvOf(bad...), false)
		if r.Accepted || r.IssueCount != 1 || r.Issues[0].Code != "IDENTIFIER_NHS_NUMBER" || *r.Issues[0].Row != 7001 {
			t.Fatalf("want one NHS number issue on row 7001:%s", describe(r))
		}
		if n := w.count(t, `SELECT count(*) FROM observations`); n != 0 {
			t.Errorf("%d observations stored from a rejected file", n)
		}
		if n := w.count(t, `SELECT count(*) FROM submissions`); n != 0 {
			t.Errorf("%d submissions stored from a rejected file", n)
		}
		if n := w.count(t, `SELECT count(*) FROM audit_entries WHERE action LIKE 'submission.%'`); n != 0 {
			t.Errorf("a rejected upload was audited as stored")
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := w.mustAccept(t, w.uploaderA, csvOf(rows...))
		if r.Submission.RowCount != 10_000 {
			t.Errorf("rowCount = %d", r.Submission.RowCount)
		}
		if n := w.count(t, `SELECT count(*) FROM observations WHERE current`); n != 10_000 {
			t.Errorf("%d rows stored", n)
		}
	})
}

func daysIn(y, m int) int {
	return [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m] + map[bool]int{true: 1}[m == 2 && y%4 == 0]
}

// Every issue is counted; the listing is capped.
func TestIssuesAreCappedAndCounted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env.App.Ingest.Config.MaxIssues = 10
	var rows []string
	for i := 0; i < 25; i++ {
		rows = append(rows, row("metric", "NOPE"))
	}
	r := w.upload(t, w.uploaderA, csvOf(rows...), false)
	if r.Accepted || len(r.Issues) != 10 || r.IssueCount != 25 {
		t.Fatalf("want 10 listed of 25, got %d of %d", len(r.Issues), r.IssueCount)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	t.Run("ErrTooManyRows", func(t *testing.T) {
		w := newWorld(t)
		w.env.App.Ingest.Config.MaxRows = 2
		r := w.upload(t, w.uploaderA, csvOf(row(), row("sex", "MALE"), row("sex", "FEMALE")), false)
		if r.Accepted || !r.has("TOO_MANY_ROWS") {
			t.Fatalf("want TOO_MANY_ROWS:%s", describe(r))
		}
		ok := w.upload(t, w.uploaderA, csvOf(row(), row("sex", "MALE")), false)
		if !ok.Accepted {
			t.Fatalf("2 rows at a limit of 2:%s", describe(ok))
		}
	})
	t.Run("ErrFileTooLarge", func(t *testing.T) {
		w := newWorld(t)
		w.env.App.Ingest.Config.MaxBytes = 300
		r := w.upload(t, w.uploaderA, csvOf(row(), row("sex", "MALE"), row("sex", "FEMALE"), row("sex", "OTHER_OR_NOT_STATED")), false)
		if r.Accepted || !r.has("FILE_TOO_LARGE") {
			t.Fatalf("want FILE_TOO_LARGE:%s", describe(r))
		}
	})
}

func TestDryRunStoresNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.upload(t, w.uploaderA, csvOf(row()), true)
	if !r.Accepted || r.Submission != nil {
		t.Fatalf("dry run: %+v", r)
	}
	if n := w.count(t, `SELECT count(*) FROM observations`) + w.count(t, `SELECT count(*) FROM submissions`); n != 0 {
		t.Errorf("a dry run stored %d rows", n)
	}
	// The real upload afterwards is a new submission, not "existing".
	if got := w.mustAccept(t, w.uploaderA, csvOf(row())); got.Submission.RowCount != 1 {
		t.Errorf("upload after dry run: %+v", got.Submission)
	}
}

func TestIdempotentUpload(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	file := csvOf(row(), row("sex", "MALE"))
	first := w.mustAccept(t, w.uploaderA, file)
	t.Run("OK", func(t *testing.T) {
		again := w.mustAccept(t, w.adminA, file) // the partner, not the token, owns the content
		if again.Submission.ID != first.Submission.ID {
			t.Errorf("same bytes gave a new submission %s, want %s", again.Submission.ID, first.Submission.ID)
		}
		if n := w.count(t, `SELECT count(*) FROM observations`); n != 2 {
			t.Errorf("%d rows after a repeated upload, want 2", n)
		}
		// Another partner with the same bytes has its own submission.
		other := w.mustAccept(t, w.uploaderB, file)
		if other.Submission.ID == first.Submission.ID || other.Submission.Partner.ID != "boston-mlp" {
			t.Errorf("another partner's upload: %+v", other.Submission)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		resp := w.env.Send(uploadRequest(t, w.uploaderA, file, "HIPAA_SAFE_HARBOR", false))
		if resp.Code() != "CONFLICT" {
			t.Errorf("same bytes with another consent basis: code %q", resp.Code())
		}
	})
}

func TestSupersession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.januaryRevised(t)
	if len(b.Supersedes) != 1 || b.Supersedes[0].ID != a.ID || b.Supersedes[0].Status != "ACCEPTED" {
		t.Fatalf("b.supersedes = %+v; want a, still ACCEPTED (its February figure is current)", b.Supersedes)
	}
	current := func() string {
		var out []string
		if err := w.env.App.DB.Select(&out, `SELECT to_char(period_start, 'MM') || '=' || value::text FROM observations
			WHERE current ORDER BY period_start`); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, " ")
	}
	if got := current(); got != "01=11 02=20" {
		t.Errorf("current figures %q, want the newest January", got)
	}
	if n := w.count(t, `SELECT count(*) FROM observations`); n != 3 {
		t.Errorf("%d rows kept, want 3 (history is never deleted)", n)
	}
	c := w.mustAccept(t, w.uploaderA, csvOf(row("value", "21", "period_start", "2022-02-01", "period_end", "2022-02-28"))).Submission
	if len(c.Supersedes) != 1 || c.Supersedes[0].Status != "SUPERSEDED" {
		t.Errorf("after all its figures are replaced, a is %+v; want SUPERSEDED", c.Supersedes)
	}
	if got := current(); got != "01=11 02=21" {
		t.Errorf("current figures %q", got)
	}
	if n := w.count(t, `SELECT count(*) FROM submission_supersedes`); n != 2 {
		t.Errorf("%d supersession links, want 2", n)
	}
	// Another breakdown of the same month is a new cell, not a replacement.
	d := w.mustAccept(t, w.uploaderA, csvOf(row("value", "5", "sex", "FEMALE"))).Submission
	if len(d.Supersedes) != 0 {
		t.Errorf("a new breakdown superseded %+v", d.Supersedes)
	}
}

func TestOverlapWithStoredFigures(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mustAccept(t, w.uploaderA, csvOf(row()))
	quarter := []string{"period_start", "2022-01-01", "period_end", "2022-03-31"}
	t.Run("ErrInvalid", func(t *testing.T) {
		r := w.upload(t, w.uploaderA, csvOf(row(quarter...)), false)
		if r.Accepted || !r.has("PERIOD_OVERLAP_STORED") {
			t.Fatalf("a quarter over a stored month:%s", describe(r))
		}
	})
	t.Run("OK", func(t *testing.T) {
		// The same quarter at another breakdown, or for another partner, is fine.
		w.mustAccept(t, w.uploaderA, csvOf(row(with(quarter, "sex", "MALE")...)))
		w.mustAccept(t, w.uploaderB, csvOf(row(quarter...)))
	})
}

const retractMutation = `mutation($id: ID!, $reason: String!) { retractSubmission(id: $id, reason: $reason) { id status retractedReason } }`

func TestRetraction(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.mustAccept(t, w.uploaderA, csvOf(row(), row("sex", "MALE"))).Submission
	vars := map[string]any{"id": a.ID, "reason": "figures double-counted referrals"}
	t.Run("ErrForbidden", func(t *testing.T) {
		if code := w.env.Do(w.uploaderA, retractMutation, vars).Code(); code != "FORBIDDEN" {
			t.Errorf("uploader retracting: %q", code)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if code := w.env.Do(w.adminB, retractMutation, vars).Code(); code != "NOT_FOUND" {
			t.Errorf("another partner's admin retracting: %q", code)
		}
	})
	t.Run("OK", func(t *testing.T) {
		var data struct {
			RetractSubmission struct{ ID, Status, RetractedReason string }
		}
		w.env.Do(w.adminA, retractMutation, vars).Decode(t, &data)
		if data.RetractSubmission.Status != "RETRACTED" || data.RetractSubmission.RetractedReason != "figures double-counted referrals" {
			t.Errorf("retracted: %+v", data.RetractSubmission)
		}
		if n := w.count(t, `SELECT count(*) FROM observations WHERE current`); n != 0 {
			t.Errorf("%d figures still current after retraction", n)
		}
		if n := w.count(t, `SELECT count(*) FROM observations`); n != 2 {
			t.Errorf("retraction deleted rows: %d left", n)
		}
		if n := w.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'submission.retract' AND subject = $1`, "submission:"+a.ID); n != 1 {
			t.Errorf("retraction not audited")
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		if code := w.env.Do(w.adminA, retractMutation, vars).Code(); code != "CONFLICT" {
			t.Errorf("retracting twice: %q", code)
		}
	})
}

const listQuery = `query($partner: ID, $first: Int, $after: String) {
  submissions(partnerId: $partner, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id partner { id } } } } }`

type listResult struct {
	Submissions struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct {
			Node struct {
				ID      string
				Partner struct{ ID string }
			}
		}
	}
}

func TestSubmissionsPartnerIsolation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a1 := w.mustAccept(t, w.uploaderA, csvOf(row())).Submission
	w.env.Clock.Add(1e9)
	a2 := w.mustAccept(t, w.uploaderA, csvOf(row("sex", "MALE"))).Submission
	b1 := w.mustAccept(t, w.uploaderB, csvOf(row())).Submission

	t.Run("OK", func(t *testing.T) {
		var got listResult
		w.env.Do(w.uploaderA, listQuery, map[string]any{"first": 1}).Decode(t, &got)
		if got.Submissions.TotalCount != 2 || len(got.Submissions.Edges) != 1 || got.Submissions.Edges[0].Node.ID != a2.ID ||
			!got.Submissions.PageInfo.HasNextPage {
			t.Fatalf("first page for A: %+v", got)
		}
		var next listResult
		w.env.Do(w.uploaderA, listQuery, map[string]any{"first": 1, "after": got.Submissions.PageInfo.EndCursor}).Decode(t, &next)
		if len(next.Submissions.Edges) != 1 || next.Submissions.Edges[0].Node.ID != a1.ID || next.Submissions.PageInfo.HasNextPage {
			t.Fatalf("second page for A: %+v", next)
		}
		var all listResult
		w.env.Do(w.steward, listQuery, nil).Decode(t, &all)
		if all.Submissions.TotalCount != 3 {
			t.Errorf("steward sees %d submissions, want 3", all.Submissions.TotalCount)
		}
		var onlyB listResult
		w.env.Do(w.steward, listQuery, map[string]any{"partner": "boston-mlp"}).Decode(t, &onlyB)
		if onlyB.Submissions.TotalCount != 1 || onlyB.Submissions.Edges[0].Node.ID != b1.ID {
			t.Errorf("steward filtering by partner: %+v", onlyB)
		}
		var one struct{ Submission struct{ ID string } }
		w.env.Do(w.steward, `query($id: ID!) { submission(id: $id) { id } }`, map[string]any{"id": b1.ID}).Decode(t, &one)
		if one.Submission.ID != b1.ID {
			t.Errorf("steward reading B's submission: %+v", one)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		if code := w.env.Do(w.uploaderA, listQuery, map[string]any{"partner": "boston-mlp"}).Code(); code != "FORBIDDEN" {
			t.Errorf("A listing B's submissions: %q", code)
		}
		if code := w.env.Do(w.researcher, listQuery, nil).Code(); code != "FORBIDDEN" {
			t.Errorf("a researcher listing submissions: %q", code)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []string{b1.ID, "not-a-uuid"} {
			if code := w.env.Do(w.uploaderA, `query($id: ID!) { submission(id: $id) { id } }`, map[string]any{"id": id}).Code(); code != "NOT_FOUND" {
				t.Errorf("A reading %s: %q", id, code)
			}
		}
	})
}

const submitMutation = `mutation($input: SubmissionInput!) { submitObservations(input: $input) {
  accepted issueCount issues { row column code message } submission { id status rowCount sha256 } } }`

func TestSubmitObservationsJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := []map[string]any{
		{"metric": "PATIENTS_SCREENED", "periodStart": "2022-01-01", "periodEnd": "2022-01-31", "value": 120, "healthSetting": "PRIMARY_CARE"},
		{"metric": "FINANCIAL_GAIN", "periodStart": "2022-01-01", "periodEnd": "2022-03-31", "value": 1530.5, "n": 12, "currency": "USD",
			"deprivationScheme": "ADI_DECILE", "deprivationValue": 10},
	}
	input := map[string]any{"consentBasis": "HIPAA_SAFE_HARBOR", "rows": rows}
	var first, again struct{ SubmitObservations uploadResult }
	w.env.Do(w.uploaderB, submitMutation, map[string]any{"input": input}).Decode(t, &first)
	if !first.SubmitObservations.Accepted || first.SubmitObservations.Submission.RowCount != 2 {
		t.Fatalf("JSON rows:%s", describe(first.SubmitObservations))
	}
	w.env.Do(w.uploaderB, submitMutation, map[string]any{"input": input}).Decode(t, &again)
	if again.SubmitObservations.Submission.ID != first.SubmitObservations.Submission.ID {
		t.Errorf("the same rows twice made two submissions")
	}
	// The same rules: an NHS number as a value is an identifier, and a quarter over
	// a stored month of the same breakdown overlaps.
	bad := map[string]any{"consentBasis": "HIPAA_SAFE_HARBOR", "rows": []map[string]any{
		{"metric": "PATIENTS_SCREENED", "periodStart": "2022-02-01", "periodEnd": "2022-02-28", "value": 9434765919},
		{"metric": "PATIENTS_SCREENED", "periodStart": "2021-12-01", "periodEnd": "2022-02-28", "value": 5, "healthSetting": "PRIMARY_CARE"},
	}}
	var rej struct{ SubmitObservations uploadResult }
	w.env.Do(w.uploaderB, submitMutation, map[string]any{"input": bad}).Decode(t, &rej)
	r := rej.SubmitObservations
	if r.Accepted || !r.has("IDENTIFIER_NHS_NUMBER") || !r.has("PERIOD_OVERLAP_STORED") || *r.Issues[0].Row != 1 {
		t.Errorf("want an NHS number on row 1 and a stored overlap:%s", describe(r))
	}
}

func TestOnlyPartnersUpload(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if code := w.env.Send(uploadRequest(t, w.researcher, csvOf(row()), "EXPLICIT_CONSENT", false)).Code(); code != "FORBIDDEN" {
		t.Errorf("researcher upload: %q", code)
	}
	if code := w.env.Send(uploadRequest(t, "", csvOf(row()), "EXPLICIT_CONSENT", false)).Code(); code != "UNAUTHENTICATED" {
		t.Errorf("anonymous upload: %q", code)
	}
	// The service checks roles too, whoever calls it.
	_, err := w.env.App.Ingest.Retract(context.Background(), w.principalA, "00000000-0000-0000-0000-000000000000", "x")
	if hjx.ErrorCode(err) != hjx.CodeForbidden {
		t.Errorf("uploader retracting through the service: %v", err)
	}
}

// An upload of unknown length would be held in memory whole by the multipart
// transport; the server refuses it before reading.
func TestUploadWithoutLengthIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	req := uploadRequest(t, w.uploaderA, csvOf(row()), "EXPLICIT_CONSENT", false)
	req.ContentLength = -1
	resp := w.env.Send(req)
	if resp.Status != 411 || resp.Code() != "INVALID" {
		t.Errorf("chunked upload: status %d code %q", resp.Status, resp.Code())
	}
	if n := w.count(t, `SELECT count(*) FROM submissions`); n != 0 {
		t.Errorf("stored %d submissions", n)
	}
}
