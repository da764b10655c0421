package ingest_test

import (
	"testing"
)

// TestSubmissionHistoryFields: the portal's history shows each submission's
// period covered and the later submissions that superseded it.
func TestSubmissionHistoryFields(t *testing.T) {
	w := newWorld(t)
	jan, feb := row("value", "10"), row("value", "20", "period_start", "2022-02-01", "period_end", "2022-02-28")
	a := w.mustAccept(t, w.uploaderA, csvOf(jan, feb)).Submission
	b := w.mustAccept(t, w.uploaderA, csvOf(row("value", "11"))).Submission
	var out struct {
		Submission struct {
			PeriodStart, PeriodEnd *string
			SupersededBy           []struct{ ID string }
		}
	}
	t.Run("OK", func(t *testing.T) {
		w.env.Do(w.adminA, `query($id: ID!) { submission(id: $id) { periodStart periodEnd supersededBy { id } } }`,
			map[string]any{"id": a.ID}).Decode(t, &out)
		s := out.Submission
		if s.PeriodStart == nil || *s.PeriodStart != "2022-01-01" || s.PeriodEnd == nil || *s.PeriodEnd != "2022-02-28" {
			t.Errorf("period %v..%v, want 2022-01-01..2022-02-28", s.PeriodStart, s.PeriodEnd)
		}
		if len(s.SupersededBy) != 1 || s.SupersededBy[0].ID != b.ID {
			t.Errorf("supersededBy %+v, want [%s]", s.SupersededBy, b.ID)
		}
	})
}
