package ingest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/hjx-exchange/hjx/internal/ingest"
)

// row returns a valid COUNT row with the named columns replaced.
func row(kv ...string) string {
	cells := map[string]string{"metric": "PATIENTS_SCREENED", "period_start": "2022-01-01", "period_end": "2022-01-31",
		"value": "120"}
	for i := 0; i+1 < len(kv); i += 2 {
		cells[kv[i]] = kv[i+1]
	}
	out := make([]string, len(ingest.Columns))
	for i, c := range ingest.Columns {
		out[i] = cells[c]
	}
	return strings.Join(out, ",")
}

var (
	proportion = []string{"metric", "STAFF_TRAINED", "value", "3", "n", "10"}
	amount     = []string{"metric", "FINANCIAL_GAIN", "value", "1200.50", "n", "10", "currency", "GBP"}
	mean       = []string{"metric", "WEMWBS_CHANGE", "value", "4.5", "n", "30", "sd", "2.1"}
)

func with(base []string, kv ...string) []string { return append(append([]string{}, base...), kv...) }

// ruleCase is a validation rule's pair of files: bad breaks the rule (and must be
// rejected with its code), good keeps it (and must be accepted).
type ruleCase struct {
	code      string
	bad, good string
	wantRow   int    // 0: not checked
	wantCol   string // "": not checked
	secret    string // must not appear in any message
}

// fileRuleCases are the rules of the file as a whole and its header.
func fileRuleCases() []ruleCase {
	hdr := strings.TrimSuffix(header, "\n")
	return []ruleCase{
		{code: "FILE_EMPTY", bad: "", good: csvOf(row())},
		{code: "NO_ROWS", bad: header, good: csvOf(row())},
		{code: "ROW_TOO_LONG", bad: csvOf(row("sex", `"`+strings.Repeat("x", 70<<10)+`"`)), good: csvOf(row())},
		{code: "CSV_MALFORMED", bad: csvOf(row("value", `12"3`)), good: csvOf(row("value", `"123"`)), wantRow: 2},
		{code: "FIELD_COUNT", bad: header + "PATIENTS_SCREENED,2022-01-01,2022-01-31,12\n", good: csvOf(row()), wantRow: 2},
		{code: "COLUMN_UNKNOWN", bad: hdr + ",notes\n" + row() + ",\n", good: csvOf(row()), secret: "notes"},
		{code: "COLUMN_MISSING", bad: "metric,period_start,period_end,value\nPATIENTS_SCREENED,2022-01-01,2022-01-31,12\n",
			good: "metric,period_start,period_end,value,n\nPATIENTS_SCREENED,2022-01-01,2022-01-31,12,\n", wantCol: "n"},
		{code: "COLUMN_REPEATED", bad: hdr + ",metric\n" + row() + ",PATIENTS_SCREENED\n", good: csvOf(row())},
	}
}

