-- The availability catalogue (docs/OUTCOMES.md, "What data exists"): which metrics
-- have data at which breakdown shapes, period granularities and years, and which
-- partners give it, answered without reading observations.
--
-- observation_shape_counts (migration 00050) holds current rows per partner, metric,
-- shape and period: about 240,000 counters at 10 million observations, one per
-- month or quarter. observation_availability folds the periods of each partner,
-- metric and shape into their year and the period buckets they fit wholly in:
--
--   year:  the calendar year holding most of the period's months, the earlier on a
--          tie (the year money is converted at; a period fitting a year or a quarter
--          lies in that year);
--   fits:  1 when the period lies wholly inside one quarter, 2 inside one year (a
--          quarter's period is 3; a UK financial year 0);
--   periods: how many of the partner's periods of that key hold current rows.
--
-- A row trigger on observation_shape_counts keeps it in the same transaction as every
-- change of the counters (so of observations), and a counter going to zero removes its
-- period: the very next catalogue sees a retraction.
--
-- observation_availability_summary is what the catalogue reads: one row per partner,
-- metric and shape (about 2,900 at 10 million observations), with the buckets its
-- periods fit (bit_or of fits) and its years, recomputed by a row trigger from the
-- few rows of observation_availability with the same key whenever one changes.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION availability_year(period_start date, period_end date) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN extract(year FROM period_end) > extract(year FROM period_start)
        AND extract(month FROM period_end) > 13 - extract(month FROM period_start)
        THEN extract(year FROM period_end) ELSE extract(year FROM period_start) END)::smallint
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION availability_fits(period_start date, period_end date) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN date_trunc('quarter', period_start) = date_trunc('quarter', period_end) THEN 1 ELSE 0 END
        + CASE WHEN date_trunc('year', period_start) = date_trunc('year', period_end) THEN 2 ELSE 0 END)::smallint
$$;
-- +goose StatementEnd

CREATE TABLE observation_availability (
    metric      text NOT NULL,
    partner_id  text NOT NULL,
    shape       smallint NOT NULL,
    year        smallint NOT NULL,
    fits        smallint NOT NULL,
    periods     bigint NOT NULL,
    PRIMARY KEY (metric, partner_id, shape, year, fits)
);
CREATE INDEX observation_availability_partner ON observation_availability (partner_id) WHERE periods > 0;

-- +goose StatementBegin
CREATE FUNCTION observation_availability_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A counter with rows > 0 is one period holding data: it counts +1 arriving, -1 leaving.
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.rows > 0 THEN
        UPDATE observation_availability SET periods = periods - 1
        WHERE (metric, partner_id, shape, year, fits) = (OLD.metric, OLD.partner_id, OLD.shape,
            availability_year(OLD.period_start, OLD.period_end), availability_fits(OLD.period_start, OLD.period_end));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.rows > 0 THEN
        INSERT INTO observation_availability AS a (metric, partner_id, shape, year, fits, periods)
        VALUES (NEW.metric, NEW.partner_id, NEW.shape, availability_year(NEW.period_start, NEW.period_end),
            availability_fits(NEW.period_start, NEW.period_end), 1)
        ON CONFLICT (metric, partner_id, shape, year, fits) DO UPDATE SET periods = a.periods + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER observation_availability_apply AFTER INSERT OR UPDATE OR DELETE ON observation_shape_counts
    FOR EACH ROW EXECUTE FUNCTION observation_availability_apply();

CREATE TABLE observation_availability_summary (
    metric      text NOT NULL,
    partner_id  text NOT NULL,
    shape       smallint NOT NULL,
    fits        smallint NOT NULL,
    years       smallint[] NOT NULL,
    PRIMARY KEY (metric, partner_id, shape)
);

-- +goose StatementBegin
CREATE FUNCTION observation_availability_summarise(k_metric text, k_partner text, k_shape smallint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    f smallint;
    y smallint[];
BEGIN
    SELECT bit_or(fits), array_agg(DISTINCT year ORDER BY year) INTO f, y
    FROM observation_availability WHERE metric = k_metric AND partner_id = k_partner AND shape = k_shape AND periods > 0;
    IF y IS NULL THEN
        DELETE FROM observation_availability_summary WHERE metric = k_metric AND partner_id = k_partner AND shape = k_shape;
    ELSE
        INSERT INTO observation_availability_summary (metric, partner_id, shape, fits, years)
        VALUES (k_metric, k_partner, k_shape, f, y)
        ON CONFLICT (metric, partner_id, shape) DO UPDATE SET fits = EXCLUDED.fits, years = EXCLUDED.years;
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION observation_availability_summary_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM observation_availability_summarise(OLD.metric, OLD.partner_id, OLD.shape);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.metric, NEW.partner_id, NEW.shape) IS DISTINCT FROM
            (OLD.metric, OLD.partner_id, OLD.shape)) THEN
        PERFORM observation_availability_summarise(NEW.metric, NEW.partner_id, NEW.shape);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER observation_availability_summary_apply AFTER INSERT OR UPDATE OR DELETE ON observation_availability
    FOR EACH ROW EXECUTE FUNCTION observation_availability_summary_apply();

-- +goose StatementBegin
CREATE FUNCTION observation_availability_summary_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE observation_availability_summary;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER observation_availability_summary_truncate AFTER TRUNCATE ON observation_availability
    FOR EACH STATEMENT EXECUTE FUNCTION observation_availability_summary_truncate();

-- +goose StatementBegin
CREATE FUNCTION observation_availability_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE observation_availability;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER observation_availability_truncate AFTER TRUNCATE ON observation_shape_counts
    FOR EACH STATEMENT EXECUTE FUNCTION observation_availability_truncate();

INSERT INTO observation_availability (metric, partner_id, shape, year, fits, periods)
SELECT metric, partner_id, shape, availability_year(period_start, period_end), availability_fits(period_start, period_end),
    count(*)
FROM observation_shape_counts WHERE rows > 0 GROUP BY 1, 2, 3, 4, 5;

-- +goose Down
DROP TRIGGER observation_availability_summary_truncate ON observation_availability;
DROP FUNCTION observation_availability_summary_truncate();
DROP TRIGGER observation_availability_summary_apply ON observation_availability;
DROP FUNCTION observation_availability_summary_apply();
DROP FUNCTION observation_availability_summarise(text, text, smallint);
DROP TABLE observation_availability_summary;
DROP TRIGGER observation_availability_truncate ON observation_shape_counts;
DROP FUNCTION observation_availability_truncate();
DROP TRIGGER observation_availability_apply ON observation_shape_counts;
DROP FUNCTION observation_availability_apply();
DROP TABLE observation_availability;
DROP FUNCTION availability_fits(date, date);
DROP FUNCTION availability_year(date, date);
