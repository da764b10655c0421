package outcomes_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOutcomesUnknownMetricNotEchoed: an unknown metric is INVALID without the
// metric being repeated (issue 12, item 4): the researcher's text may be anything.
func TestOutcomesUnknownMetricNotEchoed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixPartners())
	for _, metric := range []string{"AB123456C", "JOHN_SMITH"} {
		resp := w.query(w.resTok, w.projectID, map[string]any{"metric": metric})
		raw, _ := json.Marshal(resp)
		if resp.Code() != "INVALID" || strings.Contains(string(raw), metric) {
			t.Errorf("metric %s: %s, want INVALID without the metric", metric, raw)
		}
	}
}
