// Package directory is the public partner directory and the codebook: who takes
// part, where, in which health settings, and what can be measured.
package directory

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/hjx-exchange/hjx/internal/audit"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/identifiers"
	"github.com/hjx-exchange/hjx/internal/postgres"
)

// Partner is a partner organisation as the directory shows it.
type Partner struct {
	ID             string
	Name           string
	Country        hjx.Country
	Region         string
	Model          hjx.PartnershipModel
	HealthSettings []hjx.HealthSetting
	AdviceDomains  []hjx.WelfareDomain
	ActiveFrom     time.Time
	ActiveTo       *time.Time
}

// Filter narrows the directory; empty fields do not filter.
type Filter struct {
	Country       hjx.Country
	Region        string
	Model         hjx.PartnershipModel
	HealthSetting hjx.HealthSetting
}

// Metric is a codebook entry.
type Metric struct {
	Code       string         `db:"code"`
	Kind       hjx.MetricKind `db:"kind"`
	Unit       string         `db:"unit"`
	Instrument *string        `db:"instrument"`
	RangeMin   *float64       `db:"range_min"`
	RangeMax   *float64       `db:"range_max"`
	Title      string         `db:"title"`
	Source     string         `db:"source"`
}

// Service reads and writes the directory.
type Service struct {
	DB    *sqlx.DB
	Audit *audit.Log
	Now   func() time.Time
	// Country, on a national node (HJX_NODE_COUNTRY), is the one country whose
	// partners it holds: a partner of another country is refused, its figures must
	// stay on its own country's node (docs/FEDERATION.md). Empty: any country.
	Country string
	// Remote, on a federation's coordinator, knows the public directory entries of
	// the national nodes' partners (as the nodes sent them with their cells), so
	// that coverage and partner rows resolve partners this database does not hold.
	Remote Remote
}

// Remote looks up partners held by other nodes; it returns those it knows.
type Remote interface {
	RemotePartners(ids []string) map[string]*Partner
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks a partner against the directory's rules, naming the first field
// at fault. Every check the database also makes is made here first, so clients get
// INVALID with a field rather than an internal error.
func (p *Partner) Validate() error {
	if len(p.ID) < 2 || len(p.ID) > 64 || !slugRE.MatchString(p.ID) {
		return hjx.Invalid("id", "must be a slug: 2 to 64 lower-case letters, digits and single hyphens (e.g. leeds-gp-advice)")
	}
	p.Name = strings.TrimSpace(p.Name)
	if err := identifiers.CheckText("name", p.Name); err != nil {
		return err
	}
	if p.Name == "" || len([]rune(p.Name)) > 200 {
		return hjx.Invalid("name", "must be 1 to 200 characters")
	}
	regions := hjx.RegionsOf(p.Country)
	if regions == nil {
		return hjx.Invalid("country", "must be %s", hjx.Alternatives(hjx.AllCountries()))
	}
	if !slices.Contains(regions, p.Region) {
		return hjx.Invalid("region", "is not an ISO 3166-2 region of %s (e.g. %s)", p.Country, regions[0])
	}
	if !hjx.In(hjx.AllPartnershipModels(), p.Model) {
		return hjx.Invalid("model", "must be %s", hjx.Alternatives(hjx.AllPartnershipModels()))
	}
	if !hjx.AllIn(hjx.AllHealthSettings(), p.HealthSettings) {
		return hjx.Invalid("healthSettings", "holds a value that is not a health setting")
	}
	if !hjx.AllIn(hjx.AllWelfareDomains(), p.AdviceDomains) {
		return hjx.Invalid("adviceDomains", "holds a value that is not a welfare domain")
	}
	if p.ActiveTo != nil && p.ActiveTo.Before(p.ActiveFrom) {
		return hjx.Invalid("activeTo", "must not be before activeFrom")
	}
	return nil
}

// Register onboards a partner: stewards only, audited in the same transaction.
func (s *Service) Register(ctx context.Context, by *hjx.Principal, p Partner) (*Partner, error) {
	if by == nil || by.Role != hjx.RoleSteward {
		return nil, hjx.Forbidden("only a steward may register partners")
	}
	var out *Partner
	err := postgres.WithTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		var err error
		if out, err = s.Insert(ctx, tx, p); err != nil {
			return err
		}
		_, err = s.Audit.Append(ctx, tx, by, audit.Entry{Action: "partner.register", Subject: "partner:" + out.ID,
			PartnersIncluded: []string{out.ID}})
		return err
	})
	return out, err
}

