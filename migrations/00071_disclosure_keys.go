package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"github.com/hjx-exchange/hjx/internal/disclosure"
)

// backfillBatch is how many observations one UPDATE re-keys: bounded memory on a
// database of any size.
const backfillBatch = 10_000

// GoMigrations are the migrations written in Go, registered on the goose provider
// beside the SQL files. They are embedded in FS as well (as source), so the test
// template's name changes when they change.
func GoMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(71, &goose.GoFunc{RunTx: upDisclosureKeys}, &goose.GoFunc{RunTx: downDisclosureKeys}),
	}
}

// upDisclosureKeys creates the disclosure secret (migration 00070's table) unless
// one exists, gives every stored observation its record keys under it, and then
// makes the key columns NOT NULL. The keys are computed in Go because they are
// HMAC-SHA256 under the secret (disclosure.Secret.RecordKeys), exactly as ingest
// computes them for new rows.
func upDisclosureKeys(ctx context.Context, tx *sql.Tx) error {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return fmt.Errorf("disclosure secret: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO disclosure_secret (id, secret) VALUES (true, $1)
		ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
		return fmt.Errorf("store disclosure secret: %w", err)
	}
	var secret []byte
	if err := tx.QueryRowContext(ctx, `SELECT secret FROM disclosure_secret`).Scan(&secret); err != nil {
		return fmt.Errorf("read disclosure secret: %w", err)
	}
	if err := BackfillRecordKeys(ctx, tx, disclosure.Secret(secret)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `ALTER TABLE observations ALTER COLUMN key_value SET NOT NULL,
		ALTER COLUMN key_n SET NOT NULL`)
	return err
}

func downDisclosureKeys(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE observations ALTER COLUMN key_value DROP NOT NULL,
		ALTER COLUMN key_n DROP NOT NULL`)
	return err
}

// BackfillRecordKeys sets the record keys of every observation that has none, in
// batches of backfillBatch rows by id. Exported for the test that checks it agrees
// with ingest.
func BackfillRecordKeys(ctx context.Context, tx *sql.Tx, secret disclosure.Secret) error {
	after := int64(0)
	for {
		rows, err := tx.QueryContext(ctx, `
			SELECT id, partner_id, metric, to_char(period_start, 'YYYY-MM-DD'), to_char(period_end, 'YYYY-MM-DD'),
				coalesce(welfare_domain, ''), coalesce(ihelp_category, ''), coalesce(health_setting, ''),
				coalesce(age_band, ''), coalesce(sex, ''), coalesce(deprivation_scheme, ''),
				coalesce(deprivation_value::text, '')
			FROM observations WHERE id > $1 AND (key_value IS NULL OR key_n IS NULL)
			ORDER BY id LIMIT $2`, after, backfillBatch)
		if err != nil {
			return fmt.Errorf("read observations to key: %w", err)
		}
		var ids []int64
		var values, ns []int16
		for rows.Next() {
			var id int64
			var r disclosure.RecordIdentity
			if err := rows.Scan(&id, &r.PartnerID, &r.Metric, &r.PeriodStart, &r.PeriodEnd, &r.WelfareDomain,
				&r.IhelpCategory, &r.HealthSetting, &r.AgeBand, &r.Sex, &r.DeprivationScheme, &r.DeprivationValue); err != nil {
				_ = rows.Close()
				return fmt.Errorf("scan observation to key: %w", err)
			}
			v, n := secret.RecordKeys(r)
			ids, values, ns = append(ids, id), append(values, v), append(ns, n)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read observations to key: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE observations o SET key_value = k.v, key_n = k.n
			FROM unnest($1::bigint[], $2::smallint[], $3::smallint[]) AS k(id, v, n)
			WHERE o.id = k.id`, pq.Array(ids), pq.Array(int16s(values)), pq.Array(int16s(ns))); err != nil {
			return fmt.Errorf("store record keys: %w", err)
		}
		after = ids[len(ids)-1]
	}
}

// int16s widens for pq.Array, which has no int16 array type.
func int16s(xs []int16) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}
