-- Partner uploads (docs/ARCHITECTURE.md#the-data-flow-of-an-upload).
--
-- source_row: the row of the file (or the position in the JSON rows) an observation
-- came from, so a partner's support question "where does this figure come from?"
-- has an answer, and so the duplicate and overlap checks, which run in SQL over the
-- rows just copied, can name the rows at fault.
--
-- observations_one_current: at most one current figure per partner, metric, period
-- and breakdown. A NULL dimension is the margin over that dimension, so NULLs are
-- compared as equal (coalesce). It is deferrable because an upload copies its rows
-- first and marks the figures they supersede afterwards, in the same transaction;
-- ingest defers it for that transaction only, every other writer gets it immediate.

-- +goose Up
ALTER TABLE observations ADD COLUMN source_row integer CHECK (source_row >= 1);

ALTER TABLE observations ADD CONSTRAINT observations_one_current EXCLUDE USING btree (
    partner_id WITH =,
    metric WITH =,
    (coalesce(welfare_domain, '')) WITH =,
    (coalesce(ihelp_category, '')) WITH =,
    (coalesce(health_setting, '')) WITH =,
    (coalesce(age_band, '')) WITH =,
    (coalesce(sex, '')) WITH =,
    (coalesce(deprivation_scheme, '')) WITH =,
    (coalesce(deprivation_value, 0)) WITH =,
    period_start WITH =,
    period_end WITH =
) WHERE (current) DEFERRABLE INITIALLY IMMEDIATE;

-- "Which submissions replaced this one?" reads the link backwards.
CREATE INDEX submission_supersedes_superseded ON submission_supersedes (superseded_id);

-- +goose Down
DROP INDEX submission_supersedes_superseded;
ALTER TABLE observations DROP CONSTRAINT observations_one_current;
ALTER TABLE observations DROP COLUMN source_row;
