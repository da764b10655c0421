package outcomes_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hjx-exchange/hjx/internal/access"
	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
	"github.com/hjx-exchange/hjx/internal/postgres"
	"github.com/hjx-exchange/hjx/internal/testkit"
)

// partnerSpec is a test partner: where it is, the one health setting it works in,
// and its sharing policy (nil: none, so it shares with no one).
type partnerSpec struct {
	id, country, region, setting string
	policy                       *access.PolicyInput
}

// world is a test hjx with partners, their admins and uploaders, and one approved
// project led by a researcher, built through the domain services.
type world struct {
	t          *testing.T
	env        *testkit.Env
	steward    *hjx.Principal
	stewardTok string
	admins     map[string]*hjx.Principal
	adminTok   map[string]string
	uploaders  map[string]*hjx.Principal
	uploadTok  map[string]string
	researcher *hjx.Principal
	resTok     string
	projectID  string
}

func yes(b bool) *bool { return &b }

// gru is a "general research use" policy with the country's default min cell.
func gru() *access.PolicyInput { return &access.PolicyInput{Permission: access.Permission("GRU")} }

func identifiableGRU() *access.PolicyInput {
	return &access.PolicyInput{Permission: access.Permission("GRU"), Identifiable: yes(true)}
}

func newWorld(t *testing.T, partners []partnerSpec) *world {
	t.Helper()
	env := testkit.New(t)
	w := &world{t: t, env: env, admins: map[string]*hjx.Principal{}, adminTok: map[string]string{},
		uploaders: map[string]*hjx.Principal{}, uploadTok: map[string]string{}}
	w.stewardTok, w.steward = env.Token(hjx.RoleSteward, "", "")
	ctx := context.Background()
	for _, p := range partners {
		model := map[string]hjx.PartnershipModel{"GB": hjx.ModelHJP, "US": hjx.ModelMLP}[p.country]
		if _, err := env.App.Directory.Register(ctx, w.steward, directory.Partner{ID: p.id, Name: "Partner " + p.id,
			Country: hjx.Country(p.country), Region: p.region, Model: model, HealthSettings: []hjx.HealthSetting{hjx.HealthSetting(p.setting)},
			AdviceDomains: []hjx.WelfareDomain{"WELFARE_BENEFITS", "DEBT", "HOUSING"}}); err != nil {
			t.Fatalf("register %s: %v", p.id, err)
		}
		w.adminTok[p.id], w.admins[p.id] = env.Token(hjx.RolePartnerAdmin, p.id, "")
		w.uploadTok[p.id], w.uploaders[p.id] = env.Token(hjx.RolePartnerUploader, p.id, "")
		if p.policy != nil {
			w.setPolicy(p.id, *p.policy)
		}
	}
	w.resTok, w.researcher = env.Token(hjx.RoleResearcher, "", "")
	w.projectID = w.project("Pooled outcomes test project")
	return w
}

