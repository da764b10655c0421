package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestSubmitObservationsNeverEchoes sends identifier-like and code-shaped values in
// every string and enum position of submitObservations (as variables and as
// literals, and as the key of an unknown field) and checks that no response, error
// message or path repeats them (issue 12, item 4).
func TestSubmitObservationsNeverEchoes(t *testing.T) {
	t.Parallel()
	env, tok := testkit.NewWithPartner(t, "leeds-gp", hjx.RolePartnerUploader)
	probes := []string{"AB123456C", "QQ123456C", "NY 12 34 56 B", "JOHN_SMITH", "ZQXV7_WMBT", "9434765919", "jo@example.org"}
	positions := []string{"metric", "currency", "welfareDomain", "ihelpCategory", "healthSetting", "ageBand", "sex",
		"deprivationScheme"}
	const mutation = `mutation($in: SubmissionInput!) { submitObservations(input: $in) { accepted issues { row column code message } } }`
	row := func(key string, v any) map[string]any {
		r := map[string]any{"metric": "PATIENTS_SCREENED", "periodStart": "2022-01-01", "periodEnd": "2022-01-31", "value": 1}
		if key != "" {
			r[key] = v
		}
		return r
	}
	literalRow := func(key, v string) string {
		return `{metric: "PATIENTS_SCREENED", periodStart: "2022-01-01", periodEnd: "2022-01-31", value: 1, ` + key + `: ` + v + `}`
	}
	check := func(t *testing.T, where, probe string, resp *testkit.Response) {
		t.Helper()
		b, _ := json.Marshal(resp)
		if strings.Contains(string(b), probe) {
			t.Errorf("%s: the response repeats %q: %s", where, probe, b)
		}
		if resp.Code() == "INTERNAL" {
			t.Errorf("%s: INTERNAL: %s", where, b)
		}
	}
	for i, probe := range probes {
		t.Run(fmt.Sprintf("ErrProbe%d", i), func(t *testing.T) {
			for _, pos := range positions {
				in := map[string]any{"consentBasis": "EXPLICIT_CONSENT", "dryRun": true, "rows": []any{row(pos, probe)}}
				check(t, "variable "+pos, probe, env.Do(tok, mutation, map[string]any{"in": in}))
				lit := `mutation { submitObservations(input: {consentBasis: EXPLICIT_CONSENT, dryRun: true, rows: [` +
					literalRow(pos, fmt.Sprintf("%q", probe)) + `]}) { accepted issues { message } } }`
				check(t, "string literal "+pos, probe, env.Do(tok, lit, nil))
			}
			in := map[string]any{"consentBasis": probe, "rows": []any{row("", nil)}}
			check(t, "variable consentBasis", probe, env.Do(tok, mutation, map[string]any{"in": in}))
			in = map[string]any{"consentBasis": "EXPLICIT_CONSENT", "dryRun": true, "rows": []any{row(probe, 1)}}
			check(t, "unknown field key", probe, env.Do(tok, mutation, map[string]any{"in": in}))
			for _, key := range []string{"value", "n"} {
				in = map[string]any{"consentBasis": "EXPLICIT_CONSENT", "dryRun": true, "rows": []any{row(key, probe)}}
				check(t, "variable "+key, probe, env.Do(tok, mutation, map[string]any{"in": in}))
			}
			if word := strings.ReplaceAll(probe, " ", ""); !strings.ContainsAny(word, "@.") && word[0] > '9' {
				lit := `mutation { submitObservations(input: {consentBasis: EXPLICIT_CONSENT, dryRun: true, rows: [` +
					literalRow("sex", word) + `]}) { accepted } }`
				check(t, "enum literal sex", word, env.Do(tok, lit, nil))
				lit = `mutation { submitObservations(input: {consentBasis: ` + word + `, rows: []}) { accepted } }`
				check(t, "enum literal consentBasis", word, env.Do(tok, lit, nil))
				lit = `mutation { submitObservations(input: {consentBasis: EXPLICIT_CONSENT, dryRun: true, rows: [` +
					literalRow(word, "1") + `]}) { accepted } }`
				check(t, "unknown field literal", word, env.Do(tok, lit, nil))
			}
		})
	}
}
