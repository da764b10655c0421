-- Data versions: one row per committed change that alters what outcome queries
-- return (uploads, retractions, rates, policies). The outcome cache keys tables by
-- the newest version, so the very next query after a change computes afresh.
-- Rows are added by internal/audit together with the change's audit entry.

-- +goose Up
CREATE TABLE data_versions (
    seq  bigint PRIMARY KEY -- the seq of the audit entry recording the change
);

-- +goose Down
DROP TABLE data_versions;