// cellRuleCases are the rules of one row's cells, its metric's kind and of rows
// between them.
func cellRuleCases() []ruleCase {
	return []ruleCase{
		{code: "ENCODING_INVALID", bad: csvOf(row("sex", "F\xffMALE")), good: csvOf(row("sex", "FEMALE")), wantCol: "sex"},
		{code: "REQUIRED", bad: csvOf(row("metric", "")), good: csvOf(row()), wantRow: 2, wantCol: "metric"},
		{code: "NUMBER_INVALID", bad: csvOf(row("value", `"1,200"`)), good: csvOf(row("value", "1200")), wantCol: "value"},
		{code: "DATE_INVALID", bad: csvOf(row("period_start", "01/01/2022")), good: csvOf(row()), wantCol: "period_start"},
		{code: "METRIC_UNKNOWN", bad: csvOf(row("metric", "PATIENT_SCREENED")), good: csvOf(row()), wantCol: "metric"},
		{code: "VOCABULARY_UNKNOWN", bad: csvOf(row("health_setting", "GP_SURGERY")), good: csvOf(row("health_setting", "PRIMARY_CARE")), wantCol: "health_setting"},
		{code: "SD_NOT_ALLOWED", bad: csvOf(row("sd", "1.5")), good: csvOf(row(mean...)), wantCol: "sd"},
		{code: "CURRENCY_REQUIRED", bad: csvOf(row(with(amount, "currency", "")...)), good: csvOf(row(amount...)), wantCol: "currency"},
		{code: "CURRENCY_NOT_ALLOWED", bad: csvOf(row("currency", "GBP")), good: csvOf(row()), wantCol: "currency"},
		{code: "CURRENCY_UNKNOWN", bad: csvOf(row(with(amount, "currency", "EUR")...)), good: csvOf(row(with(amount, "currency", "USD")...)), wantCol: "currency"},
		{code: "N_REQUIRED", bad: csvOf(row(with(proportion, "n", "")...)), good: csvOf(row(proportion...)), wantCol: "n"},
		{code: "VALUE_NOT_WHOLE", bad: csvOf(row("value", "12.5")), good: csvOf(row("value", "12")), wantCol: "value"},
		{code: "VALUE_NEGATIVE", bad: csvOf(row("value", "-1")), good: csvOf(row("value", "0")), wantCol: "value"},
		{code: "VALUE_OUT_OF_RANGE", bad: csvOf(row(with(mean, "value", "56.5")...)), good: csvOf(row(with(mean, "value", "-56")...)), wantCol: "value"},
		{code: "N_OUT_OF_RANGE", bad: csvOf(row(with(proportion, "n", "-10")...)), good: csvOf(row(proportion...)), wantCol: "n"},
		{code: "NUMERATOR_EXCEEDS_DENOMINATOR", bad: csvOf(row(with(proportion, "value", "11")...)), good: csvOf(row(with(proportion, "value", "10")...)), wantCol: "value"},
		{code: "SD_OUT_OF_RANGE", bad: csvOf(row(with(mean, "sd", "-0.1")...)), good: csvOf(row(with(mean, "sd", "0")...)), wantCol: "sd"},
		{code: "DEPRIVATION_VALUE_OUT_OF_SCHEME", bad: csvOf(row("deprivation_scheme", "IMD_DECILE", "deprivation_value", "11")),
			good: csvOf(row("deprivation_scheme", "ADI_DECILE", "deprivation_value", "10")), wantCol: "deprivation_value"},
		{code: "DEPRIVATION_INCOMPLETE", bad: csvOf(row("deprivation_scheme", "IMD_DECILE")), good: csvOf(row("deprivation_scheme", "IMD_DECILE", "deprivation_value", "1"))},
		{code: "DOMAIN_AND_CATEGORY", bad: csvOf(row("welfare_domain", "DEBT", "ihelp_category", "INCOME_INSURANCE")),
			good: csvOf(row("welfare_domain", "DEBT"), row("ihelp_category", "INCOME_INSURANCE")), wantCol: "ihelp_category"},
		{code: "PERIOD_NOT_WHOLE_MONTHS", bad: csvOf(row("period_start", "2022-01-02")), good: csvOf(row()), wantCol: "period_start"},
		{code: "PERIOD_TOO_LONG", bad: csvOf(row("period_start", "2021-01-01", "period_end", "2022-01-31")),
			good: csvOf(row("period_start", "2021-02-01", "period_end", "2022-01-31")), wantCol: "period_end"},
		{code: "PERIOD_END_BEFORE_START", bad: csvOf(row("period_start", "2022-02-01", "period_end", "2022-01-31")), good: csvOf(row()), wantCol: "period_end"},
		{code: "PERIOD_IN_FUTURE", bad: csvOf(row("period_start", "2022-06-01", "period_end", "2022-06-30")),
			good: csvOf(row("period_start", "2022-05-01", "period_end", "2022-05-31")), wantCol: "period_end"},
		{code: "DUPLICATE_ROW", bad: csvOf(row("sex", "MALE"), row(), row("sex", "MALE")),
			good: csvOf(row("sex", "MALE"), row(), row("sex", "FEMALE")), wantRow: 4},
		{code: "PERIOD_OVERLAP_IN_FILE", bad: csvOf(row(), row("period_end", "2022-03-31")),
			good: csvOf(row(), row("period_start", "2022-02-01", "period_end", "2022-03-31"), row("sex", "MALE", "period_end", "2022-03-31")), wantRow: 3},
		// The partner's registration (leeds-gp: PRIMARY_CARE; WELFARE_BENEFITS, DEBT, HOUSING).
		{code: "HEALTH_SETTING_NOT_REGISTERED", bad: csvOf(row("health_setting", "MENTAL_HEALTH")),
			good: csvOf(row("health_setting", "PRIMARY_CARE")), wantRow: 2, wantCol: "health_setting"},
		{code: "DOMAIN_NOT_REGISTERED", bad: csvOf(row("welfare_domain", "IMMIGRATION")),
			good: csvOf(row("welfare_domain", "HOUSING")), wantRow: 2, wantCol: "welfare_domain"},
		{code: "CATEGORY_NOT_REGISTERED", bad: csvOf(row("ihelp_category", "LEGAL_STATUS")),
			good: csvOf(row("ihelp_category", "HOUSING_UTILITIES")), wantRow: 2, wantCol: "ihelp_category"},
	}
}

