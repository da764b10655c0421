package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/hjx-exchange/hjx/internal/disclosure"
	"github.com/hjx-exchange/hjx/internal/reference"
	"github.com/hjx-exchange/hjx/migrations"
)

// referenceLockID serialises reference-data loading across replicas starting at once.
const referenceLockID = 0x686a785f726566 // "hjx_ref"

// Migrate applies every pending migration and then loads the reference data. Two
// replicas starting together are safe: goose holds a PostgreSQL advisory session
// lock while migrating, and the reference load takes a transaction-level one.
func Migrate(ctx context.Context, db *sqlx.DB, log *slog.Logger) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migration locker: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithLogger(goose.NopLogger()),
		goose.WithGoMigrations(migrations.GoMigrations()...))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, referenceLockID); err != nil {
			return err
		}
		return loadReference(ctx, tx)
	})
}

// loadReference brings the codebook and crosswalk in line with the embedded files
// and adds any year's rates that the database does not have yet. It never changes a
// rate already stored: a correction is a new version (see hjx rates load).
func loadReference(ctx context.Context, tx sqlx.ExtContext) error {
	metrics, err := reference.Codebook()
	if err != nil {
		return err
	}
	for _, m := range metrics {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO metric_definitions (code, kind, unit, instrument, range_min, range_max, title, source)
			VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8)
			ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, unit = EXCLUDED.unit,
				instrument = EXCLUDED.instrument, range_min = EXCLUDED.range_min, range_max = EXCLUDED.range_max,
				title = EXCLUDED.title, source = EXCLUDED.source`,
			m.Code, m.Kind, m.Unit, m.Instrument, nullFloat(m.RangeMin), nullFloat(m.RangeMax), m.Title, m.Source)
		if err != nil {
			return fmt.Errorf("load metric %s: %w", m.Code, err)
		}
	}
	walks, err := reference.Crosswalks()
	if err != nil {
		return err
	}
	for _, c := range walks {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO welfare_domains (code, ihelp_category, note) VALUES ($1, $2, $3)
			ON CONFLICT (code) DO UPDATE SET ihelp_category = EXCLUDED.ihelp_category, note = EXCLUDED.note`,
			c.WelfareDomain, c.IhelpCategory, c.Note)
		if err != nil {
			return fmt.Errorf("load crosswalk %s: %w", c.WelfareDomain, err)
		}
	}
	rates, err := reference.Rates()
	if err != nil {
		return err
	}
	for _, r := range rates {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO exchange_rates (year, version, gbp_per_usd, ppp_gbp_per_intl_dollar, ppp_usd_per_intl_dollar, source)
			SELECT $1, 1, $2, $3, $4, $5
			WHERE NOT EXISTS (SELECT 1 FROM exchange_rates WHERE year = $1)`,
			r.Year, r.GBPPerUSD, r.PPPGBPPerIntl, r.PPPUSDPerIntl, reference.RatesSource)
		if err != nil {
			return fmt.Errorf("load rates %d: %w", r.Year, err)
		}
	}
	return nil
}

func nullFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

// LoadDisclosureSecret reads the server's disclosure secret, created by migration
// 00071. Services get it from the app's wiring, once per process: every replica
// and every restart must draw the same noise for the same cell, so it lives in the
// database, not in the process.
func LoadDisclosureSecret(ctx context.Context, db sqlx.QueryerContext) (disclosure.Secret, error) {
	var secret []byte
	err := sqlx.GetContext(ctx, db, &secret, `SELECT secret FROM disclosure_secret`)
	if IsNoRows(err) {
		return nil, errors.New("no disclosure secret in the database: run hjx migrate")
	}
	if err != nil {
		return nil, fmt.Errorf("read disclosure secret: %w", err)
	}
	return disclosure.Secret(secret), nil
}

// ReferenceDigest identifies the embedded reference data, so that test templates
// are rebuilt when it changes.
func ReferenceDigest() string { return reference.Digest() }