// Insert adds a partner within tx without an authorisation check: for Register and
// for the operator's own tools (the demo seed).
func (s *Service) Insert(ctx context.Context, tx sqlx.ExtContext, p Partner) (*Partner, error) {
	if p.ActiveFrom.IsZero() {
		p.ActiveFrom = hjx.DateOf(s.Now())
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if s.Country != "" && string(p.Country) != s.Country {
		return nil, hjx.Invalid("country", "this is the %s national node: a partner of another country is registered on its own country's node", s.Country)
	}
	p.HealthSettings = dedupe(p.HealthSettings)
	p.AdviceDomains = dedupe(p.AdviceDomains)
	res, err := tx.ExecContext(ctx, `
		INSERT INTO partners (id, name, country, region, model, health_settings, advice_domains, active_from, active_to)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO NOTHING`,
		p.ID, p.Name, p.Country, p.Region, p.Model, pq.Array(p.HealthSettings), pq.Array(p.AdviceDomains),
		p.ActiveFrom, p.ActiveTo)
	if err != nil {
		return nil, hjx.Internal(err, "insert partner")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, &hjx.Error{Code: hjx.CodeConflict, Field: "id", Message: "a partner with this id already exists"}
	}
	return &p, nil
}

func dedupe[T comparable](xs []T) []T {
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

type partnerRow struct {
	ID             string               `db:"id"`
	Name           string               `db:"name"`
	Country        hjx.Country          `db:"country"`
	Region         string               `db:"region"`
	Model          hjx.PartnershipModel `db:"model"`
	HealthSettings pq.StringArray       `db:"health_settings"`
	AdviceDomains  pq.StringArray       `db:"advice_domains"`
	ActiveFrom     time.Time            `db:"active_from"`
	ActiveTo       *time.Time           `db:"active_to"`
}

func (r partnerRow) partner() *Partner {
	return &Partner{ID: r.ID, Name: r.Name, Country: r.Country, Region: r.Region, Model: r.Model,
		HealthSettings: hjx.Codes[hjx.HealthSetting](r.HealthSettings), AdviceDomains: hjx.Codes[hjx.WelfareDomain](r.AdviceDomains),
		ActiveFrom: r.ActiveFrom, ActiveTo: r.ActiveTo}
}

const partnerColumns = `id, name, country, region, model, health_settings, advice_domains, active_from, active_to`

// filterSQL is the directory's WHERE clause; an empty filter value matches all.
const filterSQL = `($1 = '' OR country = $1) AND ($2 = '' OR region = $2) AND ($3 = '' OR model = $3)
	AND ($4 = '' OR $4 = ANY (health_settings))`

// List returns one page of the directory, ordered by id.
func (s *Service) List(ctx context.Context, f Filter, page hjx.Page) (*hjx.Connection[*Partner], error) {
	if f.Region != "" && !hjx.IsRegion(f.Region) {
		return nil, hjx.Invalid("filter.region", "is not an ISO 3166-2 region hjx knows")
	}
	args := []any{f.Country, f.Region, f.Model, f.HealthSetting}
	var rows []partnerRow
	err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+partnerColumns+` FROM partners
		WHERE `+filterSQL+` AND id > $5 ORDER BY id LIMIT $6`, append(args, page.AfterKey, page.First+1)...)
	if err != nil {
		return nil, hjx.Internal(err, "list partners")
	}
	var total int
	if err := sqlx.GetContext(ctx, s.DB, &total, `SELECT count(*) FROM partners WHERE `+filterSQL, args...); err != nil {
		return nil, hjx.Internal(err, "count partners")
	}
	return hjx.PageOf(rows, total, page, partnerRow.partner, func(r partnerRow) string { return r.ID }), nil
}

// Get returns one partner or NOT_FOUND.
func (s *Service) Get(ctx context.Context, id string) (*Partner, error) {
	var r partnerRow
	err := sqlx.GetContext(ctx, s.DB, &r, `SELECT `+partnerColumns+` FROM partners WHERE id = $1`, id)
	if postgres.IsNoRows(err) {
		if p := s.remote([]string{id})[id]; p != nil {
			return p, nil
		}
		return nil, hjx.NotFound("partner")
	}
	if err != nil {
		return nil, hjx.Internal(err, "get partner")
	}
	return r.partner(), nil
}

func (s *Service) remote(ids []string) map[string]*Partner {
	if s.Remote == nil || len(ids) == 0 {
		return nil
	}
	return s.Remote.RemotePartners(ids)
}

// GetMany loads partners by id in one query (the graph's dataloader calls it).
func (s *Service) GetMany(ctx context.Context, ids []string) (map[string]*Partner, error) {
	var rows []partnerRow
	err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT `+partnerColumns+` FROM partners WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, hjx.Internal(err, "load partners")
	}
	out := make(map[string]*Partner, len(rows))
	for _, r := range rows {
		out[r.ID] = r.partner()
	}
	var missing []string
	for _, id := range ids {
		if out[id] == nil {
			missing = append(missing, id)
		}
	}
	for id, p := range s.remote(missing) {
		out[id] = p
	}
	return out, nil
}

// Metrics returns the codebook, ordered as published.
func (s *Service) Metrics(ctx context.Context) ([]Metric, error) {
	var ms []Metric
	err := sqlx.SelectContext(ctx, s.DB, &ms, `
		SELECT code, kind, unit, instrument, range_min::float8 AS range_min, range_max::float8 AS range_max, title, source
		FROM metric_definitions ORDER BY code`)
	if err != nil {
		return nil, hjx.Internal(err, "list metrics")
	}
	return ms, nil
}

// Metric returns one codebook entry or NOT_FOUND.
func (s *Service) Metric(ctx context.Context, code string) (*Metric, error) {
	var m Metric
	err := sqlx.GetContext(ctx, s.DB, &m, `
		SELECT code, kind, unit, instrument, range_min::float8 AS range_min, range_max::float8 AS range_max, title, source
		FROM metric_definitions WHERE code = $1`, code)
	if postgres.IsNoRows(err) {
		return nil, hjx.NotFound("metric")
	}
	if err != nil {
		return nil, hjx.Internal(err, "get metric")
	}
	return &m, nil
}