// project proposes a project led by the world's researcher (a not-for-profit GB
// university, general research, ethics approved) and has the steward approve it.
func (w *world) project(title string) string {
	w.t.Helper()
	ctx := context.Background()
	pr, err := w.env.App.Governance.ProposeProject(ctx, w.researcher, access.ProjectInput{Title: title,
		Institution: "University of Leeds", InstitutionCountry: "GB", Purpose: access.Purpose("GENERAL_RESEARCH"),
		EthicsApprovalRef: "REC 22/YH/0001", PublicationCommitted: true,
		StartsOn: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		w.t.Fatalf("propose project: %v", err)
	}
	if _, err := w.env.App.Governance.ApproveProject(ctx, w.steward, pr.ID); err != nil {
		w.t.Fatalf("approve project: %v", err)
	}
	return pr.ID
}

func (w *world) setPolicy(partnerID string, in access.PolicyInput) {
	w.t.Helper()
	if _, err := w.env.App.Governance.SetPolicy(context.Background(), w.admins[partnerID], partnerID, in); err != nil {
		w.t.Fatalf("policy of %s: %v", partnerID, err)
	}
}

// submit stores rows for a partner through the ingest service and returns the
// submission id; the test fails if they are not accepted.
func (w *world) submit(partnerID string, rows []ingest.Row) string {
	w.t.Helper()
	res, err := w.env.App.Ingest.Submit(context.Background(), w.uploaders[partnerID],
		ingest.Request{Format: ingest.FormatJSON, ConsentBasis: "EXPLICIT_CONSENT", Rows: rows})
	if err != nil {
		w.t.Fatalf("submit for %s: %v", partnerID, err)
	}
	if !res.Accepted {
		w.t.Fatalf("submission of %s rejected: %d issues, first %+v", partnerID, res.IssueCount, res.Issues[0])
	}
	return res.Submission.ID
}

// gqlSubmit stores rows through the submitObservations mutation with the
// partner's uploader token, as a partner's own system would.
func (w *world) gqlSubmit(partnerID string, rows []map[string]any) string {
	w.t.Helper()
	var out struct {
		SubmitObservations struct {
			Accepted   bool
			Submission struct{ ID string }
			Issues     []struct{ Code, Message string }
		}
	}
	w.env.Do(w.uploadTok[partnerID], `mutation($in: SubmissionInput!) { submitObservations(input: $in) {
		accepted submission { id } issues { code message } } }`,
		map[string]any{"in": map[string]any{"consentBasis": "EXPLICIT_CONSENT", "rows": rows}}).Decode(w.t, &out)
	if !out.SubmitObservations.Accepted {
		w.t.Fatalf("submission of %s rejected: %+v", partnerID, out.SubmitObservations.Issues)
	}
	return out.SubmitObservations.Submission.ID
}

// outcomeRow is an OutcomeRow as the API returns it.
type outcomeRow struct {
	Country, Region, HealthSetting, WelfareDomain, IhelpCategory, AgeBand, Sex, Period *string
	Partner                                                                            *struct{ ID string }
	DeprivationQuintile                                                                *int
	Value                                                                              *float64
	N                                                                                  *int
	Sd, Rate                                                                           *float64
	Partners                                                                           *int
	Suppressed                                                                         bool
	Suppression                                                                        *string
}

// outcomeTable is an OutcomeTable as the API returns it.
type outcomeTable struct {
	Metric   struct{ Code, Kind string }
	Currency *string
	Rows     []outcomeRow
	Coverage struct {
		PartnersIncluded int
		PartnersExcluded []struct {
			Partner struct{ ID string }
			Reasons []struct{ Code, Message string }
		}
		ObservationsExcluded []struct {
			Reason string
			Count  int
		}
	}
	Disclosure struct {
		K, RoundingBase, SuppressedCells int
		ByReason                         []struct {
			Reason string
			Count  int
		}
	}
}

const outcomesQuery = `query($p: ID!, $q: OutcomeQuery!) { outcomes(projectId: $p, query: $q) {
	metric { code kind } currency
	rows { country region partner { id } healthSetting welfareDomain ihelpCategory ageBand sex deprivationQuintile
		period value n sd rate partners suppressed suppression }
	coverage { partnersIncluded partnersExcluded { partner { id } reasons { code message } } observationsExcluded { reason count } }
	disclosure { k roundingBase suppressedCells byReason { reason count } } } }`

// query asks for outcomes with a token and returns the response.
func (w *world) query(token, projectID string, q map[string]any) *testkit.Response {
	w.t.Helper()
	return w.env.Do(token, outcomesQuery, map[string]any{"p": projectID, "q": q})
}

// outcomes asks as the project's researcher and fails the test on any error.
func (w *world) outcomes(q map[string]any) outcomeTable {
	w.t.Helper()
	var out struct{ Outcomes outcomeTable }
	w.query(w.resTok, w.projectID, q).Decode(w.t, &out)
	return out.Outcomes
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// part is one partner's share of an expected cell: its true figure (a count, a
// numerator, money already in the reporting currency, or a mean), its n, and the
// condition on its current rows of the metric that make up the cell, which gives
// the record keys.
type part struct {
	partner string
	value   float64
	n       int
	rows    string
}

// atTotal selects rows without any breakdown.
const atTotal = `o.welfare_domain IS NULL AND o.ihelp_category IS NULL AND o.health_setting IS NULL
	AND o.age_band IS NULL AND o.sex IS NULL AND o.deprivation_scheme IS NULL`

// where joins conditions on rows.
func where(conds ...string) string { return strings.Join(conds, " AND ") }

// total2021Q1 selects the 2021-Q1 rows without breakdown.
var total2021Q1 = where(atTotal, `o.period_start = '2021-01-01'`)

// protect returns what disclosure control publishes for one cell made of parts,
// rendered as cells renders a row ("value", "value/n" or the suppression reason):
// the partners' min cells and identifiability come from the project's decisions,
// their record keys from the test database and their unit keys from its secret, so
// expected values stay exact under the perturbation. A cell on its own has no
// siblings: a value the table suppresses only secondarily is still given here.
func (w *world) protect(metric string, kind hjx.MetricKind, parts ...part) string {
	w.t.Helper()
	ctx := context.Background()
	secret, err := postgres.LoadDisclosureSecret(ctx, w.env.App.DB)
	if err != nil {
		w.t.Fatal(err)
	}
	decisions, err := w.env.App.Governance.DecisionsForProject(ctx, w.steward, w.projectID)
	if err != nil {
		w.t.Fatal(err)
	}
	cell := disclosure.Cell{Key: []string{}, Kind: kind}
	var sum float64
	for _, p := range parts {
		var keys struct {
			Value, N int64
			Rows     int
		}
		if err := w.env.App.DB.GetContext(ctx, &keys, `SELECT coalesce(sum(key_value), 0) AS value,
			coalesce(sum(key_n), 0) AS n, count(*) AS rows FROM observations o
			WHERE o.current AND o.partner_id = $1 AND o.metric = $2 AND `+p.rows, p.partner, metric); err != nil {
			w.t.Fatal(err)
		}
		if keys.Rows == 0 {
			w.t.Fatalf("protect: no current %s rows of %s where %s", metric, p.partner, p.rows)
		}
		c := disclosure.Contribution{PartnerID: p.partner, Value: p.value, N: p.n, ValueKey: keys.Value, NKey: keys.N,
			ValueUnit: secret.UnitKey(p.partner, metric, disclosure.RoleValue), NUnit: secret.UnitKey(p.partner, metric, disclosure.RoleN)}
		for _, d := range decisions {
			if d.PartnerID == p.partner {
				c.MinCell, c.Identifiable = d.MinCell, d.Identifiable
			}
		}
		cell.Contributions = append(cell.Contributions, c)
		cell.N += p.n
		if kind == hjx.KindMean {
			sum += p.value * float64(p.n)
		} else {
			sum += p.value
		}
	}
	cell.Value = sum
	if kind == hjx.KindMean && cell.N > 0 {
		cell.Value = sum / float64(cell.N)
	}
	out, _, err := disclosure.Protect(w.env.App.Outcomes.Disclosure, []disclosure.Cell{cell})
	if err != nil {
		w.t.Fatal(err)
	}
	switch pc := out[0]; {
	case pc.Suppressed:
		return string(pc.Reason)
	case pc.N != nil && kind != hjx.KindCount:
		return fmt.Sprintf("%g/%d", *pc.Value, *pc.N)
	default:
		return fmt.Sprintf("%g", *pc.Value)
	}
}