// identifierRuleCases: identifiers anywhere, named by row, column and kind, never
// repeated.
func identifierRuleCases() []ruleCase {
	const nhsNumber = "9434765919"
	return []ruleCase{
		{code: "IDENTIFIER_NHS_NUMBER", bad: csvOf(row("value", nhsNumber)), good: csvOf(row("value", "9434765918")),
			wantRow: 2, wantCol: "value", secret: nhsNumber},
		{code: "IDENTIFIER_CHI_NUMBER", bad: csvOf(row("value", "0101901234")), good: csvOf(row("value", "9434765918")), wantCol: "value", secret: "0101901234"},
		{code: "IDENTIFIER_SSN", bad: csvOf(row("sex", "123-45-6789")), good: csvOf(row("value", "666123456")), wantCol: "sex", secret: "6789"},
		{code: "IDENTIFIER_EMAIL", bad: csvOf(row("health_setting", "jo.bloggs@example.org")), good: csvOf(row()), wantCol: "health_setting", secret: "bloggs"},
		{code: "IDENTIFIER_PHONE", bad: csvOf(row("value", "07700900123")), good: csvOf(row("value", "7700")), wantCol: "value", secret: "900123"},
		{code: "IDENTIFIER_POSTCODE", bad: csvOf(row("age_band", "LS6 1AA")), good: csvOf(row("age_band", "AGE_18_24")), wantCol: "age_band", secret: "1AA"},
		{code: "IDENTIFIER_ZIP", bad: csvOf(row("value", "02139")), good: csvOf(row("value", "12345")), wantCol: "value", secret: "02139"},
		{code: "IDENTIFIER_DATE", bad: csvOf(row("metric", "1980-04-23")), good: csvOf(row()), wantCol: "metric", secret: "1980"},
		{code: "IDENTIFIER_NI_NUMBER", bad: csvOf(row("sex", "AB 12 34 56 C")), good: csvOf(row("sex", "FEMALE")), wantCol: "sex", secret: "34 56"},
	}
}

// checkRejected asserts the bad file's rejection: the rule's code at its row and
// column, and no message repeating the secret.
func checkRejected(t *testing.T, w *world, c ruleCase) {
	t.Helper()
	r := w.upload(t, w.uploaderA, c.bad, true)
	if r.Accepted || !r.has(c.code) {
		t.Fatalf("want rejection with %s, got accepted=%v:%s", c.code, r.Accepted, describe(r))
	}
	if r.IssueCount < len(r.Issues) || len(r.Issues) == 0 {
		t.Errorf("issueCount %d with %d issues", r.IssueCount, len(r.Issues))
	}
	for _, is := range r.Issues {
		if is.Code != c.code {
			continue
		}
		if c.wantRow != 0 && (is.Row == nil || *is.Row != c.wantRow) {
			t.Errorf("row = %v, want %d", is.Row, c.wantRow)
		}
		if c.wantCol != "" && (is.Column == nil || *is.Column != c.wantCol) {
			t.Errorf("column = %v, want %s", is.Column, c.wantCol)
		}
	}
	if c.secret != "" {
		for _, is := range r.Issues {
			if strings.Contains(is.Message, c.secret) || (is.Column != nil && strings.Contains(*is.Column, c.secret)) {
				t.Errorf("message repeats the identifier: %s", is.Message)
			}
		}
	}
}

