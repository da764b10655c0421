package ingest_test

import (
	"testing"
)

// TestSubmissionHistoryFields: the portal's history shows each submission's
// period covered and the later submissions that superseded it.
func TestSubmissionHistoryFields(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.januaryRevised(t)
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
