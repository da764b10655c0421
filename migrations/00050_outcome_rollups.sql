-- Outcome queries at 10 million observations (docs/BENCHMARKS.md).
--
-- A query takes from each partner only the rows whose breakdown is exactly the
-- query's dimensions (docs/ARCHITECTURE.md#the-data-flow-of-an-outcome-query), and counts the rest in its coverage
-- (NOT_AT_THIS_BREAKDOWN, COARSER_THAN_GROUPING). Which dimensions a row gives is
-- its "shape": one bit per dimension column that is not NULL. For most queries the
-- rows at the breakdown are exactly the rows of one shape, so:
--
-- observations_current_shape: reads only those rows of the metric (a dashboard's
-- totals are a few thousand rows among millions of breakdown rows);
--
-- observation_shape_counts: current rows per partner, metric, period and shape,
-- kept by statement-level triggers in the same transaction as every insert, update
-- (supersession, retraction) and delete of observations, so the coverage counts of
-- the rows left out come from a few thousand counters instead of a scan of every
-- row, and a change is seen by the very next query. internal/outcomes compares both
-- paths on random data (rollup_test.go).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION observation_shape(welfare_domain text, ihelp_category text, health_setting text, age_band text,
    sex text, deprivation_scheme text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN welfare_domain IS NULL THEN 0 ELSE 1 END
        + CASE WHEN ihelp_category IS NULL THEN 0 ELSE 2 END
        + CASE WHEN health_setting IS NULL THEN 0 ELSE 4 END
        + CASE WHEN age_band IS NULL THEN 0 ELSE 8 END
        + CASE WHEN sex IS NULL THEN 0 ELSE 16 END
        + CASE WHEN deprivation_scheme IS NULL THEN 0 ELSE 32 END)::smallint
$$;
-- +goose StatementEnd

CREATE INDEX observations_current_shape ON observations (metric,
    observation_shape(welfare_domain, ihelp_category, health_setting, age_band, sex, deprivation_scheme),
    partner_id, period_start) WHERE current;

CREATE TABLE observation_shape_counts (
    metric        text NOT NULL,
    partner_id    text NOT NULL,
    shape         smallint NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    rows          bigint NOT NULL, -- no CHECK (rows >= 0): an upsert checks its proposed row, a negative delta
    PRIMARY KEY (metric, partner_id, shape, period_start, period_end)
);

-- +goose StatementBegin
CREATE FUNCTION observation_shape_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Current rows leaving (old_rows) count -1, current rows arriving (new_rows) +1.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO observation_shape_counts AS c (metric, partner_id, shape, period_start, period_end, rows)
        SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band, sex,
                deprivation_scheme), period_start, period_end, count(*)
        FROM new_rows WHERE current
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (metric, partner_id, shape, period_start, period_end) DO UPDATE SET rows = c.rows + EXCLUDED.rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO observation_shape_counts AS c (metric, partner_id, shape, period_start, period_end, rows)
        SELECT metric, partner_id, shape, period_start, period_end, sum(delta)
        FROM (SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band,
                    sex, deprivation_scheme) AS shape, period_start, period_end, 1 AS delta
                FROM new_rows WHERE current
            UNION ALL
            SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band,
                    sex, deprivation_scheme), period_start, period_end, -1
                FROM old_rows WHERE current) d
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (metric, partner_id, shape, period_start, period_end) DO UPDATE SET rows = c.rows + EXCLUDED.rows;
    ELSE -- DELETE
        UPDATE observation_shape_counts c SET rows = c.rows - d.rows
        FROM (SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band,
                    sex, deprivation_scheme) AS shape, period_start, period_end, count(*) AS rows
                FROM old_rows WHERE current GROUP BY 1, 2, 3, 4, 5) d
        WHERE (c.metric, c.partner_id, c.shape, c.period_start, c.period_end)
            = (d.metric, d.partner_id, d.shape, d.period_start, d.period_end);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER observation_shape_counts_insert AFTER INSERT ON observations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION observation_shape_counts_apply();
CREATE TRIGGER observation_shape_counts_update AFTER UPDATE ON observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION observation_shape_counts_apply();
CREATE TRIGGER observation_shape_counts_delete AFTER DELETE ON observations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION observation_shape_counts_apply();

-- +goose StatementBegin
CREATE FUNCTION observation_shape_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE observation_shape_counts;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER observation_shape_counts_truncate AFTER TRUNCATE ON observations
    FOR EACH STATEMENT EXECUTE FUNCTION observation_shape_counts_truncate();

INSERT INTO observation_shape_counts (metric, partner_id, shape, period_start, period_end, rows)
SELECT metric, partner_id, observation_shape(welfare_domain, ihelp_category, health_setting, age_band, sex,
        deprivation_scheme), period_start, period_end, count(*)
FROM observations WHERE current GROUP BY 1, 2, 3, 4, 5;

-- +goose Down
DROP TRIGGER observation_shape_counts_truncate ON observations;
DROP FUNCTION observation_shape_counts_truncate();
DROP TRIGGER observation_shape_counts_delete ON observations;
DROP TRIGGER observation_shape_counts_update ON observations;
DROP TRIGGER observation_shape_counts_insert ON observations;
DROP FUNCTION observation_shape_counts_apply();
DROP TABLE observation_shape_counts;
DROP INDEX observations_current_shape;
DROP FUNCTION observation_shape(text, text, text, text, text, text);