// TestValidationRules has, for every rule, a file that breaks it (and must be
// rejected with the rule's code) and a file that keeps it (and must be accepted).
// Each runs as a dry run through the real GraphQL multipart handler.
func TestValidationRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cases := append(append(fileRuleCases(), cellRuleCases()...), identifierRuleCases()...)
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			t.Run("ErrInvalid", func(t *testing.T) { checkRejected(t, w, c) })
			t.Run("OK", func(t *testing.T) {
				r := w.upload(t, w.uploaderA, c.good, true)
				if !r.Accepted || len(r.Issues) != 0 {
					t.Fatalf("want acceptance, got:%s", describe(r))
				}
			})
		})
	}
	if n := w.count(t, `SELECT count(*) FROM submissions`); n != 0 {
		t.Errorf("dry runs stored %d submissions", n)
	}
}

// Cells outside the known columns are scanned too: an identifier in a rejected
// extra column is reported as such, not only as an unknown column.
func TestIdentifierInUnknownColumn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.upload(t, w.uploaderA, strings.TrimSuffix(header, "\n")+",notes\n"+row()+",call 07700 900123\n", true)
	if r.Accepted || !r.has("COLUMN_UNKNOWN") || !r.has("IDENTIFIER_PHONE") {
		t.Fatalf("want COLUMN_UNKNOWN and IDENTIFIER_PHONE:%s", describe(r))
	}
	// The issue names the column by its position (its header is the partner's own
	// text, never repeated), and nothing echoes the value (the CSV reader reuses its
	// record buffer, which once let the cell stand in for the header name).
	for _, is := range r.Issues {
		if is.Code == "IDENTIFIER_PHONE" && (is.Column != nil || !strings.Contains(is.Message, "column 15")) {
			t.Errorf("IDENTIFIER_PHONE names column %v (%s), want no name and column 15 in the message", is.Column, is.Message)
		}
		if strings.Contains(is.Message, "07700") || (is.Column != nil && strings.Contains(*is.Column, "07700")) {
			t.Errorf("issue echoes the identifier: %+v", is)
		}
	}
}

// The published template and example are what partners start from: the template's
// header must be the format's, the served copy must match the docs, and the example
// must be accepted.
func TestPublishedTemplateAndExample(t *testing.T) {
	t.Parallel()
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	served := read("../web/static/templates/observations.csv")
	if want := strings.Join(ingest.Columns[:], ",") + "\n"; served != want {
		t.Errorf("served template %q, want the header %q", served, want)
	}
	if docs := read("../../docs/templates/observations.csv"); docs != served {
		t.Errorf("docs/templates/observations.csv differs from the served template")
	}
	w := newWorld(t)
	if r := w.upload(t, w.uploaderA, read("../../docs/templates/observations-example.csv"), true); !r.Accepted {
		t.Errorf("the published example is rejected:%s", describe(r))
	}
}

// A header problem that leaves every required column in place does not hide the
// rows' problems: the partner sees everything to fix in one go.
func TestHeaderAndRowIssuesTogether(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bad := strings.Replace(row(), "PATIENTS_SCREENED", "NOT_A_METRIC", 1)
	r := w.upload(t, w.uploaderA, strings.TrimSuffix(header, "\n")+",notes\n"+bad+",\n", true)
	if r.Accepted || !r.has("COLUMN_UNKNOWN") || !r.has("METRIC_UNKNOWN") {
		t.Fatalf("want COLUMN_UNKNOWN and METRIC_UNKNOWN:%s", describe(r))
	}
}

// TestNotARealDate: a period date of the right shape that names no calendar day is
// named as such ("2022-06-31 is not a real date"), not as a format error; a date in
// another format still gets the format.
func TestNotARealDate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct{ name, col, value, want string }{
		{"ErrInvalid/June31", "period_end", "2022-06-31", "period_end 2022-06-31 is not a real date"},
		{"ErrInvalid/Feb30", "period_start", "2022-02-30", "period_start 2022-02-30 is not a real date"},
		{"ErrInvalid/Format", "period_start", "01/06/2022", "period_start must be a date written YYYY-MM-DD, e.g. 2021-04-01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.upload(t, w.uploaderA, csvOf(row(tc.col, tc.value)), true)
			var msgs []string
			for _, is := range r.Issues {
				if is.Code == "DATE_INVALID" {
					msgs = append(msgs, is.Message)
				}
			}
			if len(msgs) != 1 || msgs[0] != tc.want {
				t.Errorf("DATE_INVALID messages %q, want [%q]", msgs, tc.want)
			}
		})
	}
}
